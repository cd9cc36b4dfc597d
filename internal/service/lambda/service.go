package lambda

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/blobs"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
	"github.com/nubo/nubo/internal/service/iam"
)

// Roles looks up IAM roles; *iam.Service implements it.
type Roles interface {
	Role(ctx context.Context, nameOrARN string) (*iam.Role, error)
}

// Options tunes the service; the zero value is AWS's behaviour.
type Options struct {
	// StateSettle is how long (Nubo time) a new function stays Pending and an
	// update stays InProgress. Zero means the next read already reports
	// Active/Successful (the create or update response itself still says
	// Pending/InProgress, as on AWS).
	StateSettle time.Duration
	// AsyncWorkers is the number of goroutines dispatching asynchronous
	// invocations (default 8).
	AsyncWorkers int
	// AccountConcurrency is the account's concurrent execution limit
	// (default 1000, AWS's default quota).
	AccountConcurrency int32
	// ESMScaleInterval is how often SQS event source mapping pollers adjust
	// their concurrency (default 1 s, adding up to 5 concurrent batches per
	// second: AWS's 300 per minute).
	ESMScaleInterval time.Duration
	// ESMRetryBackoff is the first back-off after a failed receive, a
	// throttle or a platform fault in an event source mapping (default 1 s,
	// doubling up to 30 s).
	ESMRetryBackoff time.Duration
}

// Service is the AWS Lambda control plane and invocation front end.
type Service struct {
	region, account string
	endpoint        string
	clock           *clock.Virtual
	db              store.DB
	blobs           *blobs.Store
	codeRoot        string
	log             *slog.Logger
	metrics         metrics.Sink
	roles           Roles
	opts            Options

	fns         *store.Table[functionRecord]
	versions    *store.Table[config]
	aliases     *store.Table[aliasRecord]
	policies    *store.Table[policyRecord]
	eic         *store.Table[eventInvokeRecord]
	async       *store.Table[asyncEvent]
	undelivered *store.Table[Undelivered]
	esmTable    *store.Table[esmRecord]
	meta        *store.Table[[]byte]

	// mu serialises metadata writes (read-modify-write of records).
	mu sync.Mutex
	// extractMu serialises code extraction.
	extractMu sync.Mutex

	hooksMu    sync.RWMutex
	exec       Executor
	codeSource CodeSource
	sinks      map[string]DestinationSink
	queueSrc   QueueSource

	urlKey []byte
	queue  *asyncQueue
	esm    *esmManager
}

// New returns the Lambda service over sys. roles resolves execution roles
// (pass the IAM service).
func New(sys *service.System, roles Roles, opts Options) (*Service, error) {
	if sys == nil || sys.Store == nil || sys.Clock == nil || sys.Blobs == nil {
		return nil, errors.New("lambda: system needs a store, a clock and a blob store")
	}
	if roles == nil {
		return nil, errors.New("lambda: no IAM role lookup")
	}
	if sys.DataDir == "" {
		return nil, errors.New("lambda: system has no data directory")
	}
	if opts.AsyncWorkers <= 0 {
		opts.AsyncWorkers = 8
	}
	if opts.AccountConcurrency <= 0 {
		opts.AccountConcurrency = 1000
	}
	if opts.ESMScaleInterval <= 0 {
		opts.ESMScaleInterval = time.Second
	}
	if opts.ESMRetryBackoff <= 0 {
		opts.ESMRetryBackoff = time.Second
	}
	m := sys.Metrics
	if m == nil {
		m = metrics.Discard{}
	}
	lg := sys.Log
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	db := sys.Store
	s := &Service{
		region: sys.Region, account: sys.Account, endpoint: sys.Endpoint,
		clock: sys.Clock, db: db, blobs: sys.Blobs, log: lg, metrics: m, roles: roles, opts: opts,
		codeRoot:    filepath.Join(sys.DataDir, "lambda", "code"),
		fns:         store.NewTable[functionRecord](db, "lambda/fn/"),
		versions:    store.NewTable[config](db, "lambda/ver/"),
		aliases:     store.NewTable[aliasRecord](db, "lambda/alias/"),
		policies:    store.NewTable[policyRecord](db, "lambda/policy/"),
		eic:         store.NewTable[eventInvokeRecord](db, "lambda/eic/"),
		async:       store.NewTable[asyncEvent](db, "lambda/async/"),
		undelivered: store.NewTable[Undelivered](db, "lambda/undelivered/"),
		esmTable:    store.NewTable[esmRecord](db, "lambda/esm/"),
		meta:        store.NewTable[[]byte](db, "lambda/meta/"),
		sinks:       map[string]DestinationSink{},
	}
	if err := s.loadURLKey(); err != nil {
		return nil, err
	}
	s.queue = newAsyncQueue(s, opts.AsyncWorkers)
	s.esm = newESMManager(s)
	return s, nil
}

// API returns the Lambda API model.
func (s *Service) API() *awsapi.Service { return lambdaapi.API() }

// Handlers returns the implemented Lambda operations.
func (s *Service) Handlers() map[string]awsapi.Handler { return lambdaapi.Bind(s) }

// Start starts the asynchronous invocation workers and the event source
// mapping pollers, resuming the events and mappings persisted before the
// last shutdown.
func (s *Service) Start(ctx context.Context) error {
	if err := s.queue.start(); err != nil {
		return err
	}
	return s.esm.start()
}

// Stop stops the event source mapping pollers and the asynchronous workers
// and waits for them; queued events and mappings stay in the store and
// resume on the next Start.
func (s *Service) Stop(ctx context.Context) error {
	errESM := s.esm.stop(ctx)
	return errors.Join(errESM, s.queue.stop(ctx))
}

// Reset drops in-memory state after the store was emptied: pending timers of
// the asynchronous queue and the code URL key.
func (s *Service) Reset(ctx context.Context) error {
	s.queue.reset()
	s.esm.reset()
	return s.loadURLKey()
}

// SetExecutor installs the executor that runs invocations (the runtime pool).
func (s *Service) SetExecutor(e Executor) {
	s.hooksMu.Lock()
	s.exec = e
	s.hooksMu.Unlock()
}

// SetCodeSource installs the source of S3 code packages (the S3 service).
func (s *Service) SetCodeSource(c CodeSource) {
	s.hooksMu.Lock()
	s.codeSource = c
	s.hooksMu.Unlock()
}

// SetDestinationSink installs the sink delivering destination and
// dead-letter records to ARNs of the given service ("sqs", "sns", "events",
// "s3"). Lambda destinations are delivered by the Lambda service itself.
func (s *Service) SetDestinationSink(arnService string, d DestinationSink) {
	s.hooksMu.Lock()
	s.sinks[arnService] = d
	s.hooksMu.Unlock()
}

func (s *Service) executor() Executor {
	s.hooksMu.RLock()
	defer s.hooksMu.RUnlock()
	return s.exec
}

func (s *Service) loadURLKey() error {
	k, err := s.meta.Get("urlkey")
	if err == nil && len(k) >= 32 {
		s.urlKey = k
		return nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("lambda: load url key: %w", err)
	}
	k = make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return fmt.Errorf("lambda: url key: %w", err)
	}
	if err := s.meta.Save("urlkey", k, true); err != nil {
		return fmt.Errorf("lambda: save url key: %w", err)
	}
	s.urlKey = k
	return nil
}

// now is the current Nubo time (requests carry the same clock's time).
func (s *Service) now(context.Context) time.Time {
	return s.clock.Now()
}
