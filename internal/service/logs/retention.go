package logs

import (
	"sync"
	"time"

	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
)

// sweeper schedules the deletion of events past their group's retention on
// the Nubo clock. Rather than waking periodically it keeps one timer, due
// when the oldest retained event expires, so advancing the clock by months
// runs one sweep per expiry instead of thousands of idle ones.
type sweeper struct {
	mu      sync.Mutex
	started bool
	timer   clock.Timer
	due     time.Time
	svc     *Service
	// noted is the earliest expiry noted by appends since the running sweep
	// began, so a sweep that read older statistics cannot lose it.
	noted time.Time
}

// begin marks the start of a sweep.
func (w *sweeper) begin() {
	w.mu.Lock()
	w.noted = time.Time{}
	w.mu.Unlock()
}

func (w *sweeper) start(s *Service) {
	w.mu.Lock()
	w.started, w.svc = true, s
	w.mu.Unlock()
}

func (w *sweeper) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.started = false
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
}

// schedule arms the timer for at unless an earlier sweep is already due.
// A zero at with replace set disarms it.
func (w *sweeper) schedule(at time.Time, replace bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started {
		return
	}
	if w.timer != nil {
		if !replace && !at.Before(w.due) {
			return
		}
		w.timer.Stop()
		w.timer = nil
	}
	if replace && !w.noted.IsZero() && (at.IsZero() || w.noted.Before(at)) {
		at = w.noted
	}
	if at.IsZero() {
		return
	}
	s := w.svc
	w.due = at
	w.timer = s.clock.At(at, func() { _ = s.runSweep() })
}

// noteEvents makes sure the sweeper will expire events of group whose oldest
// timestamp is first (milliseconds).
func (w *sweeper) noteEvents(s *Service, group string, first int64) {
	g, ok, err := s.getGroup(group)
	if err != nil || !ok || g.Retention <= 0 {
		return
	}
	due := expiry(first, g.Retention)
	w.mu.Lock()
	if w.noted.IsZero() || due.Before(w.noted) {
		w.noted = due
	}
	w.mu.Unlock()
	w.schedule(due, false)
}

// expiry returns when an event at ts (milliseconds) expires under retention.
func expiry(ts int64, retention int32) time.Time {
	return time.UnixMilli(ts).Add(time.Duration(retention)*day + time.Millisecond)
}

// runSweep deletes every event older than its group's retention at the
// current Nubo time and schedules the next sweep.
func (s *Service) runSweep() error {
	s.sweep.begin()
	now := s.clock.Now()
	var next time.Time
	err := func() error {
		s.mu.RLock()
		defer s.mu.RUnlock()
		var groups []groupRecord
		err := s.groups.List("", "", 0, func(_ string, g groupRecord) bool {
			if g.Retention > 0 {
				groups = append(groups, g)
			}
			return true
		})
		if err != nil {
			return wrapStore(err)
		}
		for _, g := range groups {
			due, err := s.sweepGroup(g, now)
			if err != nil {
				return err
			}
			if !due.IsZero() && (next.IsZero() || due.Before(next)) {
				next = due
			}
		}
		return nil
	}()
	if err == nil && !next.IsZero() && !next.After(now) {
		next = now.Add(time.Millisecond)
	}
	s.sweep.schedule(next, true)
	return err
}

// sweepGroup expires a group's old events and returns when its oldest
// remaining event expires (zero when it has none). Callers hold s.mu shared.
func (s *Service) sweepGroup(g groupRecord, now time.Time) (time.Time, error) {
	cutoff := millis(now.Add(-time.Duration(g.Retention) * day))
	names, err := s.listStreams(g, "")
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, r := range names {
		if r.Count == 0 {
			continue
		}
		st, err := s.state(g, r.Name)
		if err != nil {
			return time.Time{}, err
		}
		if st == nil {
			continue
		}
		rec, err := s.expireStream(st, cutoff)
		if err != nil {
			return time.Time{}, err
		}
		if rec.Count > 0 {
			if due := expiry(rec.First, g.Retention); next.IsZero() || due.Before(next) {
				next = due
			}
		}
	}
	return next, nil
}

// expireStream deletes a stream's events older than cutoff (milliseconds).
func (s *Service) expireStream(st *streamState, cutoff int64) (streamRecord, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec := st.rec
	if st.deleted || rec.Count == 0 || rec.First >= cutoff {
		return rec, nil
	}
	start := streamEventsPrefix(st.groupID, rec.ID)
	end := timeKey(st.groupID, rec.ID, cutoff)
	var n, bytes int64
	err := s.db.Scan(start, end, func(_, v []byte) bool {
		n++
		bytes += int64(len(v) - 8)
		return true
	})
	if err != nil {
		return rec, wrapStore(err)
	}
	rec.Count -= n
	rec.Bytes -= bytes
	rec.First, rec.Last = 0, 0
	if rec.Count > 0 {
		err = s.db.Scan(end, store.PrefixEnd(start), func(k, _ []byte) bool {
			rec.First, _ = decodeEventKey(k)
			return false
		})
		rec.Last = st.rec.Last
	} else {
		rec.Count, rec.Bytes = 0, 0
	}
	if err != nil {
		return st.rec, wrapStore(err)
	}
	b := s.db.NewBatch()
	b.DeleteRange(start, end)
	if err := s.streams.Put(b, streamKey(st.group, rec.Name), rec); err != nil {
		return st.rec, err
	}
	if err := commit(b); err != nil {
		return st.rec, err
	}
	st.rec = rec
	return rec, nil
}
