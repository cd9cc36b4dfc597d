package s3

import (
	"context"
	"net/http"
	"strings"
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

// TestExpirationHeader checks x-amz-expiration on PUT, HEAD, GET, copy and
// multipart completion: the earliest enabled matching rule, its date rounded
// to the next midnight UTC, and no header where no rule applies.
func TestExpirationHeader(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "exp")
	date := time.Date(2031, 1, 2, 0, 0, 0, 0, time.UTC)
	rules := []types.LifecycleRule{
		{ID: aws.String("logs two days"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(2)}},
		{ID: aws.String("tagged"), Status: types.ExpirationStatusEnabled,
			Filter:     &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("tmp"), Value: aws.String("yes")}},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
		{ID: aws.String("off"), Status: types.ExpirationStatusDisabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
		{ID: aws.String("dated"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("archive/")},
			Expiration: &types.LifecycleExpiration{Date: aws.Time(date)}},
	}
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &sdks3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("exp"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}}); err != nil {
		t.Fatal(err)
	}
	header := func(when time.Time, rule string) string {
		return `expiry-date="` + when.Format(http.TimeFormat) + `", rule-id="` + rule + `"`
	}
	tests := []struct {
		key, tagging string
		days         int32     // 0: no Days rule applies
		date         time.Time // a Date rule applies
		rule         string
	}{
		{key: "logs/a", days: 2, rule: "logs%20two%20days"},
		{key: "logs/b", tagging: "tmp=yes", days: 1, rule: "tagged"},
		{key: "other/c", tagging: "tmp=no"},
		{key: "archive/d", date: date, rule: "dated"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			put, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("exp"), Key: aws.String(tt.key),
				Body: strings.NewReader("x"), Tagging: aws.String(tt.tagging)})
			if err != nil {
				t.Fatal(err)
			}
			head, err := c.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("exp"), Key: aws.String(tt.key)})
			if err != nil {
				t.Fatal(err)
			}
			get, err := c.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("exp"), Key: aws.String(tt.key)})
			if err != nil {
				t.Fatal(err)
			}
			get.Body.Close()
			want := ""
			switch {
			case tt.days > 0:
				want = header(expiresAt(aws.ToTime(head.LastModified), tt.days), tt.rule)
			case !tt.date.IsZero():
				want = header(tt.date, tt.rule)
			}
			for op, got := range map[string]*string{"PutObject": put.Expiration, "HeadObject": head.Expiration, "GetObject": get.Expiration} {
				if aws.ToString(got) != want {
					t.Errorf("%s Expiration = %q, want %q", op, aws.ToString(got), want)
				}
			}
		})
	}
	cp, err := c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("exp"), Key: aws.String("logs/copy"), CopySource: aws.String("exp/other/c")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(cp.Expiration), `rule-id="logs%20two%20days"`) {
		t.Errorf("CopyObject Expiration = %q, want the logs rule", aws.ToString(cp.Expiration))
	}
	up, err := c.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("exp"), Key: aws.String("archive/mpu")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &sdks3.UploadPartInput{Bucket: aws.String("exp"), Key: aws.String("archive/mpu"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("exp"), Key: aws.String("archive/mpu"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(done.Expiration), header(date, "dated"); got != want {
		t.Errorf("CompleteMultipartUpload Expiration = %q, want %q", got, want)
	}
}
