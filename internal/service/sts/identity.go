package sts

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi/stsapi"
)

// GetSessionToken limits (seconds).
const (
	defaultUserSession = 43200
	maxUserSession     = 129600
	maxRootSession     = 3600
)

// GetCallerIdentity returns the identity that signed the request.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	account := c.Account
	if account == "" {
		account = s.account
	}
	return &stsapi.GetCallerIdentityOutput{UserId: ptr(c.UserID), Account: ptr(account), Arn: ptr(c.ARN)}, nil
}

// GetSessionToken returns temporary credentials for an IAM user or the root
// user; callers using temporary credentials are refused.
func (s *Service) GetSessionToken(ctx context.Context, in *stsapi.GetSessionTokenInput) (*stsapi.GetSessionTokenOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if c.SessionToken != "" || strings.HasPrefix(c.ARN, "arn:aws:sts::") {
		return nil, accessDenied("Cannot call GetSessionToken with session credentials")
	}
	secs := int32(defaultUserSession)
	if in.DurationSeconds != nil {
		secs = *in.DurationSeconds
		if secs < minDuration || secs > maxUserSession {
			return nil, validationError("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", secs, minDuration, maxUserSession)
		}
	}
	if c.Root && secs > maxRootSession {
		secs = maxRootSession // AWS caps root sessions at one hour
	}
	ss, err := s.issue(ctx, session{Kind: kindSessionToken, ARN: c.ARN, UserID: c.UserID, Root: c.Root, IssuedBy: c.ARN},
		time.Duration(secs)*time.Second)
	if err != nil {
		return nil, err
	}
	return &stsapi.GetSessionTokenOutput{Credentials: credentialsOut(ss)}, nil
}

var accessKeyIDPattern = regexp.MustCompile(`^\w{16,128}$`)

// GetAccessKeyInfo returns the account an access key belongs to. Nubo knows
// only its own keys; another key is a validation error.
func (s *Service) GetAccessKeyInfo(ctx context.Context, in *stsapi.GetAccessKeyInfoInput) (*stsapi.GetAccessKeyInfoOutput, error) {
	if in.AccessKeyId == nil || !accessKeyIDPattern.MatchString(*in.AccessKeyId) {
		return nil, validationError("1 validation error detected: Value at 'accessKeyId' failed to satisfy constraint: Member must have length between 16 and 128 and satisfy regular expression pattern: [\\w]*")
	}
	cred, err := s.LookupAccessKey(ctx, *in.AccessKeyId)
	if errors.Is(err, auth.ErrUnknownAccessKey) {
		return nil, validationError("Nubo does not know the access key %s.", *in.AccessKeyId)
	}
	if err != nil {
		return nil, err
	}
	account := cred.Caller.Account
	if account == "" {
		account = s.account
	}
	return &stsapi.GetAccessKeyInfoOutput{Account: ptr(account)}, nil
}
