package pool

import (
	"context"
	"log/slog"
	"sync"

	"github.com/nubo/nubo/internal/service/logs"
)

// LogSink stores function log events; *logs.Service implements it.
type LogSink interface {
	// EnsureStream creates the group and the stream unless they exist.
	EnsureStream(ctx context.Context, group, stream string) error
	// Append stores events, in order, in an existing stream.
	Append(ctx context.Context, group, stream string, events []logs.Event) error
}

const (
	// shipQueueBytes bounds the log data waiting for the sink; producers
	// wait beyond it.
	shipQueueBytes = 8 << 20
	// appendMaxEvents and appendMaxBytes bound one Append call (PutLogEvents'
	// limits).
	appendMaxEvents = 10000
	appendMaxBytes  = 1 << 20
)

type shipBatch struct {
	group, stream string
	events        []logs.Event
	size          int
}

// shipper moves log batches to the sink on one goroutine, coalescing the
// batches of a stream, with a bounded queue.
type shipper struct {
	sink LogSink
	log  *slog.Logger

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []shipBatch
	queued  int
	closed  bool
	busy    bool            // a delivery is in progress
	ensured map[string]bool // group + "\x00" + stream
	done    chan struct{}
}

func newShipper(sink LogSink, log *slog.Logger) *shipper {
	s := &shipper{sink: sink, log: log, ensured: map[string]bool{}, done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// send queues events for a stream, waiting while the queue is full.
func (s *shipper) send(group, stream string, events []logs.Event) {
	size := 0
	for _, e := range events {
		size += len(e.Message) + 26
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.queued > shipQueueBytes && !s.closed {
		s.cond.Wait()
	}
	if s.closed {
		s.log.Warn("pool: log events dropped after close", "group", group, "stream", stream, "events", len(events))
		return
	}
	s.queue = append(s.queue, shipBatch{group: group, stream: stream, events: events, size: size})
	s.queued += size
	s.cond.Broadcast()
}

// forget drops a stream from the ensured set (its instance is gone).
func (s *shipper) forget(group, stream string) {
	s.mu.Lock()
	delete(s.ensured, group+"\x00"+stream)
	s.mu.Unlock()
}

// run ships until close has been called and the queue is empty.
func (s *shipper) run() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return
		}
		work := s.queue
		s.queue = nil
		s.busy = true
		s.mu.Unlock()
		s.deliver(work)
		s.mu.Lock()
		s.busy = false
		for _, b := range work {
			s.queued -= b.size
		}
		s.cond.Broadcast()
		s.mu.Unlock()
	}
}

// deliver stores the batches, merging consecutive ones of each stream.
func (s *shipper) deliver(work []shipBatch) {
	var order []string
	merged := map[string]*shipBatch{}
	for _, b := range work {
		k := b.group + "\x00" + b.stream
		m := merged[k]
		if m == nil {
			m = &shipBatch{group: b.group, stream: b.stream}
			merged[k] = m
			order = append(order, k)
		}
		m.events = append(m.events, b.events...)
		m.size += b.size
	}
	for _, k := range order {
		s.store(k, merged[k])
	}
}

func (s *shipper) store(key string, b *shipBatch) {
	ctx := context.Background()
	s.mu.Lock()
	ok := s.ensured[key]
	s.mu.Unlock()
	if !ok {
		if err := s.sink.EnsureStream(ctx, b.group, b.stream); err != nil {
			s.log.Warn("pool: cannot create log stream", "group", b.group, "stream", b.stream, "err", err)
			return
		}
		s.mu.Lock()
		s.ensured[key] = true
		s.mu.Unlock()
	}
	events := b.events
	for len(events) > 0 {
		n, size := 0, 0
		for n < len(events) && n < appendMaxEvents && (n == 0 || size+len(events[n].Message)+26 <= appendMaxBytes) {
			size += len(events[n].Message) + 26
			n++
		}
		if err := s.sink.Append(ctx, b.group, b.stream, events[:n]); err != nil {
			s.log.Warn("pool: storing log events", "group", b.group, "stream", b.stream, "events", n, "err", err)
		}
		events = events[n:]
	}
}

// wait blocks until everything queued so far has been delivered.
func (s *shipper) wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for (len(s.queue) > 0 || s.busy) && !s.closed {
		s.cond.Wait()
	}
}

// close ships what is queued and stops the goroutine.
func (s *shipper) close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	<-s.done
}
