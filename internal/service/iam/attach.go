package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// nameLimit returns the maximum name length of an entity kind.
func nameLimit(kind entityKind) int {
	if kind == kindGroup {
		return 128
	}
	return 64
}

// editPrincipal loads the entity kind/name, lets fn change its shared part and
// adds the write to b. Callers hold mu.
func (s *Service) editPrincipal(b store.Batch, kind entityKind, name string, fn func(*principal) error) error {
	switch kind {
	case kindRole:
		r, err := s.loadRole(name)
		if err != nil {
			return err
		}
		if err := fn(&r.principal); err != nil {
			return err
		}
		return s.roles.Put(b, nameKey(r.Name), r)
	case kindUser:
		u, err := s.loadUser(name)
		if err != nil {
			return err
		}
		if err := fn(&u.principal); err != nil {
			return err
		}
		return s.users.Put(b, nameKey(u.Name), u)
	default:
		g, err := s.loadGroup(name)
		if err != nil {
			return err
		}
		if err := fn(&g.principal); err != nil {
			return err
		}
		return s.groups.Put(b, nameKey(g.Name), g)
	}
}

// loadPrincipal returns the shared part of the entity kind/name.
func (s *Service) loadPrincipal(kind entityKind, name string) (principal, error) {
	switch kind {
	case kindRole:
		r, err := s.loadRole(name)
		return r.principal, err
	case kindUser:
		u, err := s.loadUser(name)
		return u.principal, err
	default:
		g, err := s.loadGroup(name)
		return g.principal, err
	}
}

// attachPolicy attaches (or detaches) a managed policy to an entity.
func (s *Service) attachPolicy(kind entityKind, namep, arnp *string, attach bool) error {
	name, err := checkName(string(kind)+"Name", namep, nameLimit(kind))
	if err != nil {
		return err
	}
	arn, err := required("policyArn", arnp)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.loadPrincipal(kind, name); err != nil {
		return err
	}
	if _, _, err := s.findPolicy(arn); err != nil {
		return err
	}
	b := s.db.NewBatch()
	var changed bool
	err = s.editPrincipal(b, kind, name, func(p *principal) error {
		has := slices.Contains(p.Attached, arn)
		switch {
		case attach && !has:
			p.Attached = append(p.Attached, arn)
			changed = true
			return s.attach.Put(b, attachKey(arn, kind, p.Name), attachment{Kind: kind, Name: p.Name})
		case !attach && has:
			p.Attached = slices.DeleteFunc(p.Attached, func(a string) bool { return a == arn })
			changed = true
			s.attach.Delete(b, attachKey(arn, kind, p.Name))
		case !attach:
			return noSuchEntity("Policy %s was not found.", arn)
		}
		return nil
	})
	if err != nil || !changed {
		return err
	}
	return commit(b)
}

// listAttached returns a page of the managed policies attached to an entity.
func (s *Service) listAttached(kind entityKind, namep, pathPrefix, marker *string, maxItems *int32) ([]iamapi.AttachedPolicy, *string, bool, error) {
	name, err := checkName(string(kind)+"Name", namep, nameLimit(kind))
	if err != nil {
		return nil, nil, false, err
	}
	prefix, err := checkPathPrefix(pathPrefix)
	if err != nil {
		return nil, nil, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.loadPrincipal(kind, name)
	if err != nil {
		return nil, nil, false, err
	}
	var pols []policyRecord
	for _, arn := range p.Attached {
		pol, _, err := s.findPolicy(arn)
		if err != nil {
			continue // a deleted policy cannot be attached; skip a stale link
		}
		if strings.HasPrefix(pol.Path, prefix) {
			pols = append(pols, pol)
		}
	}
	slices.SortFunc(pols, func(a, b policyRecord) int { return strings.Compare(policySortKey(&a), policySortKey(&b)) })
	items, next, truncated, err := page(pols, func(p policyRecord) string { return policySortKey(&p) }, marker, maxItems)
	if err != nil {
		return nil, nil, false, err
	}
	out := make([]iamapi.AttachedPolicy, 0, len(items))
	for _, p := range items {
		out = append(out, iamapi.AttachedPolicy{PolicyName: ptr(p.Name), PolicyArn: ptr(p.ARN)})
	}
	return out, next, truncated, nil
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, in *iamapi.AttachRolePolicyInput) (*iamapi.AttachRolePolicyOutput, error) {
	return &iamapi.AttachRolePolicyOutput{}, s.attachPolicy(kindRole, in.RoleName, in.PolicyArn, true)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, in *iamapi.DetachRolePolicyInput) (*iamapi.DetachRolePolicyOutput, error) {
	return &iamapi.DetachRolePolicyOutput{}, s.attachPolicy(kindRole, in.RoleName, in.PolicyArn, false)
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, in *iamapi.ListAttachedRolePoliciesInput) (*iamapi.ListAttachedRolePoliciesOutput, error) {
	ps, m, t, err := s.listAttached(kindRole, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedRolePoliciesOutput{AttachedPolicies: ps, Marker: m, IsTruncated: &t}, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, in *iamapi.AttachUserPolicyInput) (*iamapi.AttachUserPolicyOutput, error) {
	return &iamapi.AttachUserPolicyOutput{}, s.attachPolicy(kindUser, in.UserName, in.PolicyArn, true)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, in *iamapi.DetachUserPolicyInput) (*iamapi.DetachUserPolicyOutput, error) {
	return &iamapi.DetachUserPolicyOutput{}, s.attachPolicy(kindUser, in.UserName, in.PolicyArn, false)
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, in *iamapi.ListAttachedUserPoliciesInput) (*iamapi.ListAttachedUserPoliciesOutput, error) {
	ps, m, t, err := s.listAttached(kindUser, in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedUserPoliciesOutput{AttachedPolicies: ps, Marker: m, IsTruncated: &t}, nil
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, in *iamapi.AttachGroupPolicyInput) (*iamapi.AttachGroupPolicyOutput, error) {
	return &iamapi.AttachGroupPolicyOutput{}, s.attachPolicy(kindGroup, in.GroupName, in.PolicyArn, true)
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, in *iamapi.DetachGroupPolicyInput) (*iamapi.DetachGroupPolicyOutput, error) {
	return &iamapi.DetachGroupPolicyOutput{}, s.attachPolicy(kindGroup, in.GroupName, in.PolicyArn, false)
}

// ListAttachedGroupPolicies lists the managed policies attached to a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, in *iamapi.ListAttachedGroupPoliciesInput) (*iamapi.ListAttachedGroupPoliciesOutput, error) {
	ps, m, t, err := s.listAttached(kindGroup, in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedGroupPoliciesOutput{AttachedPolicies: ps, Marker: m, IsTruncated: &t}, nil
}
