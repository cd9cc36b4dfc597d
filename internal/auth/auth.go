// Package auth authenticates AWS requests arriving at Nubo's single endpoint:
// SigV4 (Authorization header and presigned query), SigV2 presigned query and
// header auth for S3, presigned POST policies, session tokens, and the request
// body checks that belong to signing (x-amz-content-sha256, aws-chunked chunk
// signatures, Content-MD5, flexible checksums, decoded length). It also has the
// client-side signer Nubo and its tests use. IAM policy evaluation lives in
// package auth/policy.
package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

// Credential is a key pair (with its session token for temporary credentials)
// and the identity it authenticates.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials; requests must then carry
	// an equal X-Amz-Security-Token.
	SessionToken string
	// Expires is when temporary credentials stop working; zero means never.
	Expires time.Time
	// Caller is the identity reported for requests signed with this key.
	Caller awsapi.Caller
}

// ErrUnknownAccessKey is returned (possibly wrapped) by a CredentialStore for an
// access key it does not know.
var ErrUnknownAccessKey = errors.New("auth: unknown access key")

// CredentialStore looks up credentials by access key id.
type CredentialStore interface {
	// LookupAccessKey returns the credential for accessKeyID, or an error
	// wrapping ErrUnknownAccessKey.
	LookupAccessKey(ctx context.Context, accessKeyID string) (*Credential, error)
}

// StaticCredentials is a fixed CredentialStore, for root credentials and tests.
// It is safe for concurrent use.
type StaticCredentials struct {
	mu   sync.RWMutex
	keys map[string]Credential
}

// NewStaticCredentials returns a store holding creds.
func NewStaticCredentials(creds ...Credential) *StaticCredentials {
	s := &StaticCredentials{keys: make(map[string]Credential, len(creds))}
	for _, c := range creds {
		s.keys[c.AccessKeyID] = c
	}
	return s
}

// Put adds or replaces c.
func (s *StaticCredentials) Put(c Credential) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = make(map[string]Credential)
	}
	s.keys[c.AccessKeyID] = c
}

// LookupAccessKey implements CredentialStore.
func (s *StaticCredentials) LookupAccessKey(_ context.Context, accessKeyID string) (*Credential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.keys[accessKeyID]
	if !ok {
		return nil, ErrUnknownAccessKey
	}
	return &c, nil
}

// Method says how a request was authenticated.
type Method uint8

// Authentication methods.
const (
	// Anonymous is an unsigned request.
	Anonymous Method = iota
	// SigV4Header is SigV4 in the Authorization header.
	SigV4Header
	// SigV4Query is a SigV4 presigned URL (X-Amz-Credential, X-Amz-Signature…).
	SigV4Query
	// SigV2Query is an S3 SigV2 presigned URL (AWSAccessKeyId, Signature, Expires).
	SigV2Query
	// SigV2Header is S3 SigV2 in the Authorization header ("AWS AK:sig").
	SigV2Header
	// SigV4A is SigV4a (AWS4-ECDSA-P256-SHA256), which Nubo does not verify.
	SigV4A
	// PostPolicyV2 is an S3 presigned POST form signed with SigV2.
	PostPolicyV2
	// PostPolicyV4 is an S3 presigned POST form signed with SigV4.
	PostPolicyV4
)

// String returns the method's name.
func (m Method) String() string {
	names := [...]string{"Anonymous", "SigV4Header", "SigV4Query", "SigV2Query",
		"SigV2Header", "SigV4A", "PostPolicyV2", "PostPolicyV4"}
	if int(m) < len(names) {
		return names[m]
	}
	return "Method(?)"
}

// Scope is what a request claims about its signature, parsed without verifying
// anything. The edge dispatches on Service before the path.
type Scope struct {
	Method      Method
	AccessKeyID string
	// Date (yyyymmdd), Region and Service come from the SigV4 credential scope.
	// SigV2 requests have Service "s3" and no Date or Region.
	Date    string
	Region  string
	Service string
	// PostForm is set for an unsigned multipart/form-data POST, which may be an
	// S3 presigned POST upload whose signature is in the form fields.
	PostForm bool
}

// Identify cheaply parses the authentication a request claims, for dispatch
// before verification. It never fails: unparseable credentials yield whatever
// could be read, and requests without any are Anonymous.
func Identify(r *http.Request) Scope {
	if h := r.Header.Get("Authorization"); h != "" {
		return identifyHeader(h)
	}
	q := r.URL.Query()
	if c := q.Get("X-Amz-Credential"); c != "" {
		s := parseCredential(c)
		s.Method = SigV4Query
		if strings.HasPrefix(q.Get("X-Amz-Algorithm"), "AWS4-ECDSA") {
			s.Method = SigV4A
		}
		return s
	}
	if ak := q.Get("AWSAccessKeyId"); ak != "" && q.Has("Signature") {
		return Scope{Method: SigV2Query, AccessKeyID: ak, Service: "s3"}
	}
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return Scope{Method: Anonymous, PostForm: r.Method == http.MethodPost && strings.HasPrefix(ct, "multipart/form-data")}
}

func identifyHeader(h string) Scope {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	switch alg {
	case algV4:
		cred, _, _ := v4AuthFields(rest)
		s := parseCredential(cred)
		s.Method = SigV4Header
		return s
	case "AWS4-ECDSA-P256-SHA256":
		cred, _, _ := v4AuthFields(rest)
		s := parseCredential(cred)
		s.Method = SigV4A
		return s
	case "AWS":
		ak, _, _ := strings.Cut(rest, ":")
		return Scope{Method: SigV2Header, AccessKeyID: strings.TrimSpace(ak), Service: "s3"}
	}
	return Scope{Method: SigV4Header}
}

// parseCredential splits "AK/date/region/service/aws4_request". The access key
// may itself not contain '/', so the last four parts are the scope.
func parseCredential(c string) Scope {
	i, ok := scopeStart(c)
	if !ok {
		ak, _, _ := strings.Cut(c, "/")
		return Scope{AccessKeyID: ak}
	}
	date, rest, _ := strings.Cut(c[i+1:], "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, _, _ := strings.Cut(rest, "/")
	return Scope{AccessKeyID: c[:i], Date: date, Region: region, Service: service}
}

// scopeStart returns the index of the '/' that starts the four-part scope of a
// credential "AK/date/region/service/terminator"; ok is false when c has
// fewer than five '/'-separated parts.
func scopeStart(c string) (int, bool) {
	i := len(c)
	for n := 0; n < 4; n++ {
		i = strings.LastIndexByte(c[:i], '/')
		if i < 0 {
			return 0, false
		}
	}
	return i, true
}

// v4AuthFields parses "Credential=…, SignedHeaders=…, Signature=…" (in any
// order; the last of a repeated field wins, other fields are ignored).
func v4AuthFields(s string) (cred, signed, sig string) {
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, ",")
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Credential":
			cred = strings.TrimSpace(v)
		case "SignedHeaders":
			signed = strings.TrimSpace(v)
		case "Signature":
			sig = strings.TrimSpace(v)
		}
	}
	return cred, signed, sig
}
