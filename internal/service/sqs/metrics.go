package sqs

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/nubo/nubo/internal/platform/metrics"
)

// metricsPeriod is how often queue metrics are recorded, on the Nubo clock.
const metricsPeriod = time.Minute

// addSize records one sent message's size for SentMessageSize.
func (c *counters) addSize(n int64) {
	c.sentBytes.Add(n)
	if c.sentSamples.Add(1) == 1 {
		c.sentMin.Store(n)
		c.sentMax.Store(n)
		return
	}
	for cur := c.sentMin.Load(); n < cur && !c.sentMin.CompareAndSwap(cur, n); cur = c.sentMin.Load() {
	}
	for cur := c.sentMax.Load(); n > cur && !c.sentMax.CompareAndSwap(cur, n); cur = c.sentMax.Load() {
	}
}

// scheduleTick arms the next metrics tick. s.lifecycle must be held.
func (s *Service) scheduleTick() {
	s.tick = s.clock.AfterFunc(metricsPeriod, s.onTick)
}

// onTick records every queue's metrics and housekeeps (retention, expired
// deduplication records), then re-arms itself.
func (s *Service) onTick() {
	s.lifecycle.Lock()
	if s.tick == nil {
		s.lifecycle.Unlock()
		return
	}
	s.scheduleTick()
	s.lifecycle.Unlock()
	s.recordMetrics(context.Background())
}

// recordMetrics records the AWS/SQS metrics of every queue at the current
// Nubo time.
func (s *Service) recordMetrics(ctx context.Context) {
	s.mu.RLock()
	qs := slices.Collect(maps.Values(s.byName))
	s.mu.RUnlock()
	now := s.now()
	var data []metrics.Datum
	for _, q := range qs {
		data = append(data, s.queueMetrics(q, now)...)
	}
	if len(data) > 0 {
		s.metrics.Record(ctx, data...)
	}
}

func (s *Service) queueMetrics(q *queue, now time.Time) []metrics.Datum {
	ms := now.UnixMilli()
	q.mu.Lock()
	q.refresh(s, ms)
	s.expireDedup(q, ms)
	visible, inflight, delayed := q.idx.nVisible, q.idx.nInflight, q.idx.nDelayed
	age := int64(0)
	if len(q.idx.msgs) > 0 {
		oldest := ms
		for _, m := range q.idx.msgs {
			oldest = min(oldest, m.sent)
		}
		age = (ms - oldest) / 1000
	}
	name := q.name
	q.mu.Unlock()
	st := &q.stats
	samples, bytes := st.sentSamples.Swap(0), st.sentBytes.Swap(0)
	mn, mx := st.sentMin.Load(), st.sentMax.Load()
	dims := []metrics.Dimension{{Name: "QueueName", Value: name}}
	d := func(metric string, v float64, unit string) metrics.Datum {
		return metrics.Datum{Namespace: "AWS/SQS", MetricName: metric, Dimensions: dims, Time: now, Value: v, Unit: unit}
	}
	out := []metrics.Datum{
		d("ApproximateNumberOfMessagesVisible", float64(visible), "Count"),
		d("ApproximateNumberOfMessagesNotVisible", float64(inflight), "Count"),
		d("ApproximateNumberOfMessagesDelayed", float64(delayed), "Count"),
		d("NumberOfMessagesSent", float64(st.sent.Swap(0)), "Count"),
		d("NumberOfMessagesReceived", float64(st.received.Swap(0)), "Count"),
		d("NumberOfMessagesDeleted", float64(st.deleted.Swap(0)), "Count"),
		d("NumberOfEmptyReceives", float64(st.emptyReceives.Swap(0)), "Count"),
		d("ApproximateAgeOfOldestMessage", float64(age), "Seconds"),
	}
	if samples > 0 {
		size := d("SentMessageSize", 0, "Bytes")
		size.Statistics = &metrics.StatisticSet{SampleCount: float64(samples), Sum: float64(bytes),
			Minimum: float64(mn), Maximum: float64(mx)}
		out = append(out, size)
	}
	return out
}

// expireDedup forgets FIFO deduplication records past their window. q.mu
// must be held.
func (s *Service) expireDedup(q *queue, now int64) {
	b := s.db.NewBatch()
	for k, d := range q.dedup {
		if d.Expires <= now {
			delete(q.dedup, k)
			b.Delete([]byte(prefixDedup + q.id + "/" + k))
		}
	}
	if b.Len() > 0 {
		if err := b.Commit(false); err != nil {
			s.log.Warn("sqs: expiring deduplication records", "queue", q.name, "err", err)
		}
	}
}
