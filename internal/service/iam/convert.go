package iam

import (
	"sort"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
)

func ptr[T any](v T) *T { return &v }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// tagsIn converts request tags.
func tagsIn(in []iamapi.Tag) []tag {
	if in == nil {
		return nil
	}
	out := make([]tag, 0, len(in))
	for _, t := range in {
		out = append(out, tag{Key: str(t.Key), Value: str(t.Value)})
	}
	return out
}

// tagsOut converts stored tags; nil when there are none.
func tagsOut(in []tag) []iamapi.Tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]iamapi.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, iamapi.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
	}
	return out
}

// pageTags returns one page of tags sorted by key.
func pageTags(tags []tag, marker *string, maxItems *int32) ([]iamapi.Tag, *string, bool, error) {
	sorted := append([]tag(nil), tags...)
	sort.Slice(sorted, func(i, j int) bool { return strings.ToLower(sorted[i].Key) < strings.ToLower(sorted[j].Key) })
	items, next, truncated, err := page(sorted, func(t tag) string { return strings.ToLower(t.Key) }, marker, maxItems)
	if err != nil {
		return nil, nil, false, err
	}
	out := tagsOut(items)
	if out == nil {
		out = []iamapi.Tag{}
	}
	return out, next, truncated, nil
}

// roleOut converts a role; detail adds what only GetRole reports.
func roleOut(r *roleRecord, detail bool) *iamapi.Role {
	out := &iamapi.Role{
		Path: ptr(r.Path), RoleName: ptr(r.Name), RoleId: ptr(r.ID), Arn: ptr(r.ARN),
		CreateDate:               ptr(r.Created),
		AssumeRolePolicyDocument: ptr(encodeDocument(r.TrustPolicy)),
		Description:              strPtr(r.Description),
		MaxSessionDuration:       ptr(r.MaxSessionDuration),
		Tags:                     tagsOut(r.Tags),
	}
	if detail {
		out.RoleLastUsed = &iamapi.RoleLastUsed{LastUsedDate: timePtr(r.LastUsed), Region: strPtr(r.LastUsedRegion)}
		out.PermissionsBoundary = boundaryOut(r.PermissionsBoundary)
	}
	return out
}

func boundaryOut(arn string) *iamapi.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &iamapi.AttachedPermissionsBoundary{
		PermissionsBoundaryType: ptr("PermissionsBoundaryPolicy"),
		PermissionsBoundaryArn:  ptr(arn),
	}
}

// userOut converts a user; detail adds what only GetUser reports.
func userOut(u *userRecord, detail bool) *iamapi.User {
	out := &iamapi.User{
		Path: ptr(u.Path), UserName: ptr(u.Name), UserId: ptr(u.ID), Arn: ptr(u.ARN),
		CreateDate: ptr(u.Created), Tags: tagsOut(u.Tags),
	}
	if detail {
		out.PermissionsBoundary = boundaryOut(u.PermissionsBoundary)
	}
	return out
}

// groupOut converts a group.
func groupOut(g *groupRecord) *iamapi.Group {
	return &iamapi.Group{Path: ptr(g.Path), GroupName: ptr(g.Name), GroupId: ptr(g.ID), Arn: ptr(g.ARN), CreateDate: ptr(g.Created)}
}
