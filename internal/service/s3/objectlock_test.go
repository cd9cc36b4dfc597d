package s3

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/awsapi"
)

// mkLockBucket creates a bucket with Object Lock enabled.
func (f *fixture) mkLockBucket(t testing.TB, name string) {
	t.Helper()
	if _, err := f.client.CreateBucket(context.Background(), &sdks3.CreateBucketInput{Bucket: aws.String(name),
		ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
}

func lockConfig(mode types.ObjectLockRetentionMode, days, years *int32) *types.ObjectLockConfiguration {
	return &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
		Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: mode, Days: days, Years: years}}}
}

func TestObjectLockConfigurationValidation(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkLockBucket(t, "locked")
	gov, comp := types.ObjectLockRetentionModeGovernance, types.ObjectLockRetentionModeCompliance
	cases := []struct {
		name string
		conf *types.ObjectLockConfiguration
		want string
	}{
		{"governance days", lockConfig(gov, aws.Int32(1), nil), ""},
		{"compliance years", lockConfig(comp, nil, aws.Int32(1)), ""},
		{"days and years", lockConfig(gov, aws.Int32(1), aws.Int32(1)), "MalformedXML"},
		{"neither days nor years", lockConfig(gov, nil, nil), "MalformedXML"},
		{"zero days", lockConfig(gov, aws.Int32(0), nil), "InvalidArgument"},
		{"negative years", lockConfig(gov, nil, aws.Int32(-1)), "InvalidArgument"},
		{"too many days", lockConfig(gov, aws.Int32(36501), nil), "InvalidArgument"},
		{"lowercase mode", lockConfig("governance", aws.Int32(1), nil), "MalformedXML"},
		{"unknown mode", lockConfig("abc", aws.Int32(1), nil), "MalformedXML"},
		{"missing mode", lockConfig("", aws.Int32(1), nil), "MalformedXML"},
		{"disabled", &types.ObjectLockConfiguration{ObjectLockEnabled: "Disabled"}, "MalformedXML"},
		{"rule without retention", &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{}}, "MalformedXML"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.client.PutObjectLockConfiguration(ctx, &sdks3.PutObjectLockConfigurationInput{Bucket: aws.String("locked"),
				ObjectLockConfiguration: tc.conf})
			if errCode(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	// The last valid configuration stays: COMPLIANCE for one year.
	got, err := f.client.GetObjectLockConfiguration(ctx, &sdks3.GetObjectLockConfigurationInput{Bucket: aws.String("locked")})
	if err != nil {
		t.Fatal(err)
	}
	c := got.ObjectLockConfiguration
	if c.ObjectLockEnabled != types.ObjectLockEnabledEnabled || c.Rule == nil || c.Rule.DefaultRetention.Mode != comp ||
		aws.ToInt32(c.Rule.DefaultRetention.Years) != 1 || c.Rule.DefaultRetention.Days != nil {
		t.Fatalf("configuration %+v", c)
	}
	// A configuration without a rule removes the default retention.
	if _, err := f.client.PutObjectLockConfiguration(ctx, &sdks3.PutObjectLockConfigurationInput{Bucket: aws.String("locked"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}}); err != nil {
		t.Fatal(err)
	}
	got, err = f.client.GetObjectLockConfiguration(ctx, &sdks3.GetObjectLockConfigurationInput{Bucket: aws.String("locked")})
	if err != nil || got.ObjectLockConfiguration.Rule != nil {
		t.Fatalf("after removing the rule: %+v %v", got, err)
	}
}

func TestObjectLockBucketState(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	setVersioning := func(bucket string, status types.BucketVersioningStatus) error {
		_, err := c.PutBucketVersioning(ctx, &sdks3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &types.VersioningConfiguration{Status: status}})
		return err
	}
	putConf := func(bucket string) error {
		_, err := c.PutObjectLockConfiguration(ctx, &sdks3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket),
			ObjectLockConfiguration: lockConfig(types.ObjectLockRetentionModeGovernance, aws.Int32(1), nil)})
		return err
	}
	f.mkLockBucket(t, "created-locked")
	v, err := c.GetBucketVersioning(ctx, &sdks3.GetBucketVersioningInput{Bucket: aws.String("created-locked")})
	if err != nil || v.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning of a lock bucket: %v %v", v.Status, err)
	}
	got, err := c.GetObjectLockConfiguration(ctx, &sdks3.GetObjectLockConfigurationInput{Bucket: aws.String("created-locked")})
	if err != nil || got.ObjectLockConfiguration.ObjectLockEnabled != types.ObjectLockEnabledEnabled || got.ObjectLockConfiguration.Rule != nil {
		t.Fatalf("configuration of a new lock bucket: %+v %v", got, err)
	}
	if err := setVersioning("created-locked", types.BucketVersioningStatusSuspended); errCode(err) != "InvalidBucketState" {
		t.Fatalf("suspending versioning on a lock bucket: %v", err)
	}

	f.mkBucket(t, "plain")
	if _, err := c.GetObjectLockConfiguration(ctx, &sdks3.GetObjectLockConfigurationInput{Bucket: aws.String("plain")}); errCode(err) != "ObjectLockConfigurationNotFoundError" {
		t.Fatalf("get on a bucket without Object Lock: %v", err)
	}
	if err := putConf("plain"); errCode(err) != "InvalidBucketState" {
		t.Fatalf("enable on an unversioned bucket: %v", err)
	}
	if err := setVersioning("plain", types.BucketVersioningStatusSuspended); err != nil {
		t.Fatal(err)
	}
	if err := putConf("plain"); errCode(err) != "InvalidBucketState" {
		t.Fatalf("enable on a suspended bucket: %v", err)
	}
	if err := setVersioning("plain", types.BucketVersioningStatusEnabled); err != nil {
		t.Fatal(err)
	}
	if err := putConf("plain"); err != nil {
		t.Fatalf("enable on a versioned bucket: %v", err)
	}
	if err := setVersioning("plain", types.BucketVersioningStatusSuspended); errCode(err) != "InvalidBucketState" {
		t.Fatalf("suspending after enabling Object Lock: %v", err)
	}
}

// headLock returns the Object Lock headers of a version.
func (f *fixture) headLock(t *testing.T, bucket, key, version string) *sdks3.HeadObjectOutput {
	t.Helper()
	in := &sdks3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := f.client.HeadObject(context.Background(), in)
	if err != nil {
		t.Fatalf("head %s/%s: %v", bucket, key, err)
	}
	return out
}

func TestObjectLockDefaultRetention(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkLockBucket(t, "dflt")
	if _, err := c.PutObjectLockConfiguration(ctx, &sdks3.PutObjectLockConfigurationInput{Bucket: aws.String("dflt"),
		ObjectLockConfiguration: lockConfig(types.ObjectLockRetentionModeCompliance, aws.Int32(2), nil)}); err != nil {
		t.Fatal(err)
	}
	now := f.sys.Clock.Now()
	near := func(got *time.Time, want time.Time) bool {
		return got != nil && got.Sub(want).Abs() < time.Minute
	}
	f.put(t, "dflt", "plain", "x")
	h := f.headLock(t, "dflt", "plain", "")
	if h.ObjectLockMode != types.ObjectLockModeCompliance || !near(h.ObjectLockRetainUntilDate, now.AddDate(0, 0, 2)) {
		t.Fatalf("default retention: %v %v", h.ObjectLockMode, h.ObjectLockRetainUntilDate)
	}
	if h.ObjectLockLegalHoldStatus != "" {
		t.Fatalf("legal hold never set: %q", h.ObjectLockLegalHoldStatus)
	}
	explicit := now.Add(5 * time.Hour).Truncate(time.Second).UTC()
	if _, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("dflt"), Key: aws.String("explicit"), Body: strings.NewReader("y"),
		ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(explicit),
		ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn}); err != nil {
		t.Fatal(err)
	}
	h = f.headLock(t, "dflt", "explicit", "")
	if h.ObjectLockMode != types.ObjectLockModeGovernance || !aws.ToTime(h.ObjectLockRetainUntilDate).Equal(explicit) ||
		h.ObjectLockLegalHoldStatus != types.ObjectLockLegalHoldStatusOn {
		t.Fatalf("explicit lock: %v %v %v", h.ObjectLockMode, h.ObjectLockRetainUntilDate, h.ObjectLockLegalHoldStatus)
	}
	// A copy does not inherit the source's lock: the default applies.
	if _, err := c.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("dflt"), Key: aws.String("copy"),
		CopySource: aws.String("dflt/explicit")}); err != nil {
		t.Fatal(err)
	}
	h = f.headLock(t, "dflt", "copy", "")
	if h.ObjectLockMode != types.ObjectLockModeCompliance || h.ObjectLockLegalHoldStatus != "" {
		t.Fatalf("copy lock: %v %v", h.ObjectLockMode, h.ObjectLockLegalHoldStatus)
	}
	// A multipart upload keeps the lock it was created with.
	up, err := c.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("dflt"), Key: aws.String("mpu"),
		ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &sdks3.UploadPartInput{Bucket: aws.String("dflt"), Key: aws.String("mpu"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("dflt"), Key: aws.String("mpu"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
	if err != nil || done.VersionId == nil {
		t.Fatalf("complete: %+v %v", done, err)
	}
	h = f.headLock(t, "dflt", "mpu", *done.VersionId)
	if h.ObjectLockLegalHoldStatus != types.ObjectLockLegalHoldStatusOn || h.ObjectLockMode != types.ObjectLockModeCompliance {
		t.Fatalf("multipart lock: %v %v", h.ObjectLockMode, h.ObjectLockLegalHoldStatus)
	}
}

func TestObjectLockHeaderValidation(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "plain")
	f.mkLockBucket(t, "locked")
	future := f.sys.Clock.Now().Add(time.Hour)
	past := f.sys.Clock.Now().Add(-time.Hour)
	cases := []struct {
		name, bucket string
		mode         types.ObjectLockMode
		until        *time.Time
		hold         types.ObjectLockLegalHoldStatus
		want         string
	}{
		{"lock on a plain bucket", "plain", types.ObjectLockModeGovernance, &future, "", "InvalidRequest"},
		{"legal hold on a plain bucket", "plain", "", nil, types.ObjectLockLegalHoldStatusOn, "InvalidRequest"},
		{"mode without date", "locked", types.ObjectLockModeGovernance, nil, "", "InvalidArgument"},
		{"date without mode", "locked", "", &future, "", "InvalidArgument"},
		{"unknown mode", "locked", "SOMETIMES", &future, "", "InvalidArgument"},
		{"date in the past", "locked", types.ObjectLockModeCompliance, &past, "", "InvalidArgument"},
		{"bad legal hold", "locked", "", nil, "MAYBE", "InvalidArgument"},
		{"valid", "locked", types.ObjectLockModeCompliance, &future, types.ObjectLockLegalHoldStatusOff, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.client.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String(tc.bucket), Key: aws.String("k"),
				Body: strings.NewReader("x"), ObjectLockMode: tc.mode, ObjectLockRetainUntilDate: tc.until, ObjectLockLegalHoldStatus: tc.hold})
			if errCode(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	f.put(t, "plain", "k", "x")
	for name, call := range map[string]func() error{
		"PutObjectRetention": func() error {
			_, err := f.client.PutObjectRetention(ctx, &sdks3.PutObjectRetentionInput{Bucket: aws.String("plain"), Key: aws.String("k"),
				Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(future)}})
			return err
		},
		"GetObjectRetention": func() error {
			_, err := f.client.GetObjectRetention(ctx, &sdks3.GetObjectRetentionInput{Bucket: aws.String("plain"), Key: aws.String("k")})
			return err
		},
		"PutObjectLegalHold": func() error {
			_, err := f.client.PutObjectLegalHold(ctx, &sdks3.PutObjectLegalHoldInput{Bucket: aws.String("plain"), Key: aws.String("k"),
				LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}})
			return err
		},
		"GetObjectLegalHold": func() error {
			_, err := f.client.GetObjectLegalHold(ctx, &sdks3.GetObjectLegalHoldInput{Bucket: aws.String("plain"), Key: aws.String("k")})
			return err
		},
	} {
		if err := call(); errCode(err) != "InvalidRequest" {
			t.Errorf("%s on a bucket without Object Lock: %v", name, err)
		}
	}
}

func TestObjectLockRetentionAndLegalHold(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkLockBucket(t, "ret")
	v1 := f.put(t, "ret", "k", "one")
	v2 := f.put(t, "ret", "k", "two")
	if _, err := c.GetObjectRetention(ctx, &sdks3.GetObjectRetentionInput{Bucket: aws.String("ret"), Key: aws.String("k")}); errCode(err) != "NoSuchObjectLockConfiguration" {
		t.Fatalf("retention never set: %v", err)
	}
	if _, err := c.GetObjectLegalHold(ctx, &sdks3.GetObjectLegalHoldInput{Bucket: aws.String("ret"), Key: aws.String("k")}); errCode(err) != "NoSuchObjectLockConfiguration" {
		t.Fatalf("legal hold never set: %v", err)
	}
	until := f.sys.Clock.Now().Add(48 * time.Hour).Truncate(time.Second).UTC()
	if _, err := c.PutObjectRetention(ctx, &sdks3.PutObjectRetentionInput{Bucket: aws.String("ret"), Key: aws.String("k"),
		VersionId: v1.VersionId, Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(until)}}); err != nil {
		t.Fatal(err)
	}
	r, err := c.GetObjectRetention(ctx, &sdks3.GetObjectRetentionInput{Bucket: aws.String("ret"), Key: aws.String("k"), VersionId: v1.VersionId})
	if err != nil || r.Retention.Mode != types.ObjectLockRetentionModeGovernance || !aws.ToTime(r.Retention.RetainUntilDate).Equal(until) {
		t.Fatalf("retention round trip: %+v %v", r, err)
	}
	// The retention belongs to v1 only.
	if _, err := c.GetObjectRetention(ctx, &sdks3.GetObjectRetentionInput{Bucket: aws.String("ret"), Key: aws.String("k"), VersionId: v2.VersionId}); errCode(err) != "NoSuchObjectLockConfiguration" {
		t.Fatalf("retention of v2: %v", err)
	}
	for _, status := range []types.ObjectLockLegalHoldStatus{types.ObjectLockLegalHoldStatusOn, types.ObjectLockLegalHoldStatusOff} {
		if _, err := c.PutObjectLegalHold(ctx, &sdks3.PutObjectLegalHoldInput{Bucket: aws.String("ret"), Key: aws.String("k"),
			LegalHold: &types.ObjectLockLegalHold{Status: status}}); err != nil {
			t.Fatal(err)
		}
		lh, err := c.GetObjectLegalHold(ctx, &sdks3.GetObjectLegalHoldInput{Bucket: aws.String("ret"), Key: aws.String("k")})
		if err != nil || lh.LegalHold.Status != status {
			t.Fatalf("legal hold round trip %s: %+v %v", status, lh, err)
		}
		if h := f.headLock(t, "ret", "k", ""); h.ObjectLockLegalHoldStatus != status {
			t.Fatalf("HEAD legal hold %q, want %s", h.ObjectLockLegalHoldStatus, status)
		}
	}
	bad := []struct {
		name string
		call func() error
	}{
		{"retention lowercase mode", func() error {
			_, err := c.PutObjectRetention(ctx, &sdks3.PutObjectRetentionInput{Bucket: aws.String("ret"), Key: aws.String("k"),
				Retention: &types.ObjectLockRetention{Mode: "governance", RetainUntilDate: aws.Time(until)}})
			return err
		}},
		{"retention without date", func() error {
			_, err := c.PutObjectRetention(ctx, &sdks3.PutObjectRetentionInput{Bucket: aws.String("ret"), Key: aws.String("k"),
				Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance}})
			return err
		}},
		{"legal hold status", func() error {
			_, err := c.PutObjectLegalHold(ctx, &sdks3.PutObjectLegalHoldInput{Bucket: aws.String("ret"), Key: aws.String("k"),
				LegalHold: &types.ObjectLockLegalHold{Status: "abc"}})
			return err
		}},
	}
	for _, tc := range bad {
		if err := tc.call(); errCode(err) != "MalformedXML" {
			t.Errorf("%s: %v, want MalformedXML", tc.name, err)
		}
	}
	if _, err := c.PutObjectRetention(ctx, &sdks3.PutObjectRetentionInput{Bucket: aws.String("ret"), Key: aws.String("k"),
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(f.sys.Clock.Now().Add(-time.Minute))}}); errCode(err) != "InvalidArgument" {
		t.Fatalf("retain-until in the past: %v", err)
	}
}

// TestObjectLockRetentionChanges checks who may change a retention in force:
// GOVERNANCE may be extended by anyone and shortened, removed or turned into
// COMPLIANCE only with a bypass; COMPLIANCE may only be extended.
func TestObjectLockRetentionChanges(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkLockBucket(t, "chg")
	now := f.sys.Clock.Now()
	at := func(h int) *time.Time {
		return aws.Time(now.Add(time.Duration(h) * time.Hour).Truncate(time.Second).UTC())
	}
	gov, comp := types.ObjectLockRetentionModeGovernance, types.ObjectLockRetentionModeCompliance
	cases := []struct {
		name       string
		start      types.ObjectLockRetentionMode
		mode       types.ObjectLockRetentionMode // "" removes the retention
		hours      int
		bypass     bool
		wantDenied bool
	}{
		{"governance extend", gov, gov, 20, false, false},
		{"governance same date", gov, gov, 10, false, false},
		{"governance shorten", gov, gov, 5, false, true},
		{"governance shorten with bypass", gov, gov, 5, true, false},
		{"governance to compliance", gov, comp, 10, false, true},
		{"governance to compliance with bypass", gov, comp, 10, true, false},
		{"governance remove", gov, "", 0, false, true},
		{"governance remove with bypass", gov, "", 0, true, false},
		{"compliance extend", comp, comp, 20, false, false},
		{"compliance shorten with bypass", comp, comp, 5, true, true},
		{"compliance to governance with bypass", comp, gov, 20, true, true},
		{"compliance remove with bypass", comp, "", 0, true, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := "k" + string(rune('a'+i))
			if _, err := f.client.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("chg"), Key: aws.String(key), Body: strings.NewReader("x"),
				ObjectLockMode: types.ObjectLockMode(tc.start), ObjectLockRetainUntilDate: at(10)}); err != nil {
				t.Fatal(err)
			}
			ret := &types.ObjectLockRetention{}
			if tc.mode != "" {
				ret.Mode, ret.RetainUntilDate = tc.mode, at(tc.hours)
			}
			_, err := f.client.PutObjectRetention(ctx, &sdks3.PutObjectRetentionInput{Bucket: aws.String("chg"), Key: aws.String(key),
				Retention: ret, BypassGovernanceRetention: aws.Bool(tc.bypass)})
			if denied := errCode(err) == "AccessDenied"; denied != tc.wantDenied || (err != nil && !denied) {
				t.Fatalf("got %v, want denied=%v", err, tc.wantDenied)
			}
			h := f.headLock(t, "chg", key, "")
			want := types.ObjectLockMode(tc.start)
			if !tc.wantDenied {
				want = types.ObjectLockMode(tc.mode)
			}
			if h.ObjectLockMode != want {
				t.Fatalf("mode after change %q, want %q", h.ObjectLockMode, want)
			}
		})
	}
	// Once a retention has passed on the Nubo clock, anything goes.
	if err := f.sys.Clock.Advance(11 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.PutObjectRetention(ctx, &sdks3.PutObjectRetentionInput{Bucket: aws.String("chg"), Key: aws.String("kl"),
		Retention: &types.ObjectLockRetention{}}); err != nil {
		t.Fatalf("removing an expired compliance retention: %v", err)
	}
}

func TestObjectLockDeletes(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkLockBucket(t, "del")
	until := aws.Time(f.sys.Clock.Now().Add(time.Hour))
	put := func(key string, mode types.ObjectLockMode, hold types.ObjectLockLegalHoldStatus) string {
		in := &sdks3.PutObjectInput{Bucket: aws.String("del"), Key: aws.String(key), Body: strings.NewReader("x"), ObjectLockLegalHoldStatus: hold}
		if mode != "" {
			in.ObjectLockMode, in.ObjectLockRetainUntilDate = mode, until
		}
		out, err := c.PutObject(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VersionId)
	}
	del := func(key, version string, bypass bool) error {
		_, err := c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("del"), Key: aws.String(key), VersionId: aws.String(version),
			BypassGovernanceRetention: aws.Bool(bypass)})
		return err
	}
	cases := []struct {
		name       string
		mode       types.ObjectLockMode
		hold       types.ObjectLockLegalHoldStatus
		bypass     bool
		wantDenied bool
	}{
		{"unlocked", "", "", false, false},
		{"legal hold off", "", types.ObjectLockLegalHoldStatusOff, false, false},
		{"legal hold on", "", types.ObjectLockLegalHoldStatusOn, false, true},
		{"legal hold on with bypass", "", types.ObjectLockLegalHoldStatusOn, true, true},
		{"governance", types.ObjectLockModeGovernance, "", false, true},
		{"governance with bypass", types.ObjectLockModeGovernance, "", true, false},
		{"compliance", types.ObjectLockModeCompliance, "", false, true},
		{"compliance with bypass", types.ObjectLockModeCompliance, "", true, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := "k" + string(rune('a'+i))
			vid := put(key, tc.mode, tc.hold)
			// A delete without a version id only adds a delete marker.
			if out, err := c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("del"), Key: aws.String(key)}); err != nil || !aws.ToBool(out.DeleteMarker) {
				t.Fatalf("delete marker: %+v %v", out, err)
			}
			err := del(key, vid, tc.bypass)
			if denied := errCode(err) == "AccessDenied"; denied != tc.wantDenied || (err != nil && !denied) {
				t.Fatalf("got %v, want denied=%v", err, tc.wantDenied)
			}
			_, err = f.svc.getVersion(ctx, "del", key, vid, false)
			if exists := err == nil; exists != tc.wantDenied {
				t.Fatalf("version exists=%v after delete (err %v)", exists, err)
			}
		})
	}
	// DeleteObjects reports a refusal per key.
	locked, free := put("multi-locked", types.ObjectLockModeGovernance, ""), put("multi-free", "", "")
	out, err := c.DeleteObjects(ctx, &sdks3.DeleteObjectsInput{Bucket: aws.String("del"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("multi-locked"), VersionId: aws.String(locked)}, {Key: aws.String("multi-free"), VersionId: aws.String(free)}}}})
	if err != nil || len(out.Deleted) != 1 || aws.ToString(out.Deleted[0].Key) != "multi-free" || len(out.Errors) != 1 ||
		aws.ToString(out.Errors[0].Code) != "AccessDenied" || aws.ToString(out.Errors[0].VersionId) != locked {
		t.Fatalf("DeleteObjects: %+v %v", out, err)
	}
	out, err = c.DeleteObjects(ctx, &sdks3.DeleteObjectsInput{Bucket: aws.String("del"), BypassGovernanceRetention: aws.Bool(true),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("multi-locked"), VersionId: aws.String(locked)}}}})
	if err != nil || len(out.Deleted) != 1 || len(out.Errors) != 0 {
		t.Fatalf("DeleteObjects with bypass: %+v %v", out, err)
	}
	// Compliance gives way once its date has passed on the Nubo clock.
	comp := put("later", types.ObjectLockModeCompliance, "")
	if err := f.sys.Clock.Advance(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := del("later", comp, false); err != nil {
		t.Fatalf("delete after retention: %v", err)
	}
}

// TestObjectLockBypassNeedsPermission checks that the bypass header is
// ignored when a bucket policy denies s3:BypassGovernanceRetention.
func TestObjectLockBypassNeedsPermission(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkLockBucket(t, "guard")
	out, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("guard"), Key: aws.String("k"), Body: strings.NewReader("x"),
		ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(f.sys.Clock.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:BypassGovernanceRetention","Resource":"arn:aws:s3:::guard/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &sdks3.PutBucketPolicyInput{Bucket: aws.String("guard"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("guard"), Key: aws.String("k"), VersionId: out.VersionId,
		BypassGovernanceRetention: aws.Bool(true)})
	if errCode(err) != "AccessDenied" {
		t.Fatalf("bypass denied by policy: %v", err)
	}
	if _, err := c.DeleteBucketPolicy(ctx, &sdks3.DeleteBucketPolicyInput{Bucket: aws.String("guard")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("guard"), Key: aws.String("k"), VersionId: out.VersionId,
		BypassGovernanceRetention: aws.Bool(true)}); err != nil {
		t.Fatalf("bypass allowed: %v", err)
	}
}

// TestObjectLockLifecycle checks that noncurrent-version expiration leaves
// locked versions in place and goes on with the next keys ("a-locked" sorts
// first).
func TestObjectLockLifecycle(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkLockBucket(t, "lock-lc")
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &sdks3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lock-lc"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{ID: aws.String("old"),
			Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}}}}}); err != nil {
		t.Fatal(err)
	}
	locked, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("lock-lc"), Key: aws.String("a-locked"), Body: strings.NewReader("x"),
		ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(f.sys.Clock.Now().Add(10 * day))})
	if err != nil {
		t.Fatal(err)
	}
	free := f.put(t, "lock-lc", "z-free", "x")
	f.put(t, "lock-lc", "a-locked", "newer")
	f.put(t, "lock-lc", "z-free", "newer")
	if err := f.sys.Clock.Advance(3 * day); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, err := f.svc.getVersion(ctx, "lock-lc", "z-free", *free.VersionId, false)
		return err != nil && awsapi.AsError(err).Code == "NoSuchVersion"
	})
	if _, err := f.svc.getVersion(ctx, "lock-lc", "a-locked", *locked.VersionId, false); err != nil {
		t.Fatalf("lifecycle removed a locked version: %v", err)
	}
}
