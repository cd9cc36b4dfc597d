package iam

import (
	"errors"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/awsapi/iamapi"
)

func TestAccessKeys(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	u, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: sp("alice")})
	wantErr(t, err, "", 0)
	if !strings.HasPrefix(*u.User.UserId, "AIDA") {
		t.Fatalf("UserId = %s", *u.User.UserId)
	}
	k1, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: sp("alice")})
	wantErr(t, err, "", 0)
	// Without UserName, the calling user's keys are managed.
	_, err = s.CreateAccessKey(userCtx("alice"), &iamapi.CreateAccessKeyInput{})
	wantErr(t, err, "", 0)
	_, err = s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: sp("alice")})
	wantErr(t, err, "LimitExceeded", 409)
	_, err = s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: sp("bob")})
	wantErr(t, err, "NoSuchEntity", 404)

	id := *k1.AccessKey.AccessKeyId
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(*k1.AccessKey.SecretAccessKey) != 40 {
		t.Fatalf("key = %s / %s", id, *k1.AccessKey.SecretAccessKey)
	}
	cred, err := s.LookupAccessKey(ctx, id)
	wantErr(t, err, "", 0)
	if cred.SecretAccessKey != *k1.AccessKey.SecretAccessKey || cred.Caller.ARN != *u.User.Arn || cred.Caller.UserID != *u.User.UserId {
		t.Fatalf("credential = %+v", cred)
	}
	list, err := s.ListAccessKeys(ctx, &iamapi.ListAccessKeysInput{UserName: sp("alice")})
	wantErr(t, err, "", 0)
	if len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("keys = %d", len(list.AccessKeyMetadata))
	}
	_, err = s.UpdateAccessKey(ctx, &iamapi.UpdateAccessKeyInput{UserName: sp("alice"), AccessKeyId: &id, Status: sp("Inactive")})
	wantErr(t, err, "", 0)
	if _, err := s.LookupAccessKey(ctx, id); !errors.Is(err, auth.ErrUnknownAccessKey) {
		t.Fatalf("inactive key lookup: %v", err)
	}
	_, err = s.UpdateAccessKey(ctx, &iamapi.UpdateAccessKeyInput{UserName: sp("alice"), AccessKeyId: &id, Status: sp("Expired")})
	wantErr(t, err, "ValidationError", 400)
	last, err := s.GetAccessKeyLastUsed(ctx, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: &id})
	wantErr(t, err, "", 0)
	if *last.UserName != "alice" || *last.AccessKeyLastUsed.ServiceName != "N/A" {
		t.Fatalf("last used = %+v", last.AccessKeyLastUsed)
	}
	if err := s.RecordAccessKeyUse(id, "s3", "us-east-1", testTime); err != nil {
		t.Fatal(err)
	}
	last, _ = s.GetAccessKeyLastUsed(ctx, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: &id})
	if *last.AccessKeyLastUsed.ServiceName != "s3" || !last.AccessKeyLastUsed.LastUsedDate.Equal(testTime) {
		t.Fatalf("last used = %+v", last.AccessKeyLastUsed)
	}

	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: sp("alice")})
	wantErr(t, err, "DeleteConflict", 409)
	for _, k := range list.AccessKeyMetadata {
		_, err = s.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: sp("alice"), AccessKeyId: k.AccessKeyId})
		wantErr(t, err, "", 0)
	}
	_, err = s.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: sp("alice"), AccessKeyId: &id})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: sp("alice")})
	wantErr(t, err, "", 0)
}

func TestGroupsAndUserPolicies(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	mustOK := func(_ any, err error) {
		t.Helper()
		wantErr(t, err, "", 0)
	}
	mustOK(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: sp("bob"), Path: sp("/dev/")}))
	mustOK(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: sp("devs")}))
	_, err := s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: sp("Devs")})
	wantErr(t, err, "EntityAlreadyExists", 409)
	mustOK(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: sp("devs"), UserName: sp("bob")}))
	_, err = s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: sp("devs"), UserName: sp("nobody")})
	wantErr(t, err, "NoSuchEntity", 404)
	mustOK(s.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: sp("devs"), PolicyName: sp("g"), PolicyDocument: sp(s3Policy)}))
	mustOK(s.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: sp("devs"), PolicyArn: sp("arn:aws:iam::aws:policy/AmazonSQSFullAccess")}))
	mustOK(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: sp("bob"), PolicyName: sp("u"), PolicyDocument: sp(s3Policy)}))
	_, err = s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: sp("bob"), PolicyName: sp("big"),
		PolicyDocument: sp(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 2100) + `"}]}`)})
	wantErr(t, err, "LimitExceeded", 409)

	got, err := s.GetGroup(ctx, &iamapi.GetGroupInput{GroupName: sp("devs")})
	wantErr(t, err, "", 0)
	if len(got.Users) != 1 || *got.Users[0].UserName != "bob" || *got.Group.Arn != "arn:aws:iam::"+testAccount+":group/devs" {
		t.Fatalf("group = %+v", got)
	}
	groups, err := s.ListGroupsForUser(ctx, &iamapi.ListGroupsForUserInput{UserName: sp("bob")})
	wantErr(t, err, "", 0)
	if len(groups.Groups) != 1 || !strings.HasPrefix(*groups.Groups[0].GroupId, "AGPA") {
		t.Fatalf("groups = %+v", groups.Groups)
	}
	gp, err := s.GetUserPolicy(ctx, &iamapi.GetUserPolicyInput{UserName: sp("BOB"), PolicyName: sp("u")})
	wantErr(t, err, "", 0)
	if *gp.UserName != "bob" || *gp.PolicyDocument != encodeDocument(s3Policy) {
		t.Fatalf("user policy = %+v", gp)
	}
	names, err := s.ListGroupPolicies(ctx, &iamapi.ListGroupPoliciesInput{GroupName: sp("devs")})
	wantErr(t, err, "", 0)
	if len(names.PolicyNames) != 1 || names.PolicyNames[0] != "g" {
		t.Fatalf("group policies = %v", names.PolicyNames)
	}

	pols, err := s.PoliciesFor(ctx, "arn:aws:iam::"+testAccount+":user/dev/bob")
	wantErr(t, err, "", 0)
	if len(pols) != 3 {
		t.Fatalf("PoliciesFor bob = %d policies, want 3", len(pols))
	}
	req := &policy.Request{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:" + testAccount + ":q"}
	if d := policy.Evaluate(req, pols...); d != policy.Allow {
		t.Fatalf("sqs:SendMessage via group's AmazonSQSFullAccess = %v", d)
	}
	if _, err := s.PoliciesFor(ctx, "arn:aws:iam::"+testAccount+":user/ghost"); err == nil {
		t.Fatal("PoliciesFor of a missing user succeeded")
	}

	_, err = s.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: sp("devs")})
	wantErr(t, err, "DeleteConflict", 409)
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: sp("bob")})
	wantErr(t, err, "DeleteConflict", 409)
	mustOK(s.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: sp("devs"), UserName: sp("bob")}))
	_, err = s.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: sp("devs"), UserName: sp("bob")})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = s.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: sp("devs")})
	wantErr(t, err, "DeleteConflict", 409) // still has policies
	mustOK(s.DeleteGroupPolicy(ctx, &iamapi.DeleteGroupPolicyInput{GroupName: sp("devs"), PolicyName: sp("g")}))
	mustOK(s.DetachGroupPolicy(ctx, &iamapi.DetachGroupPolicyInput{GroupName: sp("devs"), PolicyArn: sp("arn:aws:iam::aws:policy/AmazonSQSFullAccess")}))
	mustOK(s.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: sp("devs")}))
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: sp("bob")})
	wantErr(t, err, "DeleteConflict", 409) // inline policy u
	mustOK(s.DeleteUserPolicy(ctx, &iamapi.DeleteUserPolicyInput{UserName: sp("bob"), PolicyName: sp("u")}))
	mustOK(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: sp("bob")}))
	users, err := s.ListUsers(ctx, &iamapi.ListUsersInput{})
	wantErr(t, err, "", 0)
	if len(users.Users) != 0 || *users.IsTruncated {
		t.Fatalf("users = %+v", users.Users)
	}
}

func TestGetUserOfCaller(t *testing.T) {
	s := newTestService(t)
	_, err := s.CreateUser(rootCtx(), &iamapi.CreateUserInput{UserName: sp("carol"), Tags: []iamapi.Tag{{Key: sp("k"), Value: sp("v")}}})
	wantErr(t, err, "", 0)
	out, err := s.GetUser(userCtx("carol"), &iamapi.GetUserInput{})
	wantErr(t, err, "", 0)
	if *out.User.UserName != "carol" || len(out.User.Tags) != 1 {
		t.Fatalf("user = %+v", out.User)
	}
	root, err := s.GetUser(rootCtx(), &iamapi.GetUserInput{})
	wantErr(t, err, "", 0)
	if *root.User.Arn != "arn:aws:iam::"+testAccount+":root" {
		t.Fatalf("root = %+v", root.User)
	}
	u, err := s.User(rootCtx(), "arn:aws:iam::"+testAccount+":user/carol")
	wantErr(t, err, "", 0)
	if u.Tags["k"] != "v" {
		t.Fatalf("User = %+v", u)
	}
}

// TestConcurrentAccessKeys races key creation: the quota holds under -race.
func TestConcurrentAccessKeys(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	if _, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: sp("racer")}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: sp("racer")})
			errs <- err
		}()
	}
	ok := 0
	for range 8 {
		if err := <-errs; err == nil {
			ok++
		} else {
			wantErr(t, err, "LimitExceeded", 409)
		}
	}
	list, err := s.ListAccessKeys(ctx, &iamapi.ListAccessKeysInput{UserName: sp("racer")})
	wantErr(t, err, "", 0)
	if ok != maxKeysPerUser || len(list.AccessKeyMetadata) != maxKeysPerUser {
		t.Fatalf("%d creations succeeded, %d keys listed", ok, len(list.AccessKeyMetadata))
	}
}
