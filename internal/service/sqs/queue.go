package sqs

import (
	"encoding/hex"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo/nubo/internal/platform/arn"
	"github.com/nubo/nubo/internal/platform/clock"
)

// queueRecord is a queue as stored.
type queueRecord struct {
	ID         string            `json:"id"` // incarnation id, 16 hex digits
	Account    string            `json:"account"`
	Name       string            `json:"name"`
	Region     string            `json:"region"`
	FIFO       bool              `json:"fifo,omitempty"`
	Attributes map[string]string `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	Created    int64             `json:"created"`  // Unix seconds
	Modified   int64             `json:"modified"` // Unix seconds
	LastPurge  int64             `json:"lastPurge,omitempty"`
}

// dedupRecord remembers a FIFO send for the deduplication window.
type dedupRecord struct {
	MessageID string `json:"id"`
	Seq       uint64 `json:"seq"`
	Expires   int64  `json:"exp"` // Unix ms
}

func decodeDedup(b []byte) (dedupRecord, error) {
	var d dedupRecord
	err := json.Unmarshal(b, &d)
	return d, err
}

// attempt remembers a FIFO ReceiveRequestAttemptId.
type attempt struct {
	seqs    []uint64
	gens    []uint32
	expires int64
}

// counters are the per-minute metrics of a queue.
type counters struct {
	sent, received, deleted, emptyReceives atomic.Int64
	sentBytes, sentSamples                 atomic.Int64
	sentMin, sentMax                       atomic.Int64
}

// dedupWindow is the FIFO deduplication interval.
const dedupWindow = 5 * time.Minute

// queue is one queue: its record, parsed configuration and message index.
type queue struct {
	clock   *clock.Virtual
	id      string
	idb     [8]byte
	arn     string
	fifo    bool
	name    string // immutable copies of rec's identity, read without mu
	account string
	region  string

	sendMu sync.Mutex // serialises FIFO sends (order and deduplication)
	seq    atomic.Uint64
	stats  counters

	mu       sync.Mutex
	rec      queueRecord
	cfg      queueConfig
	idx      *index
	dedup    map[string]dedupRecord
	attempts map[string]attempt
	notify   chan struct{}
	timer    clock.Timer
	timerAt  int64
	oldest   int64 // lower bound of the messages' send times (Unix ms)
	deleted  bool
	closed   bool
}

func (s *Service) newQueue(rec queueRecord) *queue {
	q := &queue{
		clock: s.clock, id: rec.ID, fifo: rec.FIFO, rec: rec, name: rec.Name, account: rec.Account, region: rec.Region,
		arn:   "arn:aws:sqs:" + rec.Region + ":" + rec.Account + ":" + rec.Name,
		cfg:   configFrom(rec.Attributes),
		idx:   newIndex(rec.FIFO),
		dedup: map[string]dedupRecord{}, attempts: map[string]attempt{},
	}
	_, _ = hex.Decode(q.idb[:], []byte(rec.ID))
	return q
}

// restore adds a message loaded from the store.
func (q *queue) restore(m *message, now int64) {
	m.md5Body = md5Hex(m.body)
	m.md5Attrs = md5OfAttributes(m.attrs)
	m.md5Sys = md5OfSystemAttributes(m.trace)
	m.size = len(m.body)
	q.idx.add(m, now)
	if q.oldest == 0 || m.sent < q.oldest {
		q.oldest = m.sent
	}
	for {
		cur := q.seq.Load()
		if m.seq <= cur || q.seq.CompareAndSwap(cur, m.seq) {
			break
		}
	}
}

// nextSeq allocates a sequence number: strictly increasing, and at least
// the wall clock in nanoseconds so numbers keep increasing across restarts
// even after every message was deleted.
func (q *queue) nextSeq() uint64 {
	wall := uint64(time.Now().UnixNano())
	for {
		cur := q.seq.Load()
		next := max(cur+1, wall)
		if q.seq.CompareAndSwap(cur, next) {
			return next
		}
	}
}

// waitCh returns the channel closed at the next signal. q.mu must be held.
func (q *queue) waitCh() <-chan struct{} {
	if q.notify == nil {
		q.notify = make(chan struct{})
	}
	return q.notify
}

// signal wakes every long poll waiting on the queue. q.mu must be held.
func (q *queue) signal() {
	if q.notify != nil {
		close(q.notify)
		q.notify = nil
	}
}

// armTimer schedules the promotion of the earliest waiting message on the
// Nubo clock. q.mu must be held.
func (q *queue) armTimer() {
	due := q.idx.nextDue()
	if due == 0 || q.closed || (q.timer != nil && q.timerAt <= due) {
		return
	}
	if q.timer != nil {
		q.timer.Stop()
	}
	q.timerAt = due
	q.timer = q.clock.At(time.UnixMilli(due), q.onTimer)
}

// onTimer runs on the clock: it makes due messages visible and wakes long
// polls.
func (q *queue) onTimer() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.timer = nil
	q.timerAt = 0
	if q.idx.promote(q.clock.Now().UnixMilli()) > 0 {
		q.signal()
	}
	q.armTimer()
}

// close stops the queue's timer and wakes its long polls.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	if q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
	q.signal()
}

// expire removes the messages older than the retention period (and, with
// force, checks even when the cached lower bound says none can be) and
// returns their store keys. q.mu must be held.
func (q *queue) expire(now int64, force bool) [][]byte {
	limit := now - q.cfg.retention.Milliseconds()
	if !force && (q.oldest == 0 || q.oldest > limit) {
		return nil
	}
	var keys [][]byte
	oldest := int64(0)
	for _, m := range q.idx.msgs {
		if m.sent <= limit {
			q.idx.remove(m)
			keys = append(keys, messageKey(prefixMessage, q.id, m.seq), messageKey(prefixReceive, q.id, m.seq))
			continue
		}
		if oldest == 0 || m.sent < oldest {
			oldest = m.sent
		}
	}
	q.oldest = oldest
	return keys
}

// queueARN returns the ARN of queue name.
func queueARN(region, account, name string) string {
	return "arn:aws:sqs:" + region + ":" + account + ":" + name
}

// newMessageID returns a message id (a UUID, as AWS uses).
func newMessageID() string { return arn.RequestID() }
