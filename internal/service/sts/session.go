package sts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/arn"
	"github.com/nubo/nubo/internal/platform/store"
)

// Session kinds.
const (
	kindAssumedRole  = "AssumedRole"
	kindSessionToken = "SessionToken"
)

// session is a stored set of temporary credentials. Secrets are stored in
// clear: the edge verifies signatures with them.
type session struct {
	AccessKeyID string    `json:"id"`
	Secret      string    `json:"secret"`
	Token       string    `json:"token"`
	Expires     time.Time `json:"expires"`
	Kind        string    `json:"kind"`
	// The identity requests signed with the session act as.
	ARN    string `json:"arn"`
	UserID string `json:"userId"`
	Root   bool   `json:"root,omitempty"`
	// For assumed-role sessions: the role and session name, the inline session
	// policy and managed session policy ARNs (for later enforcement), tags.
	RoleARN        string            `json:"role,omitempty"`
	SessionName    string            `json:"name,omitempty"`
	Policy         string            `json:"policy,omitempty"`
	PolicyARNs     []string          `json:"policyArns,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
	// IssuedBy is the ARN of the principal that obtained the session.
	IssuedBy string    `json:"issuedBy,omitempty"`
	Issued   time.Time `json:"issued"`
}

// expiryEntry indexes sessions by expiry for sweeping.
type expiryEntry struct {
	ID string `json:"id"`
}

// expiryKey orders sessions by expiry time.
func expiryKey(t time.Time, id string) string {
	return fmt.Sprintf("%020d/%s", t.UnixNano(), id)
}

// sweepGrace is how long an expired session is kept so that requests signed
// with it are answered ExpiredToken (as AWS does) rather than as unknown.
const sweepGrace = 24 * time.Hour

// credential converts a session into the credential the edge checks.
func (s *Service) credential(ss *session) *auth.Credential {
	return &auth.Credential{
		AccessKeyID: ss.AccessKeyID, SecretAccessKey: ss.Secret, SessionToken: ss.Token, Expires: ss.Expires,
		Caller: awsapi.Caller{AccessKeyID: ss.AccessKeyID, Account: s.account, ARN: ss.ARN, UserID: ss.UserID,
			SessionToken: ss.Token, Root: ss.Root},
	}
}

// issue stores a new session durably and returns it; ss carries everything
// but the key material and times.
func (s *Service) issue(ctx context.Context, ss session, d time.Duration) (*session, error) {
	now := s.now(ctx).Truncate(time.Second)
	ss.AccessKeyID = arn.AccessKeyID(true)
	ss.Secret = arn.SecretAccessKey()
	ss.Token = arn.SessionToken()
	ss.Issued = now
	ss.Expires = now.Add(d)
	b := s.db.NewBatch()
	if err := s.sessions.Put(b, ss.AccessKeyID, ss); err != nil {
		return nil, err
	}
	if err := s.expiry.Put(b, expiryKey(ss.Expires, ss.AccessKeyID), expiryEntry{ID: ss.AccessKeyID}); err != nil {
		return nil, err
	}
	if err := b.Commit(true); err != nil {
		return nil, wrapStore(err)
	}
	if err := s.Sweep(ctx); err != nil {
		return nil, err
	}
	return &ss, nil
}

// Sweep deletes sessions that expired more than a day ago on the Nubo clock.
func (s *Service) Sweep(ctx context.Context) error {
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	limit := expiryKey(s.clock.Now().Add(-sweepGrace), "")
	b := s.db.NewBatch()
	err := s.expiry.List("", "", 0, func(key string, e expiryEntry) bool {
		if key >= limit {
			return false
		}
		s.expiry.Delete(b, key)
		s.sessions.Delete(b, e.ID)
		return true
	})
	if err != nil {
		return wrapStore(err)
	}
	if b.Len() == 0 {
		return nil
	}
	if err := b.Commit(false); err != nil {
		return wrapStore(err)
	}
	return nil
}

// LookupAccessKey implements auth.CredentialStore for every key Nubo knows:
// the root credential, IAM users' active keys and temporary credentials
// (returned even after they expire, with Expires set, so the edge answers
// ExpiredToken). Other keys are an error wrapping auth.ErrUnknownAccessKey.
func (s *Service) LookupAccessKey(ctx context.Context, accessKeyID string) (*auth.Credential, error) {
	if accessKeyID == s.root.AccessKeyID {
		c := s.root
		return &c, nil
	}
	if strings.HasPrefix(accessKeyID, "ASIA") {
		ss, err := s.sessions.Get(accessKeyID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("sts: session key %s: %w", accessKeyID, auth.ErrUnknownAccessKey)
		}
		if err != nil {
			return nil, wrapStore(err)
		}
		return s.credential(&ss), nil
	}
	return s.iam.LookupAccessKey(ctx, accessKeyID)
}

// Session describes the temporary credentials of an access key, for
// enforcement of session policies.
type Session struct {
	RoleARN     string
	SessionName string
	// Policy is the inline session policy ("" when none was given).
	Policy string
	// PolicyARNs are the managed session policies.
	PolicyARNs []string
	Tags       map[string]string
	Expires    time.Time
}

// SessionInfo returns the session behind a temporary access key id, or an
// error wrapping auth.ErrUnknownAccessKey.
func (s *Service) SessionInfo(ctx context.Context, accessKeyID string) (*Session, error) {
	ss, err := s.sessions.Get(accessKeyID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("sts: session key %s: %w", accessKeyID, auth.ErrUnknownAccessKey)
	}
	if err != nil {
		return nil, wrapStore(err)
	}
	return &Session{RoleARN: ss.RoleARN, SessionName: ss.SessionName, Policy: ss.Policy,
		PolicyARNs: append([]string(nil), ss.PolicyARNs...), Tags: ss.Tags, Expires: ss.Expires}, nil
}
