package logs

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

const (
	testRegion  = "us-east-1"
	testAccount = "123456789012"
)

// fixture is a logs service on a fresh memory store and its own clock.
type fixture struct {
	t   testing.TB
	s   *Service
	clk *clock.Virtual
	db  store.DB
	h   map[string]awsapi.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, store.OpenMemory(), nil)
}

// newFixtureOn builds a started service on db (and clk, or a new clock).
func newFixtureOn(t testing.TB, db store.DB, clk *clock.Virtual) *fixture {
	t.Helper()
	if clk == nil {
		clk = clock.NewVirtual()
		t.Cleanup(func() { _ = clk.Close() })
	}
	s, err := New(&service.System{Region: testRegion, Account: testAccount, Clock: clk, Store: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return &fixture{t: t, s: s, clk: clk, db: db, h: s.Handlers()}
}

// ctx is a request context at the current Nubo time.
func (f *fixture) ctx() context.Context {
	return awsapi.WithRequest(context.Background(), &awsapi.Request{
		ID: "req", Region: testRegion, Account: testAccount, Time: f.clk.Now(),
		Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", Root: true},
	})
}

// call runs an operation through the bound handlers.
func (f *fixture) call(op string, in any) (any, error) {
	f.t.Helper()
	h, ok := f.h[op]
	if !ok {
		f.t.Fatalf("no handler for %s", op)
	}
	return h(f.ctx(), in)
}

// must runs an operation that must succeed.
func must[O any](f *fixture, op string, in any) *O {
	f.t.Helper()
	out, err := f.call(op, in)
	if err != nil {
		f.t.Fatalf("%s: %v", op, err)
	}
	o, ok := out.(*O)
	if !ok {
		f.t.Fatalf("%s returned %T", op, out)
	}
	return o
}

// wantCode fails unless err is an AWS error with code ("" means no error).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.Code != code {
		t.Fatalf("error code = %s (%s), want %s", ae.Code, ae.Message, code)
	}
}

func (f *fixture) group(name string) {
	f.t.Helper()
	must[logsapi.CreateLogGroupOutput](f, "CreateLogGroup", &logsapi.CreateLogGroupInput{LogGroupName: ptr(name)})
}

func (f *fixture) stream(group, name string) {
	f.t.Helper()
	must[logsapi.CreateLogStreamOutput](f, "CreateLogStream", &logsapi.CreateLogStreamInput{LogGroupName: ptr(group), LogStreamName: ptr(name)})
}

// put writes messages msg0..msg(n-1) at ts0, ts0+step, ... (milliseconds).
func (f *fixture) put(group, stream string, ts0, step int64, n int, format string) *logsapi.PutLogEventsOutput {
	f.t.Helper()
	evs := make([]logsapi.InputLogEvent, n)
	for i := range evs {
		evs[i] = logsapi.InputLogEvent{Timestamp: ptr(ts0 + int64(i)*step), Message: ptr(fmt.Sprintf(format, i))}
	}
	return must[logsapi.PutLogEventsOutput](f, "PutLogEvents", &logsapi.PutLogEventsInput{
		LogGroupName: ptr(group), LogStreamName: ptr(stream), LogEvents: evs})
}

func (f *fixture) nowMS() int64 { return f.clk.Now().UnixMilli() }

func messages[E any](evs []E, get func(E) *string) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = *get(e)
	}
	return out
}

var _ = time.Second
