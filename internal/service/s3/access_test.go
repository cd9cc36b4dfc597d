package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/auth"
)

// TestVersionActions checks that a request naming a version is authorised
// with AWS's version actions: instead of the object action for reads and
// ACLs, beside it for deletes and tagging.
func TestVersionActions(t *testing.T) {
	ctx := context.Background()
	type call func(c *sdks3.Client, version *string) error
	get := func(c *sdks3.Client, v *string) error {
		out, err := c.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	attrs := func(c *sdks3.Client, v *string) error {
		_, err := c.GetObjectAttributes(ctx, &sdks3.GetObjectAttributesInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v,
			ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectSize}})
		return err
	}
	getTags := func(c *sdks3.Client, v *string) error {
		_, err := c.GetObjectTagging(ctx, &sdks3.GetObjectTaggingInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v})
		return err
	}
	putTags := func(c *sdks3.Client, v *string) error {
		_, err := c.PutObjectTagging(ctx, &sdks3.PutObjectTaggingInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v,
			Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}})
		return err
	}
	getACL := func(c *sdks3.Client, v *string) error {
		_, err := c.GetObjectAcl(ctx, &sdks3.GetObjectAclInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v})
		return err
	}
	putACL := func(c *sdks3.Client, v *string) error {
		_, err := c.PutObjectAcl(ctx, &sdks3.PutObjectAclInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v,
			ACL: types.ObjectCannedACLPrivate})
		return err
	}
	copyFrom := func(c *sdks3.Client, v *string) error {
		src := "vacts/k"
		if v != nil {
			src += "?versionId=" + *v
		}
		_, err := c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("vacts"), Key: aws.String("copy"), CopySource: aws.String(src)})
		return err
	}
	del := func(c *sdks3.Client, v *string) error {
		_, err := c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v})
		return err
	}
	cases := []struct {
		name, deny string
		op         call
		// plain and version are the error codes of the call without and
		// with the version id.
		plain, version string
	}{
		{"GetObject", "s3:GetObjectVersion", get, "", "AccessDenied"},
		{"GetObject", "s3:GetObject", get, "AccessDenied", ""},
		{"GetObjectAttributes", "s3:GetObjectVersionAttributes", attrs, "", "AccessDenied"},
		{"GetObjectAttributes", "s3:GetObjectAttributes", attrs, "AccessDenied", ""},
		{"GetObjectAttributes", "s3:GetObjectVersion", attrs, "", "AccessDenied"},
		{"GetObjectTagging", "s3:GetObjectVersionTagging", getTags, "", "AccessDenied"},
		{"GetObjectTagging", "s3:GetObjectTagging", getTags, "AccessDenied", "AccessDenied"},
		{"PutObjectTagging", "s3:PutObjectVersionTagging", putTags, "", "AccessDenied"},
		{"GetObjectAcl", "s3:GetObjectVersionAcl", getACL, "", "AccessDenied"},
		{"GetObjectAcl", "s3:GetObjectAcl", getACL, "AccessDenied", ""},
		{"PutObjectAcl", "s3:PutObjectVersionAcl", putACL, "", "AccessDenied"},
		{"CopyObject", "s3:GetObjectVersion", copyFrom, "", "AccessDenied"},
		{"DeleteObject", "s3:DeleteObjectVersion", del, "", "AccessDenied"},
		{"DeleteObject", "s3:DeleteObject", del, "AccessDenied", "AccessDenied"},
	}
	for _, tc := range cases {
		f := versionedFixture(t)
		v := f.put(t, "vacts", "k", "body").VersionId
		denyAll(t, f, tc.deny)
		// The version call first: a plain delete adds a delete marker.
		if err := tc.op(f.client, v); errCode(err) != tc.version {
			t.Errorf("deny %s, %s with a version id: %v, want %q", tc.deny, tc.name, err, tc.version)
		}
		if err := tc.op(f.client, nil); errCode(err) != tc.plain {
			t.Errorf("deny %s, %s without a version id: %v, want %q", tc.deny, tc.name, err, tc.plain)
		}
	}
}

// versionedFixture returns a fixture with the versioned bucket "vacts".
func versionedFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "vacts")
	if _, err := f.client.PutBucketVersioning(context.Background(), &sdks3.PutBucketVersioningInput{Bucket: aws.String("vacts"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	return f
}

// denyAll puts a bucket policy on "vacts" that denies action to everyone.
func denyAll(t *testing.T, f *fixture, action string) {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"` + action + `","Resource":"arn:aws:s3:::vacts/*"}]}`
	if _, err := f.client.PutBucketPolicy(context.Background(), &sdks3.PutBucketPolicyInput{Bucket: aws.String("vacts"),
		Policy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
}

// TestDeleteObjectsAuthorisesEachKey checks that DeleteObjects refuses keys
// one by one, in its result, as AWS does: a version named needs
// s3:DeleteObjectVersion, and a caller from another account without a
// policy granting it gets AccessDenied for every key rather than for the
// request.
func TestDeleteObjectsAuthorisesEachKey(t *testing.T) {
	ctx := context.Background()
	f := versionedFixture(t)
	v := f.put(t, "vacts", "k", "body").VersionId
	f.put(t, "vacts", "other", "body")
	denyAll(t, f, "s3:DeleteObjectVersion")
	deleteBoth := func(c *sdks3.Client) *sdks3.DeleteObjectsOutput {
		t.Helper()
		out, err := c.DeleteObjects(ctx, &sdks3.DeleteObjectsInput{Bucket: aws.String("vacts"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
			{Key: aws.String("k"), VersionId: v}, {Key: aws.String("other")}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	other := sdks3.New(f.client.Options(), func(o *sdks3.Options) {
		o.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "other", SecretAccessKey: "other"}, nil
		}))
	})
	out := deleteBoth(other)
	if len(out.Errors) != 2 || len(out.Deleted) != 0 || aws.ToString(out.Errors[0].Code) != "AccessDenied" ||
		aws.ToString(out.Errors[1].Code) != "AccessDenied" {
		t.Fatalf("foreign caller: deleted %v, errors %v", out.Deleted, out.Errors)
	}

	out = deleteBoth(f.client)
	if len(out.Errors) != 1 || aws.ToString(out.Errors[0].Key) != "k" || aws.ToString(out.Errors[0].Code) != "AccessDenied" {
		t.Fatalf("errors %v, want AccessDenied for the version of k", out.Errors)
	}
	if len(out.Deleted) != 1 || aws.ToString(out.Deleted[0].Key) != "other" {
		t.Fatalf("deleted %v, want other", out.Deleted)
	}
	got, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v})
	if err != nil {
		t.Fatalf("the refused version is gone: %v", err)
	}
	got.Body.Close()
}

// TestMultipartActions checks that listing an upload's parts and aborting
// it are authorised with their own actions, not s3:PutObject.
func TestMultipartActions(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ deny, list, abort string }{
		{"s3:ListMultipartUploadParts", "AccessDenied", ""},
		{"s3:AbortMultipartUpload", "", "AccessDenied"},
		{"s3:PutObject", "", ""},
	} {
		f := newFixture(t, fixtureOpts{})
		f.mkBucket(t, "vacts")
		up, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("vacts"), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		denyAll(t, f, tc.deny)
		_, err = f.client.ListParts(ctx, &sdks3.ListPartsInput{Bucket: aws.String("vacts"), Key: aws.String("k"), UploadId: up.UploadId})
		if errCode(err) != tc.list {
			t.Errorf("deny %s: ListParts %v, want %q", tc.deny, err, tc.list)
		}
		_, err = f.client.AbortMultipartUpload(ctx, &sdks3.AbortMultipartUploadInput{Bucket: aws.String("vacts"), Key: aws.String("k"),
			UploadId: up.UploadId})
		if errCode(err) != tc.abort {
			t.Errorf("deny %s: AbortMultipartUpload %v, want %q", tc.deny, err, tc.abort)
		}
	}
}

// TestPutObjectExtraActions checks that a PutObject setting tags or an ACL
// also needs s3:PutObjectTagging or s3:PutObjectAcl, and a plain one
// neither.
func TestPutObjectExtraActions(t *testing.T) {
	ctx := context.Background()
	plain := &sdks3.PutObjectInput{Key: aws.String("plain")}
	tagged := &sdks3.PutObjectInput{Key: aws.String("tagged"), Tagging: aws.String("a=b")}
	withACL := &sdks3.PutObjectInput{Key: aws.String("acl"), ACL: types.ObjectCannedACLBucketOwnerFullControl}
	for _, tc := range []struct {
		deny string
		in   *sdks3.PutObjectInput
		want string
	}{
		{"s3:PutObjectTagging", tagged, "AccessDenied"},
		{"s3:PutObjectTagging", plain, ""},
		{"s3:PutObjectAcl", withACL, "AccessDenied"},
		{"s3:PutObjectAcl", tagged, ""},
	} {
		f := newFixture(t, fixtureOpts{})
		f.mkBucket(t, "vacts")
		denyAll(t, f, tc.deny)
		in := *tc.in
		in.Bucket = aws.String("vacts")
		if _, err := f.client.PutObject(ctx, &in); errCode(err) != tc.want {
			t.Errorf("deny %s: PutObject %s: %v, want %q", tc.deny, aws.ToString(in.Key), err, tc.want)
		}
	}
}

// TestConditionKeys checks the S3 condition keys bucket policies see: each
// case denies an action under a condition on one key, then makes a request
// that matches the condition and one that does not.
func TestConditionKeys(t *testing.T) {
	ctx := context.Background()
	list := func(prefix *string) func(*fixture) error {
		return func(f *fixture) error {
			_, err := f.client.ListObjectsV2(ctx, &sdks3.ListObjectsV2Input{Bucket: aws.String("vacts"), Prefix: prefix})
			return err
		}
	}
	put := func(in sdks3.PutObjectInput) func(*fixture) error {
		return func(f *fixture) error {
			in.Bucket, in.Key = aws.String("vacts"), aws.String("new")
			_, err := f.client.PutObject(ctx, &in)
			return err
		}
	}
	presignedAt := func(age time.Duration) func(*fixture) error {
		return func(f *fixture) error {
			req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/vacts/k", nil)
			u := auth.PresignV4(req, "", auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}, "us-east-1", "s3",
				time.Now().Add(-age), time.Hour)
			resp, err := http.Get(u)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
	}
	get := func(presigned bool) func(*fixture) error {
		return func(f *fixture) error {
			in := &sdks3.GetObjectInput{Bucket: aws.String("vacts"), Key: aws.String("k")}
			if !presigned {
				out, err := f.client.GetObject(ctx, in)
				if err == nil {
					out.Body.Close()
				}
				return err
			}
			req, err := sdks3.NewPresignClient(f.client).PresignGetObject(ctx, in)
			if err != nil {
				return err
			}
			resp, err := http.Get(req.URL)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusForbidden {
				return errors.New("AccessDenied")
			}
			return nil
		}
	}
	cases := []struct {
		name, action, condition string
		denied, allowed         func(*fixture) error
	}{
		{"s3:prefix", "s3:ListBucket", `{"StringNotLike":{"s3:prefix":"public/*"}}`, list(aws.String("private/")), list(aws.String("public/a"))},
		{"s3:prefix absent", "s3:ListBucket", `{"StringNotLike":{"s3:prefix":"public/*"}}`, list(nil), list(aws.String("public/"))},
		{"s3:x-amz-acl", "s3:PutObject", `{"StringNotEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}`,
			put(sdks3.PutObjectInput{}), put(sdks3.PutObjectInput{ACL: types.ObjectCannedACLBucketOwnerFullControl})},
		{"s3:RequestObjectTag", "s3:PutObject", `{"StringNotEquals":{"s3:RequestObjectTag/team":"blue"}}`,
			put(sdks3.PutObjectInput{Tagging: aws.String("team=red")}), put(sdks3.PutObjectInput{Tagging: aws.String("team=blue&x=y")})},
		{"s3:RequestObjectTagKeys", "s3:PutObject", `{"ForAnyValue:StringEquals":{"s3:RequestObjectTagKeys":"secret"}}`,
			put(sdks3.PutObjectInput{Tagging: aws.String("a=1&secret=2")}), put(sdks3.PutObjectInput{Tagging: aws.String("a=1")})},
		{"s3:authType", "s3:GetObject", `{"StringEquals":{"s3:authType":"REST-QUERY-STRING"}}`, get(true), get(false)},
		{"s3:signatureversion", "s3:GetObject", `{"StringNotEquals":{"s3:signatureversion":"AWS4-HMAC-SHA256"}}`, nil, get(true)},
		{"s3:signatureAge", "s3:GetObject", `{"NumericGreaterThan":{"s3:signatureAge":"600000"}}`,
			presignedAt(20 * time.Minute), presignedAt(time.Minute)},
		{"s3:ResourceAccount", "s3:GetObject", `{"StringNotEquals":{"s3:ResourceAccount":"000000000000"}}`, nil, get(false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{})
			f.mkBucket(t, "vacts")
			f.put(t, "vacts", "k", "body")
			resource := "arn:aws:s3:::vacts/*"
			if strings.HasPrefix(tc.action, "s3:List") {
				resource = "arn:aws:s3:::vacts"
			}
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"` + tc.action +
				`","Resource":"` + resource + `","Condition":` + tc.condition + `}]}`
			if _, err := f.client.PutBucketPolicy(ctx, &sdks3.PutBucketPolicyInput{Bucket: aws.String("vacts"), Policy: aws.String(doc)}); err != nil {
				t.Fatal(err)
			}
			if tc.denied != nil {
				if err := tc.denied(f); errCode(err) != "AccessDenied" && errCode(err) != "status 403" {
					t.Errorf("matching request: %v, want AccessDenied", err)
				}
			}
			if err := tc.allowed(f); err != nil {
				t.Errorf("request outside the condition: %v", err)
			}
		})
	}
}

// TestVersionIDConditionKey checks s3:VersionId: a policy can deny one
// version and leave the others readable.
func TestVersionIDConditionKey(t *testing.T) {
	ctx := context.Background()
	f := versionedFixture(t)
	old := f.put(t, "vacts", "k", "old").VersionId
	cur := f.put(t, "vacts", "k", "new").VersionId
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObjectVersion",` +
		`"Resource":"arn:aws:s3:::vacts/*","Condition":{"StringEquals":{"s3:VersionId":"` + aws.ToString(old) + `"}}}]}`
	if _, err := f.client.PutBucketPolicy(ctx, &sdks3.PutBucketPolicyInput{Bucket: aws.String("vacts"), Policy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		v    *string
		want string
	}{{old, "AccessDenied"}, {cur, ""}} {
		out, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: tc.v})
		if err == nil {
			out.Body.Close()
		}
		if errCode(err) != tc.want {
			t.Errorf("version %s: %v, want %q", aws.ToString(tc.v), err, tc.want)
		}
	}
}

// TestExistingObjectTag checks s3:ExistingObjectTag/<key>: a policy denying
// reads of objects tagged secret=yes refuses them, by version too, and
// leaves other objects and writes alone.
func TestExistingObjectTag(t *testing.T) {
	ctx := context.Background()
	f := versionedFixture(t)
	tagged := f.put(t, "vacts", "k", "old").VersionId
	if _, err := f.client.PutObjectTagging(ctx, &sdks3.PutObjectTaggingInput{Bucket: aws.String("vacts"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("secret"), Value: aws.String("yes")}}}}); err != nil {
		t.Fatal(err)
	}
	untagged := f.put(t, "vacts", "k", "new").VersionId
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",` +
		`"Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging","s3:GetObjectVersionTagging","s3:PutObject"],` +
		`"Resource":"arn:aws:s3:::vacts/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/secret":"yes"}}}]}`
	if _, err := f.client.PutBucketPolicy(ctx, &sdks3.PutBucketPolicyInput{Bucket: aws.String("vacts"), Policy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	get := func(v *string) error {
		out, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("vacts"), Key: aws.String("k"), VersionId: v})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if err := get(tagged); errCode(err) != "AccessDenied" {
		t.Errorf("tagged version: %v, want AccessDenied", err)
	}
	if _, err := f.client.GetObjectTagging(ctx, &sdks3.GetObjectTaggingInput{Bucket: aws.String("vacts"), Key: aws.String("k"),
		VersionId: tagged}); errCode(err) != "AccessDenied" {
		t.Errorf("tags of the tagged version: %v, want AccessDenied", err)
	}
	if err := get(untagged); err != nil {
		t.Errorf("untagged version: %v", err)
	}
	if err := get(nil); err != nil {
		t.Errorf("current, untagged version: %v", err)
	}
	// PutObject is not evaluated against existing tags, as in AWS.
	if _, err := f.client.PutObjectTagging(ctx, &sdks3.PutObjectTaggingInput{Bucket: aws.String("vacts"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("secret"), Value: aws.String("yes")}}}}); err != nil {
		t.Fatal(err)
	}
	f.put(t, "vacts", "k", "newer")
	if err := get(nil); err != nil {
		t.Errorf("after an overwrite: %v", err)
	}
}
