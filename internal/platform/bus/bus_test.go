package bus

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestOrderedDeliveryPerSubscriber(t *testing.T) {
	b := New(Options{QueueSize: 16})
	const n = 5000
	var got [2][]int
	var done sync.WaitGroup
	done.Add(2)
	for i := range got {
		b.Subscribe("t", func(_ context.Context, e any) {
			got[i] = append(got[i], e.(int))
			if len(got[i]) == n {
				done.Done()
			}
		})
	}
	b.Subscribe("other", func(context.Context, any) { t.Error("event delivered to another topic") })
	for i := range n {
		if err := b.Publish(context.Background(), "t", i); err != nil {
			t.Fatal(err)
		}
	}
	done.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for s := range got {
		for i, v := range got[s] {
			if v != i {
				t.Fatalf("subscriber %d: event %d is %d", s, i, v)
			}
		}
	}
}

func TestBackPressureBlocksPublish(t *testing.T) {
	b := New(Options{QueueSize: 2})
	defer b.Close()
	release := make(chan struct{})
	var delivered atomic.Int32
	b.Subscribe("t", func(context.Context, any) {
		<-release
		delivered.Add(1)
	})
	ctx := context.Background()
	// One event in the handler plus two queued fill the subscription.
	for i := range 3 {
		if err := b.Publish(ctx, "t", i); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// Let the handler take the first event off the queue.
			waitFor(t, func() bool { return len(b.snapshot("t")[0].queue) == 0 })
		}
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := b.Publish(short, "t", 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish to a full queue = %v, want DeadlineExceeded", err)
	}
	published := make(chan error, 1)
	go func() { published <- b.Publish(ctx, "t", 4) }()
	select {
	case err := <-published:
		t.Fatalf("Publish returned (%v) while the queue was full", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return delivered.Load() == 4 })
}

// snapshot returns the current subscribers of topic (test helper).
func (b *Bus) snapshot(topic string) []*subscriber {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.subs[topic]
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

type ctxKey struct{}

func TestHandlerContext(t *testing.T) {
	b := New(Options{})
	defer b.Close()
	got := make(chan context.Context, 1)
	b.Subscribe("t", func(ctx context.Context, _ any) { got <- ctx })
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "req-1"))
	if err := b.Publish(ctx, "t", "e"); err != nil {
		t.Fatal(err)
	}
	cancel() // the request finished before the handler ran
	hctx := <-got
	if hctx.Value(ctxKey{}) != "req-1" {
		t.Fatal("handler context lost the publisher's values")
	}
	if hctx.Err() != nil {
		t.Fatal("handler context cancelled with the publisher's")
	}
}

func TestUnsubscribe(t *testing.T) {
	b := New(Options{})
	defer b.Close()
	var n atomic.Int32
	var unsub func()
	unsub = b.Subscribe("t", func(context.Context, any) {
		if n.Add(1) == 3 {
			unsub() // unsubscribing from inside the handler must not deadlock
		}
	})
	for i := range 3 {
		if err := b.Publish(context.Background(), "t", i); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return n.Load() == 3 })
	waitFor(t, func() bool { return len(b.snapshot("t")) == 0 })
	for i := range 10 {
		if err := b.Publish(context.Background(), "t", i); err != nil {
			t.Fatal(err)
		}
	}
	unsub() // idempotent
	if n.Load() != 3 {
		t.Fatalf("%d events delivered after unsubscribing", n.Load()-3)
	}
}

func TestCloseDrainsQueues(t *testing.T) {
	b := New(Options{QueueSize: 100})
	var n atomic.Int32
	b.Subscribe("t", func(context.Context, any) {
		time.Sleep(100 * time.Microsecond)
		n.Add(1)
	})
	for i := range 100 {
		if err := b.Publish(context.Background(), "t", i); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 100 {
		t.Fatalf("Close returned with %d of 100 queued events delivered", n.Load())
	}
	if err := b.Publish(context.Background(), "t", 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close = %v", err)
	}
	b.Subscribe("t", func(context.Context, any) { t.Error("subscribed after Close") })
	if err := b.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	b := New(Options{QueueSize: 8})
	var total atomic.Int64
	var wg sync.WaitGroup
	unsubs := make(chan func(), 16)
	for range 4 {
		unsubs <- b.Subscribe("t", func(context.Context, any) { total.Add(1) })
	}
	for p := range 4 {
		wg.Go(func() {
			for i := range 500 {
				if err := b.Publish(context.Background(), "t", p*1000+i); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() { // churn subscriptions while publishing
		for range 50 {
			u := b.Subscribe("t", func(context.Context, any) {})
			u()
		}
	})
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if total.Load() != 4*4*500 {
		t.Fatalf("delivered %d, want %d", total.Load(), 4*4*500)
	}
}
