package sqs

import (
	"log/slog"
	"sync"

	"github.com/nubo/nubo/internal/platform/store"
)

// stateWriter stores receive states (receive counts, visibility deadlines)
// in the background, coalescing them into batches committed without fsync.
// Receives and visibility changes therefore never wait for the store, where
// even a commit without fsync queues behind other requests' durable commits.
// Losing the latest states in a crash is allowed: messages then become
// visible earlier than their deadline, and receive counts may lag by the
// receives of the last moments. A state written after its message was
// deleted leaves an orphan record that load removes.
type stateWriter struct {
	db  store.DB
	log *slog.Logger

	mu      sync.Mutex
	pending map[string][]byte
	stopped bool

	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newStateWriter(db store.DB, log *slog.Logger) *stateWriter {
	w := &stateWriter{db: db, log: log, pending: map[string][]byte{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// put queues the state value of key (the latest value of a key wins).
func (w *stateWriter) put(key, val []byte) {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		w.commit(map[string][]byte{string(key): val})
		return
	}
	w.pending[string(key)] = val
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *stateWriter) run() {
	defer close(w.done)
	for {
		select {
		case <-w.wake:
			w.flush()
		case <-w.stop:
			w.flush()
			return
		}
	}
}

// flush commits everything queued so far.
func (w *stateWriter) flush() {
	w.mu.Lock()
	batch := w.pending
	if len(batch) == 0 {
		w.mu.Unlock()
		return
	}
	w.pending = map[string][]byte{}
	w.mu.Unlock()
	w.commit(batch)
}

func (w *stateWriter) commit(states map[string][]byte) {
	b := w.db.NewBatch()
	for k, v := range states {
		b.Set([]byte(k), v)
	}
	if err := b.Commit(false); err != nil {
		w.log.Warn("sqs: storing receive states", "err", err)
	}
}

// close flushes the queue and stops the writer; later puts commit at once.
func (w *stateWriter) close() {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.stopped = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
}
