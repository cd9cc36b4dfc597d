package metrics

import (
	"context"
	"sync"
	"time"
)

// DefaultRecorderCapacity is the ring size NewRecorder uses for a capacity
// of zero.
const DefaultRecorderCapacity = 10000

// Recorder is an in-memory Sink keeping the most recent data points in a
// bounded ring; older points are overwritten. It is the default sink until
// CloudWatch is wired in, and a test double. It is safe for concurrent use.
type Recorder struct {
	now func() time.Time // stamps data recorded with a zero Time

	mu      sync.Mutex
	ring    []Datum
	next    int   // ring index of the next write
	total   int64 // points ever recorded
	invalid int64 // points rejected by Validate
}

// NewRecorder returns a Recorder holding at most capacity points, stamping
// untimed points with now (time.Now when nil).
func NewRecorder(capacity int, now func() time.Time) *Recorder {
	if capacity <= 0 {
		capacity = DefaultRecorderCapacity
	}
	if now == nil {
		now = time.Now
	}
	return &Recorder{now: now, ring: make([]Datum, 0, capacity)}
}

// Record implements Sink. Invalid data points are counted (see Invalid) and
// not stored.
func (r *Recorder) Record(_ context.Context, data ...Datum) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range data {
		if d.Validate() != nil {
			r.invalid++
			continue
		}
		d = d.clone()
		if d.Time.IsZero() {
			d.Time = r.now()
		}
		if len(r.ring) < cap(r.ring) {
			r.ring = append(r.ring, d)
		} else {
			r.ring[r.next] = d
		}
		r.next = (r.next + 1) % cap(r.ring)
		r.total++
	}
}

// Query selects data points. Empty fields match anything; Dimensions must
// all be present on a point (it may have more).
type Query struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
	// Start and End bound Time to [Start, End) when non-zero.
	Start, End time.Time
}

func (q Query) match(d Datum) bool {
	return (q.Namespace == "" || q.Namespace == d.Namespace) &&
		(q.MetricName == "" || q.MetricName == d.MetricName) &&
		(q.Start.IsZero() || !d.Time.Before(q.Start)) &&
		(q.End.IsZero() || d.Time.Before(q.End)) &&
		d.HasDimensions(q.Dimensions...)
}

// Find returns copies of the retained points matching q, oldest first.
func (r *Recorder) Find(q Query) []Datum {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Datum
	n := len(r.ring)
	start := 0
	if n == cap(r.ring) {
		start = r.next
	}
	for i := range n {
		d := r.ring[(start+i)%n]
		if q.match(d) {
			out = append(out, d.clone())
		}
	}
	return out
}

// Sum returns the sum of the samples of the retained points matching q.
func (r *Recorder) Sum(q Query) float64 {
	total := 0.0
	for _, d := range r.Find(q) {
		total += d.Sum()
	}
	return total
}

// Len returns how many points the ring holds.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ring)
}

// Total returns how many valid points were ever recorded, including those
// since overwritten.
func (r *Recorder) Total() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// Invalid returns how many points Record rejected as invalid.
func (r *Recorder) Invalid() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.invalid
}

// Reset drops every retained point and zeroes the counters.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ring = r.ring[:0]
	r.next, r.total, r.invalid = 0, 0, 0
}
