package sqs

import (
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

func TestCreateQueueValidation(t *testing.T) {
	e := newEnv(t, nil)
	e.create("dlq", nil)
	e.create("closed-dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`})
	e.create("picky-dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:chosen"]}`})
	e.create("fifo-dlq.fifo", map[string]string{"FifoQueue": "true"})
	tests := []struct {
		name  string
		queue string
		attrs map[string]string
		code  string
	}{
		{"plain", "q1", nil, ""},
		{"all settable", "q2", map[string]string{"DelaySeconds": "900", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "60",
			"ReceiveMessageWaitTimeSeconds": "20", "VisibilityTimeout": "43200", "KmsMasterKeyId": "alias/aws/sqs",
			"KmsDataKeyReusePeriodSeconds": "600", "SqsManagedSseEnabled": "false",
			"Policy":             `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}]}`,
			"RedriveAllowPolicy": `{"redrivePermission":"allowAll"}`,
			"RedrivePolicy":      `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}`}, ""},
		{"fifo", "f.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true",
			"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}, ""},
		{"name too long", strings.Repeat("a", 81), nil, "InvalidParameterValue"},
		{"bad name chars", "a.b", nil, "InvalidParameterValue"},
		{"empty name", "", nil, "InvalidParameterValue"},
		{"fifo suffix without attribute", "x.fifo", nil, "InvalidParameterValue"},
		{"fifo attribute without suffix", "x", map[string]string{"FifoQueue": "true"}, "InvalidParameterValue"},
		{"delay too big", "q3", map[string]string{"DelaySeconds": "901"}, "InvalidAttributeValue"},
		{"size too small", "q3", map[string]string{"MaximumMessageSize": "1023"}, "InvalidAttributeValue"},
		{"size too big", "q3", map[string]string{"MaximumMessageSize": "1048577"}, "InvalidAttributeValue"},
		{"retention too short", "q3", map[string]string{"MessageRetentionPeriod": "59"}, "InvalidAttributeValue"},
		{"retention too long", "q3", map[string]string{"MessageRetentionPeriod": "1209601"}, "InvalidAttributeValue"},
		{"wait too long", "q3", map[string]string{"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue"},
		{"visibility too long", "q3", map[string]string{"VisibilityTimeout": "43201"}, "InvalidAttributeValue"},
		{"not a number", "q3", map[string]string{"VisibilityTimeout": "soon"}, "InvalidAttributeValue"},
		{"unknown attribute", "q3", map[string]string{"Colour": "blue"}, "InvalidAttributeName"},
		{"read-only attribute", "q3", map[string]string{"QueueArn": "x"}, "InvalidAttributeName"},
		{"fifo attribute on standard", "q3", map[string]string{"ContentBasedDeduplication": "true"}, "InvalidAttributeName"},
		{"bad policy", "q3", map[string]string{"Policy": "{"}, "InvalidAttributeValue"},
		{"bad redrive json", "q3", map[string]string{"RedrivePolicy": "nope"}, "InvalidAttributeValue"},
		{"redrive count zero", "q3", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":0}`}, "InvalidAttributeValue"},
		{"redrive target missing", "q3", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":1}`}, "InvalidAttributeValue"},
		{"redrive fifo to standard", "g.fifo", map[string]string{"FifoQueue": "true", "RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1}`}, "InvalidAttributeValue"},
		{"dlq denies all", "q3", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:closed-dlq","maxReceiveCount":1}`}, "InvalidAttributeValue"},
		{"dlq by queue, not listed", "q3", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:picky-dlq","maxReceiveCount":1}`}, "InvalidAttributeValue"},
		{"dlq by queue, listed", "chosen", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:picky-dlq","maxReceiveCount":1}`}, ""},
		{"bad redrive allow", "q3", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue"}`}, "InvalidAttributeValue"},
		{"bad dedup scope", "h.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "table"}, "InvalidAttributeValue"},
		{"throughput without group scope", "h.fifo", map[string]string{"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"}, "InvalidAttributeValue"},
		{"same attributes again", "q1", nil, ""},
		{"different attributes", "q1", map[string]string{"VisibilityTimeout": "31"}, "QueueNameExists"},
		{"same explicit default", "q1", map[string]string{"VisibilityTimeout": "30"}, ""},
		{"explicit FifoQueue false", "q1", map[string]string{"FifoQueue": "false"}, ""},
		{"fifo again", "f.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateQueue(e.ctx(), &sqsapi.CreateQueueInput{QueueName: sp(tc.queue), Attributes: tc.attrs})
			wantCode(t, err, tc.code)
		})
	}
}

func TestQueueLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("orders", map[string]string{"VisibilityTimeout": "45"})
	if url != "http://nubo.test:4566/000000000000/orders" {
		t.Fatalf("QueueUrl = %s", url)
	}
	e.create("orders-dlq", nil)
	e.create("other", nil)
	t.Run("GetQueueUrl", func(t *testing.T) {
		out, err := e.svc.GetQueueUrl(e.ctx(), &sqsapi.GetQueueUrlInput{QueueName: sp("orders")})
		if err != nil || *out.QueueUrl != url {
			t.Fatalf("GetQueueUrl = %v, %v", out, err)
		}
		_, err = e.svc.GetQueueUrl(e.ctx(), &sqsapi.GetQueueUrlInput{QueueName: sp("nope")})
		wantCode(t, err, "QueueDoesNotExist")
		_, err = e.svc.GetQueueUrl(e.ctx(), &sqsapi.GetQueueUrlInput{QueueName: sp("orders"), QueueOwnerAWSAccountId: sp("123456789012")})
		wantCode(t, err, "QueueDoesNotExist")
	})
	t.Run("URL forms", func(t *testing.T) {
		for _, u := range []string{url, "https://sqs.us-east-1.amazonaws.com/000000000000/orders", "http://elsewhere:1/000000000000/orders"} {
			if got := e.attr(u, "VisibilityTimeout"); got != "45" {
				t.Fatalf("VisibilityTimeout via %s = %q", u, got)
			}
		}
	})
	t.Run("ListQueues", func(t *testing.T) {
		out, err := e.svc.ListQueues(e.ctx(), &sqsapi.ListQueuesInput{QueueNamePrefix: sp("ord")})
		if err != nil || len(out.QueueUrls) != 2 || out.NextToken != nil {
			t.Fatalf("ListQueues prefix = %+v, %v", out, err)
		}
		var all []string
		var tok *string
		for {
			out, err := e.svc.ListQueues(e.ctx(), &sqsapi.ListQueuesInput{MaxResults: i32(2), NextToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, out.QueueUrls...)
			if tok = out.NextToken; tok == nil {
				break
			}
		}
		if len(all) != 3 || !strings.HasSuffix(all[2], "/other") {
			t.Fatalf("paged ListQueues = %v", all)
		}
		_, err = e.svc.ListQueues(e.ctx(), &sqsapi.ListQueuesInput{MaxResults: i32(0)})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("attributes", func(t *testing.T) {
		out, err := e.svc.GetQueueAttributes(e.ctx(), &sqsapi.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"VisibilityTimeout": "45", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600",
			"DelaySeconds": "0", "ReceiveMessageWaitTimeSeconds": "0", "ApproximateNumberOfMessages": "0",
			"ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
			"QueueArn": "arn:aws:sqs:us-east-1:000000000000:orders", "SqsManagedSseEnabled": "true"}
		for k, v := range want {
			if out.Attributes[k] != v {
				t.Errorf("%s = %q, want %q", k, out.Attributes[k], v)
			}
		}
		if out.Attributes["CreatedTimestamp"] == "" || out.Attributes["LastModifiedTimestamp"] == "" {
			t.Errorf("timestamps missing: %v", out.Attributes)
		}
		if _, ok := out.Attributes["FifoQueue"]; ok {
			t.Error("standard queue reports FifoQueue")
		}
		_, err = e.svc.GetQueueAttributes(e.ctx(), &sqsapi.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []string{"Bogus"}})
		wantCode(t, err, "InvalidAttributeName")
		_, err = e.svc.SetQueueAttributes(e.ctx(), &sqsapi.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{
			"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq","maxReceiveCount":5}`}})
		wantCode(t, err, "")
		_, err = e.svc.SetQueueAttributes(e.ctx(), &sqsapi.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"FifoQueue": "true"}})
		wantCode(t, err, "InvalidAttributeName")
		dlqURL := strings.Replace(url, "orders", "orders-dlq", 1)
		src, err := e.svc.ListDeadLetterSourceQueues(e.ctx(), &sqsapi.ListDeadLetterSourceQueuesInput{QueueUrl: &dlqURL})
		if err != nil || len(src.QueueUrls) != 1 || src.QueueUrls[0] != url {
			t.Fatalf("ListDeadLetterSourceQueues = %+v, %v", src, err)
		}
	})
	t.Run("tags", func(t *testing.T) {
		_, err := e.svc.TagQueue(e.ctx(), &sqsapi.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"env": "dev", "team": "a"}})
		wantCode(t, err, "")
		_, err = e.svc.UntagQueue(e.ctx(), &sqsapi.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"team"}})
		wantCode(t, err, "")
		out, err := e.svc.ListQueueTags(e.ctx(), &sqsapi.ListQueueTagsInput{QueueUrl: &url})
		if err != nil || len(out.Tags) != 1 || out.Tags["env"] != "dev" {
			t.Fatalf("ListQueueTags = %+v, %v", out, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		e.send(url, "x")
		_, err := e.svc.DeleteQueue(e.ctx(), &sqsapi.DeleteQueueInput{QueueUrl: &url})
		wantCode(t, err, "")
		_, err = e.svc.GetQueueAttributes(e.ctx(), &sqsapi.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []string{"All"}})
		wantCode(t, err, "QueueDoesNotExist")
		url2 := e.create("orders", nil)
		if n := e.attr(url2, "ApproximateNumberOfMessages"); n != "0" {
			t.Fatalf("re-created queue has %s messages", n)
		}
	})
}

func TestPurgeQueue(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("p", nil)
	for range 5 {
		e.send(url, "m")
	}
	e.receive(url, 2, nil)
	_, err := e.svc.PurgeQueue(e.ctx(), &sqsapi.PurgeQueueInput{QueueUrl: &url})
	wantCode(t, err, "")
	if v, nv := e.attr(url, "ApproximateNumberOfMessages"), e.attr(url, "ApproximateNumberOfMessagesNotVisible"); v != "0" || nv != "0" {
		t.Fatalf("after purge: %s visible, %s in flight", v, nv)
	}
	_, err = e.svc.PurgeQueue(e.ctx(), &sqsapi.PurgeQueueInput{QueueUrl: &url})
	wantCode(t, err, "PurgeQueueInProgress")
	e.advance(61e9)
	_, err = e.svc.PurgeQueue(e.ctx(), &sqsapi.PurgeQueueInput{QueueUrl: &url})
	wantCode(t, err, "")
}
