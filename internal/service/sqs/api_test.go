package sqs

import (
	"context"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

func TestGoAPI(t *testing.T) {
	e := newEnv(t, nil)
	e.create("dlq", nil)
	e.create("work", map[string]string{"VisibilityTimeout": "20",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1}`})
	e.create("jobs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	ctx := context.Background()
	const work = "arn:aws:sqs:us-east-1:000000000000:work"
	info, ok := e.svc.QueueByARN(work)
	if !ok || info.Name != "work" || info.VisibilityTimeout != 20*time.Second || info.MaxReceiveCount != 1 ||
		info.RedriveDeadLetterARN != "arn:aws:sqs:us-east-1:000000000000:dlq" {
		t.Fatalf("QueueByARN = %+v, %v", info, ok)
	}
	if _, ok := e.svc.QueueByARN("arn:aws:sqs:us-east-1:000000000000:none"); ok {
		t.Fatal("QueueByARN found a missing queue")
	}
	if u, _ := e.svc.QueueURL(work, ""); u != "http://nubo.test:4566/000000000000/work" {
		t.Fatalf("QueueURL = %s", u)
	}
	id, err := e.svc.SendMessageToQueue(ctx, work, "from s3", map[string]MessageAttribute{"k": strAttr("String", "v")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SendMessageToQueue(ctx, "arn:aws:sqs:us-east-1:000000000000:none", "x", nil)
	wantCode(t, err, "QueueDoesNotExist")
	_, err = e.svc.SendMessageToQueue(ctx, work, "bad\x00", nil)
	wantCode(t, err, "InvalidMessageContents")

	got, err := e.svc.Receive(ctx, work, 10, -1, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("Receive = %+v, %v", got, err)
	}
	m := got[0]
	if m.MessageID != id || m.Body != "from s3" || m.MD5OfBody != md5Hex("from s3") || m.Attributes["ApproximateReceiveCount"] != "1" ||
		m.Attributes["SenderId"] != testAccount || m.Attributes["SentTimestamp"] == "" || m.Attributes["ApproximateFirstReceiveTimestamp"] == "" ||
		*m.MessageAttributes["k"].StringValue != "v" || m.MD5OfMessageAttributes == "" {
		t.Fatalf("received %+v", m)
	}
	if err := e.svc.ChangeVisibility(ctx, work, m.ReceiptHandle, 0); err != nil {
		t.Fatal(err)
	}
	// The second receive exceeds maxReceiveCount=1: the message moves to the DLQ.
	if got, _ := e.svc.Receive(ctx, work, 10, time.Minute, 0); len(got) != 0 {
		t.Fatalf("receive past maxReceiveCount = %+v", got)
	}
	dl, err := e.svc.Receive(ctx, "arn:aws:sqs:us-east-1:000000000000:dlq", 1, time.Minute, 0)
	if err != nil || len(dl) != 1 || dl[0].MessageID != id {
		t.Fatalf("DLQ = %+v, %v", dl, err)
	}
	if err := e.svc.Delete(ctx, "arn:aws:sqs:us-east-1:000000000000:dlq", dl[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.svc.Delete(ctx, work, "junk"), "ReceiptHandleIsInvalid")

	const jobs = "arn:aws:sqs:us-east-1:000000000000:jobs.fifo"
	_, err = e.svc.Send(ctx, jobs, OutgoingMessage{Body: "no group"})
	wantCode(t, err, "MissingParameter")
	r1, err := e.svc.Send(ctx, jobs, OutgoingMessage{Body: "j1", MessageGroupID: "g", TraceHeader: "Root=1-abc"})
	if err != nil || r1.SequenceNumber == "" {
		t.Fatalf("Send FIFO = %+v, %v", r1, err)
	}
	r2, _ := e.svc.Send(ctx, jobs, OutgoingMessage{Body: "j1", MessageGroupID: "g"})
	if r2.MessageID != r1.MessageID {
		t.Fatal("content-based deduplication did not apply")
	}
	fj, err := e.svc.Receive(ctx, jobs, 10, time.Minute, 0)
	if err != nil || len(fj) != 1 || fj[0].MessageGroupID != "g" || fj[0].Attributes["AWSTraceHeader"] != "Root=1-abc" {
		t.Fatalf("FIFO receive = %+v, %v", fj, err)
	}
	errs, err := e.svc.DeleteBatch(ctx, jobs, []string{fj[0].ReceiptHandle, "junk"})
	if err != nil || errs[0] != nil || errs[1] == nil {
		t.Fatalf("DeleteBatch = %v, %v", errs, err)
	}
	_, err = e.svc.Receive(ctx, jobs, 11, 0, 0)
	wantCode(t, err, "InvalidParameterValue")
}

// TestLongPollWakesOnClock checks that a parked long poll returns when
// advancing the Nubo clock makes a delayed message visible, and that the
// wait itself is on the Nubo clock.
func TestLongPollWakesOnClock(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("lpc", nil)
	e.send(url, "later", func(in *sqsapi.SendMessageInput) { in.DelaySeconds = i32(600) })
	done := make(chan int, 1)
	go func() {
		out, err := e.svc.ReceiveMessage(e.ctx(), &sqsapi.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: i32(20)})
		if err != nil {
			done <- -1
			return
		}
		done <- len(out.Messages)
	}()
	waitForPoller(t, e, "lpc")
	e.advance(10 * time.Minute)
	select {
	case n := <-done:
		if n != 1 {
			t.Fatalf("long poll returned %d messages", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake on clock advance")
	}
	go func() {
		out, _ := e.svc.ReceiveMessage(e.ctx(), &sqsapi.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: i32(20)})
		done <- len(out.Messages)
	}()
	waitForPoller(t, e, "lpc")
	e.advance(21 * time.Second)
	select {
	case n := <-done:
		if n != 0 {
			t.Fatalf("empty long poll returned %d", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll wait not on the Nubo clock")
	}
}

func TestResetReloads(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("r", nil)
	e.send(url, "x")
	if err := e.db.DropAll(); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.GetQueueUrl(e.ctx(), &sqsapi.GetQueueUrlInput{QueueName: sp("r")})
	wantCode(t, err, "QueueDoesNotExist")
}

// TestFIFOLongPollWakesOnUnlock checks that deleting the in-flight message
// of a FIFO group wakes a long poll waiting for the group's next message.
func TestFIFOLongPollWakesOnUnlock(t *testing.T) {
	e := newEnv(t, nil)
	url := e.create("u.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	for _, b := range []string{"1", "2"} {
		e.send(url, b, func(in *sqsapi.SendMessageInput) { in.MessageGroupId = sp("g") })
	}
	first := e.receive(url, 1, nil)
	done := make(chan string, 1)
	go func() {
		out, err := e.svc.ReceiveMessage(e.ctx(), &sqsapi.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: i32(20)})
		if err != nil || len(out.Messages) != 1 {
			done <- ""
			return
		}
		done <- *out.Messages[0].Body
	}()
	waitForPoller(t, e, "u.fifo")
	_, err := e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: first[0].ReceiptHandle})
	wantCode(t, err, "")
	select {
	case b := <-done:
		if b != "2" {
			t.Fatalf("long poll got %q", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll not woken by the group unlock")
	}
}

// TestGoAPIDelay checks that the Go API keeps the queue's DelaySeconds
// unless the message sets its own.
func TestGoAPIDelay(t *testing.T) {
	e := newEnv(t, nil)
	e.create("slow", map[string]string{"DelaySeconds": "30"})
	const arn = "arn:aws:sqs:us-east-1:000000000000:slow"
	ctx := context.Background()
	if _, err := e.svc.Send(ctx, arn, OutgoingMessage{Body: "queue delay"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Send(ctx, arn, OutgoingMessage{Body: "own delay", Delay: 90 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.advance(30 * time.Second)
	got, err := e.svc.Receive(ctx, arn, 10, time.Hour, 0)
	if err != nil || len(got) != 1 || got[0].Body != "queue delay" {
		t.Fatalf("after 30s: %+v, %v", got, err)
	}
	e.advance(60 * time.Second)
	got, _ = e.svc.Receive(ctx, arn, 10, time.Hour, 0)
	if len(got) != 1 || got[0].Body != "own delay" {
		t.Fatalf("after 90s: %+v", got)
	}
}
