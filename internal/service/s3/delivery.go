package s3

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
)

// outboxEntry is a notification waiting for delivery, stored under
// s3/n/<sequence> in the same batch as the change that caused it.
type outboxEntry struct {
	Target      Target          `json:"target"`
	Event       json.RawMessage `json:"event"`
	Attempts    int             `json:"attempts,omitempty"`
	NextAttempt time.Time       `json:"next,omitempty"`
}

// Delivery retry backoff on the Nubo clock.
const (
	retryBase = time.Second
	retryMax  = 5 * time.Minute
	// deliveryBatch bounds the entries read per pass.
	deliveryBatch = 256
)

func (s *Service) stageOutbox(batch store.Batch, t Target, event []byte) {
	seq := s.outbox.Add(1)
	batch.Set([]byte(outboxPrefix+seqHex(seq)), mustJSON(outboxEntry{Target: t, Event: event}))
}

// loadOutboxSeq continues the outbox sequence after the last stored entry.
func (s *Service) loadOutboxSeq() error {
	var last uint64
	start := []byte(outboxPrefix)
	err := s.db.ScanReverse(start, store.PrefixEnd(start), func(k, _ []byte) bool {
		fmt.Sscanf(string(k[len(outboxPrefix):]), "%x", &last)
		return false
	})
	if err != nil {
		return fmt.Errorf("s3: scan outbox: %w", err)
	}
	if now := uint64(time.Now().UnixNano()); now > last {
		last = now
	}
	s.outbox.Store(last)
	return nil
}

// wakeDelivery nudges the delivery worker.
func (s *Service) wakeDelivery() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// deliveryLoop drains the outbox until ctx is done.
func (s *Service) deliveryLoop(ctx context.Context) {
	var timer clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		next := s.deliverDue(ctx)
		if timer != nil {
			timer.Stop()
			timer = nil
		}
		if !next.IsZero() {
			timer = s.clock.At(next, s.wakeDelivery)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
	}
}

// deliverDue delivers the entries that are due and returns when the earliest
// remaining one falls due (zero if none, or if no notifier is installed).
func (s *Service) deliverDue(ctx context.Context) time.Time {
	for {
		n := s.getNotifier()
		if n == nil || ctx.Err() != nil {
			return time.Time{}
		}
		now := s.clock.Now()
		type item struct {
			key []byte
			e   outboxEntry
		}
		var due []item
		var next time.Time
		start := []byte(outboxPrefix)
		_ = s.db.Scan(start, store.PrefixEnd(start), func(k, v []byte) bool {
			var e outboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				s.log.Error("s3: dropping undecodable outbox entry", "key", string(k), "err", err)
				b := s.db.NewBatch()
				b.Delete(k)
				_ = b.Commit(false)
				return true
			}
			if e.NextAttempt.After(now) {
				if next.IsZero() || e.NextAttempt.Before(next) {
					next = e.NextAttempt
				}
				return true
			}
			due = append(due, item{append([]byte(nil), k...), e})
			return len(due) < deliveryBatch
		})
		if len(due) == 0 {
			return next
		}
		for _, it := range due {
			s.deliverOne(ctx, n, it.key, it.e)
		}
	}
}

// deliverOne hands one entry to the notifier; on failure it is rescheduled.
func (s *Service) deliverOne(ctx context.Context, n Notifier, key []byte, e outboxEntry) {
	err := n.Deliver(ctx, e.Target, e.Event)
	b := s.db.NewBatch()
	if err == nil {
		b.Delete(key)
		if err := b.Commit(false); err != nil {
			s.log.Warn("s3: clearing delivered notification", "err", err)
		}
		return
	}
	e.Attempts++
	backoff := retryBase << min(e.Attempts-1, 16)
	if backoff > retryMax {
		backoff = retryMax
	}
	e.NextAttempt = s.clock.Now().Add(backoff)
	s.log.Warn("s3: notification delivery failed; will retry", "target", e.Target.ARN, "attempt", e.Attempts,
		"retry_in", backoff, "err", err)
	b.Set(key, mustJSON(e))
	if err := b.Commit(true); err != nil {
		s.log.Warn("s3: rescheduling notification", "err", err)
	}
}

// PendingNotifications returns the number of notifications waiting in the
// outbox.
func (s *Service) PendingNotifications() (int, error) {
	n := 0
	start := []byte(outboxPrefix)
	err := s.db.Scan(start, store.PrefixEnd(start), func(_, _ []byte) bool { n++; return true })
	return n, err
}
