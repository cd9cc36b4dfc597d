package sns

import (
	"context"
	"errors"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/edge"
)

// edgeServer serves the service through the real edge on an httptest server.
func edgeServer(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	ed := edge.New(edge.Config{Region: "us-east-1", Account: testAccount,
		Credentials: auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
			Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::000000000000:root", Root: true, AccessKeyID: "test"}}),
		Now: e.clock.Now})
	ed.Register(snsapi.API(), e.svc.Handlers())
	srv := httptest.NewServer(ed)
	t.Cleanup(srv.Close)
	return srv
}

func TestGoSDK(t *testing.T) {
	e := newEnv(t, Config{})
	ft := &fakeTarget{}
	e.svc.SetQueueTarget(ft)
	srv := edgeServer(t, e)
	c := sdksns.New(sdksns.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	ctx := context.Background()
	ct, err := c.CreateTopic(ctx, &sdksns.CreateTopicInput{Name: aws.String("orders"),
		Attributes: map[string]string{"DisplayName": "Orders"}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: ct.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:q"), Attributes: map[string]string{
			"RawMessageDelivery": "true", "FilterPolicy": `{"kind":["a"]}`}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*sub.SubscriptionArn, *ct.TopicArn+":") {
		t.Fatalf("subscription = %s", *sub.SubscriptionArn)
	}
	pub, err := c.Publish(ctx, &sdksns.PublishInput{TopicArn: ct.TopicArn, Message: aws.String("hello"),
		MessageAttributes: map[string]types.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("a")},
			"bin": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}}}})
	if err != nil || pub.MessageId == nil {
		t.Fatalf("publish: %v", err)
	}
	eventually(t, "delivery", func() bool { return len(ft.deliveries()) == 1 })
	if d := ft.deliveries()[0].queue; d.Body != "hello" || string(d.Attributes["bin"].BinaryValue) != "\x00\x01\x02" {
		t.Fatalf("delivered %+v", d)
	}
	batch, err := c.PublishBatch(ctx, &sdksns.PublishBatchInput{TopicArn: ct.TopicArn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("1"), Message: aws.String("a")}, {Id: aws.String("2"), Message: aws.String("b")}}})
	if err != nil || len(batch.Successful) != 2 {
		t.Fatalf("batch: %+v %v", batch, err)
	}
	attrs, err := c.GetTopicAttributes(ctx, &sdksns.GetTopicAttributesInput{TopicArn: ct.TopicArn})
	if err != nil || attrs.Attributes["DisplayName"] != "Orders" || attrs.Attributes["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("attributes: %v %v", attrs, err)
	}
	subs, err := c.ListSubscriptionsByTopic(ctx, &sdksns.ListSubscriptionsByTopicInput{TopicArn: ct.TopicArn})
	if err != nil || len(subs.Subscriptions) != 1 {
		t.Fatalf("list: %v %v", subs, err)
	}
	tags, err := c.ListTagsForResource(ctx, &sdksns.ListTagsForResourceInput{ResourceArn: ct.TopicArn})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("tags: %v %v", tags, err)
	}
	_, err = c.GetTopicAttributes(ctx, &sdksns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:nope")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("missing topic: %v", err)
	}
	_, err = c.Publish(ctx, &sdksns.PublishInput{TopicArn: ct.TopicArn, Message: aws.String("")})
	var ip *types.InvalidParameterException
	if !errors.As(err, &ip) {
		t.Fatalf("empty message: %v", err)
	}
	_, err = c.PublishBatch(ctx, &sdksns.PublishBatchInput{TopicArn: ct.TopicArn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("1"), Message: aws.String("a")}, {Id: aws.String("1"), Message: aws.String("b")}}})
	var dup *types.BatchEntryIdsNotDistinctException
	if !errors.As(err, &dup) {
		t.Fatalf("duplicate ids: %v", err)
	}
	if _, err := c.Unsubscribe(ctx, &sdksns.UnsubscribeInput{SubscriptionArn: sub.SubscriptionArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTopic(ctx, &sdksns.DeleteTopicInput{TopicArn: ct.TopicArn}); err != nil {
		t.Fatal(err)
	}
	// ConfirmSubscription unsigned (anonymous) reaches the service.
	anon := sdksns.New(sdksns.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	_, err = anon.ConfirmSubscription(ctx, &sdksns.ConfirmSubscriptionInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:nope"), Token: aws.String("x")})
	if !errors.As(err, &nf) {
		t.Fatalf("anonymous confirm: %v", err)
	}
}

func TestBoto3(t *testing.T) {
	e := newEnv(t, Config{})
	srv := edgeServer(t, e)
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		t.Run(py, func(t *testing.T) {
			if exec.Command(py, "-c", "import boto3").Run() != nil {
				t.Skipf("%s has no boto3", py)
			}
			out, err := exec.Command(py, "testdata/boto_client.py", srv.URL).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "OK") {
				t.Fatalf("%s: %v\n%s", py, err, out)
			}
		})
	}
}
