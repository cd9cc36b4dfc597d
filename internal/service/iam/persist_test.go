package iam

import (
	"net/url"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// TestStateSurvivesReopen writes through one Service, closes the store,
// reopens it from disk and reads through a new Service.
func TestStateSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(newSystem(t, db))
	if err != nil {
		t.Fatal(err)
	}
	ctx := rootCtx()
	role, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: sp("r"), AssumeRolePolicyDocument: sp(lambdaTrust)})
	wantErr(t, err, "", 0)
	pol, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: sp("p"), PolicyDocument: sp(s3Policy)})
	wantErr(t, err, "", 0)
	_, err = s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: sp("r"), PolicyArn: pol.Policy.Arn})
	wantErr(t, err, "", 0)
	_, err = s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: sp("u")})
	wantErr(t, err, "", 0)
	key, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: sp("u")})
	wantErr(t, err, "", 0)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err = New(newSystem(t, db))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: sp("r")})
	wantErr(t, err, "", 0)
	if *got.Role.RoleId != *role.Role.RoleId {
		t.Fatalf("role id changed: %s vs %s", *got.Role.RoleId, *role.Role.RoleId)
	}
	if doc, _ := url.QueryUnescape(*got.Role.AssumeRolePolicyDocument); doc != lambdaTrust {
		t.Fatalf("trust = %s", doc)
	}
	p, err := s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: pol.Policy.Arn})
	wantErr(t, err, "", 0)
	if *p.Policy.AttachmentCount != 1 {
		t.Fatalf("AttachmentCount = %d", *p.Policy.AttachmentCount)
	}
	cred, err := s.LookupAccessKey(ctx, *key.AccessKey.AccessKeyId)
	wantErr(t, err, "", 0)
	if cred.SecretAccessKey != *key.AccessKey.SecretAccessKey {
		t.Fatal("secret changed")
	}
}
