package sqs

import (
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/platform/metrics"
)

func TestSendValidation(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("v", map[string]string{"MaximumMessageSize": "1024"})
	big := e.create("big", nil)
	fifo := e.create("v.fifo", map[string]string{"FifoQueue": "true"})
	bin, str, num := "Binary", "String", "Number"
	attrs := func(n int) map[string]sqsapi.MessageAttributeValue {
		m := map[string]sqsapi.MessageAttributeValue{}
		for i := range n {
			m["a"+strings.Repeat("x", i)] = strAttr("String", "v")
		}
		return m
	}
	tests := []struct {
		name string
		in   sqsapi.SendMessageInput
		code string
	}{
		{"ok", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("hi")}, ""},
		{"empty body", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("")}, "MissingParameter"},
		{"over queue maximum", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp(strings.Repeat("x", 1025))}, "InvalidParameterValue"},
		{"at queue maximum", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp(strings.Repeat("x", 1024))}, ""},
		{"attributes count toward size", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp(strings.Repeat("x", 1020)),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"k": strAttr("String", "v")}}, "InvalidParameterValue"},
		{"1 MiB allowed", sqsapi.SendMessageInput{QueueUrl: &big, MessageBody: sp(strings.Repeat("x", 1<<20))}, ""},
		{"over 1 MiB", sqsapi.SendMessageInput{QueueUrl: &big, MessageBody: sp(strings.Repeat("x", 1<<20+1))}, "InvalidParameterValue"},
		{"nul character", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("a\x00b")}, "InvalidMessageContents"},
		{"control character", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("\x1b[0m")}, "InvalidMessageContents"},
		{"noncharacter", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("\uFFFF")}, "InvalidMessageContents"},
		{"delay too long", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"), DelaySeconds: i32(901)}, "InvalidParameterValue"},
		{"eleven attributes", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"), MessageAttributes: attrs(11)}, "InvalidParameterValue"},
		{"ten attributes", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"), MessageAttributes: attrs(10)}, ""},
		{"invalid type", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"k": strAttr("Text", "v")}}, "InvalidParameterValue"},
		{"custom type", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"k": strAttr("String.json", "{}")}}, ""},
		{"missing type", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"k": {StringValue: sp("v")}}}, "InvalidParameterValue"},
		{"bad number", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"k": strAttr("Number", "twelve")}}, "InvalidParameterValue"},
		{"empty string value", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"k": {DataType: &str}}}, "InvalidParameterValue"},
		{"binary without value", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"k": {DataType: &bin}}}, "InvalidParameterValue"},
		{"number with binary", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"k": {DataType: &num, BinaryValue: []byte{1}}}}, "InvalidParameterValue"},
		{"reserved name", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"AWS.x": strAttr("String", "v")}}, "InvalidParameterValue"},
		{"bad name", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageAttributes: map[string]sqsapi.MessageAttributeValue{"a..b": strAttr("String", "v")}}, "InvalidParameterValue"},
		{"bad system attribute", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"),
			MessageSystemAttributes: map[string]sqsapi.MessageSystemAttributeValue{"Other": {DataType: &str, StringValue: sp("v")}}}, "InvalidParameterValue"},
		{"dedup id on standard", sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("x"), MessageDeduplicationId: sp("d")}, "InvalidParameterValue"},
		{"fifo without group", sqsapi.SendMessageInput{QueueUrl: &fifo, MessageBody: sp("x"), MessageDeduplicationId: sp("d")}, "MissingParameter"},
		{"fifo without dedup", sqsapi.SendMessageInput{QueueUrl: &fifo, MessageBody: sp("x"), MessageGroupId: sp("g")}, "InvalidParameterValue"},
		{"fifo with delay", sqsapi.SendMessageInput{QueueUrl: &fifo, MessageBody: sp("x"), MessageGroupId: sp("g"),
			MessageDeduplicationId: sp("d"), DelaySeconds: i32(5)}, "InvalidParameterValue"},
		{"no such queue", sqsapi.SendMessageInput{QueueUrl: sp("http://x/000000000000/none"), MessageBody: sp("x")}, "QueueDoesNotExist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.SendMessage(e.ctx(), &tc.in)
			wantCode(t, err, tc.code)
		})
	}
}

func TestSendMessageBatchRules(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("b", nil)
	entries := func(n int) []sqsapi.SendMessageBatchRequestEntry {
		out := make([]sqsapi.SendMessageBatchRequestEntry, n)
		for i := range out {
			out[i] = sqsapi.SendMessageBatchRequestEntry{Id: sp("id" + string(rune('a'+i))), MessageBody: sp("body")}
		}
		return out
	}
	dup := entries(2)
	dup[1].Id = dup[0].Id
	badID := entries(1)
	badID[0].Id = sp("no spaces allowed")
	huge := entries(2)
	huge[0].MessageBody = sp(strings.Repeat("x", 600000))
	huge[1].MessageBody = sp(strings.Repeat("x", 600000))
	tests := []struct {
		name    string
		entries []sqsapi.SendMessageBatchRequestEntry
		code    string
	}{
		{"ten", entries(10), ""},
		{"eleven", entries(11), "TooManyEntriesInBatchRequest"},
		{"empty", nil, "EmptyBatchRequest"},
		{"duplicate ids", dup, "BatchEntryIdsNotDistinct"},
		{"invalid id", badID, "InvalidBatchEntryId"},
		{"too long in total", huge, "BatchRequestTooLong"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.SendMessageBatch(e.ctx(), &sqsapi.SendMessageBatchInput{QueueUrl: &url, Entries: tc.entries})
			wantCode(t, err, tc.code)
			if err == nil && len(out.Successful) != len(tc.entries) {
				t.Fatalf("%d successful of %d", len(out.Successful), len(tc.entries))
			}
		})
	}
	t.Run("per-entry failure", func(t *testing.T) {
		es := entries(3)
		es[1].MessageBody = sp("bad\x01")
		out, err := e.svc.SendMessageBatch(e.ctx(), &sqsapi.SendMessageBatchInput{QueueUrl: &url, Entries: es})
		if err != nil || len(out.Successful) != 2 || len(out.Failed) != 1 {
			t.Fatalf("batch = %+v, %v", out, err)
		}
		f := out.Failed[0]
		if *f.Id != *es[1].Id || *f.Code != "InvalidMessageContents" || !*f.SenderFault {
			t.Fatalf("failed entry = %s %s %v", *f.Id, *f.Code, *f.SenderFault)
		}
	})
}

func TestSendReceiveDeleteAndMD5(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("m", nil)
	bin := "Binary"
	out, err := e.svc.SendMessage(e.ctx(), &sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: sp("hello"),
		MessageAttributes:       map[string]sqsapi.MessageAttributeValue{"SellerName": strAttr("String", "Example Store"), "raw": {DataType: &bin, BinaryValue: []byte{1, 2}}},
		MessageSystemAttributes: map[string]sqsapi.MessageSystemAttributeValue{"AWSTraceHeader": {DataType: sp("String"), StringValue: sp("Root=1-5759e988-bd862e3fe1be46a994272793")}}})
	if err != nil {
		t.Fatal(err)
	}
	if *out.MD5OfMessageBody != "5d41402abc4b2a76b9719d911017c592" || out.MD5OfMessageAttributes == nil || out.MD5OfMessageSystemAttributes == nil {
		t.Fatalf("send output = %+v", out)
	}
	msgs := e.receive(url, 10, nil)
	if len(msgs) != 1 {
		t.Fatalf("received %d", len(msgs))
	}
	m := msgs[0]
	if *m.MessageId != *out.MessageId || *m.Body != "hello" || *m.MD5OfBody != *out.MD5OfMessageBody ||
		*m.MD5OfMessageAttributes != *out.MD5OfMessageAttributes || m.Attributes["ApproximateReceiveCount"] != "1" ||
		m.Attributes["SenderId"] != testAccount || m.Attributes["AWSTraceHeader"] == "" || string(m.MessageAttributes["raw"].BinaryValue) != "\x01\x02" {
		t.Fatalf("received %+v", m)
	}
	t.Run("attribute selection", func(t *testing.T) {
		e.advance(31 * time.Second)
		got, err := e.svc.ReceiveMessage(e.ctx(), &sqsapi.ReceiveMessageInput{QueueUrl: &url, MessageAttributeNames: []string{"Seller.*"},
			MessageSystemAttributeNames: []string{"SentTimestamp"}})
		if err != nil || len(got.Messages) != 1 {
			t.Fatalf("receive = %+v, %v", got, err)
		}
		r := got.Messages[0]
		if len(r.MessageAttributes) != 1 || *r.MD5OfMessageAttributes != "cd28f3b68aeee4b2eac9c66f2f694b58" || len(r.Attributes) != 1 {
			t.Fatalf("selected attributes = %+v / %v", r.MessageAttributes, r.Attributes)
		}
		m = r
	})
	_, err = e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle})
	wantCode(t, err, "")
	if n := e.attr(url, "ApproximateNumberOfMessagesNotVisible"); n != "0" {
		t.Fatalf("in flight after delete: %s", n)
	}
	// Deleting again succeeds, as on AWS.
	_, err = e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle})
	wantCode(t, err, "")
}

func TestReceiptHandles(t *testing.T) {
	e := newEnv(t, nil)
	a := e.create("a", nil)
	b := e.create("b", nil)
	fifo := e.create("c.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	e.send(a, "one")
	e.send(b, "two")
	e.send(fifo, "three", func(in *sqsapi.SendMessageInput) { in.MessageGroupId = sp("g") })
	ha := *e.receive(a, 1, i32(10))[0].ReceiptHandle
	hb := *e.receive(b, 1, i32(10))[0].ReceiptHandle
	hf := *e.receive(fifo, 1, i32(10))[0].ReceiptHandle
	tests := []struct {
		name, url, handle, code string
	}{
		{"garbage", a, "not-a-handle", "ReceiptHandleIsInvalid"},
		{"from another queue", a, hb, "ReceiptHandleIsInvalid"},
		{"fifo handle elsewhere", b, hf, "ReceiptHandleIsInvalid"},
	}
	for _, tc := range tests {
		t.Run("delete "+tc.name, func(t *testing.T) {
			_, err := e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &tc.url, ReceiptHandle: &tc.handle})
			wantCode(t, err, tc.code)
		})
		t.Run("change visibility "+tc.name, func(t *testing.T) {
			_, err := e.svc.ChangeMessageVisibility(e.ctx(), &sqsapi.ChangeMessageVisibilityInput{QueueUrl: &tc.url, ReceiptHandle: &tc.handle, VisibilityTimeout: i32(5)})
			wantCode(t, err, tc.code)
		})
	}
	e.advance(11 * time.Second) // every handle's visibility expires
	t.Run("expired visibility", func(t *testing.T) {
		_, err := e.svc.ChangeMessageVisibility(e.ctx(), &sqsapi.ChangeMessageVisibilityInput{QueueUrl: &a, ReceiptHandle: &ha, VisibilityTimeout: i32(5)})
		wantCode(t, err, "MessageNotInflight")
		_, err = e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &fifo, ReceiptHandle: &hf})
		wantCode(t, err, "ReceiptHandleIsInvalid")
	})
	t.Run("stale after another receive", func(t *testing.T) {
		fresh := e.receive(a, 1, i32(30))
		if len(fresh) != 1 || *fresh[0].ReceiptHandle == ha {
			t.Fatalf("re-receive = %+v", fresh)
		}
		_, err := e.svc.ChangeMessageVisibility(e.ctx(), &sqsapi.ChangeMessageVisibilityInput{QueueUrl: &a, ReceiptHandle: &ha, VisibilityTimeout: i32(5)})
		wantCode(t, err, "InvalidParameterValue")
		// AWS: an old handle's delete succeeds but need not delete.
		_, err = e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &a, ReceiptHandle: &ha})
		wantCode(t, err, "")
		if n := e.attr(a, "ApproximateNumberOfMessagesNotVisible"); n != "1" {
			t.Fatalf("stale handle deleted the message (in flight %s)", n)
		}
		_, err = e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &a, ReceiptHandle: fresh[0].ReceiptHandle})
		wantCode(t, err, "")
		if n := e.attr(a, "ApproximateNumberOfMessagesNotVisible"); n != "0" {
			t.Fatalf("current handle did not delete (in flight %s)", n)
		}
	})
}

func TestVisibilityDelayRetentionOnClock(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("t", map[string]string{"MessageRetentionPeriod": "120"})
	e.send(url, "a")
	e.send(url, "delayed", func(in *sqsapi.SendMessageInput) { in.DelaySeconds = i32(60) })
	got := e.receive(url, 10, i32(30))
	if len(got) != 1 || *got[0].Body != "a" {
		t.Fatalf("first receive = %+v", got)
	}
	if e.attr(url, "ApproximateNumberOfMessagesDelayed") != "1" || e.attr(url, "ApproximateNumberOfMessagesNotVisible") != "1" {
		t.Fatal("counts wrong after receive")
	}
	if len(e.receive(url, 10, nil)) != 0 {
		t.Fatal("in-flight or delayed message visible")
	}
	e.advance(30 * time.Second)
	again := e.receive(url, 10, i32(100))
	if len(again) != 1 || *again[0].Body != "a" || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after visibility timeout: %+v", again)
	}
	h := again[0].ReceiptHandle
	e.advance(time.Second)
	// 12 hours from now is more than 12 hours from the receive.
	_, err := e.svc.ChangeMessageVisibility(e.ctx(), &sqsapi.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: h, VisibilityTimeout: i32(43200)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = e.svc.ChangeMessageVisibility(e.ctx(), &sqsapi.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: h, VisibilityTimeout: i32(0)})
	wantCode(t, err, "")
	e.advance(29 * time.Second) // t=60: the delayed message appears
	got = e.receive(url, 10, i32(1000))
	if len(got) != 2 {
		t.Fatalf("at 60s received %d messages, want 2", len(got))
	}
	e.advance(61 * time.Second) // t=121: both past retention
	if n := e.attr(url, "ApproximateNumberOfMessagesNotVisible"); n != "0" {
		t.Fatalf("expired messages still in flight: %s", n)
	}
	e.advance(2000 * time.Second)
	if len(e.receive(url, 10, nil)) != 0 {
		t.Fatal("expired message delivered")
	}
}

func TestDeadLetterRedrive(t *testing.T) {
	e := newEnv(t, nil)
	dlq := e.create("dlq", nil)
	src := e.create("src", map[string]string{"VisibilityTimeout": "10",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":2}`})
	id := e.send(src, "poison")
	for i := 1; i <= 2; i++ {
		got := e.receive(src, 1, nil)
		if len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != string(rune('0'+i)) {
			t.Fatalf("receive %d = %+v", i, got)
		}
		e.advance(10 * time.Second)
	}
	if got := e.receive(src, 1, nil); len(got) != 0 {
		t.Fatalf("third receive delivered %+v instead of moving to the DLQ", got)
	}
	got := e.receive(dlq, 1, nil)
	if len(got) != 1 || *got[0].MessageId != id || got[0].Attributes["DeadLetterQueueSourceArn"] != "arn:aws:sqs:us-east-1:000000000000:src" {
		t.Fatalf("DLQ receive = %+v", got)
	}
	e.advance(31 * time.Second)
	t.Run("move task back", func(t *testing.T) {
		out, err := e.svc.StartMessageMoveTask(e.ctx(), &sqsapi.StartMessageMoveTaskInput{SourceArn: sp("arn:aws:sqs:us-east-1:000000000000:dlq")})
		if err != nil || out.TaskHandle == nil {
			t.Fatalf("StartMessageMoveTask = %+v, %v", out, err)
		}
		back := e.receive(src, 1, nil)
		if len(back) != 1 || *back[0].MessageId != id || back[0].Attributes["ApproximateReceiveCount"] != "1" {
			t.Fatalf("redriven message = %+v", back)
		}
		list, err := e.svc.ListMessageMoveTasks(e.ctx(), &sqsapi.ListMessageMoveTasksInput{SourceArn: sp("arn:aws:sqs:us-east-1:000000000000:dlq")})
		if err != nil || len(list.Results) != 1 || *list.Results[0].Status != "COMPLETED" || *list.Results[0].ApproximateNumberOfMessagesMoved != 1 {
			t.Fatalf("ListMessageMoveTasks = %+v, %v", list, err)
		}
		_, err = e.svc.CancelMessageMoveTask(e.ctx(), &sqsapi.CancelMessageMoveTaskInput{TaskHandle: out.TaskHandle})
		if err == nil {
			t.Fatal("cancelling a completed task succeeded")
		}
		_, err = e.svc.StartMessageMoveTask(e.ctx(), &sqsapi.StartMessageMoveTaskInput{SourceArn: sp("arn:aws:sqs:us-east-1:000000000000:src")})
		wantCode(t, err, "InvalidParameterValue")
		_, err = e.svc.StartMessageMoveTask(e.ctx(), &sqsapi.StartMessageMoveTaskInput{SourceArn: sp("arn:aws:sqs:us-east-1:000000000000:dlq"), MaxNumberOfMessagesPerSecond: i32(501)})
		wantCode(t, err, "InvalidParameterValue")
		_, err = e.svc.StartMessageMoveTask(e.ctx(), &sqsapi.StartMessageMoveTaskInput{SourceArn: sp("arn:aws:sqs:us-east-1:000000000000:none")})
		wantCode(t, err, "ResourceNotFoundException")
	})
}

func TestFIFOOrderGroupsAndDedup(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("o.fifo", map[string]string{"FifoQueue": "true"})
	send := func(group, dedup, body string) *sqsapi.SendMessageOutput {
		out, err := e.svc.SendMessage(e.ctx(), &sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageGroupId: &group, MessageDeduplicationId: &dedup})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := send("g1", "d1", "g1-1")
	send("g1", "d2", "g1-2")
	send("g2", "d3", "g2-1")
	dup := send("g1", "d1", "duplicate")
	if *dup.MessageId != *first.MessageId || *dup.SequenceNumber != *first.SequenceNumber {
		t.Fatalf("duplicate got a new id: %s vs %s", *dup.MessageId, *first.MessageId)
	}
	if e.attr(url, "ApproximateNumberOfMessages") != "3" {
		t.Fatal("duplicate was enqueued")
	}
	got := e.receive(url, 1, nil)
	if len(got) != 1 || *got[0].Body != "g1-1" {
		t.Fatalf("first = %+v", got)
	}
	// g1 is locked while g1-1 is in flight: only g2 is available.
	got2 := e.receive(url, 10, nil)
	if len(got2) != 1 || *got2[0].Body != "g2-1" {
		t.Fatalf("with g1 locked got %+v", got2)
	}
	_, err := e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: got[0].ReceiptHandle})
	wantCode(t, err, "")
	got3 := e.receive(url, 10, nil)
	if len(got3) != 1 || *got3[0].Body != "g1-2" || got3[0].Attributes["MessageGroupId"] != "g1" || got3[0].Attributes["SequenceNumber"] == "" {
		t.Fatalf("after unlock got %+v", got3)
	}
	e.advance(6 * time.Minute)
	again := send("g1", "d1", "after window")
	if *again.MessageId == *first.MessageId {
		t.Fatal("deduplicated after the 5-minute window")
	}
}

func TestFIFOReceiveAttemptID(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("r.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	for _, b := range []string{"1", "2", "3"} {
		e.send(url, b, func(in *sqsapi.SendMessageInput) { in.MessageGroupId = sp("g") })
	}
	recv := func() []sqsapi.Message {
		out, err := e.svc.ReceiveMessage(e.ctx(), &sqsapi.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: i32(2), ReceiveRequestAttemptId: sp("attempt-1")})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	a, b := recv(), recv()
	if len(a) != 2 || len(b) != 2 || *a[0].ReceiptHandle != *b[0].ReceiptHandle || *a[1].Body != "2" {
		t.Fatalf("retried attempt returned %+v then %+v", a, b)
	}
}

func TestMetricsEveryMinute(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.svc.Start(e.ctx()); err != nil {
		t.Fatal(err)
	}
	url := e.create("metered", nil)
	e.send(url, "12345")
	e.send(url, "x")
	got := e.receive(url, 1, nil)
	_, _ = e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: got[0].ReceiptHandle})
	e.receive(url, 1, i32(0))
	e.advance(time.Minute)
	dims := []metrics.Dimension{{Name: "QueueName", Value: "metered"}}
	want := map[string]float64{"NumberOfMessagesSent": 2, "NumberOfMessagesReceived": 2, "NumberOfMessagesDeleted": 1,
		"ApproximateNumberOfMessagesVisible": 1, "SentMessageSize": 6}
	for name, v := range want {
		if got := e.rec.Sum(metrics.Query{Namespace: "AWS/SQS", MetricName: name, Dimensions: dims}); got != v {
			t.Errorf("%s = %v, want %v", name, got, v)
		}
	}
	e.advance(time.Minute)
	if n := len(e.rec.Find(metrics.Query{Namespace: "AWS/SQS", MetricName: "NumberOfMessagesSent", Dimensions: dims})); n != 2 {
		t.Errorf("%d NumberOfMessagesSent points after two minutes", n)
	}
}

// TestRateLimitedMoveTask moves messages at MaxNumberOfMessagesPerSecond on
// the Nubo clock and cancels the task midway.
func TestRateLimitedMoveTask(t *testing.T) {
	e := newEnv(t, nil)
	dlq := e.create("dlq", nil)
	other := e.create("other", nil)
	e.create("src", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1}`})
	for range 10 {
		e.send(dlq, "m")
	}
	const dlqARN = "arn:aws:sqs:us-east-1:000000000000:dlq"
	out, err := e.svc.StartMessageMoveTask(e.ctx(), &sqsapi.StartMessageMoveTaskInput{SourceArn: sp(dlqARN),
		DestinationArn: sp("arn:aws:sqs:us-east-1:000000000000:other"), MaxNumberOfMessagesPerSecond: i32(3)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.StartMessageMoveTask(e.ctx(), &sqsapi.StartMessageMoveTaskInput{SourceArn: sp(dlqARN), MaxNumberOfMessagesPerSecond: i32(3)})
	wantCode(t, err, "InvalidParameterValue") // one running task per source
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for e.attr(other, "ApproximateNumberOfMessages") != want {
			if time.Now().After(deadline) {
				t.Fatalf("moved %s messages, want %s", e.attr(other, "ApproximateNumberOfMessages"), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor("3")
	e.advance(time.Second)
	waitFor("6")
	list, err := e.svc.ListMessageMoveTasks(e.ctx(), &sqsapi.ListMessageMoveTasksInput{SourceArn: sp(dlqARN)})
	if err != nil || *list.Results[0].Status != "RUNNING" || list.Results[0].TaskHandle == nil || *list.Results[0].ApproximateNumberOfMessagesToMove != 10 {
		t.Fatalf("running task = %+v, %v", list, err)
	}
	c, err := e.svc.CancelMessageMoveTask(e.ctx(), &sqsapi.CancelMessageMoveTaskInput{TaskHandle: out.TaskHandle})
	if err != nil || *c.ApproximateNumberOfMessagesMoved != 6 {
		t.Fatalf("cancel = %+v, %v", c, err)
	}
	e.advance(5 * time.Second)
	if n := e.attr(other, "ApproximateNumberOfMessages"); n != "6" {
		t.Fatalf("cancelled task kept moving: %s", n)
	}
	_, err = e.svc.CancelMessageMoveTask(e.ctx(), &sqsapi.CancelMessageMoveTaskInput{TaskHandle: sp("unknown")})
	wantCode(t, err, "ResourceNotFoundException")
}
