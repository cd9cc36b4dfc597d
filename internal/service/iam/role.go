package iam

import (
	"context"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

// Role session duration limits (seconds).
const (
	defaultMaxSession = 3600
	maxMaxSession     = 43200
)

// loadRole returns the role called name or NoSuchEntity.
func (s *Service) loadRole(name string) (roleRecord, error) {
	r, ok, err := getRecord(s.roles, nameKey(name))
	if err != nil {
		return r, err
	}
	if !ok {
		return r, noSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func checkMaxSession(p *int32) (int32, error) {
	if p == nil {
		return defaultMaxSession, nil
	}
	if *p < defaultMaxSession || *p > maxMaxSession {
		return 0, validationError("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200", *p)
	}
	return *p, nil
}

func checkDescription(p *string, max int) (string, error) {
	if p == nil {
		return "", nil
	}
	if len(*p) > max {
		return "", validationError("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", max)
	}
	return *p, nil
}

// CreateRole creates a role with a trust policy.
func (s *Service) CreateRole(ctx context.Context, in *iamapi.CreateRoleInput) (*iamapi.CreateRoleOutput, error) {
	name, err := checkName("roleName", in.RoleName, 64)
	if err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, pathPattern)
	if err != nil {
		return nil, err
	}
	doc, err := checkDocument("assumeRolePolicyDocument", in.AssumeRolePolicyDocument)
	if err != nil {
		return nil, err
	}
	if _, err := parseTrust(doc); err != nil {
		return nil, err
	}
	desc, err := checkDescription(in.Description, 1000)
	if err != nil {
		return nil, err
	}
	maxSession, err := checkMaxSession(in.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	tags := tagsIn(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	boundary, err := s.checkBoundary(in.PermissionsBoundary)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok, err := getRecord(s.roles, nameKey(name)); err != nil {
		return nil, err
	} else if ok {
		return nil, alreadyExists("Role with name %s already exists.", name)
	}
	r := roleRecord{
		principal: principal{Name: name, Path: path, ID: arn.UniqueID(arn.PrefixRole),
			ARN: s.entityARN("role", path, name), Created: s.now(ctx), Tags: tags},
		TrustPolicy: doc, Description: desc, MaxSessionDuration: maxSession, PermissionsBoundary: boundary,
	}
	if err := s.roles.Save(nameKey(name), r, true); err != nil {
		return nil, err
	}
	out := roleOut(&r, false)
	return &iamapi.CreateRoleOutput{Role: out}, nil
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, in *iamapi.GetRoleInput) (*iamapi.GetRoleOutput, error) {
	name, err := checkName("roleName", in.RoleName, 64)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.loadRole(name)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRoleOutput{Role: roleOut(&r, true)}, nil
}

// DeleteRole deletes a role that has no policies left.
func (s *Service) DeleteRole(ctx context.Context, in *iamapi.DeleteRoleInput) (*iamapi.DeleteRoleOutput, error) {
	name, err := checkName("roleName", in.RoleName, 64)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.loadRole(name)
	if err != nil {
		return nil, err
	}
	if len(r.Attached) > 0 {
		return nil, deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	if len(r.Inline) > 0 {
		return nil, deleteConflict("Cannot delete entity, must delete policies first.")
	}
	b := s.db.NewBatch()
	s.roles.Delete(b, nameKey(name))
	if err := commit(b); err != nil {
		return nil, err
	}
	return &iamapi.DeleteRoleOutput{}, nil
}

// ListRoles lists roles whose path starts with PathPrefix.
func (s *Service) ListRoles(ctx context.Context, in *iamapi.ListRolesInput) (*iamapi.ListRolesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	all, err := listAll(s.roles, "")
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	var match []roleRecord
	for _, r := range all {
		if strings.HasPrefix(r.Path, prefix) {
			match = append(match, r)
		}
	}
	items, marker, truncated, err := page(match, func(r roleRecord) string { return nameKey(r.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListRolesOutput{Roles: []iamapi.Role{}, Marker: marker, IsTruncated: &truncated}
	for i := range items {
		r := roleOut(&items[i], false)
		r.Tags = nil
		out.Roles = append(out.Roles, *r)
	}
	return out, nil
}

// UpdateRole changes a role's description or maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, in *iamapi.UpdateRoleInput) (*iamapi.UpdateRoleOutput, error) {
	name, err := checkName("roleName", in.RoleName, 64)
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(in.Description, 1000)
	if err != nil {
		return nil, err
	}
	var maxSession int32
	if in.MaxSessionDuration != nil {
		if maxSession, err = checkMaxSession(in.MaxSessionDuration); err != nil {
			return nil, err
		}
	}
	err = s.updateRole(name, func(r *roleRecord) error {
		if in.Description != nil {
			r.Description = desc
		}
		if maxSession != 0 {
			r.MaxSessionDuration = maxSession
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateRoleOutput{}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *iamapi.UpdateAssumeRolePolicyInput) (*iamapi.UpdateAssumeRolePolicyOutput, error) {
	name, err := checkName("roleName", in.RoleName, 64)
	if err != nil {
		return nil, err
	}
	doc, err := checkDocument("policyDocument", in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	if _, err := parseTrust(doc); err != nil {
		return nil, err
	}
	err = s.updateRole(name, func(r *roleRecord) error {
		r.TrustPolicy = doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAssumeRolePolicyOutput{}, nil
}

// updateRole applies fn to the stored role and saves it.
func (s *Service) updateRole(name string, fn func(*roleRecord) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.loadRole(name)
	if err != nil {
		return err
	}
	if err := fn(&r); err != nil {
		return err
	}
	return s.roles.Save(nameKey(r.Name), r, true)
}

// TagRole adds or replaces tags of a role.
func (s *Service) TagRole(ctx context.Context, in *iamapi.TagRoleInput) (*iamapi.TagRoleOutput, error) {
	name, err := checkName("roleName", in.RoleName, 64)
	if err != nil {
		return nil, err
	}
	err = s.updateRole(name, func(r *roleRecord) error {
		tags, err := mergeTags(r.Tags, tagsIn(in.Tags))
		r.Tags = tags
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagRoleOutput{}, nil
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, in *iamapi.UntagRoleInput) (*iamapi.UntagRoleOutput, error) {
	name, err := checkName("roleName", in.RoleName, 64)
	if err != nil {
		return nil, err
	}
	err = s.updateRole(name, func(r *roleRecord) error {
		r.Tags = removeTags(r.Tags, in.TagKeys)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagRoleOutput{}, nil
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, in *iamapi.ListRoleTagsInput) (*iamapi.ListRoleTagsOutput, error) {
	name, err := checkName("roleName", in.RoleName, 64)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	r, err := s.loadRole(name)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	tags, marker, truncated, err := pageTags(r.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListRoleTagsOutput{Tags: tags, Marker: marker, IsTruncated: &truncated}, nil
}
