package iam

import (
	"net/url"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
)

func TestManagedCatalogue(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	out, err := s.ListPolicies(ctx, &iamapi.ListPoliciesInput{Scope: sp("AWS"), MaxItems: i32(1000)})
	wantErr(t, err, "", 0)
	if len(out.Policies) != 19 {
		t.Fatalf("AWS policies = %d, want 19", len(out.Policies))
	}
	byName := map[string]iamapi.Policy{}
	for _, p := range out.Policies {
		byName[*p.PolicyName] = p
	}
	basic, ok := byName["AWSLambdaBasicExecutionRole"]
	if !ok || *basic.Arn != "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" || *basic.Path != "/service-role/" {
		t.Fatalf("basic execution role = %+v", basic)
	}
	local, err := s.ListPolicies(ctx, &iamapi.ListPoliciesInput{Scope: sp("Local")})
	wantErr(t, err, "", 0)
	if len(local.Policies) != 0 {
		t.Fatalf("local policies = %d", len(local.Policies))
	}
	_, err = s.ListPolicies(ctx, &iamapi.ListPoliciesInput{Scope: sp("Mine")})
	wantErr(t, err, "ValidationError", 400)

	admin := "arn:aws:iam::aws:policy/AdministratorAccess"
	v, err := s.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: sp(admin), VersionId: sp("v1")})
	wantErr(t, err, "", 0)
	doc, _ := url.QueryUnescape(*v.PolicyVersion.Document)
	if !strings.Contains(doc, `"Action": "*"`) || !*v.PolicyVersion.IsDefaultVersion {
		t.Fatalf("AdministratorAccess document = %s", doc)
	}
	_, err = s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: sp("arn:aws:iam::aws:policy/NoSuchPolicy")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: sp(admin)})
	wantErr(t, err, "InvalidInput", 400)

	// Attaching an AWS managed policy shows in counts, OnlyAttached and
	// ListEntitiesForPolicy.
	_, err = s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: sp("fn"), AssumeRolePolicyDocument: sp(lambdaTrust)})
	wantErr(t, err, "", 0)
	_, err = s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: sp("fn"), PolicyArn: basic.Arn})
	wantErr(t, err, "", 0)
	_, err = s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: sp("fn"), PolicyArn: sp("arn:aws:iam::aws:policy/Nope")})
	wantErr(t, err, "NoSuchEntity", 404)
	got, err := s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: basic.Arn})
	wantErr(t, err, "", 0)
	if *got.Policy.AttachmentCount != 1 {
		t.Fatalf("AttachmentCount = %d", *got.Policy.AttachmentCount)
	}
	attached, err := s.ListPolicies(ctx, &iamapi.ListPoliciesInput{OnlyAttached: ptr(true)})
	wantErr(t, err, "", 0)
	if len(attached.Policies) != 1 || *attached.Policies[0].PolicyName != "AWSLambdaBasicExecutionRole" {
		t.Fatalf("OnlyAttached = %+v", attached.Policies)
	}
	ents, err := s.ListEntitiesForPolicy(ctx, &iamapi.ListEntitiesForPolicyInput{PolicyArn: basic.Arn})
	wantErr(t, err, "", 0)
	if len(ents.PolicyRoles) != 1 || *ents.PolicyRoles[0].RoleName != "fn" || len(ents.PolicyUsers) != 0 {
		t.Fatalf("entities = %+v", ents)
	}
	list, err := s.ListAttachedRolePolicies(ctx, &iamapi.ListAttachedRolePoliciesInput{RoleName: sp("fn")})
	wantErr(t, err, "", 0)
	if len(list.AttachedPolicies) != 1 || *list.AttachedPolicies[0].PolicyArn != *basic.Arn {
		t.Fatalf("attached = %+v", list.AttachedPolicies)
	}
	pols, err := s.PoliciesFor(ctx, "arn:aws:sts::"+testAccount+":assumed-role/fn/session")
	wantErr(t, err, "", 0)
	if len(pols) != 1 {
		t.Fatalf("PoliciesFor = %d policies", len(pols))
	}
}

func TestPolicyVersions(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	created, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: sp("read"), Path: sp("/team/"), PolicyDocument: sp(s3Policy)})
	wantErr(t, err, "", 0)
	arn := *created.Policy.Arn
	if arn != "arn:aws:iam::"+testAccount+":policy/team/read" || *created.Policy.DefaultVersionId != "v1" || !strings.HasPrefix(*created.Policy.PolicyId, "ANPA") {
		t.Fatalf("policy = %+v", created.Policy)
	}
	tests := []struct {
		name   string
		run    func() error
		code   string
		status int
	}{
		{"duplicate", func() error {
			_, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: sp("READ"), PolicyDocument: sp(s3Policy)})
			return err
		}, "EntityAlreadyExists", 409},
		{"trust policy is not an identity policy", func() error {
			_, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: sp("x"), PolicyDocument: sp(lambdaTrust)})
			return err
		}, "MalformedPolicyDocument", 400},
		{"bad policy path", func() error {
			_, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: sp("x"), Path: sp("/a b/"), PolicyDocument: sp(s3Policy)})
			return err
		}, "ValidationError", 400},
		{"four more versions", func() error {
			for range 4 {
				if _, err := s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: sp(s3Policy)}); err != nil {
					return err
				}
			}
			return nil
		}, "", 0},
		{"sixth version", func() error {
			_, err := s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: sp(s3Policy)})
			return err
		}, "LimitExceeded", 409},
		{"delete default version", func() error {
			_, err := s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: sp("v1")})
			return err
		}, "DeleteConflict", 409},
		{"delete missing version", func() error {
			_, err := s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: sp("v9")})
			return err
		}, "NoSuchEntity", 404},
		{"set default v3", func() error {
			_, err := s.SetDefaultPolicyVersion(ctx, &iamapi.SetDefaultPolicyVersionInput{PolicyArn: &arn, VersionId: sp("v3")})
			return err
		}, "", 0},
		{"delete policy with versions", func() error {
			_, err := s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: &arn})
			return err
		}, "DeleteConflict", 409},
		{"delete v1 now", func() error {
			_, err := s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: sp("v1")})
			return err
		}, "", 0},
		{"wrong path in ARN", func() error {
			_, err := s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: sp("arn:aws:iam::" + testAccount + ":policy/read")})
			return err
		}, "NoSuchEntity", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.run(), tc.code, tc.status) })
	}
	vs, err := s.ListPolicyVersions(ctx, &iamapi.ListPolicyVersionsInput{PolicyArn: &arn, MaxItems: i32(3)})
	wantErr(t, err, "", 0)
	if len(vs.Versions) != 3 || *vs.Versions[0].VersionId != "v5" || !*vs.IsTruncated {
		t.Fatalf("versions page 1 = %+v", vs.Versions)
	}
	vs2, err := s.ListPolicyVersions(ctx, &iamapi.ListPolicyVersionsInput{PolicyArn: &arn, Marker: vs.Marker})
	wantErr(t, err, "", 0)
	if len(vs2.Versions) != 1 || *vs2.Versions[0].VersionId != "v2" {
		t.Fatalf("versions page 2 = %+v", vs2.Versions)
	}
	for _, v := range append(vs.Versions, vs2.Versions...) {
		if (*v.VersionId == "v3") != *v.IsDefaultVersion {
			t.Fatalf("default flag wrong on %s", *v.VersionId)
		}
	}
	// Attached policies cannot be deleted.
	_, err = s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: sp("u")})
	wantErr(t, err, "", 0)
	_, err = s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: sp("u"), PolicyArn: &arn})
	wantErr(t, err, "", 0)
	for _, v := range []string{"v2", "v4", "v5"} {
		_, err = s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: sp(v)})
		wantErr(t, err, "", 0)
	}
	_, err = s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: &arn})
	wantErr(t, err, "DeleteConflict", 409)
	_, err = s.DetachUserPolicy(ctx, &iamapi.DetachUserPolicyInput{UserName: sp("u"), PolicyArn: &arn})
	wantErr(t, err, "", 0)
	_, err = s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: &arn})
	wantErr(t, err, "", 0)
}
