package sns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

// Config tunes the service; the zero value is AWS's behaviour.
type Config struct {
	// Workers is the number of delivery goroutines (default 8).
	Workers int
	// ManagedRetry is the retry policy for AWS-managed endpoints (SQS,
	// Lambda, email, SMS); nil means AWS's: 3 immediate retries, 2 at 1 s,
	// 10 backing off exponentially to 20 s, then 100,000 at 20 s.
	ManagedRetry *RetryPolicy
	// HTTPClient sends HTTP/S deliveries (default: 15 s timeout, as AWS).
	HTTPClient *http.Client
}

// Service is Nubo's SNS: topics, subscriptions and durable fan-out.
//
// Lock order: mu before sched.mu; no other lock is held while calling a
// delivery target.
type Service struct {
	sys     *service.System
	region  string
	account string
	clock   *clock.Virtual
	db      store.DB
	metrics metrics.Sink
	log     *slog.Logger
	cfg     Config
	http    *http.Client

	topicsT *store.Table[topicRecord]
	subsT   *store.Table[subRecord]
	outbox  *store.Table[delivery]
	mail    *store.Table[MailRecord]
	dedup   *store.Table[dedupRecord]

	mu     sync.RWMutex
	topics map[string]*topicRecord // by ARN
	subs   map[string]*subRecord   // by ARN
	tokens map[string]string       // confirmation token → subscription ARN

	filters sync.Map // "<body>/<policy>" → *filterPolicy

	signMu  sync.Mutex
	signing *signer

	targetMu sync.RWMutex
	queueT   QueueTarget
	funcT    FunctionTarget

	sched *scheduler
}

// New returns the SNS service of sys.Region with AWS's default behaviour; see
// NewWithConfig.
func New(sys *service.System) (*Service, error) { return NewWithConfig(sys, Config{}) }

// NewWithConfig returns the SNS service of sys.Region, keeping its state in
// sys.Store under "sns/" and loading the topics and subscriptions already
// there. Pending deliveries are resumed by Start.
func NewWithConfig(sys *service.System, cfg Config) (*Service, error) {
	if sys == nil || sys.Store == nil || sys.Clock == nil {
		return nil, errors.New("sns: system needs a store and a clock")
	}
	if sys.Account == "" || sys.Region == "" {
		return nil, errors.New("sns: system needs an account and a region")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	s := &Service{
		sys: sys, region: sys.Region, account: sys.Account, clock: sys.Clock, db: sys.Store,
		metrics: sys.Metrics, log: sys.Log, cfg: cfg, http: cfg.HTTPClient,
		topicsT: store.NewTable[topicRecord](sys.Store, prefixTopic),
		subsT:   store.NewTable[subRecord](sys.Store, prefixSub),
		outbox:  store.NewTable[delivery](sys.Store, prefixOutbox),
		mail:    store.NewTable[MailRecord](sys.Store, prefixMail),
		dedup:   store.NewTable[dedupRecord](sys.Store, prefixDedup),
	}
	if s.metrics == nil {
		s.metrics = metrics.Discard{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: 15 * time.Second}
	}
	s.sched = newScheduler(s)
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// load rebuilds the in-memory indexes from the store.
func (s *Service) load() error {
	topics := map[string]*topicRecord{}
	subs := map[string]*subRecord{}
	tokens := map[string]string{}
	err := s.topicsT.List("", "", 0, func(_ string, t topicRecord) bool {
		topics[t.ARN] = &t
		return true
	})
	if err != nil {
		return internal("load topics", err)
	}
	err = s.subsT.List("", "", 0, func(_ string, r subRecord) bool {
		subs[r.ARN] = &r
		if !r.Confirmed && r.Token != "" {
			tokens[r.Token] = r.ARN
		}
		return true
	})
	if err != nil {
		return internal("load subscriptions", err)
	}
	s.mu.Lock()
	s.topics, s.subs, s.tokens = topics, subs, tokens
	s.mu.Unlock()
	return nil
}

// API returns the SNS API model.
func (s *Service) API() *awsapi.Service { return snsapi.API() }

// Handlers returns the implemented SNS operations.
func (s *Service) Handlers() map[string]awsapi.Handler { return snsapi.Bind(s) }

// Start starts the delivery workers and resumes the deliveries pending in
// the store.
func (s *Service) Start(ctx context.Context) error { return s.sched.start() }

// Stop stops the delivery workers and waits for them; pending deliveries
// stay in the store.
func (s *Service) Stop(ctx context.Context) error {
	s.sched.stop()
	return nil
}

// Reset reloads the in-memory state after the store was emptied and drops
// scheduled deliveries.
func (s *Service) Reset(ctx context.Context) error {
	s.sched.clear()
	s.signMu.Lock()
	s.signing = nil
	s.signMu.Unlock()
	return s.load()
}

// now returns the request's time on the Nubo clock.
func (s *Service) now(ctx context.Context) time.Time {
	if r := awsapi.RequestFrom(ctx); r != nil && !r.Time.IsZero() {
		return r.Time.UTC()
	}
	return s.clock.Now().UTC()
}

// endpoint returns the URL clients reach Nubo at, for links in messages.
func (s *Service) endpoint(ctx context.Context) string {
	if s.sys.Endpoint != "" {
		return strings.TrimRight(s.sys.Endpoint, "/")
	}
	if r := awsapi.RequestFrom(ctx); r != nil && r.Endpoint != "" {
		return strings.TrimRight(r.Endpoint, "/")
	}
	return "http://127.0.0.1:4566"
}

// topicARN returns the ARN of the topic called name.
func (s *Service) topicARN(name string) string {
	return fmt.Sprintf("arn:aws:sns:%s:%s:%s", s.region, s.account, name)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// commit applies b durably.
func commit(b store.Batch) error {
	if err := b.Commit(true); err != nil {
		return internal("commit", err)
	}
	return nil
}

// record sends metric data for topicName.
func (s *Service) record(topicARN, metric string, v float64, unit string) {
	name := topicARN[strings.LastIndexByte(topicARN, ':')+1:]
	s.metrics.Record(context.Background(), metrics.Datum{Namespace: "AWS/SNS", MetricName: metric,
		Dimensions: []metrics.Dimension{{Name: "TopicName", Value: name}}, Time: s.clock.Now(), Value: v, Unit: unit})
}
