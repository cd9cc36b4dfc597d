package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

// loadGroup returns the group called name or NoSuchEntity.
func (s *Service) loadGroup(name string) (groupRecord, error) {
	g, ok, err := getRecord(s.groups, nameKey(name))
	if err != nil {
		return g, err
	}
	if !ok {
		return g, noSuchEntity("The group with name %s cannot be found.", name)
	}
	return g, nil
}

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, in *iamapi.CreateGroupInput) (*iamapi.CreateGroupOutput, error) {
	name, err := checkName("groupName", in.GroupName, 128)
	if err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, pathPattern)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok, err := getRecord(s.groups, nameKey(name)); err != nil {
		return nil, err
	} else if ok {
		return nil, alreadyExists("Group with name %s already exists.", name)
	}
	g := groupRecord{principal{Name: name, Path: path, ID: arn.UniqueID(arn.PrefixGroup),
		ARN: s.entityARN("group", path, name), Created: s.now(ctx)}}
	if err := s.groups.Save(nameKey(name), g, true); err != nil {
		return nil, err
	}
	return &iamapi.CreateGroupOutput{Group: groupOut(&g)}, nil
}

// groupUsers returns the users of a group, sorted by name.
func (s *Service) groupUsers(group string) ([]userRecord, error) {
	ms, err := listAll(s.members, nameKey(group)+"\x00")
	if err != nil {
		return nil, err
	}
	users := make([]userRecord, 0, len(ms))
	for _, m := range ms {
		u, err := s.loadUser(m.User)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}

// GetGroup returns a group and (a page of) its users.
func (s *Service) GetGroup(ctx context.Context, in *iamapi.GetGroupInput) (*iamapi.GetGroupOutput, error) {
	name, err := checkName("groupName", in.GroupName, 128)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	g, err := s.loadGroup(name)
	var users []userRecord
	if err == nil {
		users, err = s.groupUsers(name)
	}
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	items, marker, truncated, err := page(users, func(u userRecord) string { return nameKey(u.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.GetGroupOutput{Group: groupOut(&g), Users: []iamapi.User{}, Marker: marker, IsTruncated: &truncated}
	for i := range items {
		u := userOut(&items[i], false)
		u.Tags = nil
		out.Users = append(out.Users, *u)
	}
	return out, nil
}

// DeleteGroup deletes an empty group without policies.
func (s *Service) DeleteGroup(ctx context.Context, in *iamapi.DeleteGroupInput) (*iamapi.DeleteGroupOutput, error) {
	name, err := checkName("groupName", in.GroupName, 128)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.loadGroup(name)
	if err != nil {
		return nil, err
	}
	users, err := s.groupUsers(name)
	if err != nil {
		return nil, err
	}
	switch {
	case len(users) > 0:
		return nil, deleteConflict("Cannot delete entity, must remove users from group first.")
	case len(g.Attached) > 0:
		return nil, deleteConflict("Cannot delete entity, must detach all policies first.")
	case len(g.Inline) > 0:
		return nil, deleteConflict("Cannot delete entity, must delete policies first.")
	}
	b := s.db.NewBatch()
	s.groups.Delete(b, nameKey(name))
	if err := commit(b); err != nil {
		return nil, err
	}
	return &iamapi.DeleteGroupOutput{}, nil
}

// ListGroups lists groups whose path starts with PathPrefix.
func (s *Service) ListGroups(ctx context.Context, in *iamapi.ListGroupsInput) (*iamapi.ListGroupsOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	all, err := listAll(s.groups, "")
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	var match []groupRecord
	for _, g := range all {
		if strings.HasPrefix(g.Path, prefix) {
			match = append(match, g)
		}
	}
	return groupPage(match, in.Marker, in.MaxItems, func(gs []iamapi.Group, m *string, t bool) *iamapi.ListGroupsOutput {
		return &iamapi.ListGroupsOutput{Groups: gs, Marker: m, IsTruncated: &t}
	})
}

// groupPage pages groups sorted by name and builds the output with mk.
func groupPage[O any](groups []groupRecord, marker *string, maxItems *int32, mk func([]iamapi.Group, *string, bool) *O) (*O, error) {
	items, next, truncated, err := page(groups, func(g groupRecord) string { return nameKey(g.Name) }, marker, maxItems)
	if err != nil {
		return nil, err
	}
	out := make([]iamapi.Group, 0, len(items))
	for i := range items {
		out = append(out, *groupOut(&items[i]))
	}
	return mk(out, next, truncated), nil
}

// AddUserToGroup makes a user a member of a group.
func (s *Service) AddUserToGroup(ctx context.Context, in *iamapi.AddUserToGroupInput) (*iamapi.AddUserToGroupOutput, error) {
	return &iamapi.AddUserToGroupOutput{}, s.changeMembership(in.GroupName, in.UserName, true)
}

// RemoveUserFromGroup removes a user from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, in *iamapi.RemoveUserFromGroupInput) (*iamapi.RemoveUserFromGroupOutput, error) {
	return &iamapi.RemoveUserFromGroupOutput{}, s.changeMembership(in.GroupName, in.UserName, false)
}

func (s *Service) changeMembership(groupName, userName *string, add bool) error {
	gname, err := checkName("groupName", groupName, 128)
	if err != nil {
		return err
	}
	uname, err := checkName("userName", userName, 64)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.loadGroup(gname)
	if err != nil {
		return err
	}
	u, err := s.loadUser(uname)
	if err != nil {
		return err
	}
	in := slices.ContainsFunc(u.Groups, func(n string) bool { return nameKey(n) == nameKey(g.Name) })
	b := s.db.NewBatch()
	switch {
	case add && in:
		return nil // AWS answers success for an existing membership
	case add:
		u.Groups = append(u.Groups, g.Name)
		if err := s.members.Put(b, memberKey(g.Name, u.Name), membership{Group: g.Name, User: u.Name}); err != nil {
			return err
		}
	case !in:
		return noSuchEntity("The user with name %s cannot be found in group %s.", u.Name, g.Name)
	default:
		u.Groups = slices.DeleteFunc(u.Groups, func(n string) bool { return nameKey(n) == nameKey(g.Name) })
		s.members.Delete(b, memberKey(g.Name, u.Name))
	}
	if err := s.users.Put(b, nameKey(u.Name), u); err != nil {
		return err
	}
	return commit(b)
}

// ListGroupsForUser lists the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, in *iamapi.ListGroupsForUserInput) (*iamapi.ListGroupsForUserOutput, error) {
	name, err := checkName("userName", in.UserName, 128)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	groups, err := s.userGroups(name)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(groups, func(a, b groupRecord) int { return strings.Compare(nameKey(a.Name), nameKey(b.Name)) })
	return groupPage(groups, in.Marker, in.MaxItems, func(gs []iamapi.Group, m *string, t bool) *iamapi.ListGroupsForUserOutput {
		return &iamapi.ListGroupsForUserOutput{Groups: gs, Marker: m, IsTruncated: &t}
	})
}

// userGroups returns the groups of a user, in join order.
func (s *Service) userGroups(name string) ([]groupRecord, error) {
	u, err := s.loadUser(name)
	if err != nil {
		return nil, err
	}
	groups := make([]groupRecord, 0, len(u.Groups))
	for _, gn := range u.Groups {
		g, err := s.loadGroup(gn)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}
