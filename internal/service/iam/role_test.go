package iam

import (
	"net/url"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
)

func TestCreateRole(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	tests := []struct {
		name   string
		in     iamapi.CreateRoleInput
		code   string
		status int
	}{
		{"ok", iamapi.CreateRoleInput{RoleName: sp("fn-role"), AssumeRolePolicyDocument: sp(lambdaTrust)}, "", 0},
		{"duplicate differs in case", iamapi.CreateRoleInput{RoleName: sp("FN-ROLE"), AssumeRolePolicyDocument: sp(lambdaTrust)}, "EntityAlreadyExists", 409},
		{"with path and tags", iamapi.CreateRoleInput{RoleName: sp("svc"), Path: sp("/service-role/"), AssumeRolePolicyDocument: sp(lambdaTrust),
			Tags: []iamapi.Tag{{Key: sp("team"), Value: sp("a")}}, MaxSessionDuration: i32(7200)}, "", 0},
		{"bad name", iamapi.CreateRoleInput{RoleName: sp("has space"), AssumeRolePolicyDocument: sp(lambdaTrust)}, "ValidationError", 400},
		{"name too long", iamapi.CreateRoleInput{RoleName: sp(strings.Repeat("a", 65)), AssumeRolePolicyDocument: sp(lambdaTrust)}, "ValidationError", 400},
		{"missing name", iamapi.CreateRoleInput{AssumeRolePolicyDocument: sp(lambdaTrust)}, "ValidationError", 400},
		{"bad path", iamapi.CreateRoleInput{RoleName: sp("p"), Path: sp("noslash"), AssumeRolePolicyDocument: sp(lambdaTrust)}, "ValidationError", 400},
		{"malformed trust", iamapi.CreateRoleInput{RoleName: sp("m"), AssumeRolePolicyDocument: sp(`{"Statement":`)}, "MalformedPolicyDocument", 400},
		{"identity policy as trust", iamapi.CreateRoleInput{RoleName: sp("m"), AssumeRolePolicyDocument: sp(s3Policy)}, "MalformedPolicyDocument", 400},
		{"max session too small", iamapi.CreateRoleInput{RoleName: sp("d"), AssumeRolePolicyDocument: sp(lambdaTrust), MaxSessionDuration: i32(60)}, "ValidationError", 400},
		{"duplicate tag keys", iamapi.CreateRoleInput{RoleName: sp("t"), AssumeRolePolicyDocument: sp(lambdaTrust),
			Tags: []iamapi.Tag{{Key: sp("a"), Value: sp("1")}, {Key: sp("A"), Value: sp("2")}}}, "InvalidInput", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.CreateRole(ctx, &tc.in)
			wantErr(t, err, tc.code, tc.status)
			if err != nil {
				return
			}
			r := out.Role
			path := "/"
			if tc.in.Path != nil {
				path = *tc.in.Path
			}
			if *r.Arn != "arn:aws:iam::"+testAccount+":role"+path+*tc.in.RoleName {
				t.Errorf("Arn = %s", *r.Arn)
			}
			if !strings.HasPrefix(*r.RoleId, "AROA") || len(*r.RoleId) != 21 {
				t.Errorf("RoleId = %s", *r.RoleId)
			}
			if !r.CreateDate.Equal(testTime) {
				t.Errorf("CreateDate = %v", r.CreateDate)
			}
		})
	}
}

func TestRoleOperations(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	h := iamapi.Bind(s)
	if _, err := h["CreateRole"](ctx, &iamapi.CreateRoleInput{RoleName: sp("r1"), AssumeRolePolicyDocument: sp(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	t.Run("GetRole encodes the trust policy", func(t *testing.T) {
		out, err := h["GetRole"](ctx, &iamapi.GetRoleInput{RoleName: sp("R1")})
		wantErr(t, err, "", 0)
		r := out.(*iamapi.GetRoleOutput).Role
		doc := *r.AssumeRolePolicyDocument
		if !strings.HasPrefix(doc, "%7B%22Version%22") {
			t.Fatalf("document not percent-encoded: %s", doc)
		}
		if dec, _ := url.QueryUnescape(doc); dec != lambdaTrust {
			t.Fatalf("decoded = %s", dec)
		}
		if *r.MaxSessionDuration != 3600 || r.RoleLastUsed == nil {
			t.Fatalf("role = %+v", r)
		}
	})
	t.Run("GetRole missing", func(t *testing.T) {
		_, err := h["GetRole"](ctx, &iamapi.GetRoleInput{RoleName: sp("nope")})
		wantErr(t, err, "NoSuchEntity", 404)
	})
	t.Run("UpdateRole", func(t *testing.T) {
		_, err := s.UpdateRole(ctx, &iamapi.UpdateRoleInput{RoleName: sp("r1"), Description: sp("d"), MaxSessionDuration: i32(43200)})
		wantErr(t, err, "", 0)
		_, err = s.UpdateRole(ctx, &iamapi.UpdateRoleInput{RoleName: sp("r1"), MaxSessionDuration: i32(43201)})
		wantErr(t, err, "ValidationError", 400)
		out, _ := s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: sp("r1")})
		if *out.Role.Description != "d" || *out.Role.MaxSessionDuration != 43200 {
			t.Fatalf("role = %+v", out.Role)
		}
	})
	t.Run("UpdateAssumeRolePolicy", func(t *testing.T) {
		_, err := s.UpdateAssumeRolePolicy(ctx, &iamapi.UpdateAssumeRolePolicyInput{RoleName: sp("r1"), PolicyDocument: sp("nope")})
		wantErr(t, err, "MalformedPolicyDocument", 400)
		other := strings.Replace(lambdaTrust, "lambda", "ec2", 1)
		_, err = s.UpdateAssumeRolePolicy(ctx, &iamapi.UpdateAssumeRolePolicyInput{RoleName: sp("r1"), PolicyDocument: sp(other)})
		wantErr(t, err, "", 0)
		r, err := s.Role(ctx, "arn:aws:iam::"+testAccount+":role/r1")
		wantErr(t, err, "", 0)
		if r.TrustPolicyDocument != other || r.TrustPolicy == nil {
			t.Fatalf("trust = %s", r.TrustPolicyDocument)
		}
	})
}

func TestRoleTags(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	_, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: sp("r"), AssumeRolePolicyDocument: sp(lambdaTrust),
		Tags: []iamapi.Tag{{Key: sp("b"), Value: sp("1")}}})
	wantErr(t, err, "", 0)
	_, err = s.TagRole(ctx, &iamapi.TagRoleInput{RoleName: sp("r"), Tags: []iamapi.Tag{{Key: sp("a"), Value: sp("2")}, {Key: sp("B"), Value: sp("3")}}})
	wantErr(t, err, "", 0)
	out, err := s.ListRoleTags(ctx, &iamapi.ListRoleTagsInput{RoleName: sp("r")})
	wantErr(t, err, "", 0)
	if len(out.Tags) != 2 || *out.Tags[0].Key != "a" || *out.Tags[1].Key != "B" || *out.Tags[1].Value != "3" {
		t.Fatalf("tags = %+v", out.Tags)
	}
	_, err = s.UntagRole(ctx, &iamapi.UntagRoleInput{RoleName: sp("r"), TagKeys: []string{"b"}})
	wantErr(t, err, "", 0)
	out, _ = s.ListRoleTags(ctx, &iamapi.ListRoleTagsInput{RoleName: sp("r")})
	if len(out.Tags) != 1 || *out.Tags[0].Key != "a" {
		t.Fatalf("tags after untag = %+v", out.Tags)
	}
	var many []iamapi.Tag
	for i := range 50 {
		many = append(many, iamapi.Tag{Key: sp("k" + string(rune('A'+i%26)) + strings.Repeat("x", i/26)), Value: sp("v")})
	}
	_, err = s.TagRole(ctx, &iamapi.TagRoleInput{RoleName: sp("r"), Tags: many})
	wantErr(t, err, "LimitExceeded", 409)
	_, err = s.TagRole(ctx, &iamapi.TagRoleInput{RoleName: sp("missing"), Tags: many[:1]})
	wantErr(t, err, "NoSuchEntity", 404)
}

func TestListRolesPagination(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	for _, n := range []string{"e", "a", "d", "c", "b"} {
		path := "/"
		if n == "c" || n == "d" {
			path = "/app/"
		}
		if _, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: sp(n), Path: sp(path), AssumeRolePolicyDocument: sp(lambdaTrust)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	var marker *string
	pages := 0
	for {
		out, err := s.ListRoles(ctx, &iamapi.ListRolesInput{Marker: marker, MaxItems: i32(2)})
		wantErr(t, err, "", 0)
		pages++
		for _, r := range out.Roles {
			got = append(got, *r.RoleName)
			if r.Tags != nil {
				t.Errorf("ListRoles returned tags")
			}
		}
		if !*out.IsTruncated {
			if out.Marker != nil {
				t.Fatal("marker on last page")
			}
			break
		}
		marker = out.Marker
	}
	if strings.Join(got, ",") != "a,b,c,d,e" || pages != 3 {
		t.Fatalf("roles = %v in %d pages", got, pages)
	}
	out, err := s.ListRoles(ctx, &iamapi.ListRolesInput{PathPrefix: sp("/app")})
	wantErr(t, err, "", 0)
	if len(out.Roles) != 2 || *out.Roles[0].RoleName != "c" {
		t.Fatalf("path filter: %+v", out.Roles)
	}
	_, err = s.ListRoles(ctx, &iamapi.ListRolesInput{MaxItems: i32(0)})
	wantErr(t, err, "ValidationError", 400)
	_, err = s.ListRoles(ctx, &iamapi.ListRolesInput{Marker: sp("!!")})
	wantErr(t, err, "InvalidInput", 400)
}

func TestDeleteRoleConflicts(t *testing.T) {
	s := newTestService(t)
	ctx := rootCtx()
	_, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: sp("r"), AssumeRolePolicyDocument: sp(lambdaTrust)})
	wantErr(t, err, "", 0)
	admin := "arn:aws:iam::aws:policy/AdministratorAccess"
	_, err = s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: sp("r"), PolicyArn: sp(admin)})
	wantErr(t, err, "", 0)
	_, err = s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: sp("r")})
	wantErr(t, err, "DeleteConflict", 409)
	_, err = s.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: sp("r"), PolicyArn: sp(admin)})
	wantErr(t, err, "", 0)
	_, err = s.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: sp("r"), PolicyArn: sp(admin)})
	wantErr(t, err, "NoSuchEntity", 404)
	_, err = s.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: sp("r"), PolicyName: sp("p"), PolicyDocument: sp(s3Policy)})
	wantErr(t, err, "", 0)
	_, err = s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: sp("r")})
	wantErr(t, err, "DeleteConflict", 409)
	_, err = s.DeleteRolePolicy(ctx, &iamapi.DeleteRolePolicyInput{RoleName: sp("r"), PolicyName: sp("p")})
	wantErr(t, err, "", 0)
	_, err = s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: sp("r")})
	wantErr(t, err, "", 0)
	_, err = s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: sp("r")})
	wantErr(t, err, "NoSuchEntity", 404)
}
