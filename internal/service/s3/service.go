package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/blobs"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

// Options tunes the S3 service. The zero value gives the defaults.
type Options struct {
	// MetricsInterval is how often the AWS/S3 storage metrics
	// (NumberOfObjects, BucketSizeBytes) are recorded, on the Nubo clock.
	// 0 means one minute; AWS itself publishes them daily.
	MetricsInterval time.Duration
	// InlineMax is the largest object or part body kept inside the metadata
	// store instead of a blob file (its commit is then the only fsync).
	// 0 means DefaultInlineMax; a negative value disables inlining.
	InlineMax int
	// MinPartSize is the smallest size of a multipart part other than the
	// last; 0 means 5 MiB as AWS. Tests lower it.
	MinPartSize int64
	// LifecycleInterval is how often lifecycle rules are applied, on the
	// Nubo clock; 0 means one hour (AWS applies them about once a day).
	LifecycleInterval time.Duration
	// LogFlushInterval is how often buffered server access log lines are
	// delivered to their target buckets, on the Nubo clock; 0 means
	// DefaultLogFlushInterval (5 minutes).
	LogFlushInterval time.Duration
}

// DefaultInlineMax is the default Options.InlineMax.
const DefaultInlineMax = 64 << 10

// lockStripes is the number of striped mutexes for keys and blob hashes.
const lockStripes = 256

// Service is Nubo's S3. Metadata lives in the store under "s3/", bodies in a
// content-addressed blob store private to S3 (DataDir/s3/blobs) or inline in
// the store when small. Bucket records are cached in memory; the store is
// the source of truth and the cache is rebuilt from it by New and Reset.
//
// Lock order: a key stripe (keyLocks) before an upload stripe (upLocks)
// before bucket.mu (read) before hash
// stripes (hashLocks, in ascending index order). No lock is held while a
// request body is read.
type Service struct {
	region, account string
	db              store.DB
	blobs           *blobs.Store
	blobDir         string // S3's private blob directory ("" when sharing sys.Blobs)
	clock           *clock.Virtual
	metrics         metrics.Sink
	log             *slog.Logger
	opts            Options
	ownerID         string

	mu      sync.RWMutex // guards buckets
	buckets map[string]*bucket
	// bodyBudget counts the object bodies the buckets' version caches hold.
	bodyBudget atomic.Int64

	keyLocks  [lockStripes]sync.Mutex
	hashLocks [lockStripes]sync.Mutex
	upLocks   [lockStripes]sync.Mutex
	seq       atomic.Uint64

	reqlog requestLogs // server access logs and request metrics (logging.go)

	notifierMu sync.RWMutex
	notifier   Notifier

	runMu   sync.Mutex // guards cancel, timer
	cancel  context.CancelFunc
	timer   clock.Timer
	lcTimer clock.Timer
	wg      sync.WaitGroup
	wake    chan struct{}
	outbox  atomic.Uint64 // last outbox sequence
	started atomic.Bool
}

// New returns the S3 service of sys.Account in sys.Region. Object bodies are
// kept in DataDir/s3/blobs (sys.Blobs when DataDir is empty). It loads the
// buckets and recounts the storage metrics from the store.
func New(sys *service.System, opts Options) (*Service, error) {
	if sys == nil || sys.Store == nil || sys.Clock == nil {
		return nil, errors.New("s3: system needs a store and a clock")
	}
	bs := sys.Blobs
	if sys.DataDir != "" {
		var err error
		if bs, err = blobs.Open(filepath.Join(sys.DataDir, "s3", "blobs")); err != nil {
			return nil, fmt.Errorf("s3: %w", err)
		}
	}
	blobDir := ""
	if sys.DataDir != "" {
		blobDir = filepath.Join(sys.DataDir, "s3", "blobs")
	}
	if bs == nil {
		return nil, errors.New("s3: system needs a data directory or a blob store")
	}
	if opts.MetricsInterval <= 0 {
		opts.MetricsInterval = time.Minute
	}
	if opts.InlineMax == 0 {
		opts.InlineMax = DefaultInlineMax
	}
	if opts.MinPartSize <= 0 {
		opts.MinPartSize = 5 << 20
	}
	if opts.LifecycleInterval <= 0 {
		opts.LifecycleInterval = time.Hour
	}
	s := &Service{
		region: sys.Region, account: sys.Account, db: sys.Store, blobs: bs, blobDir: blobDir, clock: sys.Clock,
		metrics: sys.Metrics, log: sys.Log, opts: opts, wake: make(chan struct{}, 1),
	}
	if s.metrics == nil {
		s.metrics = metrics.Discard{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	sum := sha256.Sum256([]byte("nubo-s3-owner:" + sys.Account))
	s.ownerID = hex.EncodeToString(sum[:])
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// API returns the S3 API model.
func (s *Service) API() *awsapi.Service { return s3api.API() }

// Handlers returns the implemented S3 operations.
func (s *Service) Handlers() map[string]awsapi.Handler { return s3api.Bind(s) }

// Start finishes blob removals interrupted by a crash, starts sweeping
// unreferenced blobs left by failed uploads, and starts the notification
// delivery worker and the storage metrics and lifecycle timers.
func (s *Service) Start(ctx context.Context) error {
	if err := s.collectGarbage(); err != nil {
		return err
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.cancel != nil {
		return nil
	}
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.started.Store(true)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.deliveryLoop(wctx)
	}()
	go func() {
		defer s.wg.Done()
		s.sweepOrphans()
	}()
	s.armMetrics()
	s.armLifecycle()
	s.startRequestLogs()
	return nil
}

// Stop stops the delivery worker and the metrics timer and waits for them.
// Undelivered notifications stay in the store's outbox.
func (s *Service) Stop(ctx context.Context) error {
	s.runMu.Lock()
	cancel := s.cancel
	s.cancel = nil
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.lcTimer != nil {
		s.lcTimer.Stop()
		s.lcTimer = nil
	}
	s.stopRequestLogs()
	s.started.Store(false)
	s.runMu.Unlock()
	s.flushRequestLogs()
	if cancel == nil {
		return nil
	}
	cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("s3: stop: %w", ctx.Err())
	}
}

// Reset drops the in-memory state after the store was emptied and removes
// S3's blobs.
func (s *Service) Reset(ctx context.Context) error {
	if err := s.blobs.RemoveAll(); err != nil {
		return fmt.Errorf("s3: reset: %w", err)
	}
	return s.load()
}

// load rebuilds the bucket cache and object counters from the store.
func (s *Service) load() error {
	m := map[string]*bucket{}
	err := s.db.Scan([]byte(bucketPrefix), store.PrefixEnd([]byte(bucketPrefix)), func(k, v []byte) bool {
		b, err := decodeBucket(v)
		if err != nil {
			s.log.Error("s3: skipping undecodable bucket record", "key", string(k), "err", err)
			return true
		}
		m[b.config().rec.Name] = b
		return true
	})
	if err != nil {
		return fmt.Errorf("s3: load buckets: %w", err)
	}
	var maxSeq uint64
	for _, b := range m {
		if err := s.recount(b, &maxSeq); err != nil {
			return err
		}
	}
	if now := uint64(time.Now().UnixNano()); now > maxSeq {
		maxSeq = now
	}
	s.seq.Store(maxSeq)
	for _, b := range m {
		b.current.budget = &s.bodyBudget
	}
	s.mu.Lock()
	old := s.buckets
	s.buckets = m
	s.mu.Unlock()
	for _, b := range old {
		b.current.retire()
	}
	return s.loadOutboxSeq()
}

// recount scans a bucket's versions to rebuild its counters.
func (s *Service) recount(b *bucket, maxSeq *uint64) error {
	var n, size int64
	start := []byte(objectBucketPrefix(b.config().rec.Name))
	err := s.db.Scan(start, store.PrefixEnd(start), func(k, v []byte) bool {
		var rec listRecord
		if _, err := decodeListRecord(v, &rec); err != nil {
			return true
		}
		n++
		size += rec.Size
		if rec.Seq > *maxSeq {
			*maxSeq = rec.Seq
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("s3: count %s: %w", b.config().rec.Name, err)
	}
	b.objects.Store(n)
	b.bytes.Store(size)
	return nil
}

// nextSeq returns a new, strictly increasing sequence number (nanoseconds of
// wall time when they advance faster than requests arrive).
func (s *Service) nextSeq() uint64 {
	now := uint64(time.Now().UnixNano())
	for {
		prev := s.seq.Load()
		next := prev + 1
		if now > next {
			next = now
		}
		if s.seq.CompareAndSwap(prev, next) {
			return next
		}
	}
}

// now returns the request's time on the Nubo clock, at second precision as
// S3 reports Last-Modified.
func (s *Service) now(ctx context.Context) time.Time {
	if r := awsapi.RequestFrom(ctx); r != nil && !r.Time.IsZero() {
		return r.Time.UTC().Truncate(time.Second)
	}
	return s.clock.Now().UTC().Truncate(time.Second)
}

func stripe(parts ...string) int {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int(h.Sum32() % lockStripes)
}

// lockKey locks the stripe of bucket/key and returns its unlock.
func (s *Service) lockKey(bucket, key string) func() {
	m := &s.keyLocks[stripe(bucket, key)]
	m.Lock()
	return m.Unlock
}

// lockHashes locks the stripes of the given blob hashes in ascending order.
func (s *Service) lockHashes(hashes []string) func() {
	idx := make([]int, 0, len(hashes))
	seen := map[int]bool{}
	for _, h := range hashes {
		i := stripe(h)
		if !seen[i] {
			seen[i] = true
			idx = append(idx, i)
		}
	}
	sort.Ints(idx)
	for _, i := range idx {
		s.hashLocks[i].Lock()
	}
	return func() {
		for j := len(idx) - 1; j >= 0; j-- {
			s.hashLocks[idx[j]].Unlock()
		}
	}
}

// lockUpload locks the stripe of a multipart upload and returns its unlock.
func (s *Service) lockUpload(id string) func() {
	m := &s.upLocks[stripe(id)]
	m.Lock()
	return m.Unlock
}
