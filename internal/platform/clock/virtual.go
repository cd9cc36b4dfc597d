package clock

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Virtual implements Scheduler.
var _ Scheduler = (*Virtual)(nil)

// ErrClosed is returned by Advance after Close.
var ErrClosed = errors.New("clock: closed")

// Virtual is the Nubo clock: real time plus an offset that only Advance (and
// SetOffset) change. It implements Scheduler.
//
// Timer callbacks run on one scheduler goroutine, serially, in due order
// (ties in scheduling order). As real time passes the goroutine fires timers
// when they fall due. Advance(d) moves the offset forward and, before
// returning, runs every timer that falls due in the skipped interval —
// including timers those callbacks schedule inside it — with Now() equal to
// each timer's due time (never earlier than Now() was before) while its
// callback starts.
//
// Callbacks must be short (they delay every other timer), must not panic, and
// must not call Advance or Close: both wait for the scheduler goroutine that is
// running the callback, so they would deadlock. Callbacks may call Now,
// AfterFunc, At and Timer.Stop. All methods are safe for concurrent use.
type Virtual struct {
	real func() time.Time // real time source, time.Now outside tests

	mu     sync.Mutex
	offset time.Duration
	timers timerHeap
	seq    uint64
	closed bool

	wake    chan struct{}   // nudges the scheduler when the earliest timer changes
	advance chan advanceReq // Advance requests, served by the scheduler
	stop    chan struct{}   // closed by Close
	done    chan struct{}   // closed when the scheduler goroutine exits
}

type advanceReq struct {
	d    time.Duration
	done chan struct{}
}

// NewVirtual returns a clock with a zero offset and starts its scheduler
// goroutine; Close stops it.
func NewVirtual() *Virtual { return newVirtual(time.Now) }

// newVirtual is NewVirtual with a replaceable real time source (tests freeze
// it so Advance alone moves time).
func newVirtual(realNow func() time.Time) *Virtual {
	v := &Virtual{
		real:    realNow,
		wake:    make(chan struct{}, 1),
		advance: make(chan advanceReq),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go v.loop()
	return v
}

// Now returns real time plus the offset.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.real().Add(v.offset)
}

// Offset returns the accumulated offset, for the server to persist so that
// Nubo time does not go backwards across a restart.
func (v *Virtual) Offset() time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.offset
}

// SetOffset replaces the offset, typically with a persisted value at startup
// before timers are scheduled. Timers that become due as a result fire on the
// scheduler goroutine as if real time had passed; SetOffset does not wait for
// them. Unlike Advance it may move time backwards, which the caller should
// avoid once timers or readers depend on Now.
func (v *Virtual) SetOffset(d time.Duration) {
	v.mu.Lock()
	v.offset = d
	v.mu.Unlock()
	v.nudge()
}

// Advance moves Nubo time forward by d and returns after every timer due in
// the skipped interval has run. It rejects negative durations; Advance(0)
// only runs timers already due. It returns ErrClosed after Close.
func (v *Virtual) Advance(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("clock: advance by negative duration %v", d)
	}
	req := advanceReq{d: d, done: make(chan struct{})}
	select {
	case v.advance <- req:
	case <-v.done:
		return ErrClosed
	}
	select {
	case <-req.done:
		return nil
	case <-v.done:
		return ErrClosed
	}
}

// AfterFunc implements Scheduler.
func (v *Virtual) AfterFunc(d time.Duration, fn func()) Timer {
	v.mu.Lock()
	due := v.real().Add(v.offset + d)
	v.mu.Unlock()
	return v.At(due, fn)
}

// At implements Scheduler. After Close the returned timer never fires.
func (v *Virtual) At(t time.Time, fn func()) Timer {
	v.mu.Lock()
	v.seq++
	tm := &timer{v: v, due: t, seq: v.seq, fn: fn, index: -1}
	if v.closed {
		v.mu.Unlock()
		return tm
	}
	heap.Push(&v.timers, tm)
	first := tm.index == 0
	v.mu.Unlock()
	if first {
		v.nudge()
	}
	return tm
}

// Close stops the scheduler goroutine and waits for it; pending timers never
// fire. It must not be called from a timer callback.
func (v *Virtual) Close() error {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return ErrClosed
	}
	v.closed = true
	for _, t := range v.timers {
		t.index = -1
	}
	v.timers = nil
	v.mu.Unlock()
	close(v.stop)
	<-v.done
	return nil
}

func (v *Virtual) nudge() {
	select {
	case v.wake <- struct{}{}:
	default:
	}
}
