package logs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

// Service is Nubo's CloudWatch Logs: log groups, log streams and their events,
// retention, tags and subscription filters, kept in sys.Store under "logs/".
//
// Locking: mu guards the existence of groups and streams (creating and
// deleting them takes it exclusively; writing and reading events take it
// shared). Each stream's metadata has its own mutex (streamState.mu), taken
// after mu and held through the durable commit of an append so that a stream's
// records are written in order. subsMu guards the subscriber list only.
type Service struct {
	region  string
	account string
	clock   clock.Scheduler
	db      store.DB

	mu      sync.RWMutex
	groups  *store.Table[groupRecord]
	streams *store.Table[streamRecord]
	filters *store.Table[filterRecord]

	cacheMu sync.Mutex
	cache   map[string]*streamState // by streamKey(group, stream)

	subsMu  sync.Mutex
	subs    map[uint64]func(group, stream string, events []Event)
	nextSub uint64

	sweep sweeper
}

// New returns the CloudWatch Logs service of sys.Account in sys.Region. Its
// retention sweeper runs on sys.Clock once Start is called.
func New(sys *service.System) (*Service, error) {
	if sys == nil || sys.Store == nil || sys.Clock == nil {
		return nil, errors.New("logs: system needs a store and a clock")
	}
	if sys.Account == "" || sys.Region == "" {
		return nil, errors.New("logs: system needs an account and a region")
	}
	return newService(sys.Region, sys.Account, sys.Clock, sys.Store), nil
}

func newService(region, account string, clk clock.Scheduler, db store.DB) *Service {
	return &Service{
		region:  region,
		account: account,
		clock:   clk,
		db:      db,
		groups:  store.NewTable[groupRecord](db, groupPrefix),
		streams: store.NewTable[streamRecord](db, streamPrefix),
		filters: store.NewTable[filterRecord](db, filterPrefix),
		cache:   map[string]*streamState{},
		subs:    map[uint64]func(string, string, []Event){},
	}
}

// API returns the CloudWatch Logs API model.
func (s *Service) API() *awsapi.Service { return logsapi.API() }

// Handlers returns the implemented CloudWatch Logs operations.
func (s *Service) Handlers() map[string]awsapi.Handler { return logsapi.Bind(s) }

// Start schedules the retention sweeper; events already past their group's
// retention are deleted at once.
func (s *Service) Start(ctx context.Context) error {
	s.sweep.start(s)
	return s.runSweep()
}

// Stop cancels the retention sweeper.
func (s *Service) Stop(ctx context.Context) error {
	s.sweep.stop()
	return nil
}

// Reset forgets cached stream state after the store was emptied.
func (s *Service) Reset(ctx context.Context) error {
	s.mu.Lock()
	s.cacheMu.Lock()
	s.cache = map[string]*streamState{}
	s.cacheMu.Unlock()
	s.mu.Unlock()
	return s.runSweep()
}

// now returns the request's time on the Nubo clock, or the clock's time.
func (s *Service) now(ctx context.Context) time.Time {
	if r := awsapi.RequestFrom(ctx); r != nil && !r.Time.IsZero() {
		return r.Time
	}
	return s.clock.Now()
}

// Errors CloudWatch Logs answers.
func invalidParameter(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidParameterException", http.StatusBadRequest, format, args...)
}

func notFound(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceNotFoundException", http.StatusBadRequest, format, args...)
}

func alreadyExists(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceAlreadyExistsException", http.StatusBadRequest, format, args...)
}

func limitExceeded(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("LimitExceededException", http.StatusBadRequest, format, args...)
}

func errGroupNotFound() *awsapi.Error { return notFound("The specified log group does not exist.") }

func errStreamNotFound() *awsapi.Error { return notFound("The specified log stream does not exist.") }

// wrapStore wraps a store failure.
func wrapStore(err error) error { return fmt.Errorf("logs: store: %w", err) }

// commit applies b durably.
func commit(b store.Batch) error {
	if err := b.Commit(true); err != nil {
		return fmt.Errorf("logs: commit: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// millis returns t as milliseconds since the epoch.
func millis(t time.Time) int64 { return t.UnixMilli() }
