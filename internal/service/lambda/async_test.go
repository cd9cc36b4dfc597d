package lambda

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

// destRecord is AWS's asynchronous invocation record.
type destRecord struct {
	Version        string `json:"version"`
	Timestamp      string `json:"timestamp"`
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	RequestPayload  json.RawMessage `json:"requestPayload"`
	ResponseContext *struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError"`
	} `json:"responseContext"`
	ResponsePayload json.RawMessage `json:"responsePayload"`
}

func (e *env) asyncInvoke(name, payload string) {
	e.t.Helper()
	out, req, err := callReq[lambdaapi.InvokeOutput](e, "Invoke", &lambdaapi.InvokeInput{FunctionName: ptr(name),
		InvocationType: ptr("Event"), Payload: []byte(payload)})
	if err != nil {
		e.t.Fatal(err)
	}
	if deref(out.StatusCode) != 202 || req.Response.Status != 202 {
		e.t.Fatalf("async status %d/%d", deref(out.StatusCode), req.Response.Status)
	}
}

// pendingDelay returns how far in the future the only queued event is due.
func (e *env) pendingDelay() time.Duration {
	e.t.Helper()
	var evs []asyncEvent
	_ = e.svc.async.List("", "", 0, func(_ string, ev asyncEvent) bool { evs = append(evs, ev); return true })
	if len(evs) != 1 {
		e.t.Fatalf("%d queued events", len(evs))
	}
	return evs[0].NextAt.Sub(e.sys.Clock.Now())
}

// waitPending waits until the queued event is scheduled in the future.
func (e *env) waitRescheduled(calls int) time.Duration {
	e.t.Helper()
	e.exec.waitCalls(e.t, calls)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if d := e.pendingDelay(); d > 0 {
			return d
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatal("event was not rescheduled")
	return 0
}

func TestAsyncRetriesAndLambdaDestination(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("failing")
	e.create("dest")
	if _, err := call[lambdaapi.PutFunctionEventInvokeConfigOutput](e, "PutFunctionEventInvokeConfig", &lambdaapi.PutFunctionEventInvokeConfigInput{
		FunctionName: ptr("failing"), DestinationConfig: &lambdaapi.DestinationConfig{
			OnFailure: &lambdaapi.OnFailure{Destination: ptr("arn:aws:lambda:us-east-1:123456789012:function:dest")}}}); err != nil {
		t.Fatal(err)
	}
	e.asyncInvoke("failing", `{"fail":true}`)
	steps := []struct{ want, next time.Duration }{{time.Minute, time.Minute}, {2 * time.Minute, 2 * time.Minute}}
	for i, st := range steps {
		d := e.waitRescheduled(i + 1)
		if d > st.want || d < st.want-5*time.Second {
			t.Fatalf("retry %d due in %v, want %v", i+1, d, st.want)
		}
		if err := e.sys.Clock.Advance(st.next); err != nil {
			t.Fatal(err)
		}
	}
	calls := e.exec.waitCalls(t, 4)
	if len(calls) != 4 || calls[3].Version.FunctionName != "dest" {
		t.Fatalf("calls: %d, last to %s", len(calls), calls[len(calls)-1].Version.FunctionName)
	}
	for _, c := range calls[:3] {
		if c.Inv.RequestID != calls[0].Inv.RequestID || !c.Inv.Async {
			t.Fatal("retries must keep the request id and be async")
		}
	}
	var rec destRecord
	if err := json.Unmarshal(calls[3].Inv.Payload, &rec); err != nil {
		t.Fatal(err)
	}
	rc := rec.RequestContext
	if rec.Version != "1.0" || rc.Condition != "RetriesExhausted" || rc.ApproximateInvokeCount != 3 ||
		rc.FunctionArn != "arn:aws:lambda:us-east-1:123456789012:function:failing:$LATEST" || rc.RequestID != calls[0].Inv.RequestID {
		t.Fatalf("record context %+v", rec)
	}
	if string(rec.RequestPayload) != `{"fail":true}` || rec.ResponseContext == nil || rec.ResponseContext.StatusCode != 200 ||
		rec.ResponseContext.FunctionError != "Unhandled" || rec.ResponseContext.ExecutedVersion != "$LATEST" {
		t.Fatalf("record %s", calls[3].Inv.Payload)
	}
	var resp struct{ ErrorMessage string }
	if json.Unmarshal(rec.ResponsePayload, &resp); resp.ErrorMessage != "boom" {
		t.Fatalf("response payload %s", rec.ResponsePayload)
	}
}

type captureSink struct {
	mu  sync.Mutex
	got []Delivery
}

func (c *captureSink) Deliver(_ context.Context, d Delivery) error {
	c.mu.Lock()
	c.got = append(c.got, d)
	c.mu.Unlock()
	return nil
}

func (c *captureSink) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

func (c *captureSink) wait(t *testing.T, n int) []Delivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		got := append([]Delivery(nil), c.got...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("sink got fewer than %d deliveries", n)
	return nil
}

func TestAsyncDeadLetterAndEventAge(t *testing.T) {
	e := newEnv(t, Options{})
	sqs := &captureSink{}
	e.svc.SetDestinationSink("sqs", sqs)
	in := createInput("dlq", helloZip(t))
	in.DeadLetterConfig = &lambdaapi.DeadLetterConfig{TargetArn: ptr("arn:aws:sns:us-east-1:123456789012:dead")}
	if _, err := call[lambdaapi.CreateFunctionOutput](e, "CreateFunction", in); err != nil {
		t.Fatal(err)
	}
	if _, err := call[lambdaapi.PutFunctionEventInvokeConfigOutput](e, "PutFunctionEventInvokeConfig", &lambdaapi.PutFunctionEventInvokeConfigInput{
		FunctionName: ptr("dlq"), MaximumRetryAttempts: ptr(int32(0)), MaximumEventAgeInSeconds: ptr(int32(60)),
		DestinationConfig: &lambdaapi.DestinationConfig{OnFailure: &lambdaapi.OnFailure{Destination: ptr("arn:aws:sqs:us-east-1:123456789012:failures")}}}); err != nil {
		t.Fatal(err)
	}
	e.asyncInvoke("dlq", `{"fail":true}`)
	got := sqs.wait(t, 1)
	var rec destRecord
	if err := json.Unmarshal(got[0].Body, &rec); err != nil || rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 1 {
		t.Fatalf("on-failure record %s (%v)", got[0].Body, err)
	}
	var und []Undelivered
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && len(und) == 0; time.Sleep(5 * time.Millisecond) {
		und, _ = e.svc.Undelivered(context.Background())
	}
	if len(und) != 1 || und[0].Delivery.Kind != "dlq" || string(und[0].Delivery.Body) != `{"fail":true}` ||
		und[0].Delivery.Target != "arn:aws:sns:us-east-1:123456789012:dead" || und[0].Delivery.Attributes["RequestID"] != rec.RequestContext.RequestID {
		t.Fatalf("undelivered %+v", und)
	}

	// A throttled event is retried with back-off until it is older than 60 s.
	e.exec.mu.Lock()
	e.exec.throttle = true
	e.exec.mu.Unlock()
	e.asyncInvoke("dlq", `{"n":1}`)
	for i := 0; i < 200 && sqs.count() < 2; i++ {
		before := len(e.exec.snapshot())
		_ = e.sys.Clock.Advance(5 * time.Second)
		for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline) && len(e.exec.snapshot()) == before; {
			time.Sleep(time.Millisecond)
		}
	}
	got = sqs.wait(t, 2)
	rec = destRecord{}
	if err := json.Unmarshal(got[1].Body, &rec); err != nil || rec.RequestContext.Condition != "EventAgeExceeded" || rec.ResponseContext != nil {
		t.Fatalf("event age record %s", got[1].Body)
	}
	if n := len(e.exec.snapshot()); n < 4 {
		t.Fatalf("only %d attempts before the event expired", n)
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("durable")
	if err := e.svc.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A stopped service still accepts events: they are stored, not run.
	e.asyncInvoke("durable", `{"persisted":1}`)
	if d := e.pendingDelay(); d > 0 {
		t.Fatalf("event due in %v", d)
	}
	if n := len(e.exec.snapshot()); n != 0 {
		t.Fatalf("stopped service ran %d events", n)
	}
	e.start(Options{})
	calls := e.exec.waitCalls(t, 1)
	if string(calls[0].Inv.Payload) != `{"persisted":1}` {
		t.Fatalf("resumed payload %s", calls[0].Inv.Payload)
	}
	g, err := call[lambdaapi.GetFunctionConfigurationOutput](e, "GetFunctionConfiguration", &lambdaapi.GetFunctionConfigurationInput{FunctionName: ptr("durable")})
	if err != nil || deref(g.State) != "Active" {
		t.Fatalf("function after restart: %v", err)
	}
}

// TestInvokeAsyncAPI covers the Go entry point other services trigger
// functions through: by name and by qualified ARN, and a missing function.
func TestInvokeAsyncAPI(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("target")
	ctx := context.Background()
	if err := e.svc.InvokeAsync(ctx, "target", []byte(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.InvokeAsync(ctx, "arn:aws:lambda:us-east-1:123456789012:function:target:$LATEST", []byte(`{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	calls := e.exec.waitCalls(t, 2)
	got := map[string]bool{}
	for _, c := range calls {
		got[string(c.Inv.Payload)] = c.Inv.Async
	}
	if !got[`{"n":1}`] || !got[`{"n":2}`] {
		t.Fatalf("async calls: %v", got)
	}
	err := e.svc.InvokeAsync(ctx, "missing", []byte(`{}`))
	if ae := awsapi.AsError(err); err == nil || ae.Code != "ResourceNotFoundException" {
		t.Fatalf("missing function: %v", err)
	}
}
