// Package bus is Nubo's in-process event bus: services publish events (object
// created, message sent, alarm state changed, log events …) on string topics
// and other services subscribe to them.
//
// Delivery is asynchronous and ordered per subscriber: each subscription has
// its own goroutine and a bounded queue, and receives the events of a topic in
// the order they entered its queue (for one publishing goroutine, the order of
// its Publish calls). Back-pressure: when a subscriber's queue is full, Publish
// blocks until there is room, the publisher's context is done (Publish then
// returns its error) or the subscription ends. Events are never dropped
// silently; an event is dropped only for a subscription that is unsubscribed
// or closed concurrently with the Publish.
//
// The bus is not durable: queued events are lost if the process dies. A
// service that must not lose an event writes it to an outbox in the store in
// the same batch as the state change and publishes it from there, deleting the
// outbox entry once handled.
package bus

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("bus: closed")

// DefaultQueueSize is the per-subscriber queue length when Options.QueueSize
// is zero.
const DefaultQueueSize = 1024

// Options configures a Bus.
type Options struct {
	// QueueSize is each subscriber's queue length; zero means DefaultQueueSize.
	QueueSize int
}

// Bus routes events from publishers to subscribers. Its methods are safe for
// concurrent use.
type Bus struct {
	queueSize int

	mu     sync.RWMutex
	subs   map[string][]*subscriber
	closed bool

	wg sync.WaitGroup // subscriber goroutines
}

type delivery struct {
	ctx   context.Context
	event any
}

type subscriber struct {
	fn       func(ctx context.Context, event any)
	queue    chan delivery
	quit     chan struct{} // closed when the subscription ends
	quitOnce sync.Once
}

// New returns an empty bus.
func New(opts Options) *Bus {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	return &Bus{queueSize: opts.QueueSize, subs: map[string][]*subscriber{}}
}

// Subscribe registers fn for the events published on topic from now on and
// returns the function that ends the subscription. fn runs on the
// subscription's own goroutine, one event at a time; it receives the
// publisher's context without its cancellation (values such as request ids
// carry over). Events already queued when the subscription ends are still
// delivered. unsubscribe does not wait for fn and may be called from fn.
//
// A handler must not block waiting for its own subscription's queue (for
// example by publishing to its own topic unboundedly): that deadlocks. After
// Close, Subscribe registers nothing and fn is never called.
func (b *Bus) Subscribe(topic string, fn func(ctx context.Context, event any)) (unsubscribe func()) {
	s := &subscriber{fn: fn, queue: make(chan delivery, b.queueSize), quit: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return func() {}
	}
	b.subs[topic] = append(b.subs[topic], s)
	b.wg.Add(1)
	go b.run(s)
	return func() { b.unsubscribe(topic, s) }
}

func (b *Bus) unsubscribe(topic string, s *subscriber) {
	b.mu.Lock()
	list := b.subs[topic]
	for i, x := range list {
		if x == s {
			b.subs[topic] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(b.subs[topic]) == 0 {
		delete(b.subs, topic)
	}
	b.mu.Unlock()
	s.stop()
}

func (s *subscriber) stop() { s.quitOnce.Do(func() { close(s.quit) }) }

// run delivers a subscriber's events until its subscription ends, then
// delivers what is still queued.
func (b *Bus) run(s *subscriber) {
	defer b.wg.Done()
	for {
		select {
		case d := <-s.queue:
			s.fn(d.ctx, d.event)
		case <-s.quit:
			for {
				select {
				case d := <-s.queue:
					s.fn(d.ctx, d.event)
				default:
					return
				}
			}
		}
	}
}

// Publish queues event for every current subscriber of topic. It blocks while
// a subscriber's queue is full and returns ctx's error if ctx ends first (the
// event may then have reached some subscribers but not others). It returns
// ErrClosed after Close. A topic without subscribers discards the event.
func (b *Bus) Publish(ctx context.Context, topic string, event any) error {
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrClosed
	}
	subs := b.subs[topic] // never mutated in place, safe to range unlocked
	b.mu.RUnlock()
	d := delivery{ctx: context.WithoutCancel(ctx), event: event}
	for _, s := range subs {
		select {
		case s.queue <- d:
			continue
		default:
		}
		select {
		case s.queue <- d:
		case <-s.quit: // unsubscribed or closed concurrently
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close ends every subscription, waits until the events already queued have
// been delivered and the subscriber goroutines have exited, and makes later
// Publish calls fail. It must not be called from a handler.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	b.closed = true
	all := b.subs
	b.subs = nil
	b.mu.Unlock()
	for _, list := range all {
		for _, s := range list {
			s.stop()
		}
	}
	b.wg.Wait()
	return nil
}
