package sqs

import (
	"context"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
)

// reopen closes e's service and store and opens both again on the same
// directory and clock.
func reopen(t *testing.T, e *env, dir string) *env {
	t.Helper()
	_ = e.svc.Stop(context.Background())
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return openEnv(t, db, e.clock)
}

func openPebble(t testing.TB, dir string) *env {
	t.Helper()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewVirtual()
	t.Cleanup(func() { _ = c.Close() })
	return openEnv(t, db, c)
}

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	e := openPebble(t, dir)
	fifo := e.create("p.fifo", map[string]string{"FifoQueue": "true"})
	std := e.create("std", map[string]string{"VisibilityTimeout": "60", "DelaySeconds": "5"})
	e.create("dlq", nil)
	_, err := e.svc.SetQueueAttributes(e.ctx(), &sqsapi.SetQueueAttributesInput{QueueUrl: &std, Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":3}`}})
	wantCode(t, err, "")
	var firstID string
	for i, body := range []string{"a1", "b1", "a2", "a3"} {
		group := body[:1]
		out, err := e.svc.SendMessage(e.ctx(), &sqsapi.SendMessageInput{QueueUrl: &fifo, MessageBody: sp(body), MessageGroupId: &group, MessageDeduplicationId: sp("d-" + body)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			firstID = *out.MessageId
		}
	}
	e.send(std, "kept", func(in *sqsapi.SendMessageInput) {
		in.MessageAttributes = map[string]sqsapi.MessageAttributeValue{"k": strAttr("Number", "7")}
	})
	e.advance(5 * time.Second)
	inflight := e.receive(std, 1, nil)
	lockA := e.receive(fifo, 1, nil) // a1 in flight: group a locked
	if len(inflight) != 1 || len(lockA) != 1 || *lockA[0].Body != "a1" {
		t.Fatalf("before restart: %+v %+v", inflight, lockA)
	}

	e = reopen(t, e, dir)

	if got := e.receive(std, 1, nil); len(got) != 0 {
		t.Fatalf("in-flight message visible after restart: %+v", got)
	}
	// Deduplication survives: resending a1's id returns the original id.
	dup, err := e.svc.SendMessage(e.ctx(), &sqsapi.SendMessageInput{QueueUrl: &fifo, MessageBody: sp("a1"), MessageGroupId: sp("a"), MessageDeduplicationId: sp("d-a1")})
	if err != nil || *dup.MessageId != firstID {
		t.Fatalf("dedup after restart: %v, %v", dup, err)
	}
	// Group a is still locked by a1; b1 is available.
	got := e.receive(fifo, 10, nil)
	if len(got) != 1 || *got[0].Body != "b1" {
		t.Fatalf("after restart with a locked: %+v", got)
	}
	_, err = e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: &fifo, ReceiptHandle: lockA[0].ReceiptHandle})
	wantCode(t, err, "")
	got = e.receive(fifo, 10, nil)
	if len(got) != 2 || *got[0].Body != "a2" || *got[1].Body != "a3" {
		t.Fatalf("order after restart: %+v", got)
	}
	e.advance(60 * time.Second)
	back := e.receive(std, 1, nil)
	if len(back) != 1 || back[0].Attributes["ApproximateReceiveCount"] != "2" || *back[0].MD5OfMessageAttributes != *inflight[0].MD5OfMessageAttributes {
		t.Fatalf("after visibility timeout across restart: %+v", back)
	}
	e.advance(60 * time.Second)
	e.receive(std, 1, nil)
	e.advance(60 * time.Second)
	if got := e.receive(std, 1, nil); len(got) != 0 {
		t.Fatal("fourth receive delivered past maxReceiveCount")
	}
	e = reopen(t, e, dir)
	if n := e.attr(std, "ApproximateNumberOfMessages"); n != "0" {
		t.Fatalf("redriven message back in source after restart: %s", n)
	}
	dlq := e.receive("http://x/000000000000/dlq", 1, nil)
	if len(dlq) != 1 || *dlq[0].Body != "kept" {
		t.Fatalf("DLQ after restart: %+v", dlq)
	}
	_, err = e.svc.DeleteMessage(e.ctx(), &sqsapi.DeleteMessageInput{QueueUrl: sp("http://x/000000000000/dlq"), ReceiptHandle: dlq[0].ReceiptHandle})
	wantCode(t, err, "")
	e = reopen(t, e, dir)
	e.advance(time.Hour)
	if got := e.receive("http://x/000000000000/dlq", 1, nil); len(got) != 0 {
		t.Fatal("deleted message resurrected")
	}
	if n := e.attr(std, "DelaySeconds"); n != "5" {
		t.Fatalf("attributes after restart: DelaySeconds=%s", n)
	}
}
