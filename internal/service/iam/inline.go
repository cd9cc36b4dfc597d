package iam

import (
	"context"
	"sort"
	"strings"
	"unicode"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
)

// inlineQuota is the aggregate size (non-whitespace characters) of the inline
// policies an entity may have.
func inlineQuota(kind entityKind) int {
	switch kind {
	case kindRole:
		return 10240
	case kindUser:
		return 2048
	default:
		return 5120
	}
}

func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// putInline creates or replaces an inline policy of an entity.
func (s *Service) putInline(kind entityKind, namep, policyName, docp *string) error {
	name, err := checkName(string(kind)+"Name", namep, nameLimit(kind))
	if err != nil {
		return err
	}
	pname, err := checkName("policyName", policyName, 128)
	if err != nil {
		return err
	}
	doc, err := checkDocument("policyDocument", docp)
	if err != nil {
		return err
	}
	if _, err := parseIdentity(doc); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.db.NewBatch()
	err = s.editPrincipal(b, kind, name, func(p *principal) error {
		total := policySize(doc)
		for n, d := range p.Inline {
			if n != pname {
				total += policySize(d)
			}
		}
		if total > inlineQuota(kind) {
			return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", inlineQuota(kind), kind, p.Name)
		}
		if p.Inline == nil {
			p.Inline = make(map[string]string)
		}
		p.Inline[pname] = doc
		return nil
	})
	if err != nil {
		return err
	}
	return commit(b)
}

// getInline returns the entity's canonical name and an inline policy document.
func (s *Service) getInline(kind entityKind, namep, policyName *string) (string, string, string, error) {
	name, err := checkName(string(kind)+"Name", namep, nameLimit(kind))
	if err != nil {
		return "", "", "", err
	}
	pname, err := checkName("policyName", policyName, 128)
	if err != nil {
		return "", "", "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.loadPrincipal(kind, name)
	if err != nil {
		return "", "", "", err
	}
	doc, ok := p.Inline[pname]
	if !ok {
		return "", "", "", noSuchEntity("The %s policy with name %s cannot be found.", kind, pname)
	}
	return p.Name, pname, doc, nil
}

// deleteInline deletes an inline policy of an entity.
func (s *Service) deleteInline(kind entityKind, namep, policyName *string) error {
	name, err := checkName(string(kind)+"Name", namep, nameLimit(kind))
	if err != nil {
		return err
	}
	pname, err := checkName("policyName", policyName, 128)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.db.NewBatch()
	err = s.editPrincipal(b, kind, name, func(p *principal) error {
		if _, ok := p.Inline[pname]; !ok {
			return noSuchEntity("The %s policy with name %s cannot be found.", kind, pname)
		}
		delete(p.Inline, pname)
		return nil
	})
	if err != nil {
		return err
	}
	return commit(b)
}

// listInline returns a page of an entity's inline policy names.
func (s *Service) listInline(kind entityKind, namep, marker *string, maxItems *int32) ([]string, *string, bool, error) {
	name, err := checkName(string(kind)+"Name", namep, nameLimit(kind))
	if err != nil {
		return nil, nil, false, err
	}
	s.mu.RLock()
	p, err := s.loadPrincipal(kind, name)
	s.mu.RUnlock()
	if err != nil {
		return nil, nil, false, err
	}
	names := make([]string, 0, len(p.Inline))
	for n := range p.Inline {
		names = append(names, n)
	}
	sort.Strings(names)
	items, next, truncated, err := page(names, func(n string) string { return n }, marker, maxItems)
	if err != nil {
		return nil, nil, false, err
	}
	return append([]string{}, items...), next, truncated, nil
}

// PutRolePolicy creates or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, in *iamapi.PutRolePolicyInput) (*iamapi.PutRolePolicyOutput, error) {
	return &iamapi.PutRolePolicyOutput{}, s.putInline(kindRole, in.RoleName, in.PolicyName, in.PolicyDocument)
}

// GetRolePolicy returns an inline policy of a role, its document URL-encoded.
func (s *Service) GetRolePolicy(ctx context.Context, in *iamapi.GetRolePolicyInput) (*iamapi.GetRolePolicyOutput, error) {
	name, pname, doc, err := s.getInline(kindRole, in.RoleName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRolePolicyOutput{RoleName: &name, PolicyName: &pname, PolicyDocument: ptr(encodeDocument(doc))}, nil
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, in *iamapi.DeleteRolePolicyInput) (*iamapi.DeleteRolePolicyOutput, error) {
	return &iamapi.DeleteRolePolicyOutput{}, s.deleteInline(kindRole, in.RoleName, in.PolicyName)
}

// ListRolePolicies lists the inline policy names of a role.
func (s *Service) ListRolePolicies(ctx context.Context, in *iamapi.ListRolePoliciesInput) (*iamapi.ListRolePoliciesOutput, error) {
	names, m, t, err := s.listInline(kindRole, in.RoleName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListRolePoliciesOutput{PolicyNames: names, Marker: m, IsTruncated: &t}, nil
}

// PutUserPolicy creates or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, in *iamapi.PutUserPolicyInput) (*iamapi.PutUserPolicyOutput, error) {
	return &iamapi.PutUserPolicyOutput{}, s.putInline(kindUser, in.UserName, in.PolicyName, in.PolicyDocument)
}

// GetUserPolicy returns an inline policy of a user, its document URL-encoded.
func (s *Service) GetUserPolicy(ctx context.Context, in *iamapi.GetUserPolicyInput) (*iamapi.GetUserPolicyOutput, error) {
	name, pname, doc, err := s.getInline(kindUser, in.UserName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserPolicyOutput{UserName: &name, PolicyName: &pname, PolicyDocument: ptr(encodeDocument(doc))}, nil
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, in *iamapi.DeleteUserPolicyInput) (*iamapi.DeleteUserPolicyOutput, error) {
	return &iamapi.DeleteUserPolicyOutput{}, s.deleteInline(kindUser, in.UserName, in.PolicyName)
}

// ListUserPolicies lists the inline policy names of a user.
func (s *Service) ListUserPolicies(ctx context.Context, in *iamapi.ListUserPoliciesInput) (*iamapi.ListUserPoliciesOutput, error) {
	names, m, t, err := s.listInline(kindUser, in.UserName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserPoliciesOutput{PolicyNames: names, Marker: m, IsTruncated: &t}, nil
}

// PutGroupPolicy creates or replaces an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, in *iamapi.PutGroupPolicyInput) (*iamapi.PutGroupPolicyOutput, error) {
	return &iamapi.PutGroupPolicyOutput{}, s.putInline(kindGroup, in.GroupName, in.PolicyName, in.PolicyDocument)
}

// GetGroupPolicy returns an inline policy of a group, its document URL-encoded.
func (s *Service) GetGroupPolicy(ctx context.Context, in *iamapi.GetGroupPolicyInput) (*iamapi.GetGroupPolicyOutput, error) {
	name, pname, doc, err := s.getInline(kindGroup, in.GroupName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetGroupPolicyOutput{GroupName: &name, PolicyName: &pname, PolicyDocument: ptr(encodeDocument(doc))}, nil
}

// DeleteGroupPolicy deletes an inline policy of a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, in *iamapi.DeleteGroupPolicyInput) (*iamapi.DeleteGroupPolicyOutput, error) {
	return &iamapi.DeleteGroupPolicyOutput{}, s.deleteInline(kindGroup, in.GroupName, in.PolicyName)
}

// ListGroupPolicies lists the inline policy names of a group.
func (s *Service) ListGroupPolicies(ctx context.Context, in *iamapi.ListGroupPoliciesInput) (*iamapi.ListGroupPoliciesOutput, error) {
	names, m, t, err := s.listInline(kindGroup, in.GroupName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListGroupPoliciesOutput{PolicyNames: names, Marker: m, IsTruncated: &t}, nil
}

// ListEntitiesForPolicy lists the roles, users and groups a managed policy is
// attached to.
func (s *Service) ListEntitiesForPolicy(ctx context.Context, in *iamapi.ListEntitiesForPolicyInput) (*iamapi.ListEntitiesForPolicyOutput, error) {
	arn, err := required("policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	filter := ""
	if in.EntityFilter != nil {
		filter = string(*in.EntityFilter)
	}
	s.mu.RLock()
	ents, err := s.policyEntities(arn, filter, prefix)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	items, marker, truncated, err := page(ents, func(e entityRef) string { return string(e.kind) + "\x00" + nameKey(e.p.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListEntitiesForPolicyOutput{PolicyGroups: []iamapi.PolicyGroup{}, PolicyUsers: []iamapi.PolicyUser{},
		PolicyRoles: []iamapi.PolicyRole{}, Marker: marker, IsTruncated: &truncated}
	for _, e := range items {
		switch e.kind {
		case kindGroup:
			out.PolicyGroups = append(out.PolicyGroups, iamapi.PolicyGroup{GroupName: ptr(e.p.Name), GroupId: ptr(e.p.ID)})
		case kindRole:
			out.PolicyRoles = append(out.PolicyRoles, iamapi.PolicyRole{RoleName: ptr(e.p.Name), RoleId: ptr(e.p.ID)})
		default:
			out.PolicyUsers = append(out.PolicyUsers, iamapi.PolicyUser{UserName: ptr(e.p.Name), UserId: ptr(e.p.ID)})
		}
	}
	return out, nil
}

type entityRef struct {
	kind entityKind
	p    principal
}

// policyEntities returns the entities a policy is attached to, filtered by
// EntityFilter and path prefix, sorted by kind and name.
func (s *Service) policyEntities(arn, filter, prefix string) ([]entityRef, error) {
	if _, _, err := s.findPolicy(arn); err != nil {
		return nil, err
	}
	want := map[string]entityKind{"User": kindUser, "Role": kindRole, "Group": kindGroup}
	if filter != "" && filter != "LocalManagedPolicy" && filter != "AWSManagedPolicy" {
		if _, ok := want[filter]; !ok {
			return nil, validationError("1 validation error detected: Value '%s' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]", filter)
		}
	}
	links, err := listAll(s.attach, arn+"\x00")
	if err != nil {
		return nil, err
	}
	var out []entityRef
	for _, l := range links {
		if k, ok := want[filter]; ok && k != l.Kind {
			continue
		}
		p, err := s.loadPrincipal(l.Kind, l.Name)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(p.Path, prefix) {
			out = append(out, entityRef{kind: l.Kind, p: p})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return string(out[i].kind)+"\x00"+nameKey(out[i].p.Name) < string(out[j].kind)+"\x00"+nameKey(out[j].p.Name)
	})
	return out, nil
}
