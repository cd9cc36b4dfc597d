package logs

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/edge"
)

// sdkClient serves the fixture's service through the edge on a test HTTP
// server and returns an aws-sdk-go-v2 CloudWatch Logs client for it.
func sdkClient(t *testing.T, f *fixture) *cloudwatchlogs.Client {
	t.Helper()
	e := edge.New(edge.Config{
		Region: testRegion, Account: testAccount, Now: f.clk.Now,
		Credentials: auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
			Caller: awsapi.Caller{AccessKeyID: "test", Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", UserID: testAccount, Root: true}}),
	})
	e.Register(f.s.API(), f.s.Handlers())
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return cloudwatchlogs.New(cloudwatchlogs.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func TestSDKClient(t *testing.T) {
	f := newFixture(t)
	c := sdkClient(t, f)
	ctx := context.Background()
	group, stream := "/aws/lambda/hello", "2026/11/28/[$LATEST]abc"
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &group, Tags: map[string]string{"app": "hello"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &group})
	var exists *cwtypes.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate group: %v", err)
	}
	if _, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: &group, LogStreamName: &stream}); err != nil {
		t.Fatal(err)
	}
	now := f.clk.Now().UnixMilli()
	put, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream,
		LogEvents: []cwtypes.InputLogEvent{
			{Timestamp: aws.Int64(now), Message: aws.String("START RequestId: 1 Version: $LATEST")},
			{Timestamp: aws.Int64(now + 1), Message: aws.String(`{"level":"ERROR","msg":"boom"}`)},
			{Timestamp: aws.Int64(now + 2), Message: aws.String("REPORT RequestId: 1\tDuration: 1.00 ms")},
		}})
	if err != nil || put.NextSequenceToken == nil {
		t.Fatalf("put: %v", err)
	}
	got, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream, StartFromHead: aws.Bool(true)})
	if err != nil || len(got.Events) != 3 || *got.NextForwardToken == "" {
		t.Fatalf("get: %v %+v", err, got)
	}
	fl, err := c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: &group, FilterPattern: aws.String(`{ $.level = "ERROR" }`)})
	if err != nil || len(fl.Events) != 1 || *fl.Events[0].LogStreamName != stream {
		t.Fatalf("filter: %v %+v", err, fl)
	}
	// The SDK's paginator walks groups.
	for i := range 3 {
		name := "/p/" + string(rune('a'+i))
		if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &name}); err != nil {
			t.Fatal(err)
		}
	}
	pg := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(1)})
	n := 0
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.LogGroups)
	}
	if n != 4 {
		t.Fatalf("paginated %d groups", n)
	}
	if _, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: &group, RetentionInDays: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if err := f.clk.Advance(25 * time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream})
	if err != nil || len(got.Events) != 0 {
		t.Fatalf("after retention: %v %d events", err, len(got.Events))
	}
	_, err = c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/nope"), LogStreamName: &stream})
	var nf *cwtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("missing group: %v", err)
	}
	_, err = c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: &group, RetentionInDays: aws.Int32(2)})
	var ip *cwtypes.InvalidParameterException
	if !errors.As(err, &ip) {
		t.Fatalf("bad retention: %v", err)
	}
	tags, err := c.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:" + testAccount + ":log-group:" + group)})
	if err != nil || tags.Tags["app"] != "hello" {
		t.Fatalf("tags: %v %v", err, tags)
	}
}
