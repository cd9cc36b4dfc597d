package sts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/stsapi"
	"github.com/nubo/nubo/internal/service/iam"
)

// AssumeRole limits (seconds) and the packed-policy budget.
const (
	minDuration        = 900
	defaultRoleSession = 3600
	maxRoleSession     = 43200
	maxSessionPolicy   = 2048
	maxPolicyARNs      = 10
)

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)

// caller returns the authenticated caller of the request.
func caller(ctx context.Context) (awsapi.Caller, error) {
	r := awsapi.RequestFrom(ctx)
	if r == nil || r.Caller.Anonymous || r.Caller.ARN == "" {
		return awsapi.Caller{}, awsapi.Errorf("MissingAuthenticationToken", http.StatusForbidden,
			"Request is missing Authentication Token")
	}
	return r.Caller, nil
}

// assumeParams are AssumeRole's validated parameters.
type assumeParams struct {
	roleARN, sessionName, policy string
	policyARNs                   []string
	duration                     *int32
	tags                         map[string]string
}

func checkAssumeRole(in *stsapi.AssumeRoleInput) (*assumeParams, error) {
	p := &assumeParams{duration: in.DurationSeconds}
	if in.RoleArn == nil || len(*in.RoleArn) < 20 || len(*in.RoleArn) > 2048 {
		return nil, validationError("1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048")
	}
	p.roleARN = *in.RoleArn
	if in.RoleSessionName == nil {
		return nil, validationError("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	p.sessionName = *in.RoleSessionName
	if n := len(p.sessionName); n < 2 || n > 64 || !sessionNamePattern.MatchString(p.sessionName) {
		return nil, validationError("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", p.sessionName)
	}
	if in.Policy != nil {
		p.policy = *in.Policy
	}
	if len(in.PolicyArns) > maxPolicyARNs {
		return nil, validationError("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxPolicyARNs)
	}
	for _, d := range in.PolicyArns {
		if d.Arn == nil || !strings.HasPrefix(*d.Arn, "arn:") || len(*d.Arn) < 20 {
			return nil, validationError("1 validation error detected: Value at 'policyArns.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20")
		}
		p.policyARNs = append(p.policyARNs, *d.Arn)
	}
	if len(in.Tags) > 50 {
		return nil, validationError("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for _, t := range in.Tags {
		if t.Key == nil || t.Value == nil {
			return nil, validationError("1 validation error detected: Value null at 'tags.member' failed to satisfy constraint: Member must not be null")
		}
		if p.tags == nil {
			p.tags = make(map[string]string)
		}
		p.tags[*t.Key] = *t.Value
	}
	return p, nil
}

// packedPolicySize returns the size of the session policies as a percentage of
// the allowed budget, as AssumeRole reports it.
func packedPolicySize(doc string, arns []string) (int32, error) {
	size := 0
	if doc != "" {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(doc)); err != nil {
			return 0, awsapi.Errorf("MalformedPolicyDocument", http.StatusBadRequest, "Syntax errors in policy.")
		}
		size += buf.Len()
	}
	for _, a := range arns {
		size += len(a)
	}
	pct := int32(size * 100 / maxSessionPolicy)
	if pct > 100 {
		return pct, awsapi.Errorf("PackedPolicyTooLarge", http.StatusBadRequest,
			"Packed policy consumes %d%% of allotted space, please use smaller policy for request.", pct)
	}
	return pct, nil
}

// AssumeRole returns temporary credentials for a role whose trust policy
// allows the caller.
func (s *Service) AssumeRole(ctx context.Context, in *stsapi.AssumeRoleInput) (*stsapi.AssumeRoleOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := checkAssumeRole(in)
	if err != nil {
		return nil, err
	}
	var packed *int32
	if p.policy != "" || len(p.policyARNs) > 0 {
		if p.policy != "" {
			if _, err := policy.ParseWith([]byte(p.policy), policy.ParseOptions{Kind: policy.Identity}); err != nil {
				return nil, malformed(err)
			}
		}
		size, err := packedPolicySize(p.policy, p.policyARNs)
		if err != nil {
			return nil, err
		}
		packed = &size
	}
	notAuthorized := accessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.ARN, p.roleARN)
	role, err := s.iam.Role(ctx, p.roleARN)
	if err != nil {
		if ae := (*awsapi.Error)(nil); errors.As(err, &ae) && ae.Code == "NoSuchEntity" {
			return nil, notAuthorized
		}
		return nil, err
	}
	if !trusts(role, c, p, in.ExternalId) {
		return nil, notAuthorized
	}
	d, err := roleDuration(p.duration, role)
	if err != nil {
		return nil, err
	}
	ss, err := s.issue(ctx, s.roleSession(role, p, c.ARN), d)
	if err != nil {
		return nil, err
	}
	return &stsapi.AssumeRoleOutput{
		Credentials:      credentialsOut(ss),
		AssumedRoleUser:  &stsapi.AssumedRoleUser{AssumedRoleId: ptr(ss.UserID), Arn: ptr(ss.ARN)},
		PackedPolicySize: packed,
	}, nil
}

// roleSession builds the session record of an assumed role.
func (s *Service) roleSession(role *iam.Role, p *assumeParams, issuer string) session {
	return session{
		Kind:        kindAssumedRole,
		ARN:         fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", s.account, role.Name, p.sessionName),
		UserID:      role.RoleID + ":" + p.sessionName,
		RoleARN:     role.ARN,
		SessionName: p.sessionName,
		Policy:      p.policy,
		PolicyARNs:  p.policyARNs,
		Tags:        p.tags,
		IssuedBy:    issuer,
	}
}

func malformed(err error) error {
	var me *policy.MalformedError
	if errors.As(err, &me) {
		return awsapi.Errorf("MalformedPolicyDocument", http.StatusBadRequest, "%s", me.Reason)
	}
	return fmt.Errorf("sts: parse session policy: %w", err)
}

// roleDuration validates DurationSeconds against the role's maximum.
func roleDuration(p *int32, role *iam.Role) (time.Duration, error) {
	if p == nil {
		return defaultRoleSession * time.Second, nil
	}
	if *p < minDuration || *p > maxRoleSession {
		return 0, validationError("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", *p, minDuration, maxRoleSession)
	}
	d := time.Duration(*p) * time.Second
	if d > role.MaxSessionDuration {
		return 0, validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return d, nil
}

// trusts evaluates the role's trust policy for sts:AssumeRole by caller c.
func trusts(role *iam.Role, c awsapi.Caller, p *assumeParams, externalID *string) bool {
	ctx := map[string][]string{
		"aws:PrincipalArn":     {principalARN(c)},
		"aws:PrincipalAccount": {c.Account},
		"aws:userid":           {c.UserID},
		"sts:RoleSessionName":  {p.sessionName},
	}
	if externalID != nil {
		ctx["sts:ExternalId"] = []string{*externalID}
	}
	if name, ok := strings.CutPrefix(principalARN(c), "arn:aws:iam::"+c.Account+":user/"); ok {
		ctx["aws:username"] = []string{name[strings.LastIndex(name, "/")+1:]}
	}
	for k, v := range p.tags {
		ctx["aws:RequestTag/"+k] = []string{v}
	}
	req := &policy.Request{
		Principal:        policy.Principal{Type: "AWS", ID: c.ARN},
		PrincipalAccount: c.Account,
		Action:           "sts:AssumeRole",
		Resource:         role.ARN,
		Context:          ctx,
	}
	return policy.Evaluate(req, role.TrustPolicy) == policy.Allow
}

// principalARN returns the IAM principal behind a caller: for an assumed-role
// session, its role's ARN (aws:PrincipalArn as AWS reports it).
func principalARN(c awsapi.Caller) string {
	rest, ok := strings.CutPrefix(c.ARN, "arn:aws:sts::"+c.Account+":assumed-role/")
	if !ok {
		return c.ARN
	}
	role, _, _ := strings.Cut(rest, "/")
	return "arn:aws:iam::" + c.Account + ":role/" + role
}

func credentialsOut(ss *session) *stsapi.Credentials {
	return &stsapi.Credentials{AccessKeyId: ptr(ss.AccessKeyID), SecretAccessKey: ptr(ss.Secret),
		SessionToken: ptr(ss.Token), Expiration: ptr(ss.Expires)}
}

// IssueRoleCredentials returns temporary credentials of a role for a service
// acting on its own behalf (Lambda running a function with its execution
// role): no caller and no trust check, since the service principal is the one
// assuming the role; use TrustsService when the role is configured. d <= 0
// means one hour; d is capped at 12 hours.
func (s *Service) IssueRoleCredentials(ctx context.Context, roleARN, sessionName string, d time.Duration) (auth.Credential, error) {
	role, err := s.iam.Role(ctx, roleARN)
	if err != nil {
		return auth.Credential{}, err
	}
	if n := len(sessionName); n < 2 || n > 64 || !sessionNamePattern.MatchString(sessionName) {
		return auth.Credential{}, validationError("Invalid role session name %q.", sessionName)
	}
	switch {
	case d <= 0:
		d = defaultRoleSession * time.Second
	case d > maxRoleSession*time.Second:
		d = maxRoleSession * time.Second
	}
	ss, err := s.issue(ctx, s.roleSession(role, &assumeParams{sessionName: sessionName}, ""), d)
	if err != nil {
		return auth.Credential{}, err
	}
	return *s.credential(ss), nil
}

// TrustsService reports whether the role's trust policy lets the service
// principal (such as "lambda.amazonaws.com") assume it, as Lambda checks at
// CreateFunction. A missing role is a NoSuchEntity error.
func (s *Service) TrustsService(ctx context.Context, roleARN, servicePrincipal string) (bool, error) {
	role, err := s.iam.Role(ctx, roleARN)
	if err != nil {
		return false, err
	}
	req := &policy.Request{
		Principal: policy.Principal{Type: "Service", ID: servicePrincipal},
		Action:    "sts:AssumeRole",
		Resource:  role.ARN,
	}
	return policy.Evaluate(req, role.TrustPolicy) == policy.Allow, nil
}
