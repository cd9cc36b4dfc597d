package sqs

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/platform/store"
)

// timedDB wraps a store to report commit latencies in benchmarks.
type timedDB struct {
	store.DB
	mu  sync.Mutex
	dur map[bool][]time.Duration
}

type timedBatch struct {
	store.Batch
	d *timedDB
}

func (d *timedDB) NewBatch() store.Batch { return &timedBatch{d.DB.NewBatch(), d} }
func (b *timedBatch) Commit(durable bool) error {
	st := time.Now()
	err := b.Batch.Commit(durable)
	el := time.Since(st)
	b.d.mu.Lock()
	b.d.dur[durable] = append(b.d.dur[durable], el)
	b.d.mu.Unlock()
	return err
}

// report logs the commit latency percentiles.
func (d *timedDB) report(t testing.TB) {
	for k, v := range d.dur {
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		if len(v) == 0 {
			continue
		}
		t.Logf("durable=%v n=%d p50=%v p90=%v p99=%v", k, len(v), v[len(v)/2], v[len(v)*9/10], v[len(v)*99/100])
	}
}
