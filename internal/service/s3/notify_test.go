package s3

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
)

const (
	fnARN    = "arn:aws:lambda:us-east-1:000000000000:function:copier"
	queueARN = "arn:aws:sqs:us-east-1:000000000000:events"
)

func notifyConfig() *types.NotificationConfiguration {
	return &types.NotificationConfiguration{
		LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{{Id: aws.String("to-lambda"),
			LambdaFunctionArn: aws.String(fnARN), Events: []types.Event{"s3:ObjectCreated:*"},
			Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{
				{Name: types.FilterRuleNamePrefix, Value: aws.String("in/")}, {Name: types.FilterRuleNameSuffix, Value: aws.String(".jpg")}}}}}},
		QueueConfigurations: []types.QueueConfiguration{{QueueArn: aws.String(queueARN), Events: []types.Event{"s3:ObjectRemoved:Delete"}}},
	}
}

// outbox returns the events waiting in the outbox.
func outbox(t *testing.T, s *Service) []outboxEntry {
	t.Helper()
	var out []outboxEntry
	start := []byte(outboxPrefix)
	err := s.db.Scan(start, store.PrefixEnd(start), func(_, v []byte) bool {
		var e outboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNotificationConfigValidation(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "cfg")
	cases := []struct {
		name string
		cfg  *types.NotificationConfiguration
		want string
	}{
		{"bad event", &types.NotificationConfiguration{LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{
			{LambdaFunctionArn: aws.String(fnARN), Events: []types.Event{"s3:ObjectMunged:*"}}}}, "InvalidArgument"},
		{"bad arn", &types.NotificationConfiguration{LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{
			{LambdaFunctionArn: aws.String("copier"), Events: []types.Event{"s3:ObjectCreated:*"}}}}, "InvalidArgument"},
		{"queue arn for lambda", &types.NotificationConfiguration{LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{
			{LambdaFunctionArn: aws.String(queueARN), Events: []types.Event{"s3:ObjectCreated:*"}}}}, "InvalidArgument"},
		{"bad filter", &types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{
			{QueueArn: aws.String(queueARN), Events: []types.Event{"s3:ObjectCreated:*"},
				Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{{Name: "middle", Value: aws.String("x")}}}}}}}, "InvalidArgument"},
		{"ok", notifyConfig(), ""},
		{"empty clears", &types.NotificationConfiguration{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.client.PutBucketNotificationConfiguration(ctx, &sdks3.PutBucketNotificationConfigurationInput{
				Bucket: aws.String("cfg"), NotificationConfiguration: tc.cfg})
			if errCode(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNotificationOutboxAndDelivery(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "sender-bucket")
	if _, err := c.PutBucketNotificationConfiguration(ctx, &sdks3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String("sender-bucket"), NotificationConfiguration: notifyConfig()}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketNotificationConfiguration(ctx, &sdks3.GetBucketNotificationConfigurationInput{Bucket: aws.String("sender-bucket")})
	if err != nil || len(got.LambdaFunctionConfigurations) != 1 || len(got.QueueConfigurations) != 1 ||
		aws.ToString(got.QueueConfigurations[0].Id) == "" || len(got.LambdaFunctionConfigurations[0].Filter.Key.FilterRules) != 2 {
		t.Fatalf("get config: %+v %v", got, err)
	}
	ob := outbox(t, f.svc)
	if len(ob) != 1 || ob[0].Target != (Target{TargetSQS, queueARN}) || !strings.Contains(string(ob[0].Event), `"Event":"s3:TestEvent"`) {
		t.Fatalf("test event: %+v", ob)
	}
	f.put(t, "sender-bucket", "in/red flower.jpg", "petals")
	f.put(t, "sender-bucket", "in/notes.txt", "no match: suffix")
	f.put(t, "sender-bucket", "out/x.jpg", "no match: prefix")
	if _, err := c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("sender-bucket"), Key: aws.String("out/x.jpg")}); err != nil {
		t.Fatal(err)
	}
	ob = outbox(t, f.svc)
	if len(ob) != 3 {
		t.Fatalf("outbox has %d entries, want test event, put and delete", len(ob))
	}
	var doc struct{ Records []map[string]any }
	if err := json.Unmarshal(ob[1].Event, &doc); err != nil || len(doc.Records) != 1 {
		t.Fatalf("event: %s %v", ob[1].Event, err)
	}
	raw := string(ob[1].Event)
	pattern := `^\{"Records":\[\{"eventVersion":"2\.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",` +
		`"eventName":"ObjectCreated:Put","userIdentity":\{"principalId":"000000000000"\},"requestParameters":\{"sourceIPAddress":"127\.0\.0\.1"\},` +
		`"responseElements":\{"x-amz-request-id":"[^"]+","x-amz-id-2":"[^"]+"\},"s3":\{"s3SchemaVersion":"1\.0","configurationId":"to-lambda",` +
		`"bucket":\{"name":"sender-bucket","ownerIdentity":\{"principalId":"000000000000"\},"arn":"arn:aws:s3:::sender-bucket"\},` +
		`"object":\{"key":"in/red\+flower\.jpg","size":6,"eTag":"[0-9a-f]{32}","sequencer":"[0-9A-F]{16}"\}\}\}\]\}$`
	if !regexp.MustCompile(pattern).MatchString(raw) {
		t.Fatalf("event record shape:\n%s", raw)
	}
	if ob[1].Target != (Target{TargetLambda, fnARN}) || ob[2].Target.Type != TargetSQS ||
		!strings.Contains(string(ob[2].Event), `"eventName":"ObjectRemoved:Delete"`) {
		t.Fatalf("targets: %+v %+v", ob[1].Target, ob[2].Target)
	}
	// A failing notifier keeps events, retried with backoff on the clock.
	n := newRecordingNotifier()
	n.fail = true
	f.svc.SetNotifier(n)
	waitFor(t, func() bool { e := outbox(t, f.svc); return len(e) == 3 && e[0].Attempts >= 1 })
	n.mu.Lock()
	n.fail = false
	n.mu.Unlock()
	if err := f.sys.Clock.Advance(10 * time.Minute); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(outbox(t, f.svc)) == 0 })
	if d := n.deliveries(); len(d) != 3 {
		t.Fatalf("%d deliveries", len(d))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir+"/db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual()
	t.Cleanup(func() { clk.Close() })
	f := newFixture(t, fixtureOpts{db: db, dir: dir, clock: clk})
	ctx := context.Background()
	f.mkBucket(t, "durable")
	c := f.client
	c.PutBucketVersioning(ctx, &sdks3.PutBucketVersioningInput{Bucket: aws.String("durable"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	c.PutBucketNotificationConfiguration(ctx, &sdks3.PutBucketNotificationConfigurationInput{Bucket: aws.String("durable"),
		NotificationConfiguration: notifyConfig()})
	f.put(t, "durable", "in/a.jpg", strings.Repeat("a", DefaultInlineMax*2))
	f.put(t, "durable", "small", "s")
	f.svc.Stop(ctx)
	f.srv.Close()
	// A new service on the same store and directory sees everything,
	// including the undelivered notifications.
	svc2, err := New(f.sys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc2.Stop(ctx)
	for key, size := range map[string]int64{"in/a.jpg": DefaultInlineMax * 2, "small": 1} {
		rc, n, etag, err := svc2.OpenObject(ctx, "durable", key, "")
		if err != nil || n != size || etag == "" {
			t.Fatalf("open %s: %d %q %v", key, n, etag, err)
		}
		rc.Close()
	}
	if cfg := svc2.buckets["durable"].config(); cfg.rec.Versioning != "Enabled" || len(cfg.rules) != 2 {
		t.Fatalf("bucket config after restart: %+v", cfg.rec)
	}
	if got := len(outbox(t, svc2)); got != 2 {
		t.Fatalf("outbox after restart: %d entries", got)
	}
	if svc2.buckets["durable"].objects.Load() != 2 {
		t.Fatalf("object count after restart: %d", svc2.buckets["durable"].objects.Load())
	}
	n := newRecordingNotifier()
	svc2.SetNotifier(n)
	waitFor(t, func() bool { return len(n.deliveries()) == 2 })
	db.Close()
}

func TestStorageMetrics(t *testing.T) {
	f := newFixture(t, fixtureOpts{opts: Options{MetricsInterval: time.Minute}})
	f.mkBucket(t, "metered")
	f.put(t, "metered", "a", "12345")
	f.put(t, "metered", "b", "123")
	if err := f.sys.Clock.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	waitFor(t, func() bool {
		for _, d := range f.metrics.Find(metricQuery("metered")) {
			got[d.MetricName] = d.Value
		}
		return len(got) == 2
	})
	if got["NumberOfObjects"] != 2 || got["BucketSizeBytes"] != 8 {
		t.Fatalf("metrics: %v", got)
	}
}

func metricQuery(bucket string) metrics.Query {
	return metrics.Query{Namespace: "AWS/S3", Dimensions: []metrics.Dimension{{Name: "BucketName", Value: bucket}}}
}
