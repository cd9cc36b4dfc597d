package s3

import (
	"context"
	"net/http"
	"sort"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/metrics"
)

// Request metrics. AWS publishes the AWS/S3 request metrics (dimensions
// BucketName and FilterId) only for buckets with a metrics configuration;
// Nubo records them for every bucket under FilterId "EntireBucket", as a
// configuration covering the whole bucket would. Requests are aggregated in
// memory and recorded as one statistic set per metric every
// Options.MetricsInterval on the Nubo clock (AWS's period is one minute).

// sampleStats accumulates samples of one metric.
type sampleStats struct {
	n, sum, min, max float64
}

func (st *sampleStats) add(v float64) {
	if st.n == 0 || v < st.min {
		st.min = v
	}
	if st.n == 0 || v > st.max {
		st.max = v
	}
	st.n++
	st.sum += v
}

// bucketStats are the request metrics of one bucket since the last record.
type bucketStats struct {
	all, get, put, del, head, post, list, errs4, errs5 sampleStats
	down, up, latency, firstByte                       sampleStats
}

// requestMetricNames lists the recorded metrics with their unit and sample.
var requestMetricNames = []struct {
	name, unit string
	get        func(*bucketStats) *sampleStats
}{
	{"AllRequests", "Count", func(b *bucketStats) *sampleStats { return &b.all }},
	{"GetRequests", "Count", func(b *bucketStats) *sampleStats { return &b.get }},
	{"PutRequests", "Count", func(b *bucketStats) *sampleStats { return &b.put }},
	{"DeleteRequests", "Count", func(b *bucketStats) *sampleStats { return &b.del }},
	{"HeadRequests", "Count", func(b *bucketStats) *sampleStats { return &b.head }},
	{"PostRequests", "Count", func(b *bucketStats) *sampleStats { return &b.post }},
	{"ListRequests", "Count", func(b *bucketStats) *sampleStats { return &b.list }},
	{"4xxErrors", "Count", func(b *bucketStats) *sampleStats { return &b.errs4 }},
	{"5xxErrors", "Count", func(b *bucketStats) *sampleStats { return &b.errs5 }},
	{"BytesDownloaded", "Bytes", func(b *bucketStats) *sampleStats { return &b.down }},
	{"BytesUploaded", "Bytes", func(b *bucketStats) *sampleStats { return &b.up }},
	{"TotalRequestLatency", "Milliseconds", func(b *bucketStats) *sampleStats { return &b.latency }},
	{"FirstByteLatency", "Milliseconds", func(b *bucketStats) *sampleStats { return &b.firstByte }},
}

// countRequest adds l to its bucket's request metrics. As AWS counts them,
// Get/Put/Delete/Head/Post requests are those on objects (Head also on
// buckets), List requests those listing a bucket, and 4xx/5xx errors are
// samples of 0 or 1 per request so that their average is the error rate.
func (s *Service) countRequest(l *awsapi.RequestLog) {
	opName := ""
	if op := l.Request.Operation; op != nil {
		opName = op.Name
	}
	rl := &s.reqlog
	rl.statsMu.Lock()
	defer rl.statsMu.Unlock()
	if rl.stats == nil {
		rl.stats = map[string]*bucketStats{}
	}
	st := rl.stats[l.Bucket]
	if st == nil {
		st = &bucketStats{}
		rl.stats[l.Bucket] = st
	}
	st.all.add(1)
	switch {
	case opName == "ListObjects" || opName == "ListObjectsV2" || opName == "ListObjectVersions":
		st.list.add(1)
	case l.Method == http.MethodHead:
		st.head.add(1)
	case opName == "DeleteObjects" || (l.Method == http.MethodDelete && l.Key != ""):
		st.del.add(1)
	case l.Key == "":
	case l.Method == http.MethodGet:
		st.get.add(1)
	case l.Method == http.MethodPut:
		st.put.add(1)
	case l.Method == http.MethodPost:
		st.post.add(1)
	}
	st.errs4.add(b2f(l.Status/100 == 4))
	st.errs5.add(b2f(l.Status/100 == 5))
	if l.BytesSent > 0 && l.Method != http.MethodHead {
		st.down.add(float64(l.BytesSent))
	}
	if l.BodyBytes > 0 {
		st.up.add(float64(l.BodyBytes))
	}
	st.latency.add(float64(l.TotalTime.Microseconds()) / 1000)
	st.firstByte.add(float64(l.TurnAround.Microseconds()) / 1000)
}

func b2f(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// RecordRequestMetrics records the request metrics aggregated since the
// last call, one statistic set per bucket and metric with samples, at the
// current Nubo time.
func (s *Service) RecordRequestMetrics(ctx context.Context) {
	rl := &s.reqlog
	rl.statsMu.Lock()
	stats := rl.stats
	rl.stats = nil
	rl.statsMu.Unlock()
	names := make([]string, 0, len(stats))
	for n := range stats {
		names = append(names, n)
	}
	sort.Strings(names)
	now := s.clock.Now()
	var data []metrics.Datum
	for _, n := range names {
		dims := []metrics.Dimension{{Name: "BucketName", Value: n}, {Name: "FilterId", Value: "EntireBucket"}}
		for _, m := range requestMetricNames {
			v := m.get(stats[n])
			if v.n == 0 {
				continue
			}
			data = append(data, metrics.Datum{Namespace: "AWS/S3", MetricName: m.name, Dimensions: dims, Time: now,
				Unit: m.unit, Statistics: &metrics.StatisticSet{SampleCount: v.n, Sum: v.sum, Minimum: v.min, Maximum: v.max}})
		}
	}
	if len(data) > 0 {
		s.metrics.Record(ctx, data...)
	}
}
