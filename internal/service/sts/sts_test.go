package sts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/awsapi/stsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
	"github.com/nubo/nubo/internal/service/iam"
)

const acct = "123456789012"

type fixture struct {
	sys   *service.System
	clock *clock.Virtual
	iam   *iam.Service
	sts   *Service
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := clock.NewVirtual()
	t.Cleanup(func() { _ = c.Close() })
	sys := &service.System{Region: "us-east-1", Account: acct, Clock: c, Store: store.OpenMemory()}
	im, err := iam.New(sys)
	if err != nil {
		t.Fatal(err)
	}
	st, err := New(sys, im, auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{sys: sys, clock: c, iam: im, sts: st, now: c.Now().UTC().Truncate(time.Second)}
}

// ctxFor returns a request context of the identity behind a credential.
func (f *fixture) ctxFor(c awsapi.Caller) context.Context {
	return awsapi.WithRequest(context.Background(), &awsapi.Request{Account: acct, Time: f.now, Caller: c})
}

func (f *fixture) rootCtx(t *testing.T) context.Context {
	cred, err := f.sts.LookupAccessKey(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	return f.ctxFor(cred.Caller)
}

func (f *fixture) createRole(t *testing.T, name, trust string, maxSession int32) string {
	t.Helper()
	in := &iamapi.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: &trust}
	if maxSession != 0 {
		in.MaxSessionDuration = &maxSession
	}
	out, err := f.iam.CreateRole(f.rootCtx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.Role.Arn
}

// userCaller creates an IAM user with a key and returns its caller identity.
func (f *fixture) userCaller(t *testing.T, name string) awsapi.Caller {
	t.Helper()
	ctx := f.rootCtx(t)
	if _, err := f.iam.CreateUser(ctx, &iamapi.CreateUserInput{UserName: &name}); err != nil {
		t.Fatal(err)
	}
	k, err := f.iam.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: &name})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := f.sts.LookupAccessKey(ctx, *k.AccessKey.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	return cred.Caller
}

func wantErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Code != code || ae.Status != status {
		t.Fatalf("error = %v, want %s/%d", err, code, status)
	}
}

func sp(s string) *string { return &s }
func i32(v int32) *int32  { return &v }

func trustAWS(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func TestAssumeRole(t *testing.T) {
	f := newFixture(t)
	root := f.rootCtx(t)
	alice := f.userCaller(t, "alice")
	bob := f.userCaller(t, "bob")
	acctRole := f.createRole(t, "acct", trustAWS(acct), 7200)
	aliceRole := f.createRole(t, "alice-only", trustAWS(alice.ARN), 0)
	lambdaRole := f.createRole(t, "fn", lambdaTrust, 0)
	extRole := f.createRole(t, "ext", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}}]}`, 0)
	missing := "arn:aws:iam::" + acct + ":role/missing"
	tests := []struct {
		name   string
		ctx    context.Context
		in     stsapi.AssumeRoleInput
		code   string
		status int
	}{
		{"root, account trusted", root, stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("s1")}, "", 0},
		{"user, account trusted", f.ctxFor(bob), stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("s1")}, "", 0},
		{"user named in trust", f.ctxFor(alice), stsapi.AssumeRoleInput{RoleArn: &aliceRole, RoleSessionName: sp("s1")}, "", 0},
		{"other user", f.ctxFor(bob), stsapi.AssumeRoleInput{RoleArn: &aliceRole, RoleSessionName: sp("s1")}, "AccessDenied", 403},
		{"root, service-only trust", root, stsapi.AssumeRoleInput{RoleArn: &lambdaRole, RoleSessionName: sp("s1")}, "AccessDenied", 403},
		{"missing role", root, stsapi.AssumeRoleInput{RoleArn: &missing, RoleSessionName: sp("s1")}, "AccessDenied", 403},
		{"external id matches", root, stsapi.AssumeRoleInput{RoleArn: &extRole, RoleSessionName: sp("s1"), ExternalId: sp("xyz")}, "", 0},
		{"external id absent", root, stsapi.AssumeRoleInput{RoleArn: &extRole, RoleSessionName: sp("s1")}, "AccessDenied", 403},
		{"duration too short", root, stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("s1"), DurationSeconds: i32(899)}, "ValidationError", 400},
		{"duration over role max", root, stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("s1"), DurationSeconds: i32(7201)}, "ValidationError", 400},
		{"duration at role max", root, stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("s1"), DurationSeconds: i32(7200)}, "", 0},
		{"session name too short", root, stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("s")}, "ValidationError", 400},
		{"session name bad chars", root, stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("a b")}, "ValidationError", 400},
		{"malformed session policy", root, stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("s1"), Policy: sp("{")}, "MalformedPolicyDocument", 400},
		{"session policy", root, stsapi.AssumeRoleInput{RoleArn: &acctRole, RoleSessionName: sp("s1"),
			Policy:     sp(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
			PolicyArns: []stsapi.PolicyDescriptorType{{Arn: sp("arn:aws:iam::aws:policy/ReadOnlyAccess")}}}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.sts.AssumeRole(tc.ctx, &tc.in)
			wantErr(t, err, tc.code, tc.status)
			if err != nil {
				if tc.code == "AccessDenied" {
					c := awsapi.RequestFrom(tc.ctx).Caller
					want := "User: " + c.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + *tc.in.RoleArn
					if msg := awsapi.AsError(err).Message; msg != want {
						t.Fatalf("message = %q, want %q", msg, want)
					}
				}
				return
			}
			checkAssumed(t, f, &tc.in, out)
		})
	}
}

// checkAssumed verifies an AssumeRole result and the credential it stored.
func checkAssumed(t *testing.T, f *fixture, in *stsapi.AssumeRoleInput, out *stsapi.AssumeRoleOutput) {
	t.Helper()
	role, err := f.iam.Role(context.Background(), *in.RoleArn)
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:sts::" + acct + ":assumed-role/" + role.Name + "/" + *in.RoleSessionName
	if *out.AssumedRoleUser.Arn != wantARN || *out.AssumedRoleUser.AssumedRoleId != role.RoleID+":"+*in.RoleSessionName {
		t.Fatalf("assumed role user = %+v", out.AssumedRoleUser)
	}
	d := int32(3600)
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds
	}
	cr := out.Credentials
	if !cr.Expiration.Equal(f.now.Add(time.Duration(d) * time.Second)) {
		t.Fatalf("expiration = %v, want now+%ds", cr.Expiration, d)
	}
	if !strings.HasPrefix(*cr.AccessKeyId, "ASIA") || len(*cr.AccessKeyId) != 20 {
		t.Fatalf("key id = %s", *cr.AccessKeyId)
	}
	if (in.Policy != nil) != (out.PackedPolicySize != nil) {
		t.Fatalf("PackedPolicySize = %v", out.PackedPolicySize)
	}
	cred, err := f.sts.LookupAccessKey(context.Background(), *cr.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	if cred.SecretAccessKey != *cr.SecretAccessKey || cred.SessionToken != *cr.SessionToken || cred.Caller.ARN != wantARN ||
		cred.Caller.UserID != *out.AssumedRoleUser.AssumedRoleId || !cred.Expires.Equal(*cr.Expiration) {
		t.Fatalf("credential = %+v", cred)
	}
	if in.Policy != nil {
		info, err := f.sts.SessionInfo(context.Background(), *cr.AccessKeyId)
		if err != nil || info.Policy != *in.Policy || len(info.PolicyARNs) != len(in.PolicyArns) {
			t.Fatalf("session info = %+v, %v", info, err)
		}
	}
}

func TestRoleChaining(t *testing.T) {
	f := newFixture(t)
	first := f.createRole(t, "first", trustAWS(acct), 0)
	second := f.createRole(t, "second", trustAWS("arn:aws:iam::"+acct+":role/first"), 0)
	out, err := f.sts.AssumeRole(f.rootCtx(t), &stsapi.AssumeRoleInput{RoleArn: &first, RoleSessionName: sp("one")})
	wantErr(t, err, "", 0)
	cred, err := f.sts.LookupAccessKey(context.Background(), *out.Credentials.AccessKeyId)
	wantErr(t, err, "", 0)
	sess := f.ctxFor(cred.Caller)
	_, err = f.sts.AssumeRole(sess, &stsapi.AssumeRoleInput{RoleArn: &second, RoleSessionName: sp("two")})
	wantErr(t, err, "", 0)
	_, err = f.sts.AssumeRole(f.rootCtx(t), &stsapi.AssumeRoleInput{RoleArn: &second, RoleSessionName: sp("two")})
	wantErr(t, err, "AccessDenied", 403)

	id, err := f.sts.GetCallerIdentity(sess, &stsapi.GetCallerIdentityInput{})
	wantErr(t, err, "", 0)
	if *id.Arn != "arn:aws:sts::"+acct+":assumed-role/first/one" || *id.Account != acct || !strings.HasPrefix(*id.UserId, "AROA") {
		t.Fatalf("identity = %+v", id)
	}
	_, err = f.sts.GetSessionToken(sess, &stsapi.GetSessionTokenInput{})
	wantErr(t, err, "AccessDenied", 403)
}

func TestGetCallerIdentity(t *testing.T) {
	f := newFixture(t)
	alice := f.userCaller(t, "alice")
	h := stsapi.Bind(f.sts)["GetCallerIdentity"]
	tests := []struct {
		name        string
		ctx         context.Context
		arn, userID string
		code        string
		status      int
	}{
		{"root", f.rootCtx(t), "arn:aws:iam::" + acct + ":root", acct, "", 0},
		{"user", f.ctxFor(alice), alice.ARN, alice.UserID, "", 0},
		{"anonymous", f.ctxFor(awsapi.Caller{Anonymous: true}), "", "", "MissingAuthenticationToken", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := h(tc.ctx, &stsapi.GetCallerIdentityInput{})
			wantErr(t, err, tc.code, tc.status)
			if err != nil {
				return
			}
			out := res.(*stsapi.GetCallerIdentityOutput)
			if *out.Arn != tc.arn || *out.UserId != tc.userID || *out.Account != acct {
				t.Fatalf("identity = %+v", out)
			}
		})
	}
}

func TestGetSessionToken(t *testing.T) {
	f := newFixture(t)
	alice := f.userCaller(t, "alice")
	tests := []struct {
		name   string
		ctx    context.Context
		d      *int32
		want   time.Duration
		code   string
		status int
	}{
		{"user default", f.ctxFor(alice), nil, 12 * time.Hour, "", 0},
		{"user 36h", f.ctxFor(alice), i32(129600), 36 * time.Hour, "", 0},
		{"user too long", f.ctxFor(alice), i32(129601), 0, "ValidationError", 400},
		{"user too short", f.ctxFor(alice), i32(899), 0, "ValidationError", 400},
		{"root capped at an hour", f.rootCtx(t), nil, time.Hour, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.sts.GetSessionToken(tc.ctx, &stsapi.GetSessionTokenInput{DurationSeconds: tc.d})
			wantErr(t, err, tc.code, tc.status)
			if err != nil {
				return
			}
			if !out.Credentials.Expiration.Equal(f.now.Add(tc.want)) {
				t.Fatalf("expiration = %v, want +%v", out.Credentials.Expiration, tc.want)
			}
			cred, err := f.sts.LookupAccessKey(context.Background(), *out.Credentials.AccessKeyId)
			wantErr(t, err, "", 0)
			if c := awsapi.RequestFrom(tc.ctx).Caller; cred.Caller.ARN != c.ARN || cred.Caller.UserID != c.UserID || cred.SessionToken == "" {
				t.Fatalf("session caller = %+v", cred.Caller)
			}
		})
	}
}

func TestGetAccessKeyInfo(t *testing.T) {
	f := newFixture(t)
	alice := f.userCaller(t, "alice")
	out, err := f.sts.GetAccessKeyInfo(f.rootCtx(t), &stsapi.GetAccessKeyInfoInput{AccessKeyId: &alice.AccessKeyID})
	wantErr(t, err, "", 0)
	if *out.Account != acct {
		t.Fatalf("account = %s", *out.Account)
	}
	_, err = f.sts.GetAccessKeyInfo(f.rootCtx(t), &stsapi.GetAccessKeyInfoInput{AccessKeyId: sp("AKIAUNKNOWNUNKNOWN00")})
	wantErr(t, err, "ValidationError", 400)
	_, err = f.sts.GetAccessKeyInfo(f.rootCtx(t), &stsapi.GetAccessKeyInfoInput{AccessKeyId: sp("short")})
	wantErr(t, err, "ValidationError", 400)
}

// TestSessionsPersistAndExpire re-creates the service over the same store and
// then advances the Nubo clock past expiry and the sweep grace.
func TestSessionsPersistAndExpire(t *testing.T) {
	f := newFixture(t)
	role := f.createRole(t, "r", trustAWS(acct), 0)
	out, err := f.sts.AssumeRole(f.rootCtx(t), &stsapi.AssumeRoleInput{RoleArn: &role, RoleSessionName: sp("s1"), DurationSeconds: i32(900)})
	wantErr(t, err, "", 0)
	id := *out.Credentials.AccessKeyId

	again, err := New(f.sys, f.iam, auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := again.LookupAccessKey(context.Background(), id)
	wantErr(t, err, "", 0)
	if !cred.Expires.Equal(*out.Credentials.Expiration) {
		t.Fatalf("expires = %v", cred.Expires)
	}
	if err := f.clock.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := again.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	cred, err = again.LookupAccessKey(context.Background(), id)
	wantErr(t, err, "", 0)
	if !f.clock.Now().After(cred.Expires) {
		t.Fatal("session not expired on the advanced clock")
	}
	if err := f.clock.Advance(sweepGrace); err != nil {
		t.Fatal(err)
	}
	if err := again.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := again.LookupAccessKey(context.Background(), id); !errors.Is(err, auth.ErrUnknownAccessKey) {
		t.Fatalf("swept session lookup: %v", err)
	}
}

func TestIssueRoleCredentials(t *testing.T) {
	f := newFixture(t)
	fn := f.createRole(t, "fn", lambdaTrust, 0)
	other := f.createRole(t, "other", trustAWS(acct), 0)
	ctx := context.Background()
	for _, tc := range []struct {
		role   string
		trusts bool
	}{{fn, true}, {other, false}} {
		ok, err := f.sts.TrustsService(ctx, tc.role, "lambda.amazonaws.com")
		if err != nil || ok != tc.trusts {
			t.Fatalf("TrustsService(%s) = %v, %v", tc.role, ok, err)
		}
	}
	cred, err := f.sts.IssueRoleCredentials(ctx, fn, "my-function", 0)
	wantErr(t, err, "", 0)
	if cred.Caller.ARN != "arn:aws:sts::"+acct+":assumed-role/fn/my-function" || cred.SessionToken == "" || cred.Expires.IsZero() {
		t.Fatalf("credential = %+v", cred)
	}
	got, err := f.sts.LookupAccessKey(ctx, cred.AccessKeyID)
	if err != nil || got.SecretAccessKey != cred.SecretAccessKey {
		t.Fatalf("lookup = %+v, %v", got, err)
	}
	_, err = f.sts.IssueRoleCredentials(ctx, "arn:aws:iam::"+acct+":role/none", "x1", 0)
	wantErr(t, err, "NoSuchEntity", 404)
}

func TestLookupAccessKeyUnknown(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"ASIAUNKNOWNUNKNOWN00", "AKIAUNKNOWNUNKNOWN00", "nope"} {
		if _, err := f.sts.LookupAccessKey(context.Background(), id); !errors.Is(err, auth.ErrUnknownAccessKey) {
			t.Fatalf("%s: %v", id, err)
		}
	}
}
