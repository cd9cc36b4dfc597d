package iam

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/platform/store"
)

// Key layout under "iam/" (names are case-insensitive in IAM, so the keys of
// roles, users, groups and customer managed policies are lower-cased names):
//
//	iam/role/<name>                       roleRecord
//	iam/user/<name>                       userRecord
//	iam/group/<name>                      groupRecord
//	iam/policy/<name>                     policyRecord (customer managed)
//	iam/key/<access key id>               accessKeyRecord
//	iam/attach/<policy arn>\x00<kind>\x00<name>   attachment (managed policy → entity)
//	iam/member/<group>\x00<user>          membership

// tag is one IAM tag.
type tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// principal holds what roles, users and groups share.
type principal struct {
	Name    string    `json:"name"`
	Path    string    `json:"path"`
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Created time.Time `json:"created"`
	Tags    []tag     `json:"tags,omitempty"`
	// Inline maps inline policy names to their (decoded) documents.
	Inline map[string]string `json:"inline,omitempty"`
	// Attached lists the attached managed policy ARNs in attach order.
	Attached []string `json:"attached,omitempty"`
}

// roleRecord is a stored role.
type roleRecord struct {
	principal
	TrustPolicy         string    `json:"trust"`
	Description         string    `json:"description,omitempty"`
	MaxSessionDuration  int32     `json:"maxSession"`
	PermissionsBoundary string    `json:"boundary,omitempty"`
	LastUsed            time.Time `json:"lastUsed,omitzero"`
	LastUsedRegion      string    `json:"lastUsedRegion,omitempty"`
}

// userRecord is a stored user.
type userRecord struct {
	principal
	PermissionsBoundary string `json:"boundary,omitempty"`
	// Groups lists the names of the groups the user belongs to, in join order.
	Groups []string `json:"groups,omitempty"`
	// Keys lists the user's access key ids in creation order.
	Keys []string `json:"keys,omitempty"`
}

// groupRecord is a stored group.
type groupRecord struct {
	principal
}

// policyVersion is one version of a managed policy.
type policyVersion struct {
	ID       string    `json:"id"`
	Document string    `json:"doc"`
	Created  time.Time `json:"created"`
}

// policyRecord is a customer managed policy.
type policyRecord struct {
	Name           string          `json:"name"`
	Path           string          `json:"path"`
	ID             string          `json:"id"`
	ARN            string          `json:"arn"`
	Description    string          `json:"description,omitempty"`
	Created        time.Time       `json:"created"`
	Updated        time.Time       `json:"updated"`
	DefaultVersion string          `json:"default"`
	NextVersion    int             `json:"next"`
	Versions       []policyVersion `json:"versions"`
	Tags           []tag           `json:"tags,omitempty"`
}

// version returns the version with id, or nil.
func (p *policyRecord) version(id string) *policyVersion {
	for i := range p.Versions {
		if p.Versions[i].ID == id {
			return &p.Versions[i]
		}
	}
	return nil
}

// accessKeyRecord is an IAM user's access key. The secret is stored in clear:
// Nubo is a development emulator and must verify signatures with it.
type accessKeyRecord struct {
	ID       string    `json:"id"`
	Secret   string    `json:"secret"`
	UserName string    `json:"user"`
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"lastUsed,omitzero"`
	Service  string    `json:"service,omitempty"`
	Region   string    `json:"region,omitempty"`
}

// entityKind names the kind of principal a managed policy is attached to.
type entityKind string

// Entity kinds, as they appear in attachment keys.
const (
	kindRole  entityKind = "role"
	kindUser  entityKind = "user"
	kindGroup entityKind = "group"
)

// attachment records that a managed policy is attached to an entity.
type attachment struct {
	Kind entityKind `json:"kind"`
	Name string     `json:"name"`
}

// membership records that a user belongs to a group.
type membership struct {
	Group string `json:"group"`
	User  string `json:"user"`
}

// nameKey is the store key of an IAM name: names are case-insensitive.
func nameKey(name string) string { return strings.ToLower(name) }

func attachKey(policyARN string, kind entityKind, name string) string {
	return policyARN + "\x00" + string(kind) + "\x00" + nameKey(name)
}

func memberKey(group, user string) string { return nameKey(group) + "\x00" + nameKey(user) }

// getRecord loads key from t; ok is false when there is no such record.
func getRecord[T any](t *store.Table[T], key string) (v T, ok bool, err error) {
	v, err = t.Get(key)
	if errors.Is(err, store.ErrNotFound) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("iam: %w", err)
	}
	return v, true, nil
}

// listAll returns every record of t whose key starts with prefix, in key order.
func listAll[T any](t *store.Table[T], prefix string) ([]T, error) {
	var out []T
	err := t.List(prefix, "", 0, func(_ string, v T) bool {
		out = append(out, v)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	return out, nil
}
