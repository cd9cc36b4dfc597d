package lambda

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/metrics"
)

func TestESMDeliversAWSEventAndDeletes(t *testing.T) {
	x := newESMEnv(t)
	q := x.q.add("orders", time.Minute, "", 0)
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q)})
	sv := "v"
	x.q.send(q, "first", "", map[string]QueueMessageAttribute{
		"a": {DataType: "String", StringValue: &sv},
		"b": {DataType: "Binary", BinaryValue: []byte{1, 2}},
	})
	for i := range 24 {
		x.q.send(q, fmt.Sprint("m", i), "", nil)
	}
	x.waitDrained(q, 25)
	events := x.exec.snapshot()
	total := 0
	for _, ev := range events {
		if len(ev.Records) > 10 || len(ev.Records) == 0 {
			t.Fatalf("batch of %d", len(ev.Records))
		}
		total += len(ev.Records)
	}
	if total != 25 {
		t.Fatalf("delivered %d records", total)
	}
	var r map[string]json.RawMessage
	var first []byte
	x.exec.mu.Lock()
	for _, ev := range x.exec.raw {
		var raw struct {
			Records []map[string]json.RawMessage `json:"Records"`
		}
		if err := json.Unmarshal(ev, &raw); err != nil {
			t.Fatal(err)
		}
		for _, rec := range raw.Records {
			if string(rec["body"]) == `"first"` {
				r, first = rec, ev
			}
		}
	}
	x.exec.mu.Unlock()
	order := []string{"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"}
	if len(r) != len(order) {
		t.Fatalf("record keys %v", r)
	}
	last := -1
	for _, k := range order {
		i := strings.Index(string(first), `"`+k+`"`)
		if i < last {
			t.Fatalf("key %s out of AWS's order in %s", k, first)
		}
		last = i
	}
	want := map[string]string{
		"body": `"first"`, "eventSource": `"aws:sqs"`, "eventSourceARN": `"` + q + `"`, "awsRegion": `"us-east-1"`,
		"md5OfBody": `"8b04d5e3775d298e78455efc5ca404d5"`,
		"messageAttributes": `{"a":{"stringValue":"v","stringListValues":[],"binaryListValues":[],"dataType":"String"},` +
			`"b":{"binaryValue":"AQI=","stringListValues":[],"binaryListValues":[],"dataType":"Binary"}}`,
	}
	for k, v := range want {
		if string(r[k]) != v {
			t.Errorf("%s = %s, want %s", k, r[k], v)
		}
	}
	var attrs map[string]string
	_ = json.Unmarshal(r["attributes"], &attrs)
	for _, k := range []string{"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} {
		if attrs[k] == "" {
			t.Errorf("attribute %s missing: %v", k, attrs)
		}
	}
	inv := x.metrics.Sum(metrics.Query{Namespace: "AWS/Lambda", MetricName: "Invocations",
		Dimensions: []metrics.Dimension{{Name: "FunctionName", Value: "fn"}}})
	if int(inv) != len(events) {
		t.Fatalf("Invocations metric %v, want %d", inv, len(events))
	}
}

func TestESMBatchingWindowGathersLargeBatches(t *testing.T) {
	x := newESMEnv(t)
	q := x.q.add("bulk", time.Minute, "", 0)
	for i := range 120 {
		x.q.send(q, fmt.Sprint(i), "", nil)
	}
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q), BatchSize: ptr(int32(50)),
		MaximumBatchingWindowInSeconds: ptr(int32(1)), ScalingConfig: &lambdaapi.ScalingConfig{MaximumConcurrency: ptr(int32(2))}})
	x.waitDrained(q, 120)
	big := 0
	for _, ev := range x.exec.snapshot() {
		if len(ev.Records) > 50 {
			t.Fatalf("batch of %d over BatchSize", len(ev.Records))
		}
		if len(ev.Records) > 10 {
			big++
		}
	}
	if big == 0 {
		t.Fatal("no batch larger than one receive: the window did not gather")
	}
	// A lone message waits for the window, then goes alone.
	start := time.Now()
	n := len(x.exec.snapshot())
	x.q.send(q, "lone", "", nil)
	x.waitDrained(q, 121)
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("lone message invoked after %v, before the 1 s window", d)
	}
	if evs := x.exec.snapshot(); len(evs) != n+1 || len(evs[n].Records) != 1 {
		t.Fatalf("lone message: %d events", len(evs)-n)
	}
}

func TestESMFunctionErrorLeavesMessagesUntilDLQ(t *testing.T) {
	x := newESMEnv(t)
	dlq := x.q.add("dlq", time.Minute, "", 0)
	q := x.q.add("work", 100*time.Millisecond, dlq, 3)
	x.exec.setFn(func(sqsEvent) (*Result, error) {
		return &Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom"}`)}, nil
	})
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q)})
	for i := range 5 {
		x.q.send(q, fmt.Sprint(i), "", nil)
	}
	waitFor(t, "messages in the DLQ", func() bool {
		left, _ := x.q.counts(dlq)
		return left == 5
	})
	if left, del := x.q.counts(q); left != 0 || del != 0 {
		t.Fatalf("source queue: %d left, %d deleted", left, del)
	}
	seen := map[string]int{}
	maxCount := 0
	for _, ev := range x.exec.snapshot() {
		for _, r := range ev.Records {
			seen[r.Body]++
			var c int
			fmt.Sscan(r.Attributes["ApproximateReceiveCount"], &c)
			maxCount = max(maxCount, c)
		}
	}
	for i := range 5 {
		if seen[fmt.Sprint(i)] != 3 {
			t.Fatalf("message %d delivered %d times, want 3 (maxReceiveCount)", i, seen[fmt.Sprint(i)])
		}
	}
	if maxCount != 3 {
		t.Fatalf("highest ApproximateReceiveCount %d", maxCount)
	}
	l, err := call[lambdaapi.ListEventSourceMappingsOutput](x.env, "ListEventSourceMappings", &lambdaapi.ListEventSourceMappingsInput{})
	if err != nil || len(l.EventSourceMappings) != 1 || deref(l.EventSourceMappings[0].LastProcessingResult) != "PROBLEM: Function call failed" {
		t.Fatalf("list: %v %+v", err, l)
	}
}

// failOdd reports every message whose body is an odd number as failed.
func failOdd(ev sqsEvent) (*Result, error) {
	var items []string
	for _, r := range ev.Records {
		var n int
		fmt.Sscan(r.Body, &n)
		if n%2 == 1 {
			items = append(items, `{"itemIdentifier":"`+r.MessageID+`"}`)
		}
	}
	return &Result{Payload: []byte(`{"batchItemFailures":[` + strings.Join(items, ",") + `]}`)}, nil
}

func TestESMReportBatchItemFailures(t *testing.T) {
	cases := []struct {
		name     string
		fn       func(sqsEvent) (*Result, error)
		deleted  int
		leftover []string
	}{
		{"partial", failOdd, 3, []string{"1", "3"}},
		{"empty list", func(sqsEvent) (*Result, error) { return &Result{Payload: []byte(`{"batchItemFailures":[]}`)}, nil }, 5, nil},
		{"null response", func(sqsEvent) (*Result, error) { return &Result{Payload: []byte(`null`)}, nil }, 5, nil},
		{"unknown id", func(sqsEvent) (*Result, error) {
			return &Result{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"nope"}]}`)}, nil
		}, 0, []string{"0", "1", "2", "3", "4"}},
		{"empty id", func(sqsEvent) (*Result, error) {
			return &Result{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":""}]}`)}, nil
		}, 0, []string{"0", "1", "2", "3", "4"}},
		{"bad key", func(ev sqsEvent) (*Result, error) {
			return &Result{Payload: []byte(`{"batchItemFailures":[{"id":"` + ev.Records[0].MessageID + `"}]}`)}, nil
		}, 0, []string{"0", "1", "2", "3", "4"}},
		{"invalid json", func(sqsEvent) (*Result, error) { return &Result{Payload: []byte(`{oops`)}, nil }, 0, []string{"0", "1", "2", "3", "4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := newESMEnv(t)
			q := x.q.add("q", time.Minute, "", 0)
			for i := range 5 {
				x.q.send(q, fmt.Sprint(i), "", nil)
			}
			x.exec.setFn(c.fn)
			x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q),
				FunctionResponseTypes: []string{"ReportBatchItemFailures"}})
			waitFor(t, "all messages processed once", func() bool {
				n := 0
				for _, ev := range x.exec.snapshot() {
					n += len(ev.Records)
				}
				_, del := x.q.counts(q)
				return n >= 5 && del == c.deleted
			})
			time.Sleep(50 * time.Millisecond)
			left, del := x.q.counts(q)
			if del != c.deleted || left != len(c.leftover) || strings.Join(x.q.bodies(q), ",") != strings.Join(c.leftover, ",") {
				t.Fatalf("deleted %d, left %v; want %d and %v", del, x.q.bodies(q), c.deleted, c.leftover)
			}
		})
	}
}

func TestESMFilterCriteria(t *testing.T) {
	x := newESMEnv(t)
	q := x.q.add("q", time.Minute, "", 0)
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q), FilterCriteria: &lambdaapi.FilterCriteria{
		Filters: []lambdaapi.Filter{{Pattern: ptr(`{"body":{"kind":["keep"],"n":[{"numeric":[">",1]}]}}`)}, {Pattern: ptr(`{"body":["plain"]}`)}}}})
	bodies := []string{`{"kind":"keep","n":5}`, `{"kind":"keep","n":0}`, `{"kind":"drop","n":5}`, `plain`, `other text`, `{"kind":"keep","n":2}`}
	for _, b := range bodies {
		x.q.send(q, b, "", nil)
	}
	x.waitDrained(q, len(bodies))
	var got []string
	for _, ev := range x.exec.snapshot() {
		for _, r := range ev.Records {
			got = append(got, r.Body)
		}
	}
	want := map[string]bool{bodies[0]: true, bodies[3]: true, bodies[5]: true}
	if len(got) != len(want) {
		t.Fatalf("delivered %v", got)
	}
	for _, g := range got {
		if !want[g] {
			t.Fatalf("delivered filtered-out %q", g)
		}
	}
}

func TestESMDisableStopsAtOnce(t *testing.T) {
	x := newESMEnv(t)
	q := x.q.add("q", time.Minute, "", 0)
	release := make(chan struct{})
	started := make(chan struct{}, 100)
	x.exec.setFn(func(sqsEvent) (*Result, error) {
		started <- struct{}{}
		<-release
		return &Result{Payload: []byte("null")}, nil
	})
	m := x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q), BatchSize: ptr(int32(1)),
		ScalingConfig: &lambdaapi.ScalingConfig{MaximumConcurrency: ptr(int32(2))}})
	for i := range 10 {
		x.q.send(q, fmt.Sprint(i), "", nil)
	}
	<-started
	<-started
	if _, err := call[lambdaapi.UpdateEventSourceMappingOutput](x.env, "UpdateEventSourceMapping",
		&lambdaapi.UpdateEventSourceMappingInput{UUID: m.UUID, Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitFor(t, "in-flight batches settled", func() bool { _, del := x.q.counts(q); return del == 2 })
	time.Sleep(100 * time.Millisecond)
	if n := len(x.exec.snapshot()); n != 2 {
		t.Fatalf("%d invocations after disabling, want the 2 in flight", n)
	}
	got, err := x.q.Receive(ctx(), q, 10, 0)
	if err != nil || len(got) != 8 {
		t.Fatalf("after disabling %d messages are visible (%v), want 8", len(got), err)
	}
}

func TestESMFIFOOrderAndGroupBlocking(t *testing.T) {
	x := newESMEnv(t)
	q := x.q.add("jobs.fifo", 150*time.Millisecond, "", 0)
	var mu sync.Mutex
	inFlight := map[string]bool{}
	commits := map[string][]string{}
	failedOnce := false
	overlap := ""
	x.exec.setFn(func(ev sqsEvent) (*Result, error) {
		groups := map[string]bool{}
		mu.Lock()
		for _, r := range ev.Records {
			g := r.Attributes["MessageGroupId"]
			if inFlight[g] && !groups[g] {
				overlap = g
			}
			groups[g] = true
		}
		for g := range groups {
			inFlight[g] = true
		}
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		blocked := map[string]bool{}
		var failures []string
		for _, r := range ev.Records {
			g := r.Attributes["MessageGroupId"]
			switch {
			case blocked[g]:
			case r.Body == "A-3" && !failedOnce:
				failedOnce, blocked[g] = true, true
				failures = append(failures, `{"itemIdentifier":"`+r.MessageID+`"}`)
			default:
				commits[g] = append(commits[g], r.Body)
			}
		}
		for g := range groups {
			delete(inFlight, g)
		}
		return &Result{Payload: []byte(`{"batchItemFailures":[` + strings.Join(failures, ",") + `]}`)}, nil
	})
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q), FunctionResponseTypes: []string{"ReportBatchItemFailures"}})
	for i := range 15 {
		for _, g := range []string{"A", "B", "C"} {
			x.q.send(q, fmt.Sprintf("%s-%d", g, i), g, nil)
		}
	}
	x.waitDrained(q, 45)
	mu.Lock()
	defer mu.Unlock()
	if overlap != "" {
		t.Fatalf("group %s was in two invocations at once", overlap)
	}
	if !failedOnce {
		t.Fatal("A-3 never failed")
	}
	for _, g := range []string{"A", "B", "C"} {
		var want []string
		for i := range 15 {
			want = append(want, fmt.Sprintf("%s-%d", g, i))
		}
		if strings.Join(commits[g], ",") != strings.Join(want, ",") {
			t.Fatalf("group %s processed %v", g, commits[g])
		}
	}
}

func TestESMScalesUpWithBacklogAndRespectsMaximumConcurrency(t *testing.T) {
	cases := []struct {
		name     string
		max      int32
		wantPeak func(int32) bool
	}{
		{"default", 0, func(p int32) bool { return p > esmInitialConcurrency }},
		{"capped", 3, func(p int32) bool { return p <= 3 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := newESMEnv(t)
			q := x.q.add("q", time.Minute, "", 0)
			for i := range 3000 {
				x.q.send(q, fmt.Sprint(i), "", nil)
			}
			x.exec.setFn(func(sqsEvent) (*Result, error) {
				time.Sleep(5 * time.Millisecond)
				return &Result{Payload: []byte("null")}, nil
			})
			in := &lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q)}
			if c.max > 0 {
				in.ScalingConfig = &lambdaapi.ScalingConfig{MaximumConcurrency: ptr(c.max)}
			}
			x.createMapping(in)
			x.waitDrained(q, 3000)
			if p := x.exec.peak.Load(); !c.wantPeak(p) {
				t.Fatalf("peak concurrency %d", p)
			}
		})
	}
}

func TestESMRetriesThrottledBatchWithinVisibility(t *testing.T) {
	x := newESMEnv(t)
	q := x.q.add("q", time.Minute, "", 0)
	var mu sync.Mutex
	calls := 0
	x.exec.setFn(func(sqsEvent) (*Result, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls <= 3 {
			return nil, &ThrottleError{Reason: ReasonConcurrentInvocationLimitExceeded}
		}
		return &Result{Payload: []byte("null")}, nil
	})
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q), ScalingConfig: &lambdaapi.ScalingConfig{MaximumConcurrency: ptr(int32(2))}})
	for i := range 5 {
		x.q.send(q, fmt.Sprint(i), "", nil)
	}
	x.waitDrained(q, 5)
	for _, ev := range x.exec.snapshot() {
		for _, r := range ev.Records {
			if r.Attributes["ApproximateReceiveCount"] != "1" {
				t.Fatalf("throttled batch was received again: %v", r.Attributes)
			}
		}
	}
	if th := x.metrics.Sum(metrics.Query{Namespace: "AWS/Lambda", MetricName: "Throttles",
		Dimensions: []metrics.Dimension{{Name: "FunctionName", Value: "fn"}}}); th < 3 {
		t.Fatalf("Throttles metric %v", th)
	}
}

func TestESMResumesAfterRestart(t *testing.T) {
	x := newESMEnv(t)
	on := x.q.add("on", time.Minute, "", 0)
	off := x.q.add("off", time.Minute, "", 0)
	m := x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(on), BatchSize: ptr(int32(3))})
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(off), Enabled: ptr(false)})
	x.restart()
	g, err := call[lambdaapi.GetEventSourceMappingOutput](x.env, "GetEventSourceMapping", &lambdaapi.GetEventSourceMappingInput{UUID: m.UUID})
	if err != nil || deref(g.BatchSize) != 3 || deref(g.State) != "Enabled" {
		t.Fatalf("after restart: %v %+v", err, g)
	}
	for i := range 7 {
		x.q.send(on, fmt.Sprint(i), "", nil)
		x.q.send(off, fmt.Sprint(i), "", nil)
	}
	x.waitDrained(on, 7)
	time.Sleep(50 * time.Millisecond)
	if left, del := x.q.counts(off); left != 7 || del != 0 {
		t.Fatalf("disabled mapping consumed: %d left, %d deleted", left, del)
	}
}

func TestESMIdlePollerDoesNotSpin(t *testing.T) {
	x := newESMEnv(t)
	q := x.q.add("idle", time.Minute, "", 0)
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q)})
	time.Sleep(300 * time.Millisecond)
	if n := x.q.receives.Load(); n > 2*esmInitialConcurrency {
		t.Fatalf("%d receives on an empty queue in 300 ms", n)
	}
	start := time.Now()
	x.q.send(q, "wake", "", nil)
	x.waitDrained(q, 1)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("long poll woke after %v", d)
	}
}

// drain sends n messages and waits until the mapping deleted them all.
func drain(tb testing.TB, x *esmEnv, name string, n int) time.Duration {
	q := x.q.add(name, time.Minute, "", 0)
	for i := range n {
		x.q.send(q, fmt.Sprint(i), "", nil)
	}
	start := time.Now()
	x.createMapping(&lambdaapi.CreateEventSourceMappingInput{EventSourceArn: ptr(q)})
	x.waitDrained(q, n)
	return time.Since(start)
}

func TestESMDrains10000Messages(t *testing.T) {
	n := 10000
	if testing.Short() || raceEnabled {
		n = 1000 // the figure is measured without the race detector
	}
	x := newESMEnv(t)
	d := drain(t, x, "big", n)
	t.Logf("%d messages drained in %v", n, d)
	if n == 10000 && d > 10*time.Second {
		t.Fatalf("drained 10,000 messages in %v, want < 10 s", d)
	}
}

// BenchmarkESMDrain10000 drains 10,000 messages per iteration through a
// trivial function (the figure: < 10 s).
func BenchmarkESMDrain10000(b *testing.B) {
	svc, q, _ := newBenchService(b)
	for i := 0; i < b.N; i++ {
		arn := q.add(fmt.Sprint("bench", i), time.Minute, "", 0)
		for j := range 10000 {
			q.send(arn, fmt.Sprint(j), "", nil)
		}
		start := time.Now()
		if _, err := svc.CreateEventSourceMapping(ctx(), &lambdaapi.CreateEventSourceMappingInput{
			EventSourceArn: ptr(arn), FunctionName: ptr("fn")}); err != nil {
			b.Fatal(err)
		}
		for {
			if left, del := q.counts(arn); left == 0 && del == 10000 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		b.ReportMetric(10000/time.Since(start).Seconds(), "msgs/s")
	}
}
