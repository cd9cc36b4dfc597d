package sns

import (
	"context"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/platform/clock"
)

// scheduler hands outbox keys to the delivery workers: keys ready now wait
// in a FIFO, keys due later on Nubo clock timers, keys whose protocol has no
// target yet in the parked set. A key is in at most one of those places or
// being processed (active).
type scheduler struct {
	s *Service

	mu      sync.Mutex
	running bool
	queue   []string
	queued  map[string]bool
	active  map[string]bool
	parked  map[string]bool
	timers  map[string]clock.Timer
	wake    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newScheduler(s *Service) *scheduler {
	return &scheduler{s: s, queued: map[string]bool{}, active: map[string]bool{}, parked: map[string]bool{},
		timers: map[string]clock.Timer{}, wake: make(chan struct{}, 1)}
}

// start launches the workers and schedules every delivery in the outbox.
func (q *scheduler) start() error {
	q.mu.Lock()
	if q.running {
		q.mu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	q.running, q.cancel = true, cancel
	for range q.s.cfg.Workers {
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			q.work(ctx)
		}()
	}
	q.mu.Unlock()
	now := q.s.clock.Now()
	err := q.s.outbox.List("", "", 0, func(key string, d delivery) bool {
		if d.NextAt.After(now) {
			q.at(key, d.NextAt)
		} else {
			q.enqueue(key)
		}
		return true
	})
	if err != nil {
		return internal("resume deliveries", err)
	}
	return nil
}

// stop stops the workers and timers and waits for the workers to finish.
func (q *scheduler) stop() {
	q.mu.Lock()
	if !q.running {
		q.mu.Unlock()
		return
	}
	q.running = false
	q.cancel()
	q.clearLocked()
	q.mu.Unlock()
	q.wg.Wait()
}

// clear forgets every scheduled key (after a reset emptied the store).
func (q *scheduler) clear() {
	q.mu.Lock()
	q.clearLocked()
	q.mu.Unlock()
}

func (q *scheduler) clearLocked() {
	for _, t := range q.timers {
		t.Stop()
	}
	q.queue = nil
	q.queued, q.parked, q.timers = map[string]bool{}, map[string]bool{}, map[string]clock.Timer{}
}

// enqueue makes key ready for a worker.
func (q *scheduler) enqueue(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.enqueueLocked(key)
}

func (q *scheduler) enqueueLocked(key string) {
	if !q.running || q.queued[key] || q.active[key] {
		return
	}
	if t, ok := q.timers[key]; ok {
		t.Stop()
		delete(q.timers, key)
	}
	delete(q.parked, key)
	q.queued[key] = true
	q.queue = append(q.queue, key)
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// at enqueues key when the Nubo clock reaches t.
func (q *scheduler) at(key string, t time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running {
		return
	}
	if old, ok := q.timers[key]; ok {
		old.Stop()
	}
	q.timers[key] = q.s.clock.At(t, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.timers, key)
		q.enqueueLocked(key)
	})
}

// park sets key aside until a target is plugged in.
func (q *scheduler) park(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running {
		q.parked[key] = true
	}
}

// unpark makes every parked key ready again.
func (q *scheduler) unpark() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k := range q.parked {
		delete(q.parked, k)
		q.enqueueLocked(k)
	}
}

// next blocks until a key is ready or ctx ends; the key is then active.
func (q *scheduler) next(ctx context.Context) (string, bool) {
	for {
		q.mu.Lock()
		if len(q.queue) > 0 {
			key := q.queue[0]
			q.queue = q.queue[1:]
			delete(q.queued, key)
			q.active[key] = true
			if len(q.queue) > 0 {
				select {
				case q.wake <- struct{}{}:
				default:
				}
			}
			q.mu.Unlock()
			return key, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", false
		case <-q.wake:
		}
	}
}

// done marks key no longer active.
func (q *scheduler) done(key string) {
	q.mu.Lock()
	delete(q.active, key)
	q.mu.Unlock()
}

// work is a delivery worker's loop.
func (q *scheduler) work(ctx context.Context) {
	for {
		key, ok := q.next(ctx)
		if !ok {
			return
		}
		next := q.s.process(ctx, key)
		q.done(key)
		switch {
		case next.park:
			q.park(key)
		case next.now:
			q.enqueue(key)
		case !next.at.IsZero():
			q.at(key, next.at)
		}
	}
}

// outcome tells the worker what to do with a key after processing it.
type outcome struct {
	park bool      // no target for the protocol yet
	now  bool      // retry at once
	at   time.Time // retry at this Nubo time
}

// pending is the number of keys waiting on a timer.
func (q *scheduler) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.timers)
}

// parkedCount is the number of keys waiting for a target.
func (q *scheduler) parkedCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.parked)
}
