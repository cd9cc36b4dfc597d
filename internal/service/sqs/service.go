package sqs

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

// Store key prefixes. Message, receive-state and deduplication keys are
// scoped by the queue incarnation id, so a deleted queue's leftovers never
// mix with a re-created queue of the same name.
const (
	prefixQueue   = "sqs/q/" // <account>/<name> → queueRecord (JSON)
	prefixMessage = "sqs/m/" // <qid>/<seq> → encodeMessage
	prefixReceive = "sqs/r/" // <qid>/<seq> → encodeReceive
	prefixDedup   = "sqs/d/" // <qid>/<key> → dedupRecord (JSON)
	prefixTask    = "sqs/t/" // <handle> → moveTask (JSON)
)

// Service is Nubo's SQS. It keeps every queue's index in memory, rebuilt
// from the store by New.
//
// Lock order: Service.mu before queue.mu; at most one queue.mu is held at a
// time (a dead-letter move releases the source queue before locking the
// dead-letter queue). queue.sendMu (FIFO sends) is taken before queue.mu.
type Service struct {
	region   string
	account  string
	endpoint string
	clock    *clock.Virtual
	db       store.DB
	metrics  metrics.Sink
	log      *slog.Logger
	queues   *store.Table[queueRecord]
	tasks    *store.Table[moveTask]
	states   *stateWriter

	mu     sync.RWMutex
	byName map[string]*queue // "<account>/<name>"

	lifecycle sync.Mutex
	wg        sync.WaitGroup // move task steps
	tick      clock.Timer

	taskMu  sync.Mutex
	running map[string]*runningTask // rate-limited move tasks by handle
}

// New returns the SQS service of sys.Region, keeping its state in sys.Store
// under the "sqs/" prefix and loading the queues and messages already there.
func New(sys *service.System) (*Service, error) {
	if sys == nil || sys.Store == nil || sys.Clock == nil {
		return nil, errors.New("sqs: system needs a store and a clock")
	}
	if sys.Account == "" || sys.Region == "" {
		return nil, errors.New("sqs: system needs an account and a region")
	}
	s := &Service{
		region: sys.Region, account: sys.Account, endpoint: sys.Endpoint, clock: sys.Clock, db: sys.Store,
		metrics: sys.Metrics, log: sys.Log,
		queues: store.NewTable[queueRecord](sys.Store, prefixQueue),
		tasks:  store.NewTable[moveTask](sys.Store, prefixTask),
		byName: map[string]*queue{}, running: map[string]*runningTask{},
	}
	if s.metrics == nil {
		s.metrics = metrics.Discard{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	if err := s.failInterruptedTasks(); err != nil {
		return nil, fmt.Errorf("sqs: load move tasks: %w", err)
	}
	s.states = newStateWriter(s.db, s.log)
	return s, nil
}

// API returns the SQS API model.
func (s *Service) API() *awsapi.Service { return sqsapi.API() }

// Handlers returns the implemented SQS operations.
func (s *Service) Handlers() map[string]awsapi.Handler { return sqsapi.Bind(s) }

// Start schedules the per-minute metrics on the Nubo clock.
func (s *Service) Start(ctx context.Context) error {
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	if s.tick == nil {
		s.scheduleTick()
	}
	return nil
}

// Stop cancels the metrics timer and every queue's timer and stores the
// pending receive states.
func (s *Service) Stop(ctx context.Context) error {
	defer s.states.close()
	s.stopTasks()
	s.lifecycle.Lock()
	if s.tick != nil {
		s.tick.Stop()
		s.tick = nil
	}
	s.lifecycle.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, q := range s.byName {
		q.close()
	}
	return nil
}

// Reset drops the in-memory state after the store was emptied and reloads it.
func (s *Service) Reset(ctx context.Context) error {
	s.stopTasks()
	s.taskMu.Lock()
	s.running = map[string]*runningTask{}
	s.taskMu.Unlock()
	s.mu.Lock()
	for _, q := range s.byName {
		q.close()
	}
	s.byName = map[string]*queue{}
	s.mu.Unlock()
	return s.load()
}

// now is the current Nubo time.
func (s *Service) now() time.Time { return s.clock.Now() }

// nowMS is the current Nubo time in Unix milliseconds.
func (s *Service) nowMS() int64 { return s.clock.Now().UnixMilli() }

// load rebuilds every queue's index from the store.
func (s *Service) load() error {
	byID := map[string]*queue{}
	err := s.queues.List("", "", 0, func(_ string, rec queueRecord) bool {
		q := s.newQueue(rec)
		s.byName[rec.Account+"/"+rec.Name] = q
		byID[rec.ID] = q
		return true
	})
	if err != nil {
		return fmt.Errorf("sqs: load queues: %w", err)
	}
	cleanup := s.db.NewBatch()
	if err := s.loadMessages(byID, cleanup); err != nil {
		return err
	}
	if err := s.loadReceives(byID, cleanup); err != nil {
		return err
	}
	if err := s.loadDedup(byID, cleanup); err != nil {
		return err
	}
	now := s.nowMS()
	for _, q := range byID {
		q.mu.Lock()
		for _, key := range q.expire(now, true) {
			cleanup.Delete(key)
		}
		q.armTimer()
		q.mu.Unlock()
	}
	if err := cleanup.Commit(false); err != nil {
		return fmt.Errorf("sqs: load cleanup: %w", err)
	}
	return nil
}

// splitKey parses "<prefix><qid>/<rest>".
func splitKey(key []byte, prefix string) (qid string, rest []byte, ok bool) {
	k := key[len(prefix):]
	if len(k) < 17 || k[16] != '/' {
		return "", nil, false
	}
	return string(k[:16]), k[17:], true
}

func (s *Service) loadMessages(byID map[string]*queue, cleanup store.Batch) error {
	start := []byte(prefixMessage)
	now := s.nowMS()
	var bad error
	err := s.db.Scan(start, store.PrefixEnd(start), func(key, val []byte) bool {
		qid, rest, ok := splitKey(key, prefixMessage)
		q := byID[qid]
		if !ok || q == nil || len(rest) != 8 {
			cleanup.Delete(append([]byte(nil), key...))
			return true
		}
		m, err := decodeMessage(val)
		if err != nil || m.seq != binary.BigEndian.Uint64(rest) {
			bad = fmt.Errorf("sqs: message %x: %w", key, err)
			return false
		}
		q.restore(m, now)
		return true
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return fmt.Errorf("sqs: load messages: %w", err)
	}
	return nil
}

func (s *Service) loadReceives(byID map[string]*queue, cleanup store.Batch) error {
	start := []byte(prefixReceive)
	now := s.nowMS()
	err := s.db.Scan(start, store.PrefixEnd(start), func(key, val []byte) bool {
		qid, rest, ok := splitKey(key, prefixReceive)
		q := byID[qid]
		var m *message
		if ok && q != nil && len(rest) == 8 {
			m = q.idx.msgs[binary.BigEndian.Uint64(rest)]
		}
		r, err := decodeReceive(val)
		if m == nil || err != nil {
			cleanup.Delete(append([]byte(nil), key...))
			return true
		}
		q.idx.detach(m)
		m.receiveState = r
		delete(q.idx.msgs, m.seq)
		q.idx.add(m, now)
		return true
	})
	if err != nil {
		return fmt.Errorf("sqs: load receive states: %w", err)
	}
	return nil
}

func (s *Service) loadDedup(byID map[string]*queue, cleanup store.Batch) error {
	start := []byte(prefixDedup)
	now := s.nowMS()
	err := s.db.Scan(start, store.PrefixEnd(start), func(key, val []byte) bool {
		qid, rest, ok := splitKey(key, prefixDedup)
		q := byID[qid]
		d, err := decodeDedup(val)
		if !ok || q == nil || err != nil || d.Expires <= now {
			cleanup.Delete(append([]byte(nil), key...))
			return true
		}
		q.dedup[string(rest)] = d
		return true
	})
	if err != nil {
		return fmt.Errorf("sqs: load deduplication: %w", err)
	}
	return nil
}

// newQueueID returns a fresh queue incarnation id (16 hex digits).
func newQueueID() string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(time.Now().UnixNano()))
	r := msgIDBytes(newMessageID())
	for i := range b {
		b[i] ^= r[i]
	}
	return hex.EncodeToString(b[:])
}

// messageKey returns the store key of a queue's message (or receive state,
// or deduplication record) under prefix.
func messageKey(prefix, qid string, seq uint64) []byte {
	k := make([]byte, 0, len(prefix)+16+1+8)
	k = append(k, prefix...)
	k = append(k, qid...)
	k = append(k, '/')
	return binary.BigEndian.AppendUint64(k, seq)
}
