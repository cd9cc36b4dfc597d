package lambda

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/arn"
	"github.com/nubo/nubo/internal/platform/clock"
)

// Retry delays of asynchronous invocations, as AWS documents them.
const (
	firstRetryDelay  = time.Minute
	secondRetryDelay = 2 * time.Minute
	minThrottleDelay = time.Second
	maxThrottleDelay = 5 * time.Minute
)

// asyncQueue dispatches queued events with a pool of workers. Events are in
// the store before Invoke answers 202; the queue holds only their ids: the
// ready list and the timers of events waiting for a retry.
type asyncQueue struct {
	s       *Service
	workers int

	mu      sync.Mutex
	ready   []string
	timers  map[string]clock.Timer
	running bool
	cancel  context.CancelFunc
	signal  chan struct{}
	wg      sync.WaitGroup
}

func newAsyncQueue(s *Service, workers int) *asyncQueue {
	return &asyncQueue{s: s, workers: workers, timers: map[string]clock.Timer{}, signal: make(chan struct{}, 1)}
}

// start launches the workers and reschedules the persisted events.
func (q *asyncQueue) start() error {
	q.mu.Lock()
	if q.running {
		q.mu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	q.running, q.cancel = true, cancel
	q.mu.Unlock()
	for i := 0; i < q.workers; i++ {
		q.wg.Add(1)
		go q.work(ctx)
	}
	var pending []asyncEvent
	err := q.s.async.List("", "", 0, func(_ string, ev asyncEvent) bool {
		pending = append(pending, ev)
		return true
	})
	if err != nil {
		return fmt.Errorf("lambda: resume async events: %w", err)
	}
	for _, ev := range pending {
		q.schedule(ev.ID, ev.NextAt)
	}
	return nil
}

// stop cancels the workers and waits for them (or ctx).
func (q *asyncQueue) stop(ctx context.Context) error {
	q.mu.Lock()
	if !q.running {
		q.mu.Unlock()
		return nil
	}
	q.running = false
	q.cancel()
	q.clearLocked()
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("lambda: stop async workers: %w", ctx.Err())
	}
}

func (q *asyncQueue) reset() {
	q.mu.Lock()
	q.clearLocked()
	q.mu.Unlock()
}

func (q *asyncQueue) clearLocked() {
	for id, t := range q.timers {
		t.Stop()
		delete(q.timers, id)
	}
	q.ready = nil
}

// schedule makes event id ready at t (now if t has passed).
func (q *asyncQueue) schedule(id string, t time.Time) {
	if !t.After(q.s.clock.Now()) {
		q.push(id)
		return
	}
	q.mu.Lock()
	if old, ok := q.timers[id]; ok {
		old.Stop()
	}
	q.timers[id] = q.s.clock.At(t, func() { q.push(id) })
	q.mu.Unlock()
}

func (q *asyncQueue) push(id string) {
	q.mu.Lock()
	delete(q.timers, id)
	q.ready = append(q.ready, id)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pop waits for a ready event id; "" when ctx is done.
func (q *asyncQueue) pop(ctx context.Context) string {
	for {
		q.mu.Lock()
		if len(q.ready) > 0 {
			id := q.ready[0]
			q.ready = q.ready[1:]
			more := len(q.ready) > 0
			q.mu.Unlock()
			if more {
				select {
				case q.signal <- struct{}{}:
				default:
				}
			}
			return id
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return ""
		case <-q.signal:
		}
	}
}

func (q *asyncQueue) work(ctx context.Context) {
	defer q.wg.Done()
	for {
		id := q.pop(ctx)
		if id == "" {
			return
		}
		q.s.dispatch(ctx, id)
	}
}

// enqueue stores an Event invocation durably and schedules it.
func (s *Service) enqueue(ctx context.Context, name, qualifier string, payload []byte, clientContext string) error {
	id := arn.RequestID()
	now := s.clock.Now()
	ev := asyncEvent{ID: id, Function: name, Qualifier: qualifier, Payload: payload, Enqueued: now, NextAt: now,
		ClientContext: clientContext}
	if err := s.async.Save(id, ev, true); err != nil {
		return fmt.Errorf("lambda: queue event: %w", err)
	}
	s.queue.schedule(id, now)
	return nil
}

// dispatch runs one attempt of a queued event and decides its fate.
func (s *Service) dispatch(ctx context.Context, id string) {
	ev, err := s.async.Get(id)
	if err != nil {
		return
	}
	retry, maxAge, onSuccess, onFailure := s.eventInvokeFor(ev.Function, ev.Qualifier)
	now := s.clock.Now()
	ageLimit := time.Duration(maxAge) * time.Second
	if now.Sub(ev.Enqueued) > ageLimit {
		s.fail(ctx, ev, "EventAgeExceeded", onFailure)
		return
	}
	r, err := s.resolve(ev.Function, ev.Qualifier)
	if err != nil {
		s.log.Info("lambda: dropping async event of a deleted function", "function", ev.Function, "request", ev.ID)
		s.dropEvent(ev.ID)
		return
	}
	res, ver, err := s.run(ctx, r, ev.Qualifier, &Invocation{RequestID: ev.ID, Payload: ev.Payload,
		ClientContext: ev.ClientContext, Async: true})
	switch {
	case err != nil && retryable(err):
		ev.Throttles++
		delay := min(minThrottleDelay<<min(ev.Throttles-1, 20), maxThrottleDelay)
		s.retryLater(ctx, ev, now.Add(delay), ageLimit, onFailure)
	case err != nil:
		ev.LastError = awsapi.AsError(err).Code
		s.fail(ctx, ev, "RetriesExhausted", onFailure)
	case res.FunctionError != "":
		ev.Attempts++
		ev.LastStatus, ev.LastVersion, ev.LastError, ev.LastResponse = 200, ver, res.FunctionError, res.Payload
		if ev.Attempts > retry {
			s.fail(ctx, ev, "RetriesExhausted", onFailure)
			return
		}
		delay := firstRetryDelay
		if ev.Attempts >= 2 {
			delay = secondRetryDelay
		}
		s.retryLater(ctx, ev, now.Add(delay), ageLimit, onFailure)
	default:
		ev.Attempts++
		ev.LastStatus, ev.LastVersion, ev.LastError, ev.LastResponse = 200, ver, "", res.Payload
		s.dropEvent(ev.ID)
		if onSuccess != "" {
			s.deliver(ctx, Delivery{Target: onSuccess, Kind: "destination", Body: s.destinationRecord(ev, "Success")})
		}
	}
}

// retryable reports whether an invocation error is a throttle or a platform
// fault, which AWS retries with back-off until the event is too old.
func retryable(err error) bool {
	ae := awsapi.AsError(err)
	return ae.Code == "TooManyRequestsException" || ae.Status >= 500
}

func (s *Service) retryLater(ctx context.Context, ev asyncEvent, at time.Time, ageLimit time.Duration, onFailure string) {
	if at.Sub(ev.Enqueued) > ageLimit {
		s.fail(ctx, ev, "EventAgeExceeded", onFailure)
		return
	}
	ev.NextAt = at
	if err := s.async.Save(ev.ID, ev, true); err != nil {
		s.log.Error("lambda: save async event", "request", ev.ID, "err", err)
	}
	s.queue.schedule(ev.ID, at)
}

func (s *Service) dropEvent(id string) {
	b := s.db.NewBatch()
	s.async.Delete(b, id)
	if err := b.Commit(true); err != nil {
		s.log.Error("lambda: delete async event", "request", id, "err", err)
	}
}

// fail sends a failed event to its on-failure destination and the function's
// dead-letter queue, then forgets it.
func (s *Service) fail(ctx context.Context, ev asyncEvent, condition, onFailure string) {
	s.dropEvent(ev.ID)
	if onFailure != "" {
		s.deliver(ctx, Delivery{Target: onFailure, Kind: "destination", Body: s.destinationRecord(ev, condition)})
	}
	fn, err := s.loadFunction(ev.Function)
	if err != nil {
		return
	}
	c := fn.Latest
	if ev.LastVersion != "" && ev.LastVersion != latest {
		if v, err := s.versions.Get(versionKey(ev.Function, ev.LastVersion)); err == nil {
			c = v
		}
	}
	if c.DeadLetterTarget == "" {
		return
	}
	attrs := map[string]string{"RequestID": ev.ID, "ErrorCode": "200", "ErrorMessage": string(ev.LastResponse)}
	if !s.deliver(ctx, Delivery{Target: c.DeadLetterTarget, Kind: "dlq", Body: ev.Payload, Attributes: attrs}) {
		s.record(ev.Function, ev.Qualifier, "", "DeadLetterErrors", "Count", 1)
	}
}

var errNoSink = errors.New("no destination sink")

// InvokeAsync queues an asynchronous invocation of functionARN (a name or an
// ARN, optionally qualified) with payload, as Invoke with InvocationType Event
// does: durably, with the function's retry and destination settings. Services
// that trigger functions (S3 notifications, SNS subscriptions) call it.
func (s *Service) InvokeAsync(ctx context.Context, functionARN string, payload []byte) error {
	r, q, err := s.lookup(&functionARN, nil)
	if err != nil {
		return err
	}
	if len(payload) > MaxAsyncPayload {
		return awsapi.Errorf("RequestTooLargeException", http.StatusRequestEntityTooLarge,
			"Request must be smaller than %d bytes for the InvokeAsync operation", MaxAsyncPayload)
	}
	return s.enqueue(ctx, r.cfg.Name, q, payload, "")
}
