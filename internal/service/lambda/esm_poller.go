package lambda

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo/nubo/internal/platform/arn"
)

// esmRunner polls one enabled mapping with a varying number of workers, each
// receiving, invoking and settling one batch at a time.
type esmRunner struct {
	m        *esmManager
	rec      esmRecord
	filters  []*filterPattern
	pollCtx  context.Context // canceled when the mapping is disabled, changed or deleted
	stopPoll context.CancelFunc
	runCtx   context.Context // the service's: invocations and deletes

	mu     sync.Mutex
	target int
	active int

	backlog atomic.Bool  // a receive came back full since the last scaling step
	trouble atomic.Bool  // an error or throttle since the last scaling step
	busy    atomic.Int32 // batches being invoked
	peak    atomic.Int32 // most batches invoked at once
}

// esmItem is a received message that passed the filters, with its record.
type esmItem struct {
	msg    QueueMessage
	record []byte
}

// esmBatch is what one invocation gets.
type esmBatch struct {
	items    []esmItem
	received time.Time
	// visibility is the queue's visibility timeout when the batch was taken.
	visibility time.Duration
}

func newESMRunner(m *esmManager, rec esmRecord) *esmRunner {
	r := &esmRunner{m: m, rec: rec, runCtx: m.ctx}
	r.pollCtx, r.stopPoll = context.WithCancel(m.ctx)
	for _, f := range rec.Filters {
		if p, err := parseFilterPattern(f); err == nil {
			r.filters = append(r.filters, p)
		}
	}
	return r
}

// limit is the most concurrent batches: MaximumConcurrency (default 1000),
// the function's reserved concurrency and the account's limit.
func (r *esmRunner) limit() int {
	s := r.m.s
	n := esmDefaultConcurrency
	if r.rec.MaxConcurrency > 0 {
		n = int(r.rec.MaxConcurrency)
	}
	n = min(n, int(s.opts.AccountConcurrency))
	if fn, err := s.loadFunction(r.rec.Function); err == nil && fn.Reserved != nil && *fn.Reserved > 0 {
		n = min(n, int(*fn.Reserved))
	}
	return max(n, 1)
}

// control sets the number of workers every scaling step: up by AWS's rate
// while receives come back full, down after errors and throttles or when
// the backlog is gone, never below the initial 5 (or the limit).
func (r *esmRunner) control() {
	defer r.m.wg.Done()
	step := r.m.s.opts.ESMScaleInterval
	perStep := max(1, int(float64(esmScaleUpPerMinute)*step.Seconds()/60))
	r.mu.Lock()
	r.target = min(esmInitialConcurrency, r.limit())
	r.mu.Unlock()
	r.spawn()
	t := time.NewTicker(step)
	defer t.Stop()
	for {
		select {
		case <-r.pollCtx.Done():
			return
		case <-t.C:
		}
		limit := r.limit()
		floor := min(esmInitialConcurrency, limit)
		r.mu.Lock()
		switch {
		case r.trouble.Swap(false):
			r.target = max(floor, r.target/2)
			r.backlog.Store(false)
		case r.backlog.Swap(false):
			r.target = min(limit, r.target+perStep)
		default:
			r.target = max(floor, r.target-perStep)
		}
		r.target = min(r.target, limit)
		r.mu.Unlock()
		r.spawn()
	}
}

// spawn starts workers up to the target.
func (r *esmRunner) spawn() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.active < r.target && r.pollCtx.Err() == nil {
		r.active++
		r.m.wg.Add(1)
		go r.work()
	}
}

// keep reports whether a worker should take another batch; a worker above
// the target or of a stopped poller leaves.
func (r *esmRunner) keep() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pollCtx.Err() != nil || r.active > r.target {
		r.active--
		return false
	}
	return true
}

func (r *esmRunner) work() {
	defer r.m.wg.Done()
	var carry []esmItem
	backoff := time.Duration(0)
	for r.keep() {
		b, rest, err := r.collect(carry)
		carry = rest
		if err != nil {
			backoff = nextBackoff(backoff, r.m.s.opts.ESMRetryBackoff)
			r.m.setResult(r.rec.UUID, "PROBLEM: "+err.Error())
			r.sleep(r.pollCtx, backoff)
			continue
		}
		backoff = 0
		if b != nil {
			r.process(b)
		}
	}
	r.release(carry)
}

func nextBackoff(cur, first time.Duration) time.Duration {
	if cur == 0 {
		return first
	}
	return min(cur*2, esmMaxBackoff)
}

// sleep waits d or until ctx is done (false).
func (r *esmRunner) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// collect gathers one batch: up to BatchSize messages and 6 MB of event,
// within MaximumBatchingWindowInSeconds of the first message. Messages that
// no filter matches are deleted, as AWS does. It returns a nil batch when
// the poller stopped (releasing what it held) and messages that did not fit
// as the carry for the next batch.
func (r *esmRunner) collect(carry []esmItem) (*esmBatch, []esmItem, error) {
	qs := r.m.s.queueSource()
	if qs == nil {
		select {
		case <-r.m.kicked():
		case <-r.pollCtx.Done():
		case <-time.After(time.Second):
		}
		return nil, carry, nil
	}
	_, vis, ok := qs.QueueInfo(r.rec.SourceARN)
	if !ok {
		r.release(carry)
		return nil, nil, errQueueGone
	}
	b := &esmBatch{received: time.Now(), visibility: vis}
	size := 16
	var deadline time.Time
	window := time.Duration(r.rec.Window) * time.Second
	for len(carry) > 0 && len(b.items) < int(r.rec.BatchSize) && size+len(carry[0].record)+1 <= MaxSyncPayload {
		size += len(carry[0].record) + 1
		b.items, carry = append(b.items, carry[0]), carry[1:]
		deadline = b.received.Add(window)
	}
	for len(b.items) < int(r.rec.BatchSize) && len(carry) == 0 {
		wait := esmLongPoll
		if len(b.items) > 0 {
			if window == 0 || !time.Now().Before(deadline) {
				break
			}
			wait = min(wait, time.Until(deadline))
		}
		want := min(10, int(r.rec.BatchSize)-len(b.items))
		msgs, err := qs.Receive(r.pollCtx, r.rec.SourceARN, want, wait)
		if r.pollCtx.Err() != nil {
			r.release(append(b.items, carry...))
			r.releaseMessages(msgs)
			return nil, nil, nil
		}
		if err != nil {
			if len(b.items) > 0 {
				break
			}
			return nil, carry, err
		}
		if len(msgs) == want {
			r.backlog.Store(true)
		}
		for _, it := range r.admit(msgs) {
			if len(b.items) == 0 {
				b.received, deadline = time.Now(), time.Now().Add(window)
			}
			if size+len(it.record)+1 > MaxSyncPayload || len(carry) > 0 {
				carry = append(carry, it)
				continue
			}
			size += len(it.record) + 1
			b.items = append(b.items, it)
		}
	}
	if len(b.items) == 0 {
		return nil, carry, nil
	}
	return b, carry, nil
}

// admit builds the records of received messages and drops (deletes) those
// that no filter matches.
func (r *esmRunner) admit(msgs []QueueMessage) []esmItem {
	var keep []esmItem
	var drop []string
	for _, m := range msgs {
		rec, err := json.Marshal(newSQSRecord(m, r.rec.SourceARN, r.m.s.region))
		if err != nil {
			continue
		}
		if len(r.filters) > 0 && !r.matches(rec, m.Body) {
			drop = append(drop, m.ReceiptHandle)
			continue
		}
		keep = append(keep, esmItem{msg: m, record: rec})
	}
	if len(drop) > 0 {
		if qs := r.m.s.queueSource(); qs != nil {
			if err := qs.DeleteBatch(context.WithoutCancel(r.runCtx), r.rec.SourceARN, drop); err != nil {
				r.m.s.log.Warn("lambda: delete filtered messages", "mapping", r.rec.UUID, "err", err)
			}
		}
	}
	return keep
}

func (r *esmRunner) matches(record []byte, body string) bool {
	view := filterView(record, body)
	for _, p := range r.filters {
		if p.match(view) {
			return true
		}
	}
	return false
}

// release makes held, uninvoked messages visible again at once.
func (r *esmRunner) release(items []esmItem) {
	msgs := make([]QueueMessage, len(items))
	for i, it := range items {
		msgs[i] = it.msg
	}
	r.releaseMessages(msgs)
}

func (r *esmRunner) releaseMessages(msgs []QueueMessage) {
	qs := r.m.s.queueSource()
	if qs == nil {
		return
	}
	ctx := context.WithoutCancel(r.runCtx)
	for _, m := range msgs {
		_ = qs.ChangeVisibility(ctx, r.rec.SourceARN, m.ReceiptHandle, 0)
	}
}

type esmError string

func (e esmError) Error() string { return string(e) }

const errQueueGone = esmError("The event source queue does not exist.")

// process invokes the function with b and settles the outcome. Throttles
// and platform faults are retried with back-off while the messages are
// still invisible; afterwards they reappear in the queue.
func (r *esmRunner) process(b *esmBatch) {
	deadline := b.received.Add(b.visibility)
	backoff := time.Duration(0)
	payload := make([][]byte, len(b.items))
	for i, it := range b.items {
		payload[i] = it.record
	}
	event := encodeEvent(payload)
	for {
		res, err := r.invoke(event)
		if err == nil {
			r.settle(b, res)
			return
		}
		r.trouble.Store(true)
		r.m.setResult(r.rec.UUID, "PROBLEM: "+err.Error())
		backoff = nextBackoff(backoff, r.m.s.opts.ESMRetryBackoff)
		if !retryable(err) || time.Now().Add(backoff).After(deadline) {
			r.sleep(r.pollCtx, backoff)
			return
		}
		if !r.sleep(r.pollCtx, backoff) {
			return
		}
	}
}

// invoke runs the function synchronously, as Invoke does.
func (r *esmRunner) invoke(event []byte) (*Result, error) {
	s := r.m.s
	res, err := s.resolve(r.rec.Function, r.rec.Qualifier)
	if err != nil {
		return nil, err
	}
	n := r.busy.Add(1)
	defer r.busy.Add(-1)
	for {
		p := r.peak.Load()
		if n <= p || r.peak.CompareAndSwap(p, n) {
			break
		}
	}
	out, _, err := s.run(r.runCtx, res, r.rec.Qualifier, &Invocation{RequestID: arn.RequestID(), Payload: event})
	return out, err
}

// settle deletes what the invocation processed: the whole batch on
// success, nothing on a function error, and with ReportBatchItemFailures
// all but the reported messages (on FIFO queues, also every later message
// of a group after its first failure).
func (r *esmRunner) settle(b *esmBatch, res *Result) {
	if res.FunctionError != "" {
		r.trouble.Store(true)
		r.m.setResult(r.rec.UUID, "PROBLEM: Function call failed")
		return
	}
	done := b.items
	if r.rec.ReportFailure {
		ids := make(map[string]bool, len(b.items))
		for _, it := range b.items {
			ids[it.msg.MessageID] = true
		}
		failed, all := batchFailures(res.Payload, ids)
		if all {
			r.trouble.Store(true)
			r.m.setResult(r.rec.UUID, "PROBLEM: Function call failed")
			return
		}
		done = succeeded(b.items, failed, r.rec.FIFO)
	}
	handles := make([]string, len(done))
	for i, it := range done {
		handles[i] = it.msg.ReceiptHandle
	}
	if qs := r.m.s.queueSource(); qs != nil && len(handles) > 0 {
		if err := qs.DeleteBatch(context.WithoutCancel(r.runCtx), r.rec.SourceARN, handles); err != nil {
			r.m.s.log.Warn("lambda: delete processed messages", "mapping", r.rec.UUID, "err", err)
		}
	}
	r.m.setResult(r.rec.UUID, "OK")
}

// succeeded returns the items to delete given the failed message ids.
func succeeded(items []esmItem, failed map[string]bool, fifo bool) []esmItem {
	var out []esmItem
	blocked := map[string]bool{}
	for _, it := range items {
		g := it.msg.MessageGroupID
		if failed[it.msg.MessageID] {
			blocked[g] = true
			continue
		}
		if fifo && blocked[g] {
			continue
		}
		out = append(out, it)
	}
	return out
}
