package lambda

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Poller scaling, as AWS describes it for SQS: 5 concurrent batches at
// first, up to 300 more per minute while the queue has a backlog, at most
// 1,000 (or ScalingConfig.MaximumConcurrency).
const (
	esmInitialConcurrency = 5
	esmScaleUpPerMinute   = 300
	esmLongPoll           = 20 * time.Second
	esmMaxBackoff         = 30 * time.Second
)

// esmManager owns the pollers of the enabled event source mappings.
type esmManager struct {
	s *Service

	mu      sync.Mutex
	running bool
	ctx     context.Context // the service's run context (invocations, deletes)
	cancel  context.CancelFunc
	runners map[string]*esmRunner
	results map[string]string // LastProcessingResult by UUID
	kickCh  chan struct{}     // closed and replaced when a queue source arrives
	wg      sync.WaitGroup
}

func newESMManager(s *Service) *esmManager {
	return &esmManager{s: s, runners: map[string]*esmRunner{}, results: map[string]string{}, kickCh: make(chan struct{})}
}

// start resumes the pollers of every enabled mapping in the store.
func (m *esmManager) start() error {
	m.mu.Lock()
	if m.running {
		m.mu.Unlock()
		return nil
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.running = true
	m.mu.Unlock()
	var recs []esmRecord
	if err := m.s.esmTable.List("", "", 0, func(_ string, r esmRecord) bool {
		recs = append(recs, r)
		return true
	}); err != nil {
		return fmt.Errorf("lambda: resume event source mappings: %w", err)
	}
	for _, r := range recs {
		m.apply(r)
	}
	return nil
}

// stop stops every poller, cancels invocations in flight and waits.
func (m *esmManager) stop(ctx context.Context) error {
	m.mu.Lock()
	if !m.running {
		m.mu.Unlock()
		return nil
	}
	m.running = false
	for id, r := range m.runners {
		r.stopPoll()
		delete(m.runners, id)
	}
	m.cancel()
	m.mu.Unlock()
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("lambda: stop event source mappings: %w", ctx.Err())
	}
}

// reset stops the pollers after the store was emptied.
func (m *esmManager) reset() {
	m.mu.Lock()
	for id, r := range m.runners {
		r.stopPoll()
		delete(m.runners, id)
	}
	m.results = map[string]string{}
	m.mu.Unlock()
}

// apply (re)starts the poller of rec with its current settings, or stops it
// when rec is disabled. A replaced poller stops receiving at once; its
// batches in flight finish.
func (m *esmManager) apply(rec esmRecord) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.runners[rec.UUID]; old != nil {
		old.stopPoll()
		delete(m.runners, rec.UUID)
	}
	if !m.running || !rec.Enabled {
		return
	}
	r := newESMRunner(m, rec)
	m.runners[rec.UUID] = r
	m.wg.Add(1)
	go r.control()
}

// remove stops the poller of a deleted mapping.
func (m *esmManager) remove(id string) {
	m.mu.Lock()
	if r := m.runners[id]; r != nil {
		r.stopPoll()
		delete(m.runners, id)
	}
	delete(m.results, id)
	m.mu.Unlock()
}

// kick wakes pollers waiting for a queue source.
func (m *esmManager) kick() {
	m.mu.Lock()
	close(m.kickCh)
	m.kickCh = make(chan struct{})
	m.mu.Unlock()
}

func (m *esmManager) kicked() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kickCh
}

func (m *esmManager) setResult(id, result string) {
	m.mu.Lock()
	m.results[id] = result
	m.mu.Unlock()
}

func (m *esmManager) lastResult(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.results[id]
}

func (m *esmManager) lastResultOr(id, stored string) string {
	if r := m.lastResult(id); r != "" {
		return r
	}
	return stored
}

// runner returns the active poller of a mapping (tests).
func (m *esmManager) runner(id string) *esmRunner {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runners[id]
}
