package lambda

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/blobs"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
	"github.com/nubo/nubo/internal/service/iam"
)

// fakeQueues is an in-memory QueueSource: queues with visibility timeouts in
// real time, receive counts, FIFO group locking, long polling and redrive
// to a dead-letter queue after maxReceiveCount.
type fakeQueues struct {
	mu       sync.Mutex
	queues   map[string]*fakeQueue
	changed  chan struct{}
	handles  atomic.Int64
	receives atomic.Int64
}

type fakeQueue struct {
	arn        string
	fifo       bool
	vis        time.Duration
	maxReceive int
	dlq        string
	msgs       []*fakeMsg
	deleted    int
}

type fakeMsg struct {
	id, body, group string
	attrs           map[string]QueueMessageAttribute
	count           int
	handle          string
	visibleAt       time.Time
	sent, first     time.Time
}

func newFakeQueues() *fakeQueues {
	return &fakeQueues{queues: map[string]*fakeQueue{}, changed: make(chan struct{})}
}

func queueARN(name string) string { return "arn:aws:sqs:us-east-1:" + testAccount + ":" + name }

// add creates a queue; dlq and maxReceive set its redrive policy.
func (f *fakeQueues) add(name string, vis time.Duration, dlq string, maxReceive int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := queueARN(name)
	f.queues[a] = &fakeQueue{arn: a, fifo: len(name) > 5 && name[len(name)-5:] == ".fifo", vis: vis, dlq: dlq, maxReceive: maxReceive}
	return a
}

func (f *fakeQueues) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// send enqueues a message (group only for FIFO queues).
func (f *fakeQueues) send(arn, body, group string, attrs map[string]QueueMessageAttribute) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[arn]
	id := fmt.Sprintf("m-%d-%s", len(q.msgs)+q.deleted, body)
	q.msgs = append(q.msgs, &fakeMsg{id: id, body: body, group: group, attrs: attrs, sent: time.Now()})
	f.notifyLocked()
	return id
}

// counts returns the queue's messages (visible or not) and deletions.
func (f *fakeQueues) counts(arn string) (left, deleted int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[arn]
	return len(q.msgs), q.deleted
}

func (f *fakeQueues) bodies(arn string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.queues[arn].msgs {
		out = append(out, m.body)
	}
	return out
}

func (f *fakeQueues) QueueInfo(arn string) (bool, time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, ok := f.queues[arn]
	if !ok {
		return false, 0, false
	}
	return q.fifo, q.vis, true
}

func (f *fakeQueues) Receive(ctx context.Context, arn string, max int, wait time.Duration) ([]QueueMessage, error) {
	if max < 1 || max > 10 || wait > 20*time.Second {
		return nil, errors.New("fake: bad receive arguments")
	}
	f.receives.Add(1)
	deadline := time.Now().Add(wait)
	for {
		f.mu.Lock()
		q, ok := f.queues[arn]
		if !ok {
			f.mu.Unlock()
			return nil, errors.New("fake: no such queue")
		}
		got, next := f.takeLocked(q, max)
		ch := f.changed
		f.mu.Unlock()
		if len(got) > 0 {
			return got, nil
		}
		wake := time.Until(deadline)
		if wake <= 0 {
			return nil, nil
		}
		if !next.IsZero() {
			wake = min(wake, time.Until(next)+time.Millisecond)
		}
		t := time.NewTimer(wake)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}

// takeLocked receives up to max visible messages; next is when the earliest
// invisible message reappears.
func (f *fakeQueues) takeLocked(q *fakeQueue, max int) (got []QueueMessage, next time.Time) {
	now := time.Now()
	locked := map[string]bool{}
	var keep []*fakeMsg
	for _, m := range q.msgs {
		if m.visibleAt.After(now) {
			if next.IsZero() || m.visibleAt.Before(next) {
				next = m.visibleAt
			}
			locked[m.group] = true
			keep = append(keep, m)
			continue
		}
		if q.maxReceive > 0 && m.count >= q.maxReceive {
			d := f.queues[q.dlq]
			m.count, m.visibleAt = 0, time.Time{}
			d.msgs = append(d.msgs, m)
			continue
		}
		keep = append(keep, m)
		if len(got) == max || (q.fifo && locked[m.group]) {
			locked[m.group] = true
			continue
		}
		m.count++
		if m.count == 1 {
			m.first = now
		}
		m.handle = "h" + strconv.FormatInt(f.handles.Add(1), 10)
		m.visibleAt = now.Add(q.vis)
		got = append(got, m.toAPI(q.fifo))
	}
	q.msgs = keep
	return got, next
}

func (m *fakeMsg) toAPI(fifo bool) QueueMessage {
	sum := md5.Sum([]byte(m.body))
	attrs := map[string]string{"ApproximateReceiveCount": strconv.Itoa(m.count),
		"SentTimestamp": strconv.FormatInt(m.sent.UnixMilli(), 10), "SenderId": "AIDAEXAMPLE",
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.first.UnixMilli(), 10)}
	if fifo {
		attrs["MessageGroupId"], attrs["SequenceNumber"], attrs["MessageDeduplicationId"] = m.group, "1", m.id
	}
	return QueueMessage{MessageID: m.id, ReceiptHandle: m.handle, Body: m.body, MD5OfBody: hex.EncodeToString(sum[:]),
		Attributes: attrs, MessageAttributes: m.attrs, MessageGroupID: m.group}
}

func (f *fakeQueues) DeleteBatch(ctx context.Context, arn string, handles []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queues[arn]
	want := map[string]bool{}
	for _, h := range handles {
		want[h] = true
	}
	keep := q.msgs[:0]
	for _, m := range q.msgs {
		if m.handle != "" && want[m.handle] && m.visibleAt.After(time.Now()) {
			q.deleted++
			continue
		}
		keep = append(keep, m)
	}
	q.msgs = keep
	f.notifyLocked()
	return nil
}

func (f *fakeQueues) ChangeVisibility(ctx context.Context, arn, handle string, timeout time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.queues[arn].msgs {
		if m.handle == handle {
			m.visibleAt = time.Now().Add(timeout)
		}
	}
	f.notifyLocked()
	return nil
}

// sqsEvent is the event an ESM invocation receives.
type sqsEvent struct {
	Records []struct {
		MessageID         string                     `json:"messageId"`
		ReceiptHandle     string                     `json:"receiptHandle"`
		Body              string                     `json:"body"`
		Attributes        map[string]string          `json:"attributes"`
		MessageAttributes map[string]json.RawMessage `json:"messageAttributes"`
		MD5OfBody         string                     `json:"md5OfBody"`
		EventSource       string                     `json:"eventSource"`
		EventSourceARN    string                     `json:"eventSourceARN"`
		AWSRegion         string                     `json:"awsRegion"`
	} `json:"Records"`
}

// esmExec is an Executor whose behaviour a test sets with fn; it records
// every event and the most invocations seen at once.
type esmExec struct {
	mu      sync.Mutex
	fn      func(ev sqsEvent) (*Result, error)
	events  []sqsEvent
	raw     [][]byte
	running atomic.Int32
	peak    atomic.Int32
}

func (x *esmExec) Invoke(ctx context.Context, v *Version, inv *Invocation) (*Result, error) {
	n := x.running.Add(1)
	defer x.running.Add(-1)
	for p := x.peak.Load(); n > p && !x.peak.CompareAndSwap(p, n); p = x.peak.Load() {
	}
	var ev sqsEvent
	if err := json.Unmarshal(inv.Payload, &ev); err != nil {
		return nil, err
	}
	x.mu.Lock()
	x.events = append(x.events, ev)
	x.raw = append(x.raw, inv.Payload)
	fn := x.fn
	x.mu.Unlock()
	if fn == nil {
		return &Result{Payload: []byte("null")}, nil
	}
	return fn(ev)
}

func (x *esmExec) Retire(string, string) {}

func (x *esmExec) snapshot() []sqsEvent {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]sqsEvent(nil), x.events...)
}

func (x *esmExec) setFn(fn func(ev sqsEvent) (*Result, error)) {
	x.mu.Lock()
	x.fn = fn
	x.mu.Unlock()
}

// esmEnv is a Lambda service with a function "fn", a fake queue source and
// the esmExec executor.
type esmEnv struct {
	*env
	q    *fakeQueues
	exec *esmExec
}

func newESMEnv(t *testing.T) *esmEnv {
	t.Helper()
	e := newEnv(t, esmOptions())
	x := &esmEnv{env: e, q: newFakeQueues(), exec: &esmExec{}}
	e.svc.SetExecutor(x.exec)
	e.svc.SetQueueSource(x.q)
	e.create("fn")
	return x
}

func esmOptions() Options {
	return Options{ESMScaleInterval: 20 * time.Millisecond, ESMRetryBackoff: 20 * time.Millisecond}
}

// restart stops the service and creates a new one over the same store.
func (x *esmEnv) restart() {
	x.t.Helper()
	if err := x.svc.Stop(context.Background()); err != nil {
		x.t.Fatal(err)
	}
	x.start(esmOptions())
	x.svc.SetExecutor(x.exec)
	x.svc.SetQueueSource(x.q)
}

func (x *esmEnv) createMapping(in *lambdaapi.CreateEventSourceMappingInput) *lambdaapi.CreateEventSourceMappingOutput {
	x.t.Helper()
	if in.FunctionName == nil {
		in.FunctionName = ptr("fn")
	}
	out, err := call[lambdaapi.CreateEventSourceMappingOutput](x.env, "CreateEventSourceMapping", in)
	if err != nil {
		x.t.Fatal(err)
	}
	return out
}

// waitFor polls cond until it holds or fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitDrained waits until the queue holds no message and n were deleted.
func (x *esmEnv) waitDrained(arn string, n int) {
	x.t.Helper()
	waitFor(x.t, fmt.Sprintf("%d deletions", n), func() bool {
		left, del := x.q.counts(arn)
		return left == 0 && del == n
	})
}

// newBenchService is a started Lambda service with function "fn", a fake
// queue source and an executor answering null at once.
func newBenchService(b *testing.B) (*Service, *fakeQueues, *esmExec) {
	c := clock.NewVirtual()
	b.Cleanup(func() { _ = c.Close() })
	bl, err := blobs.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	sys := &service.System{Region: "us-east-1", Account: testAccount, DataDir: b.TempDir(), Clock: c,
		Store: store.OpenMemory(), Blobs: bl}
	im, err := iam.New(sys)
	if err != nil {
		b.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := im.CreateRole(ctx(), &iamapi.CreateRoleInput{RoleName: ptr("lambda-role"), AssumeRolePolicyDocument: ptr(doc)}); err != nil {
		b.Fatal(err)
	}
	svc, err := New(sys, im, Options{})
	if err != nil {
		b.Fatal(err)
	}
	q, x := newFakeQueues(), &esmExec{}
	svc.SetExecutor(x)
	svc.SetQueueSource(q)
	if err := svc.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = svc.Stop(context.Background()) })
	if _, err := svc.CreateFunction(ctx(), createInput("fn", helloZip(b))); err != nil {
		b.Fatal(err)
	}
	return svc, q, x
}
