package s3

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/auth"
)

func TestSDKVersioning(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "ver")
	v0 := f.put(t, "ver", "k", "null-version")
	if v0.VersionId != nil {
		t.Fatalf("unversioned put returned version %q", aws.ToString(v0.VersionId))
	}
	if _, err := c.PutBucketVersioning(ctx, &sdks3.PutBucketVersioningInput{Bucket: aws.String("ver"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	gv, err := c.GetBucketVersioning(ctx, &sdks3.GetBucketVersioningInput{Bucket: aws.String("ver")})
	if err != nil || gv.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning status %v %v", gv.Status, err)
	}
	v1 := f.put(t, "ver", "k", "one")
	v2 := f.put(t, "ver", "k", "two")
	if v1.VersionId == nil || v2.VersionId == nil || *v1.VersionId == *v2.VersionId {
		t.Fatalf("version ids %v %v", v1.VersionId, v2.VersionId)
	}
	read := func(version string) (string, error) {
		in := &sdks3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("k")}
		if version != "" {
			in.VersionId = aws.String(version)
		}
		out, err := c.GetObject(ctx, in)
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return string(b), nil
	}
	for _, tc := range []struct{ version, want string }{{"", "two"}, {*v1.VersionId, "one"}, {"null", "null-version"}} {
		if got, err := read(tc.version); err != nil || got != tc.want {
			t.Fatalf("read %q = %q, %v; want %q", tc.version, got, err, tc.want)
		}
	}
	del, err := c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || del.VersionId == nil {
		t.Fatalf("delete: %+v %v", del, err)
	}
	if _, err := read(""); errCode(err) != "NoSuchKey" {
		t.Fatalf("read after delete marker: %v", err)
	}
	head, _ := http.NewRequest(http.MethodHead, f.srv.URL+"/ver/k", nil)
	auth.SignV4(head, auth.PayloadHash(nil), auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}, "us-east-1", "s3", time.Now())
	if resp, err := http.DefaultClient.Do(head); err != nil || resp.StatusCode != 404 || resp.Header.Get("X-Amz-Delete-Marker") != "true" ||
		resp.Header.Get("X-Amz-Version-Id") != *del.VersionId {
		t.Fatalf("head of delete marker: %v %v", resp, err)
	}
	if _, err := read(*del.VersionId); errCode(err) != "MethodNotAllowed" {
		t.Fatalf("read delete marker by id: %v", err)
	}
	if got, err := read(*v2.VersionId); err != nil || got != "two" {
		t.Fatalf("old version after delete marker: %q %v", got, err)
	}
	lv, err := c.ListObjectVersions(ctx, &sdks3.ListObjectVersionsInput{Bucket: aws.String("ver")})
	if err != nil || len(lv.Versions) != 3 || len(lv.DeleteMarkers) != 1 || !aws.ToBool(lv.DeleteMarkers[0].IsLatest) ||
		aws.ToBool(lv.Versions[0].IsLatest) || aws.ToString(lv.Versions[2].VersionId) != "null" {
		t.Fatalf("versions: %+v %v", lv, err)
	}
	page, err := c.ListObjectVersions(ctx, &sdks3.ListObjectVersionsInput{Bucket: aws.String("ver"), MaxKeys: aws.Int32(2)})
	if err != nil || !aws.ToBool(page.IsTruncated) || aws.ToString(page.NextVersionIdMarker) != *v2.VersionId {
		t.Fatalf("versions page: %+v %v", page, err)
	}
	page, err = c.ListObjectVersions(ctx, &sdks3.ListObjectVersionsInput{Bucket: aws.String("ver"), MaxKeys: aws.Int32(2),
		KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker})
	if err != nil || aws.ToBool(page.IsTruncated) || len(page.Versions) != 2 || aws.ToString(page.Versions[0].VersionId) != *v1.VersionId {
		t.Fatalf("versions page 2: %+v %v", page, err)
	}
	list, err := c.ListObjectsV2(ctx, &sdks3.ListObjectsV2Input{Bucket: aws.String("ver")})
	if err != nil || aws.ToInt32(list.KeyCount) != 0 {
		t.Fatalf("list with delete marker current: %v %v", aws.ToInt32(list.KeyCount), err)
	}
	// Removing the delete marker restores the object.
	if _, err := c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: del.VersionId}); err != nil {
		t.Fatal(err)
	}
	if got, err := read(""); err != nil || got != "two" {
		t.Fatalf("after removing marker: %q %v", got, err)
	}
	// Suspended: puts replace the null version.
	if _, err := c.PutBucketVersioning(ctx, &sdks3.PutBucketVersioningInput{Bucket: aws.String("ver"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	f.put(t, "ver", "k", "suspended")
	if got, err := read("null"); err != nil || got != "suspended" {
		t.Fatalf("null after suspended put: %q %v", got, err)
	}
	lv, _ = c.ListObjectVersions(ctx, &sdks3.ListObjectVersionsInput{Bucket: aws.String("ver")})
	if len(lv.Versions) != 3 {
		t.Fatalf("suspended put must replace the null version: %d versions", len(lv.Versions))
	}
	if _, err := read("0000000000000000ffffffffffffffff"); errCode(err) != "NoSuchVersion" {
		t.Fatalf("unknown version: %v", err)
	}
	if _, err := read("garbage"); errCode(err) != "InvalidArgument" {
		t.Fatalf("malformed version: %v", err)
	}
}

func TestSDKCopyAndDeleteObjects(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "src")
	f.mkBucket(t, "dst")
	big := strings.Repeat("b", DefaultInlineMax+10)
	f.put(t, "src", "big", big)
	f.put(t, "src", "small", "tiny")
	for _, key := range []string{"big", "small"} {
		out, err := c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy/" + key),
			CopySource: aws.String("src/" + key)})
		if err != nil || out.CopyObjectResult == nil || out.CopyObjectResult.ETag == nil {
			t.Fatalf("copy %s: %+v %v", key, out, err)
		}
	}
	n := 0
	f.svc.blobs.Walk(func(string, int64) error { n++; return nil })
	if n != 1 {
		t.Fatalf("copy must share the blob: %d blobs", n)
	}
	_, err := c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("small"), CopySource: aws.String("src/small")})
	if errCode(err) != "InvalidRequest" {
		t.Fatalf("copy to self without change: %v", err)
	}
	_, err = c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("small"), CopySource: aws.String("src/small"),
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/x"), Metadata: map[string]string{"m": "1"}})
	if err != nil {
		t.Fatalf("copy to self with REPLACE: %v", err)
	}
	h, err := c.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("src"), Key: aws.String("small")})
	if err != nil || aws.ToString(h.ContentType) != "text/x" || h.Metadata["m"] != "1" {
		t.Fatalf("head after replace: %+v %v", h, err)
	}
	_, err = c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String("src/missing")})
	if errCode(err) != "NoSuchKey" {
		t.Fatalf("copy missing: %v", err)
	}
	_, err = c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String("src/big"),
		CopySourceIfMatch: aws.String(`"0000"`)})
	if errCode(err) != "PreconditionFailed" {
		t.Fatalf("copy if-match: %v", err)
	}
	del, err := c.DeleteObjects(ctx, &sdks3.DeleteObjectsInput{Bucket: aws.String("src"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("big")}, {Key: aws.String("small")}, {Key: aws.String("never-existed")}, {Key: aws.String(strings.Repeat("k", 1025))},
	}}})
	if err != nil || len(del.Deleted) != 3 || len(del.Errors) != 1 || aws.ToString(del.Errors[0].Code) != "KeyTooLongError" {
		t.Fatalf("delete objects: %+v %v", del, err)
	}
	if _, err := c.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy/big")}); err != nil {
		t.Fatalf("copy must survive deleting its source: %v", err)
	}
	c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy/big")})
	n = 0
	f.svc.blobs.Walk(func(string, int64) error { n++; return nil })
	if n != 0 {
		t.Fatalf("blob must go with its last reference: %d blobs", n)
	}
}

func TestSweepOrphans(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "orph")
	f.put(t, "orph", "kept", strings.Repeat("k", DefaultInlineMax+1))
	ctx := context.Background()
	old, err := f.svc.blobs.Put(ctx, strings.NewReader(strings.Repeat("o", 100)))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := f.svc.blobs.Put(ctx, strings.NewReader(strings.Repeat("f", 100)))
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-2 * orphanAge)
	if err := os.Chtimes(filepath.Join(f.svc.blobDir, old.SHA256[:2], old.SHA256), past, past); err != nil {
		t.Fatal(err)
	}
	f.svc.sweepOrphans()
	left := map[string]bool{}
	f.svc.blobs.Walk(func(h string, _ int64) error { left[h] = true; return nil })
	if left[old.SHA256] || !left[fresh.SHA256] || len(left) != 2 {
		t.Fatalf("blobs after sweep: %v", left)
	}
}

func TestSDKConditionalDelete(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "cdel")
	put := f.put(t, "cdel", "k", "0123456789")
	head, err := c.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("cdel"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	bad := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   sdks3.DeleteObjectInput
		want string
	}{
		{"wrong etag", sdks3.DeleteObjectInput{IfMatch: aws.String(`"nope"`)}, "PreconditionFailed"},
		{"wrong mtime", sdks3.DeleteObjectInput{IfMatchLastModifiedTime: &bad}, "PreconditionFailed"},
		{"wrong size", sdks3.DeleteObjectInput{IfMatchSize: aws.Int64(9)}, "PreconditionFailed"},
		{"all match", sdks3.DeleteObjectInput{IfMatch: put.ETag, IfMatchLastModifiedTime: head.LastModified, IfMatchSize: aws.Int64(10)}, ""},
		{"gone", sdks3.DeleteObjectInput{IfMatchSize: aws.Int64(10)}, "NoSuchKey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket, in.Key = aws.String("cdel"), aws.String("k")
			if _, err := c.DeleteObject(ctx, &in); errCode(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	f.put(t, "cdel", "m", "abc")
	out, err := c.DeleteObjects(ctx, &sdks3.DeleteObjectsInput{Bucket: aws.String("cdel"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("m"), Size: aws.Int64(4)}, {Key: aws.String("m"), LastModifiedTime: &bad}}}})
	if err != nil || len(out.Errors) != 2 || aws.ToString(out.Errors[0].Code) != "PreconditionFailed" || aws.ToString(out.Errors[1].Code) != "PreconditionFailed" {
		t.Fatalf("DeleteObjects with wrong size and mtime: %+v %v", out, err)
	}
	out, err = c.DeleteObjects(ctx, &sdks3.DeleteObjectsInput{Bucket: aws.String("cdel"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("m"), Size: aws.Int64(3)}}}})
	if err != nil || len(out.Deleted) != 1 {
		t.Fatalf("DeleteObjects with the right size: %+v %v", out, err)
	}
}
