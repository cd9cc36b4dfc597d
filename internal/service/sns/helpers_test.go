package sns

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

const testAccount = "000000000000"

// env is a service under test with its clock, store and metrics.
type env struct {
	t     *testing.T
	svc   *Service
	h     map[string]awsapi.Handler
	clock *clock.Virtual
	db    store.DB
	rec   *metrics.Recorder
}

// newEnv returns a started service over a fresh memory store.
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	c := clock.NewVirtual()
	t.Cleanup(func() { _ = c.Close() })
	return openEnv(t, store.OpenMemory(), c, cfg)
}

// openEnv creates and starts a service over an existing store and clock.
func openEnv(t *testing.T, db store.DB, c *clock.Virtual, cfg Config) *env {
	t.Helper()
	rec := metrics.NewRecorder(0, c.Now)
	svc, err := NewWithConfig(&service.System{Region: "us-east-1", Account: testAccount,
		Endpoint: "http://nubo.test:4566", Clock: c, Store: db, Metrics: rec}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	return &env{t: t, svc: svc, h: svc.Handlers(), clock: c, db: db, rec: rec}
}

// call runs an operation through the bound handlers.
func (e *env) call(op string, in any) (any, error) {
	e.t.Helper()
	h := e.h[op]
	if h == nil {
		e.t.Fatalf("no handler for %s", op)
	}
	ctx := awsapi.WithRequest(context.Background(), &awsapi.Request{ID: "req", Region: "us-east-1",
		Account: testAccount, Time: e.clock.Now(), Caller: awsapi.Caller{Account: testAccount, Root: true}})
	return h(ctx, in)
}

// must runs an operation that must succeed.
func (e *env) must(op string, in any) any {
	e.t.Helper()
	out, err := e.call(op, in)
	if err != nil {
		e.t.Fatalf("%s: %v", op, err)
	}
	return out
}

// topic creates a topic and returns its ARN.
func (e *env) topic(name string, attrs map[string]string) string {
	e.t.Helper()
	out := e.must("CreateTopic", &snsapi.CreateTopicInput{Name: &name, Attributes: attrs}).(*snsapi.CreateTopicOutput)
	return *out.TopicArn
}

// subscribe subscribes and returns the answered ARN.
func (e *env) subscribe(topic, protocol, endpoint string, attrs map[string]string) string {
	e.t.Helper()
	out := e.must("Subscribe", &snsapi.SubscribeInput{TopicArn: &topic, Protocol: &protocol, Endpoint: &endpoint,
		Attributes: attrs, ReturnSubscriptionArn: ptr(true)}).(*snsapi.SubscribeOutput)
	return *out.SubscriptionArn
}

// publish publishes a message and returns its id.
func (e *env) publish(in *snsapi.PublishInput) string {
	e.t.Helper()
	return *e.must("Publish", in).(*snsapi.PublishOutput).MessageId
}

// wantCode checks that err is an AWS error with the given code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sent is one delivery seen by the fake targets.
type sent struct {
	arn     string
	queue   QueueMessage
	payload []byte
}

// fakeTarget is a QueueTarget and FunctionTarget that records deliveries
// and fails while fail returns an error.
type fakeTarget struct {
	mu       sync.Mutex
	got      []sent
	attempts int
	fail     func(n int) error
}

func (f *fakeTarget) DeliverSQS(ctx context.Context, queueARN string, m QueueMessage) error {
	return f.take(sent{arn: queueARN, queue: m})
}

func (f *fakeTarget) InvokeLambdaAsync(ctx context.Context, functionARN string, payload []byte) error {
	return f.take(sent{arn: functionARN, payload: payload})
}

func (f *fakeTarget) take(s sent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.fail != nil {
		if err := f.fail(f.attempts); err != nil {
			return err
		}
	}
	f.got = append(f.got, s)
	return nil
}

func (f *fakeTarget) deliveries() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.got...)
}

func (f *fakeTarget) tries() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}
