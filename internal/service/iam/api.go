package iam

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/awsapi"
)

// Role is a role as other Nubo services see it.
type Role struct {
	Name   string
	Path   string
	ARN    string
	RoleID string
	// TrustPolicyDocument is the role's assume-role policy (plain JSON).
	TrustPolicyDocument string
	// TrustPolicy is TrustPolicyDocument parsed.
	TrustPolicy *policy.Policy
	// MaxSessionDuration is the longest session AssumeRole may grant.
	MaxSessionDuration time.Duration
	Created            time.Time
	Tags               map[string]string
}

// User is an IAM user as other Nubo services see it.
type User struct {
	Name    string
	Path    string
	ARN     string
	UserID  string
	Created time.Time
	// Groups are the names of the user's groups.
	Groups []string
	Tags   map[string]string
}

// entityName returns the name in nameOrARN: either a bare name or the ARN of an
// entity of kind ("role", "user") in this account.
func (s *Service) entityName(kind, nameOrARN string) (name string, arn string, ok bool) {
	if !strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN, "", true
	}
	rest, found := strings.CutPrefix(nameOrARN, "arn:aws:iam::"+s.account+":"+kind+"/")
	if !found || rest == "" {
		return "", "", false
	}
	return rest[strings.LastIndex(rest, "/")+1:], nameOrARN, true
}

func tagMap(tags []tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// Role returns the role with the given name or ARN, or a NoSuchEntity error.
func (s *Service) Role(ctx context.Context, nameOrARN string) (*Role, error) {
	name, arn, ok := s.entityName("role", nameOrARN)
	if !ok {
		return nil, noSuchEntity("The role with name %s cannot be found.", nameOrARN)
	}
	s.mu.RLock()
	r, err := s.loadRole(name)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if arn != "" && arn != r.ARN {
		return nil, noSuchEntity("The role with name %s cannot be found.", nameOrARN)
	}
	trust, err := parseTrust(r.TrustPolicy)
	if err != nil {
		return nil, fmt.Errorf("iam: stored trust policy of %s: %w", r.Name, err)
	}
	return &Role{
		Name: r.Name, Path: r.Path, ARN: r.ARN, RoleID: r.ID,
		TrustPolicyDocument: r.TrustPolicy, TrustPolicy: trust,
		MaxSessionDuration: time.Duration(r.MaxSessionDuration) * time.Second,
		Created:            r.Created, Tags: tagMap(r.Tags),
	}, nil
}

// User returns the user with the given name or ARN, or a NoSuchEntity error.
func (s *Service) User(ctx context.Context, nameOrARN string) (*User, error) {
	name, arn, ok := s.entityName("user", nameOrARN)
	if !ok {
		return nil, noSuchEntity("The user with name %s cannot be found.", nameOrARN)
	}
	s.mu.RLock()
	u, err := s.loadUser(name)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if arn != "" && arn != u.ARN {
		return nil, noSuchEntity("The user with name %s cannot be found.", nameOrARN)
	}
	return &User{Name: u.Name, Path: u.Path, ARN: u.ARN, UserID: u.ID, Created: u.Created,
		Groups: append([]string(nil), u.Groups...), Tags: tagMap(u.Tags)}, nil
}

// LookupAccessKey returns the credential of an active IAM user access key; an
// unknown or inactive key is an error wrapping auth.ErrUnknownAccessKey.
func (s *Service) LookupAccessKey(ctx context.Context, accessKeyID string) (*auth.Credential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok, err := getRecord(s.keys, accessKeyID)
	if err != nil {
		return nil, err
	}
	if !ok || k.Status != "Active" {
		return nil, fmt.Errorf("iam: access key %s: %w", accessKeyID, auth.ErrUnknownAccessKey)
	}
	u, err := s.loadUser(k.UserName)
	if err != nil {
		return nil, fmt.Errorf("iam: access key %s has no user: %w", accessKeyID, auth.ErrUnknownAccessKey)
	}
	return &auth.Credential{
		AccessKeyID: k.ID, SecretAccessKey: k.Secret,
		Caller: awsapi.Caller{AccessKeyID: k.ID, Account: s.account, ARN: u.ARN, UserID: u.ID},
	}, nil
}

// keyUseInterval is how often GetAccessKeyLastUsed data is refreshed.
const keyUseInterval = time.Minute

// RecordAccessKeyUse notes that an IAM user access key signed a request to
// service in region at t, for GetAccessKeyLastUsed. It writes at most once a
// minute per key and does not wait for fsync. Unknown keys are ignored.
func (s *Service) RecordAccessKeyUse(accessKeyID, service, region string, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok, err := getRecord(s.keys, accessKeyID)
	if err != nil || !ok {
		return err
	}
	if t.Sub(k.LastUsed) < keyUseInterval && k.Service == service && k.Region == region {
		return nil
	}
	k.LastUsed, k.Service, k.Region = t.UTC().Truncate(time.Second), service, region
	return s.keys.Save(accessKeyID, k, false)
}

// PoliciesFor returns the identity-based policies that apply to a principal:
// for an IAM user its inline and attached policies and those of its groups;
// for a role, or a session of it (arn:aws:sts::<acct>:assumed-role/<role>/<s>),
// the role's. The account root has none (it is allowed everything); other
// principals are a NoSuchEntity error.
func (s *Service) PoliciesFor(ctx context.Context, principalARN string) ([]*policy.Policy, error) {
	if principalARN == "arn:aws:iam::"+s.account+":root" {
		return nil, nil
	}
	if rest, ok := strings.CutPrefix(principalARN, "arn:aws:sts::"+s.account+":assumed-role/"); ok {
		role, _, _ := strings.Cut(rest, "/")
		return s.principalPolicies(kindRole, role)
	}
	if name, arn, ok := s.entityName("role", principalARN); ok && arn != "" {
		return s.principalPolicies(kindRole, name)
	}
	if name, arn, ok := s.entityName("user", principalARN); ok && arn != "" {
		return s.principalPolicies(kindUser, name)
	}
	return nil, noSuchEntity("No IAM principal %s.", principalARN)
}

// principalPolicies collects and parses the policies of a role or user.
func (s *Service) principalPolicies(kind entityKind, name string) ([]*policy.Policy, error) {
	s.mu.RLock()
	docs, err := s.policyDocuments(kind, name)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	out := make([]*policy.Policy, 0, len(docs))
	for _, d := range docs {
		p, err := parseIdentity(d)
		if err != nil {
			return nil, fmt.Errorf("iam: stored policy of %s %s: %w", kind, name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// policyDocuments returns the documents of the inline and attached policies of
// an entity and, for a user, of its groups. Callers hold mu.
func (s *Service) policyDocuments(kind entityKind, name string) ([]string, error) {
	p, err := s.loadPrincipal(kind, name)
	if err != nil {
		return nil, err
	}
	var docs []string
	for _, d := range p.Inline {
		docs = append(docs, d)
	}
	for _, arn := range p.Attached {
		pol, _, err := s.findPolicy(arn)
		if err != nil {
			continue // a detached-by-deletion policy no longer applies
		}
		if v := pol.version(pol.DefaultVersion); v != nil {
			docs = append(docs, v.Document)
		}
	}
	if kind == kindUser {
		groups, err := s.userGroups(name)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			more, err := s.policyDocuments(kindGroup, g.Name)
			if err != nil {
				return nil, err
			}
			docs = append(docs, more...)
		}
	}
	return docs, nil
}
