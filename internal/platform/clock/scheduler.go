package clock

import (
	"container/heap"
	"time"
)

// idleWait is how long the scheduler sleeps when no timer is pending; any
// new earliest timer wakes it sooner.
const idleWait = time.Hour

// loop is the scheduler goroutine: it fires timers as real time passes and
// serves Advance requests, so every callback runs here, one at a time.
func (v *Virtual) loop() {
	defer close(v.done)
	rt := time.NewTimer(idleWait)
	defer rt.Stop()
	for {
		wait := v.fireDue(nil)
		rt.Reset(wait)
		select {
		case <-v.stop:
			return
		case req := <-v.advance:
			v.doAdvance(req.d)
			close(req.done)
		case <-v.wake:
		case <-rt.C:
		}
	}
}

// fireDue runs, in order, the timers due at the current Nubo time and returns
// how long to wait for the next one. With target set it is an Advance: a
// timer counts as due when it is due by real time plus *target, and before
// its callback the offset is moved up so Now equals its due time.
func (v *Virtual) fireDue(target *time.Duration) time.Duration {
	for {
		v.mu.Lock()
		if v.closed {
			v.mu.Unlock()
			return idleWait
		}
		now := v.real()
		limit := now.Add(v.offset)
		if target != nil {
			limit = now.Add(*target)
		}
		if len(v.timers) == 0 {
			v.mu.Unlock()
			return idleWait
		}
		next := v.timers[0]
		if next.due.After(limit) {
			v.mu.Unlock()
			return next.due.Sub(limit)
		}
		heap.Pop(&v.timers)
		next.fired = true
		if at := next.due.Sub(now); target != nil && at > v.offset {
			v.offset = at
		}
		v.mu.Unlock()
		next.fn()
	}
}

// doAdvance runs an Advance on the scheduler goroutine.
func (v *Virtual) doAdvance(d time.Duration) {
	v.mu.Lock()
	target := v.offset + d
	v.mu.Unlock()
	v.fireDue(&target)
	v.mu.Lock()
	if target > v.offset {
		v.offset = target
	}
	v.mu.Unlock()
}

// timer is a pending callback in the Virtual clock's heap.
type timer struct {
	v     *Virtual
	due   time.Time
	seq   uint64 // tie-break: earlier scheduled runs first
	fn    func()
	index int // position in the heap, -1 when not in it
	fired bool
}

// Stop implements Timer.
func (t *timer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.index < 0 || t.fired {
		return false
	}
	heap.Remove(&t.v.timers, t.index)
	return true
}

// timerHeap orders timers by due time, then scheduling order.
type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
