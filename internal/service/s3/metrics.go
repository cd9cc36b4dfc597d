package s3

import (
	"context"
	"sort"

	"github.com/nubo/nubo/internal/platform/metrics"
)

// armMetrics schedules the next storage metrics recording; runMu is held.
func (s *Service) armMetrics() {
	s.timer = s.clock.AfterFunc(s.opts.MetricsInterval, s.metricsTick)
}

func (s *Service) metricsTick() {
	s.RecordStorageMetrics(context.Background())
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.started.Load() {
		s.armMetrics()
	}
}

// RecordStorageMetrics records AWS/S3 NumberOfObjects (StorageType
// AllStorageTypes) and BucketSizeBytes (StorageType StandardStorage) for
// every bucket, at the current Nubo time. Counts include noncurrent versions
// and delete markers, as AWS counts them.
func (s *Service) RecordStorageMetrics(ctx context.Context) {
	type row struct {
		name       string
		objs, size int64
	}
	s.mu.RLock()
	rows := make([]row, 0, len(s.buckets))
	for n, b := range s.buckets {
		rows = append(rows, row{n, b.objects.Load(), b.bytes.Load()})
	}
	s.mu.RUnlock()
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	now := s.clock.Now()
	data := make([]metrics.Datum, 0, 2*len(rows))
	for _, r := range rows {
		data = append(data,
			metrics.Datum{Namespace: "AWS/S3", MetricName: "NumberOfObjects", Time: now, Value: float64(r.objs), Unit: "Count",
				Dimensions: []metrics.Dimension{{Name: "BucketName", Value: r.name}, {Name: "StorageType", Value: "AllStorageTypes"}}},
			metrics.Datum{Namespace: "AWS/S3", MetricName: "BucketSizeBytes", Time: now, Value: float64(r.size), Unit: "Bytes",
				Dimensions: []metrics.Dimension{{Name: "BucketName", Value: r.name}, {Name: "StorageType", Value: "StandardStorage"}}},
		)
	}
	if len(data) > 0 {
		s.metrics.Record(ctx, data...)
	}
}
