package s3

import (
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/edge"
	"github.com/nubo/nubo/internal/platform/metrics"
)

// accessLogLine matches one line of AWS's server access log format.
var accessLogLine = regexp.MustCompile(`^([0-9a-f]{64}) (\S+) \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000)\] (\S+) (\S+) (\S+) ` +
	`(REST\.[A-Z]+\.[A-Z_]+) (\S+) "((?:[^"\\]|\\.)*)" (\d{3}) (\S+) (-|\d+) (-|\d+) (\d+) (\d+) ` +
	`"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" (\S+) (\S+) (-|SigV2|SigV4) (\S+) (-|AuthHeader|QueryString) (\S+) (\S+) (\S+) (\S+)$`)

// logFields indexes accessLogLine's groups.
const (
	lfBucket, lfTime, lfIP, lfRequester, lfReqID, lfOp, lfKey, lfURI, lfStatus, lfError = 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
	lfBytes, lfSize, lfUA, lfSig, lfAuth, lfHost                                        = 12, 13, 17, 20, 22, 23
)

// newLoggingFixture returns a fixture whose edge reports every request to
// RecordRequest, as the server wires it.
func newLoggingFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, fixtureOpts{opts: Options{LogFlushInterval: 5 * time.Minute}})
	creds := auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
		Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", Root: true, AccessKeyID: "test"}},
		auth.Credential{AccessKeyID: "user", SecretAccessKey: "user",
			Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":user/alice", UserID: "AIDAALICE", AccessKeyID: "user"}})
	e := edge.New(edge.Config{Region: "us-east-1", Account: testAccount, Credentials: creds, Now: f.sys.Clock.Now,
		OnRequest: f.svc.RecordRequest})
	e.Register(s3api.API(), f.svc.Handlers())
	f.srv.Close()
	f.srv = httptest.NewServer(e)
	t.Cleanup(f.srv.Close)
	f.client = f.newClient(true)
	return f
}

func (f *fixture) enableLogging(t *testing.T, src, target, prefix string, format *types.TargetObjectKeyFormat) {
	t.Helper()
	_, err := f.client.PutBucketLogging(context.Background(), &sdks3.PutBucketLoggingInput{Bucket: aws.String(src),
		BucketLoggingStatus: &types.BucketLoggingStatus{LoggingEnabled: &types.LoggingEnabled{
			TargetBucket: aws.String(target), TargetPrefix: aws.String(prefix), TargetObjectKeyFormat: format}}})
	if err != nil {
		t.Fatalf("PutBucketLogging %s -> %s: %v", src, target, err)
	}
}

// logObjects lists the keys under prefix in bucket.
func (f *fixture) logObjects(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	out, err := f.client.ListObjectsV2(context.Background(), &sdks3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// logLines reads a log object and parses its lines.
func (f *fixture) logLines(t *testing.T, bucket, key string) [][]string {
	t.Helper()
	out, err := f.client.GetObject(context.Background(), &sdks3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(out.Body)
	out.Body.Close()
	var lines [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		m := accessLogLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("log line does not parse: %q", line)
		}
		if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[lfTime]); err != nil {
			t.Fatalf("log time %q: %v", m[lfTime], err)
		}
		lines = append(lines, m)
	}
	return lines
}

func (f *fixture) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if err := f.sys.Clock.Advance(d); err != nil {
		t.Fatal(err)
	}
}

func TestBucketLoggingConfig(t *testing.T) {
	f := newLoggingFixture(t)
	ctx := context.Background()
	f.mkBucket(t, "src")
	f.mkBucket(t, "logs")
	if _, err := f.client.PutBucketOwnershipControls(ctx, &sdks3.PutBucketOwnershipControlsInput{Bucket: aws.String("logs"),
		OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}}}}); err != nil {
		t.Fatal(err)
	}
	grant := []types.TargetGrant{{Permission: types.BucketLogsPermissionRead,
		Grantee: &types.Grantee{Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AllUsers")}}}
	tests := []struct {
		name, bucket, target string
		grants               []types.TargetGrant
		format               *types.TargetObjectKeyFormat
		code                 string
	}{
		{"missing target", "src", "nope", nil, nil, "InvalidTargetBucketForLogging"},
		{"missing source", "nosrc", "logs", nil, nil, "NoSuchBucket"},
		{"grants with owner enforced", "src", "logs", grant, nil, "InvalidTargetBucketForLogging"},
		{"simple", "src", "logs", nil, nil, ""},
		{"partitioned", "src", "logs", nil, &types.TargetObjectKeyFormat{PartitionedPrefix: &types.PartitionedPrefix{
			PartitionDateSource: types.PartitionDateSourceDeliveryTime}}, ""},
		{"self", "logs", "logs", nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.client.PutBucketLogging(ctx, &sdks3.PutBucketLoggingInput{Bucket: aws.String(tc.bucket),
				BucketLoggingStatus: &types.BucketLoggingStatus{LoggingEnabled: &types.LoggingEnabled{
					TargetBucket: aws.String(tc.target), TargetPrefix: aws.String("p/"), TargetGrants: tc.grants,
					TargetObjectKeyFormat: tc.format}}})
			if got := errCode(err); got != tc.code {
				t.Fatalf("PutBucketLogging error %q, want %q", got, tc.code)
			}
			if tc.code != "" {
				return
			}
			out, err := f.client.GetBucketLogging(ctx, &sdks3.GetBucketLoggingInput{Bucket: aws.String(tc.bucket)})
			if err != nil {
				t.Fatal(err)
			}
			le := out.LoggingEnabled
			if le == nil || aws.ToString(le.TargetBucket) != tc.target || aws.ToString(le.TargetPrefix) != "p/" {
				t.Fatalf("GetBucketLogging = %+v", le)
			}
			if (tc.format != nil) != (le.TargetObjectKeyFormat != nil && le.TargetObjectKeyFormat.PartitionedPrefix != nil) ||
				(tc.format != nil && le.TargetObjectKeyFormat.PartitionedPrefix.PartitionDateSource != types.PartitionDateSourceDeliveryTime) {
				t.Fatalf("TargetObjectKeyFormat = %+v", le.TargetObjectKeyFormat)
			}
		})
	}
	t.Run("disable", func(t *testing.T) {
		if _, err := f.client.PutBucketLogging(ctx, &sdks3.PutBucketLoggingInput{Bucket: aws.String("src"),
			BucketLoggingStatus: &types.BucketLoggingStatus{}}); err != nil {
			t.Fatal(err)
		}
		out, err := f.client.GetBucketLogging(ctx, &sdks3.GetBucketLoggingInput{Bucket: aws.String("src")})
		if err != nil || out.LoggingEnabled != nil {
			t.Fatalf("after disabling: %+v, %v", out, err)
		}
	})
}

// TestAccessLogDelivery drives requests through a real SDK client and checks
// that a clock advance delivers one log object whose lines parse and name
// the operations made.
func TestAccessLogDelivery(t *testing.T) {
	f := newLoggingFixture(t)
	ctx := context.Background()
	f.mkBucket(t, "src")
	f.mkBucket(t, "logs")
	f.enableLogging(t, "src", "logs", "access/", nil)
	f.put(t, "src", "dir/a b.txt", "hello")
	if _, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("src"), Key: aws.String("dir/a b.txt")}); err != nil {
		t.Fatal(err)
	} else if _, err := f.client.ListObjectsV2(ctx, &sdks3.ListObjectsV2Input{Bucket: aws.String("src")}); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("src"), Key: aws.String("missing")})
	if errCode(err) != "NoSuchKey" {
		t.Fatalf("GetObject missing: %v", err)
	}
	if keys := f.logObjects(t, "logs", "access/"); len(keys) != 0 {
		t.Fatalf("log objects before the flush interval: %v", keys)
	}
	f.advance(t, 5*time.Minute)
	keys := f.logObjects(t, "logs", "access/")
	if len(keys) != 1 || !regexp.MustCompile(`^access/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$`).MatchString(keys[0]) {
		t.Fatalf("log objects %v", keys)
	}
	lines := f.logLines(t, "logs", keys[0])
	want := []struct{ op, key, status, code, bytes, size string }{
		{"REST.PUT.LOGGING_STATUS", "-", "200", "-", "-", "-"},
		{"REST.PUT.OBJECT", "dir/a%20b.txt", "200", "-", "-", "5"},
		{"REST.GET.OBJECT", "dir/a%20b.txt", "200", "-", "5", "5"},
		{"REST.GET.BUCKET", "-", "200", "-", "", "-"},
		{"REST.GET.OBJECT", "missing", "404", "NoSuchKey", "", "-"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	for i, w := range want {
		m := lines[i]
		if m[lfOp] != w.op || m[lfKey] != w.key || m[lfStatus] != w.status || m[lfError] != w.code ||
			(w.bytes != "" && m[lfBytes] != w.bytes) || m[lfSize] != w.size {
			t.Errorf("line %d: op %s key %s status %s code %s bytes %s size %s, want %+v",
				i, m[lfOp], m[lfKey], m[lfStatus], m[lfError], m[lfBytes], m[lfSize], w)
		}
		if m[lfBucket] != "src" || m[lfIP] != "127.0.0.1" || m[lfRequester] != f.svc.ownerID || m[lfReqID] == "-" ||
			m[lfSig] != "SigV4" || m[lfAuth] != "AuthHeader" || !strings.HasPrefix(m[lfHost], "127.0.0.1:") ||
			!strings.Contains(m[lfUA], "aws-sdk-go-v2") || !regexp.MustCompile(`^(GET|PUT) /src[/?]`).MatchString(m[lfURI]) {
			t.Errorf("line %d: %q", i, m[0])
		}
	}
	f.advance(t, 5*time.Minute)
	if keys := f.logObjects(t, "logs", "access/"); len(keys) != 1 {
		t.Fatalf("an idle interval delivered more log objects: %v", keys)
	}
}

// TestAccessLogSelfTarget checks that a bucket logging into itself does not
// log its own log deliveries: delivery is not a request.
func TestAccessLogSelfTarget(t *testing.T) {
	f := newLoggingFixture(t)
	f.mkBucket(t, "self")
	f.enableLogging(t, "self", "self", "log/", &types.TargetObjectKeyFormat{
		PartitionedPrefix: &types.PartitionedPrefix{PartitionDateSource: types.PartitionDateSourceEventTime}})
	f.put(t, "self", "x", "1")
	f.advance(t, 5*time.Minute)
	for i := 0; i < 3; i++ {
		f.advance(t, 5*time.Minute)
	}
	f.svc.FlushAccessLogs(context.Background())
	keys := f.logObjects(t, "self", "log/")
	// The configuration call and the PUT are the only requests: deliveries
	// into the bucket are not requests and log nothing.
	partitioned := regexp.MustCompile(`^log/` + testAccount + `/us-east-1/self/\d{4}/\d\d/\d\d/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}$`)
	if len(keys) != 1 || !partitioned.MatchString(keys[0]) {
		t.Fatalf("log objects %v", keys)
	}
	lines := f.logLines(t, "self", keys[0])
	if len(lines) != 2 || lines[0][lfOp] != "REST.PUT.LOGGING_STATUS" || lines[1][lfOp] != "REST.PUT.OBJECT" {
		var ops []string
		for _, l := range lines {
			ops = append(ops, l[lfOp])
		}
		t.Fatalf("lines: %v", ops)
	}
}

func TestRequestMetrics(t *testing.T) {
	f := newLoggingFixture(t)
	ctx := context.Background()
	f.mkBucket(t, "metered")
	f.put(t, "metered", "k", "12345")
	if _, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("metered"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("metered"), Key: aws.String("nope")}); err == nil {
		t.Fatal("HeadObject of a missing key succeeded")
	}
	if _, err := f.client.ListObjectsV2(ctx, &sdks3.ListObjectsV2Input{Bucket: aws.String("metered")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("metered"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	f.advance(t, time.Minute)
	tests := []struct {
		metric   string
		count    float64 // samples
		sum      float64
		sumExact bool
	}{
		{"AllRequests", 6, 6, true}, // CreateBucket, Put, Get, Head, List, Delete
		{"PutRequests", 1, 1, true},
		{"GetRequests", 1, 1, true},
		{"HeadRequests", 1, 1, true},
		{"ListRequests", 1, 1, true},
		{"DeleteRequests", 1, 1, true},
		{"4xxErrors", 6, 1, true},
		{"5xxErrors", 6, 0, true},
		{"BytesDownloaded", 0, 5, false},
		{"BytesUploaded", 0, 5, false},
		{"TotalRequestLatency", 6, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.metric, func(t *testing.T) {
			q := metrics.Query{Namespace: "AWS/S3", MetricName: tc.metric,
				Dimensions: []metrics.Dimension{{Name: "BucketName", Value: "metered"}, {Name: "FilterId", Value: "EntireBucket"}}}
			data := f.metrics.Find(q)
			if len(data) != 1 || data[0].Statistics == nil {
				t.Fatalf("%d data points %+v", len(data), data)
			}
			st := data[0].Statistics
			if tc.count != 0 && st.SampleCount != tc.count {
				t.Errorf("SampleCount %v, want %v", st.SampleCount, tc.count)
			}
			if tc.sumExact && st.Sum != tc.sum || !tc.sumExact && st.Sum < tc.sum {
				t.Errorf("Sum %v, want %v (exact %v)", st.Sum, tc.sum, tc.sumExact)
			}
		})
	}
}

// FuzzAccessLogLine checks that any key, user agent, referrer and URI give
// exactly one line that parses with AWS's field layout.
func FuzzAccessLogLine(f *testing.F) {
	f.Add("dir/a b.txt", "aws-sdk-go-v2/1.0", "", "/src/dir/a%20b.txt?x-id=GetObject")
	f.Add("", `Mozilla "quoted" \ ua`, "http://ref/", "/src?list-type=2")
	f.Add("k\nnext", "ua\r\n", "r\"", "/src/k%0Anext")
	svc := &Service{ownerID: strings.Repeat("ab", 32), account: testAccount}
	f.Fuzz(func(t *testing.T, key, ua, ref, uri string) {
		req := &awsapi.Request{ID: "REQ1", SourceIP: "192.0.2.1", UserAgent: ua, Time: time.Unix(1700000000, 0),
			Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":user/a b"}}
		l := awsapi.RequestLog{Request: req, Method: "GET", URI: uri, Proto: "HTTP/1.1", Host: "h", Referer: ref,
			Bucket: "src", Key: key, Status: 200, BytesSent: 3, TotalTime: time.Millisecond}
		line := string(svc.formatAccessLog(&l))
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("not one line: %q", line)
		}
		m := accessLogLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		if m == nil {
			t.Fatalf("line does not parse: %q", line)
		}
		if m[lfOp] != "REST.GET.OBJECT" && key != "" || m[lfBucket] != "src" || m[lfStatus] != "200" || m[lfBytes] != "3" {
			t.Fatalf("fields wrong in %q", line)
		}
	})
}
