// Package arn parses, validates and formats Amazon Resource Names
// (arn:partition:service:region:account-id:resource) and generates the
// random identifiers AWS hands out: request ids, access keys, IAM unique ids
// and the like. All randomness comes from crypto/rand.
package arn

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every error Parse and Validate return.
var ErrInvalid = errors.New("invalid ARN")

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	// Partition is "aws" (or another partition such as "aws-cn").
	Partition string
	// Service is the service namespace: "s3", "iam", "lambda" …
	Service string
	// Region is empty for global services (IAM, S3 buckets).
	Region string
	// AccountID is 12 digits, "aws" for AWS-managed resources, or empty
	// (S3 buckets).
	AccountID string
	// Resource is everything after the fifth colon; it may contain ':' and '/'.
	Resource string
}

// Parse parses and validates s.
func Parse(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 {
		return ARN{}, fmt.Errorf("%w %q: want arn:partition:service:region:account-id:resource", ErrInvalid, s)
	}
	if parts[0] != "arn" {
		return ARN{}, fmt.Errorf("%w %q: must start with \"arn:\"", ErrInvalid, s)
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], AccountID: parts[4], Resource: parts[5]}
	if err := a.Validate(); err != nil {
		return ARN{}, err
	}
	return a, nil
}

// IsARN reports whether s parses as a valid ARN.
func IsARN(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}

// Validate reports the first malformed field of a.
func (a ARN) Validate() error {
	switch {
	case !isLabel(a.Partition):
		return fmt.Errorf("%w: partition %q must be lowercase letters, digits and hyphens", ErrInvalid, a.Partition)
	case !isLabel(a.Service):
		return fmt.Errorf("%w: service %q must be lowercase letters, digits and hyphens", ErrInvalid, a.Service)
	case a.Region != "" && !isLabel(a.Region):
		return fmt.Errorf("%w: region %q must be lowercase letters, digits and hyphens", ErrInvalid, a.Region)
	case a.AccountID != "" && a.AccountID != "aws" && !IsAccountID(a.AccountID):
		return fmt.Errorf("%w: account id %q must be 12 digits", ErrInvalid, a.AccountID)
	case a.Resource == "":
		return fmt.Errorf("%w: resource is empty", ErrInvalid)
	case strings.ContainsAny(a.Resource, "\x00\n\r"):
		return fmt.Errorf("%w: resource %q contains control characters", ErrInvalid, a.Resource)
	}
	return nil
}

// isLabel reports whether s is a non-empty run of [a-z0-9-] not starting or
// ending with '-'.
func isLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// IsAccountID reports whether s is a 12-digit AWS account id.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ResourceType returns the part of Resource before the first '/' or ':'
// ("function" in "function:my-fn", "user" in "user/path/alice"), or "" when
// there is no separator (an S3 bucket name).
func (a ARN) ResourceType() string {
	if i := strings.IndexAny(a.Resource, "/:"); i >= 0 {
		return a.Resource[:i]
	}
	return ""
}

// ResourceID returns the part of Resource after the first '/' or ':', or the
// whole Resource when there is no separator.
func (a ARN) ResourceID() string {
	if i := strings.IndexAny(a.Resource, "/:"); i >= 0 {
		return a.Resource[i+1:]
	}
	return a.Resource
}
