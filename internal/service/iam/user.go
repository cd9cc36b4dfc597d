package iam

import (
	"context"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

// loadUser returns the user called name or NoSuchEntity.
func (s *Service) loadUser(name string) (userRecord, error) {
	u, ok, err := getRecord(s.users, nameKey(name))
	if err != nil {
		return u, err
	}
	if !ok {
		return u, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

// updateUser applies fn to the stored user and saves it.
func (s *Service) updateUser(name string, fn func(*userRecord) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.loadUser(name)
	if err != nil {
		return err
	}
	if err := fn(&u); err != nil {
		return err
	}
	return s.users.Save(nameKey(u.Name), u, true)
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, in *iamapi.CreateUserInput) (*iamapi.CreateUserOutput, error) {
	name, err := checkName("userName", in.UserName, 64)
	if err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, pathPattern)
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
	if _, ok, err := getRecord(s.users, nameKey(name)); err != nil {
		return nil, err
	} else if ok {
		return nil, alreadyExists("User with name %s already exists.", name)
	}
	u := userRecord{
		principal: principal{Name: name, Path: path, ID: arn.UniqueID(arn.PrefixUser),
			ARN: s.entityARN("user", path, name), Created: s.now(ctx), Tags: tags},
		PermissionsBoundary: boundary,
	}
	if err := s.users.Save(nameKey(name), u, true); err != nil {
		return nil, err
	}
	return &iamapi.CreateUserOutput{User: userOut(&u, false)}, nil
}

// callerUserName returns the user name of the request's caller when the caller
// is an IAM user of this account.
func (s *Service) callerUserName(ctx context.Context) (string, bool) {
	r := awsapi.RequestFrom(ctx)
	if r == nil || r.Caller.Root || r.Caller.Anonymous {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.Caller.ARN, "arn:aws:iam::"+s.account+":user/")
	if !ok {
		return "", false
	}
	return rest[strings.LastIndex(rest, "/")+1:], true
}

// GetUser returns a user; without UserName, the calling user.
func (s *Service) GetUser(ctx context.Context, in *iamapi.GetUserInput) (*iamapi.GetUserOutput, error) {
	if in.UserName == nil {
		if r := awsapi.RequestFrom(ctx); r != nil && r.Caller.Root {
			return &iamapi.GetUserOutput{User: &iamapi.User{
				Path: ptr("/"), UserId: ptr(s.account), Arn: ptr("arn:aws:iam::" + s.account + ":root"),
				CreateDate: ptr(s.now(ctx)),
			}}, nil
		}
		name, ok := s.callerUserName(ctx)
		if !ok {
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
		in = &iamapi.GetUserInput{UserName: &name}
	}
	name, err := checkName("userName", in.UserName, 64)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.loadUser(name)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserOutput{User: userOut(&u, true)}, nil
}

// DeleteUser deletes a user without keys, policies or group memberships.
func (s *Service) DeleteUser(ctx context.Context, in *iamapi.DeleteUserInput) (*iamapi.DeleteUserOutput, error) {
	name, err := checkName("userName", in.UserName, 64)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.loadUser(name)
	if err != nil {
		return nil, err
	}
	switch {
	case len(u.Keys) > 0:
		return nil, deleteConflict("Cannot delete entity, must delete access keys first.")
	case len(u.Attached) > 0:
		return nil, deleteConflict("Cannot delete entity, must detach all policies first.")
	case len(u.Inline) > 0:
		return nil, deleteConflict("Cannot delete entity, must delete policies first.")
	case len(u.Groups) > 0:
		return nil, deleteConflict("Cannot delete entity, must remove user from all groups first.")
	}
	b := s.db.NewBatch()
	s.users.Delete(b, nameKey(name))
	if err := commit(b); err != nil {
		return nil, err
	}
	return &iamapi.DeleteUserOutput{}, nil
}

// ListUsers lists users whose path starts with PathPrefix.
func (s *Service) ListUsers(ctx context.Context, in *iamapi.ListUsersInput) (*iamapi.ListUsersOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	all, err := listAll(s.users, "")
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	var match []userRecord
	for _, u := range all {
		if strings.HasPrefix(u.Path, prefix) {
			match = append(match, u)
		}
	}
	items, marker, truncated, err := page(match, func(u userRecord) string { return nameKey(u.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListUsersOutput{Users: []iamapi.User{}, Marker: marker, IsTruncated: &truncated}
	for i := range items {
		u := userOut(&items[i], false)
		u.Tags = nil
		out.Users = append(out.Users, *u)
	}
	return out, nil
}

// TagUser adds or replaces tags of a user.
func (s *Service) TagUser(ctx context.Context, in *iamapi.TagUserInput) (*iamapi.TagUserOutput, error) {
	name, err := checkName("userName", in.UserName, 64)
	if err != nil {
		return nil, err
	}
	err = s.updateUser(name, func(u *userRecord) error {
		tags, err := mergeTags(u.Tags, tagsIn(in.Tags))
		u.Tags = tags
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagUserOutput{}, nil
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, in *iamapi.UntagUserInput) (*iamapi.UntagUserOutput, error) {
	name, err := checkName("userName", in.UserName, 64)
	if err != nil {
		return nil, err
	}
	err = s.updateUser(name, func(u *userRecord) error {
		u.Tags = removeTags(u.Tags, in.TagKeys)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagUserOutput{}, nil
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, in *iamapi.ListUserTagsInput) (*iamapi.ListUserTagsOutput, error) {
	name, err := checkName("userName", in.UserName, 64)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	u, err := s.loadUser(name)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	tags, marker, truncated, err := pageTags(u.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserTagsOutput{Tags: tags, Marker: marker, IsTruncated: &truncated}, nil
}
