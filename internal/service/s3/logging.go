package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/clock"
)

// Server access logging: RecordRequest formats one line per request to a
// bucket with logging enabled and buffers it in memory; every
// Options.LogFlushInterval of Nubo time (and when the buffer grows past
// maxLogBuffer, and on Stop) the buffered lines are written as log objects
// into the target bucket through PutObject's own path, never over HTTP, so
// delivering logs produces no further log lines. Delivery is best effort, as
// AWS's: lines buffered when the process dies are lost.

// DefaultLogFlushInterval is the default Options.LogFlushInterval.
const DefaultLogFlushInterval = 5 * time.Minute

// maxLogBuffer bounds the buffered log bytes before an early delivery.
const maxLogBuffer = 4 << 20

// requestLogs is the state of access logging and request metrics.
type requestLogs struct {
	mu      sync.Mutex // guards pending, size
	pending map[logDest]*logBatch
	size    int

	statsMu sync.Mutex // guards stats
	stats   map[string]*bucketStats

	deliver  sync.Mutex  // serialises deliveries
	early    atomic.Bool // an early delivery is under way
	logTimer clock.Timer // guarded by Service.runMu
	mTimer   clock.Timer // guarded by Service.runMu
}

// logDest is where a batch of lines goes: lines of one source bucket to one
// target prefix.
type logDest struct {
	source, target, prefix string
	partition              string // "" (simple prefix), EventTime or DeliveryTime
}

type logBatch struct {
	first time.Time
	lines []byte
}

// PutBucketLogging sets or (with an empty BucketLoggingStatus) clears the
// bucket's server access logging configuration.
func (s *Service) PutBucketLogging(ctx context.Context, in *s3api.PutBucketLoggingInput) (*s3api.PutBucketLoggingOutput, error) {
	b, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketLogging", "")
	if err != nil {
		return nil, err
	}
	var le *s3api.LoggingEnabled
	if in.BucketLoggingStatus != nil && in.BucketLoggingStatus.LoggingEnabled != nil {
		le = in.BucketLoggingStatus.LoggingEnabled
		if err := s.checkLoggingTarget(cfg, le); err != nil {
			return nil, err
		}
	}
	err = s.updateBucket(b, func(rec *bucketRecord) error {
		rec.Logging = le
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutBucketLoggingOutput{}, nil
}

// checkLoggingTarget validates a LoggingEnabled against its target bucket.
// Every bucket in Nubo belongs to the service's account, so the target is
// always owned by the source bucket's owner once it exists.
func (s *Service) checkLoggingTarget(src *bucketConfig, le *s3api.LoggingEnabled) error {
	if str(le.TargetBucket) == "" || le.TargetPrefix == nil {
		return errMalformedXML()
	}
	tb, ok := s.lookupBucket(str(le.TargetBucket))
	if !ok {
		return awsapi.Errorf("InvalidTargetBucketForLogging", http.StatusBadRequest,
			"The target bucket for logging does not exist").With("TargetBucket", str(le.TargetBucket))
	}
	tcfg := tb.config()
	if tcfg.rec.Region != src.rec.Region {
		return awsapi.Errorf("CrossLocationLoggingProhibitted", http.StatusForbidden,
			"Cross S3 location logging not allowed.").With("TargetBucketLocation", tcfg.rec.Region)
	}
	if len(le.TargetGrants) > 0 {
		if o := tcfg.rec.Ownership; o == "" || o == "BucketOwnerEnforced" {
			return awsapi.Errorf("InvalidTargetBucketForLogging", http.StatusBadRequest,
				"Target grants are not supported for a target bucket with the bucket owner enforced setting for Object Ownership.").
				With("TargetBucket", str(le.TargetBucket))
		}
		return awsapi.NotImplemented("s3", "PutBucketLogging with TargetGrants")
	}
	if f := le.TargetObjectKeyFormat; f != nil {
		if f.SimplePrefix != nil && f.PartitionedPrefix != nil {
			return errMalformedXML()
		}
		if p := f.PartitionedPrefix; p != nil {
			if d := str(p.PartitionDateSource); d != "" && d != "EventTime" && d != "DeliveryTime" {
				return errMalformedXML()
			}
		}
	}
	return nil
}

// GetBucketLogging returns the logging configuration; an empty
// BucketLoggingStatus when logging is off.
func (s *Service) GetBucketLogging(ctx context.Context, in *s3api.GetBucketLoggingInput) (*s3api.GetBucketLoggingOutput, error) {
	_, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketLogging", "")
	if err != nil {
		return nil, err
	}
	return &s3api.GetBucketLoggingOutput{LoggingEnabled: cfg.rec.Logging}, nil
}

// RecordRequest accounts for one answered S3 request: it adds to the
// bucket's request metrics and, when the bucket has logging enabled,
// buffers its server access log line. Requests that name no existing bucket
// (ListBuckets, NoSuchBucket) and other services' requests are ignored.
func (s *Service) RecordRequest(l awsapi.RequestLog) {
	if l.Request == nil || l.Request.Service == nil || l.Request.Service.ID != "s3" || l.Bucket == "" {
		return
	}
	b, ok := s.lookupBucket(l.Bucket)
	if !ok {
		return
	}
	s.countRequest(&l)
	le := b.config().rec.Logging
	if le == nil {
		return
	}
	d := logDest{source: l.Bucket, target: str(le.TargetBucket), prefix: str(le.TargetPrefix)}
	if f := le.TargetObjectKeyFormat; f != nil && f.PartitionedPrefix != nil {
		d.partition = str(f.PartitionedPrefix.PartitionDateSource)
		if d.partition == "" {
			d.partition = "EventTime"
		}
	}
	line := s.formatAccessLog(&l)
	rl := &s.reqlog
	rl.mu.Lock()
	if rl.pending == nil {
		rl.pending = map[logDest]*logBatch{}
	}
	lb := rl.pending[d]
	if lb == nil {
		lb = &logBatch{first: l.Request.Time}
		rl.pending[d] = lb
	}
	lb.lines = append(lb.lines, line...)
	rl.size += len(line)
	full := rl.size > maxLogBuffer
	rl.mu.Unlock()
	if full && rl.early.CompareAndSwap(false, true) {
		go func() {
			defer rl.early.Store(false)
			s.FlushAccessLogs(context.Background())
		}()
	}
}

// FlushAccessLogs delivers the buffered access log lines now, one log object
// per source bucket and target. Lines whose target bucket has gone are
// dropped (and the loss logged), as AWS's best-effort delivery does.
func (s *Service) FlushAccessLogs(ctx context.Context) {
	rl := &s.reqlog
	rl.deliver.Lock()
	defer rl.deliver.Unlock()
	rl.mu.Lock()
	pending := rl.pending
	rl.pending, rl.size = nil, 0
	rl.mu.Unlock()
	dests := make([]logDest, 0, len(pending))
	for d := range pending {
		dests = append(dests, d)
	}
	sort.Slice(dests, func(i, j int) bool { return dests[i].source < dests[j].source })
	for _, d := range dests {
		lb := pending[d]
		key := s.logObjectKey(d, lb.first)
		_, err := s.PutObject(ctx, &s3api.PutObjectInput{Bucket: ptr(d.target), Key: ptr(key),
			ContentType: ptr("text/plain"), Body: io.NopCloser(bytes.NewReader(lb.lines))})
		if err != nil {
			s.log.Warn("s3: access log delivery failed; lines dropped", "source", d.source,
				"target", d.target, "key", key, "bytes", len(lb.lines), "err", err)
		}
	}
}

// logObjectKey names a log object: TargetPrefix then, for a partitioned
// prefix, account/region/bucket/YYYY/MM/DD/, then
// YYYY-MM-DD-hh-mm-ss-<16 upper-case hex>.
func (s *Service) logObjectKey(d logDest, first time.Time) string {
	now := s.clock.Now().UTC()
	var sb strings.Builder
	sb.WriteString(d.prefix)
	if d.partition != "" {
		day := now
		if d.partition == "EventTime" && !first.IsZero() {
			day = first.UTC()
		}
		sb.WriteString(s.account + "/" + s.region + "/" + d.source + "/" + day.Format("2006/01/02") + "/")
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	sb.WriteString(now.Format("2006-01-02-15-04-05-"))
	sb.WriteString(strings.ToUpper(hex.EncodeToString(rnd[:])))
	return sb.String()
}

// startRequestLogs arms the log delivery and request metrics timers; runMu
// is held.
func (s *Service) startRequestLogs() {
	s.reqlog.logTimer = s.clock.AfterFunc(s.logFlushInterval(), s.logFlushTick)
	s.reqlog.mTimer = s.clock.AfterFunc(s.opts.MetricsInterval, s.requestMetricsTick)
}

// stopRequestLogs stops the timers; runMu is held. Call flushRequestLogs
// after releasing runMu to deliver what is buffered.
func (s *Service) stopRequestLogs() {
	for _, t := range []*clock.Timer{&s.reqlog.logTimer, &s.reqlog.mTimer} {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
}

// flushRequestLogs delivers buffered log lines and request metrics.
func (s *Service) flushRequestLogs() {
	s.FlushAccessLogs(context.Background())
	s.RecordRequestMetrics(context.Background())
}

func (s *Service) logFlushInterval() time.Duration {
	if s.opts.LogFlushInterval > 0 {
		return s.opts.LogFlushInterval
	}
	return DefaultLogFlushInterval
}

func (s *Service) logFlushTick() {
	s.FlushAccessLogs(context.Background())
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.started.Load() && s.reqlog.logTimer != nil {
		s.reqlog.logTimer = s.clock.AfterFunc(s.logFlushInterval(), s.logFlushTick)
	}
}

func (s *Service) requestMetricsTick() {
	s.RecordRequestMetrics(context.Background())
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.started.Load() && s.reqlog.mTimer != nil {
		s.reqlog.mTimer = s.clock.AfterFunc(s.opts.MetricsInterval, s.requestMetricsTick)
	}
}
