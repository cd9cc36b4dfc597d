package clock

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// frozen returns a clock whose real time never moves, so only Advance does.
func frozen(t *testing.T) *Virtual {
	v := newVirtual(func() time.Time { return epoch })
	t.Cleanup(func() { _ = v.Close() })
	return v
}

func TestNowAndAdvance(t *testing.T) {
	v := NewVirtual()
	defer v.Close()
	before := time.Now()
	if err := v.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	now := v.Now()
	if now.Before(before.Add(time.Hour)) || now.After(time.Now().Add(time.Hour)) {
		t.Fatalf("Now after Advance(1h) = %v, real %v", now, before)
	}
	if v.Offset() != time.Hour {
		t.Fatalf("Offset = %v", v.Offset())
	}
	tests := []struct {
		name    string
		d       time.Duration
		wantErr bool
	}{
		{"zero", 0, false},
		{"positive", time.Second, false},
		{"negative", -time.Nanosecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			off := v.Offset()
			err := v.Advance(tc.d)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Advance(%v) error = %v", tc.d, err)
			}
			if want := off + max(tc.d, 0); v.Offset() != want {
				t.Fatalf("offset %v, want %v", v.Offset(), want)
			}
		})
	}
}

func TestSetOffset(t *testing.T) {
	v := frozen(t)
	v.SetOffset(90 * time.Minute)
	if got := v.Now(); !got.Equal(epoch.Add(90 * time.Minute)) {
		t.Fatalf("Now = %v", got)
	}
	if v.Offset() != 90*time.Minute {
		t.Fatalf("Offset = %v", v.Offset())
	}
}

func TestAdvanceRunsTimersInOrderAtDueTime(t *testing.T) {
	v := frozen(t)
	const n = 10000
	var got []time.Time
	var bad atomic.Int64
	r := rand.New(rand.NewPCG(1, 2))
	for range n {
		due := epoch.Add(time.Duration(r.Int64N(int64(time.Hour))))
		v.At(due, func() {
			if !v.Now().Equal(due) {
				bad.Add(1)
			}
			got = append(got, due) // only the scheduler goroutine appends
		})
	}
	late := v.AfterFunc(time.Hour+time.Second, func() { t.Error("timer beyond the interval ran") })
	if err := v.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d of %d timers ran", len(got), n)
	}
	for i := 1; i < n; i++ {
		if got[i].Before(got[i-1]) {
			t.Fatalf("timer %d (%v) ran after a later one (%v)", i, got[i], got[i-1])
		}
	}
	if bad.Load() != 0 {
		t.Fatalf("%d callbacks saw Now() != their due time", bad.Load())
	}
	if !v.Now().Equal(epoch.Add(time.Hour)) {
		t.Fatalf("Now after Advance = %v", v.Now())
	}
	if !late.Stop() {
		t.Fatal("timer beyond the interval no longer pending")
	}
}

func TestTimersScheduledByCallbacks(t *testing.T) {
	v := frozen(t)
	var ran []time.Duration
	record := func() { ran = append(ran, v.Now().Sub(epoch)) }
	// A periodic job rescheduling itself every 10s.
	var tick func()
	tick = func() {
		record()
		v.AfterFunc(10*time.Second, tick)
	}
	v.AfterFunc(10*time.Second, tick)
	// A one-shot that schedules a child inside the interval and one beyond it.
	v.AfterFunc(25*time.Second, func() {
		record()
		v.AfterFunc(time.Second, record)     // 26s: inside
		v.AfterFunc(time.Minute, record)     // 85s: beyond
		v.At(epoch.Add(time.Second), record) // already past: runs next, at 25s
	})
	if err := v.Advance(35 * time.Second); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{10e9, 20e9, 25e9, 25e9, 26e9, 30e9}
	if len(ran) != len(want) {
		t.Fatalf("ran at %v, want %v", ran, want)
	}
	for i := range want {
		if ran[i] != want[i] {
			t.Fatalf("ran at %v, want %v", ran, want)
		}
	}
	ran = nil
	if err := v.Advance(0); err != nil || len(ran) != 0 {
		t.Fatalf("Advance(0) ran %v (err %v)", ran, err)
	}
}

func TestStop(t *testing.T) {
	v := frozen(t)
	var ran atomic.Int32
	a := v.AfterFunc(time.Second, func() { ran.Add(1) })
	b := v.AfterFunc(2*time.Second, func() { ran.Add(10) })
	if !a.Stop() {
		t.Fatal("Stop of a pending timer = false")
	}
	if a.Stop() {
		t.Fatal("second Stop = true")
	}
	if err := v.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if ran.Load() != 10 {
		t.Fatalf("ran = %d, want only the unstopped timer", ran.Load())
	}
	if b.Stop() {
		t.Fatal("Stop after firing = true")
	}
	// A callback stopping a later timer in the same Advance.
	var c Timer
	v.AfterFunc(time.Second, func() { c.Stop() })
	c = v.AfterFunc(2*time.Second, func() { t.Error("stopped timer ran") })
	if err := v.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
}

func TestRealTimeFiring(t *testing.T) {
	v := NewVirtual()
	defer v.Close()
	fired := make(chan time.Time, 1)
	due := v.Now().Add(20 * time.Millisecond)
	v.At(due, func() { fired <- v.Now() })
	select {
	case at := <-fired:
		if at.Before(due) {
			t.Fatalf("fired at %v before due %v", at, due)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("timer did not fire as real time passed")
	}
}

func TestConcurrentAfterFuncAndAdvance(t *testing.T) {
	v := NewVirtual()
	defer v.Close()
	const schedulers, each = 4, 500
	var ran, early atomic.Int64
	var wg sync.WaitGroup
	for s := range schedulers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(s), 7))
			for range each {
				d := time.Duration(r.Int64N(int64(time.Hour)))
				due := v.Now().Add(d)
				v.AfterFunc(d, func() {
					if v.Now().Before(due) {
						early.Add(1)
					}
					ran.Add(1)
				})
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 50 {
				if err := v.Advance(time.Minute); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := v.Advance(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if ran.Load() != schedulers*each {
		t.Fatalf("%d of %d timers ran", ran.Load(), schedulers*each)
	}
	if early.Load() != 0 {
		t.Fatalf("%d timers ran before their due time", early.Load())
	}
}

func TestNowNeverGoesBackwardsDuringAdvance(t *testing.T) {
	v := NewVirtual()
	defer v.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var backwards atomic.Int64
	wg.Go(func() {
		last := v.Now()
		for {
			select {
			case <-stop:
				return
			default:
			}
			now := v.Now()
			if now.Before(last) {
				backwards.Add(1)
			}
			last = now
		}
	})
	for i := range 200 {
		v.AfterFunc(time.Duration(i)*time.Second, func() {})
	}
	for range 20 {
		if err := v.Advance(10 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if backwards.Load() != 0 {
		t.Fatalf("Now went backwards %d times", backwards.Load())
	}
}

func TestClose(t *testing.T) {
	v := newVirtual(func() time.Time { return epoch })
	pending := v.AfterFunc(time.Second, func() { t.Error("timer ran after Close") })
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Advance(time.Hour); err != ErrClosed {
		t.Fatalf("Advance after Close = %v", err)
	}
	if pending.Stop() {
		t.Fatal("Stop after Close = true")
	}
	v.AfterFunc(0, func() { t.Error("timer scheduled after Close ran") })
	if err := v.Close(); err != ErrClosed {
		t.Fatalf("second Close = %v", err)
	}
	_ = v.Now() // still answers
}
