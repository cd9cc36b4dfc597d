package s3

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/auth"
)

func TestLifecycleExpiration(t *testing.T) {
	f := newFixture(t, fixtureOpts{opts: Options{LifecycleInterval: time.Hour}})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "life")
	rules := []types.LifecycleRule{
		{ID: aws.String("tmp"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
		{ID: aws.String("old"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("ver/")},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
		{ID: aws.String("mpu"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)}},
	}
	bad := []struct {
		name string
		rule types.LifecycleRule
		want string
	}{
		{"no action", types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}}, "InvalidRequest"},
		{"zero days", types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(0)}}, "InvalidArgument"},
		{"transition", types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Transitions: []types.Transition{{Days: aws.Int32(30), StorageClass: types.TransitionStorageClassGlacier}}}, "NotImplemented"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutBucketLifecycleConfiguration(ctx, &sdks3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("life"),
				LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{tc.rule}}})
			if errCode(err) != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &sdks3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("life"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketLifecycleConfiguration(ctx, &sdks3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("life")})
	if err != nil || len(got.Rules) != 3 {
		t.Fatalf("get lifecycle: %v", err)
	}
	c.PutBucketVersioning(ctx, &sdks3.PutBucketVersioningInput{Bucket: aws.String("life"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	f.put(t, "life", "tmp/a", "goes")
	f.put(t, "life", "keep/b", "stays")
	f.put(t, "life", "ver/c", "v1")
	f.put(t, "life", "ver/c", "v2")
	up, _ := c.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("life"), Key: aws.String("stale")})
	if err := f.sys.Clock.Advance(3 * day); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, err := f.svc.getVersion(ctx, "life", "tmp/a", "", false)
		return errCode(err) != ""
	})
	lv, err := c.ListObjectVersions(ctx, &sdks3.ListObjectVersionsInput{Bucket: aws.String("life")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range lv.Versions {
		names = append(names, aws.ToString(v.Key))
	}
	// tmp/a expired into a delete marker (versioned bucket); ver/c kept only v2.
	if len(lv.Versions) != 3 || len(lv.DeleteMarkers) != 1 || aws.ToString(lv.DeleteMarkers[0].Key) != "tmp/a" {
		t.Fatalf("versions %v, markers %d", names, len(lv.DeleteMarkers))
	}
	count := 0
	for _, v := range lv.Versions {
		if aws.ToString(v.Key) == "ver/c" {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("ver/c has %d versions, want 1", count)
	}
	if _, err := c.ListParts(ctx, &sdks3.ListPartsInput{Bucket: aws.String("life"), Key: aws.String("stale"), UploadId: up.UploadId}); errCode(err) != "NoSuchUpload" {
		t.Fatalf("stale upload: %v", err)
	}
	if expiresAt(time.Date(2026, 1, 1, 13, 0, 0, 0, time.UTC), 1) != time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC) {
		t.Fatal("expiry must round up to midnight UTC")
	}
}

func TestCORS(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "web")
	f.put(t, "web", "page", "<html>")
	if _, err := f.client.GetBucketCors(ctx, &sdks3.GetBucketCorsInput{Bucket: aws.String("web")}); errCode(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("no cors: %v", err)
	}
	_, err := f.client.PutBucketCors(ctx, &sdks3.PutBucketCorsInput{Bucket: aws.String("web"), CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://*.example.com"},
			AllowedHeaders: []string{"x-custom", "content-*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(600)}}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		origin, method, headers string
		ok                      bool
	}{
		{"https://app.example.com", "PUT", "x-custom, content-type", true},
		{"https://app.example.com", "DELETE", "", false},
		{"https://evil.org", "GET", "", false},
		{"https://app.example.com", "GET", "authorization", false},
	}
	for _, tc := range cases {
		h, err := f.svc.Preflight("web", tc.origin, tc.method, tc.headers)
		if (err == nil) != tc.ok {
			t.Fatalf("preflight %+v: %v", tc, err)
		}
		if tc.ok && (h.Get("Access-Control-Allow-Origin") != tc.origin || h.Get("Access-Control-Max-Age") != "600") {
			t.Fatalf("preflight headers %v", h)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/web/page", nil)
	req.Header.Set("Origin", "https://app.example.com")
	auth.SignV4(req, auth.PayloadHash(nil), auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}, "us-east-1", "s3", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Fatalf("actual request: %d %v", resp.StatusCode, resp.Header)
	}
}
