// Package server assembles a Nubo server: it opens the platform primitives under
// the data directory (store, blobs, clock, bus, metrics), constructs every service
// with them, registers the services with the edge, serves HTTP on one listener and
// shuts everything down in order. The CLI's `nubo server` and the in-process test
// servers both use it. Each connection holds the response the edge encodes and
// sends it in one write once net/http has finished it (coalesce.go).
package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/edge"
	"github.com/nubo/nubo/internal/platform/blobs"
	"github.com/nubo/nubo/internal/platform/bus"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/runtime/pool"
	"github.com/nubo/nubo/internal/service"
	"github.com/nubo/nubo/internal/service/iam"
	"github.com/nubo/nubo/internal/service/lambda"
	"github.com/nubo/nubo/internal/service/logs"
	"github.com/nubo/nubo/internal/service/s3"
	"github.com/nubo/nubo/internal/service/sns"
	"github.com/nubo/nubo/internal/service/sqs"
	"github.com/nubo/nubo/internal/service/sts"
)

// Dev root credentials, accepted by default on loopback listeners.
const (
	DevAccessKeyID     = "test"
	DevSecretAccessKey = "test"
)

// Config configures a server. Its zero value, after Defaults, is a loopback
// server on 127.0.0.1:4566 with the dev credentials.
type Config struct {
	// Listen is the TCP address to serve on; ":0" picks a free port.
	Listen string
	// DataDir holds all state.
	DataDir string
	// Region and Account are the defaults for requests and ARNs.
	Region  string
	Account string
	// RootAccessKeyID and RootSecretAccessKey are the account's root
	// credentials. The dev pair test/test is refused on non-loopback listeners.
	RootAccessKeyID     string
	RootSecretAccessKey string
	// Hostnames are extra host names for virtual-host S3 addressing.
	Hostnames []string
	// Version is reported by /_nubo/health.
	Version string
	// Log receives the server log; nil discards it.
	Log *slog.Logger
}

// Defaults fills in unset fields.
func (c *Config) Defaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:4566"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Account == "" {
		c.Account = "000000000000"
	}
	if c.RootAccessKeyID == "" && c.RootSecretAccessKey == "" {
		c.RootAccessKeyID, c.RootSecretAccessKey = DevAccessKeyID, DevSecretAccessKey
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Version == "" {
		c.Version = "dev"
	}
}

// Server is a running Nubo.
type Server struct {
	cfg      Config
	sys      *service.System
	edge     *edge.Server
	services []service.Service
	sts      *sts.Service
	logs     *logs.Service
	lambda   *lambda.Service
	pool     *pool.Pool
	started  time.Time

	ln      net.Listener
	http    *http.Server
	serveWG sync.WaitGroup
	// advanceMu serialises clock advances and resets.
	advanceMu sync.Mutex
}

// clockOffsetKey is where the clock offset is persisted, so that Nubo time never
// goes backwards across a restart after an advance.
var clockOffsetKey = []byte("nubo/clock/offset")

// New opens the data directory and constructs every service. Call Start to serve.
func New(cfg Config) (*Server, error) {
	cfg.Defaults()
	if cfg.DataDir == "" {
		return nil, errors.New("server: no data directory")
	}
	if err := checkCredentials(cfg); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	s := &Server{cfg: cfg, started: time.Now()}
	if err := s.openPlatform(); err != nil {
		s.closePlatform()
		return nil, err
	}
	if err := s.buildServices(); err != nil {
		s.closePlatform()
		return nil, err
	}
	return s, nil
}

// checkCredentials refuses the dev root credentials on a non-loopback listener.
func checkCredentials(cfg Config) error {
	if cfg.RootAccessKeyID == "" || cfg.RootSecretAccessKey == "" {
		return errors.New("server: root access key id and secret must both be set")
	}
	if cfg.RootAccessKeyID != DevAccessKeyID || cfg.RootSecretAccessKey != DevSecretAccessKey {
		return nil
	}
	if isLoopback(cfg.Listen) {
		return nil
	}
	return fmt.Errorf("server: refusing to listen on %s with the dev credentials test/test: "+
		"set other root credentials (--root-access-key-id/--root-secret-access-key or "+
		"NUBO_ROOT_ACCESS_KEY_ID/NUBO_ROOT_SECRET_ACCESS_KEY) or listen on a loopback address", cfg.Listen)
}

// isLoopback reports whether a listen address binds only loopback interfaces.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) openPlatform() error {
	db, err := store.Open(filepath.Join(s.cfg.DataDir, "store"), store.Options{})
	if err != nil {
		return fmt.Errorf("server: open store: %w", err)
	}
	bl, err := blobs.Open(filepath.Join(s.cfg.DataDir, "blobs"))
	if err != nil {
		db.Close()
		return fmt.Errorf("server: open blobs: %w", err)
	}
	clk := clock.NewVirtual()
	if b, err := db.Get(clockOffsetKey); err == nil && len(b) == 8 {
		clk.SetOffset(time.Duration(binary.BigEndian.Uint64(b)))
	}
	s.sys = &service.System{
		Region: s.cfg.Region, Account: s.cfg.Account, DataDir: s.cfg.DataDir,
		Clock: clk, Store: db, Blobs: bl, Bus: bus.New(bus.Options{}), Metrics: metrics.NewRecorder(0, clk.Now),
		Log: s.cfg.Log,
	}
	return nil
}

// buildServices constructs the implemented services and registers every known
// service's model with the edge.
func (s *Server) buildServices() error {
	iamSvc, err := iam.New(s.sys)
	if err != nil {
		return fmt.Errorf("server: iam: %w", err)
	}
	root := auth.Credential{AccessKeyID: s.cfg.RootAccessKeyID, SecretAccessKey: s.cfg.RootSecretAccessKey,
		Caller: awsapi.Caller{AccessKeyID: s.cfg.RootAccessKeyID, Account: s.cfg.Account, Root: true,
			ARN: "arn:aws:iam::" + s.cfg.Account + ":root", UserID: s.cfg.Account}}
	stsSvc, err := sts.New(s.sys, iamSvc, root)
	if err != nil {
		return fmt.Errorf("server: sts: %w", err)
	}
	s.sts = stsSvc
	lambdaSvc, err := lambda.New(s.sys, iamSvc, lambda.Options{})
	if err != nil {
		return fmt.Errorf("server: lambda: %w", err)
	}
	logsSvc, err := logs.New(s.sys)
	if err != nil {
		return fmt.Errorf("server: logs: %w", err)
	}
	snsSvc, err := sns.New(s.sys)
	if err != nil {
		return fmt.Errorf("server: sns: %w", err)
	}
	sqsSvc, err := sqs.New(s.sys)
	if err != nil {
		return fmt.Errorf("server: sqs: %w", err)
	}
	queues := queueSender{sqsSvc}
	snsSvc.SetFunctionTarget(functionTarget{lambdaSvc})
	snsSvc.SetQueueTarget(queues)
	lambdaSvc.SetDestinationSink("sqs", queues)
	lambdaSvc.SetQueueSource(queueSource{sqsSvc})
	lambdaSvc.SetDestinationSink("sns", topicSink{snsSvc})
	s3Svc, err := s3.New(s.sys, s3.Options{})
	if err != nil {
		return fmt.Errorf("server: s3: %w", err)
	}
	s3Svc.SetNotifier(s3Notifier{lambda: lambdaSvc, sns: snsSvc, sqs: queues.sendBody})
	lambdaSvc.SetCodeSource(s3CodeSource{s3Svc})
	s.logs, s.lambda = logsSvc, lambdaSvc
	s.services = []service.Service{iamSvc, stsSvc, logsSvc, s3Svc, sqsSvc, lambdaSvc, snsSvc}
	s.edge = edge.New(edge.Config{
		Region: s.cfg.Region, Account: s.cfg.Account, Hostnames: s.cfg.Hostnames,
		Credentials: stsSvc, Now: s.sys.Clock.Now, Admin: s.adminHandler(), Log: s.cfg.Log,
		S3: s3Raw{s3Svc}, OnRequest: s3Svc.RecordRequest,
	})
	implemented := map[string]bool{}
	for _, svc := range s.services {
		s.edge.Register(svc.API(), svc.Handlers())
		implemented[svc.API().ID] = true
	}
	for _, api := range knownAPIs() {
		if !implemented[api.ID] {
			s.edge.Register(api, nil)
		}
	}
	return nil
}

// Start listens and serves in the background, then starts the services'
// background work.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("server: listen: %w", err)
	}
	s.ln = ln
	s.sys.Endpoint = "http://" + ln.Addr().String()
	if err := s.startRuntime(); err != nil {
		ln.Close()
		return err
	}
	for _, svc := range s.services {
		if st, ok := svc.(service.Starter); ok {
			if err := st.Start(ctx); err != nil {
				ln.Close()
				return fmt.Errorf("server: start %s: %w", svc.API().ID, err)
			}
		}
	}
	s.http = &http.Server{Handler: s.edge, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelDebug), ConnContext: connContext, ConnState: connState}
	s.serveWG.Add(1)
	go func() {
		defer s.serveWG.Done()
		if err := s.http.Serve(coalescingListener{ln}); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Log.Error("serve", "err", err)
		}
	}()
	s.cfg.Log.Info("nubo listening", "addr", ln.Addr().String(), "data_dir", s.cfg.DataDir,
		"region", s.cfg.Region, "account", s.cfg.Account)
	return nil
}

// startRuntime creates the pool that runs function instances; it needs the
// endpoint functions call back on, known once the listener is bound.
func (s *Server) startRuntime() error {
	p, err := pool.New(pool.Config{
		Clock: s.sys.Clock, Credentials: s.sts, Logs: s.logs, Metrics: s.sys.Metrics,
		Endpoint: s.sys.Endpoint, Region: s.cfg.Region, Account: s.cfg.Account,
		WorkDir: filepath.Join(s.cfg.DataDir, "runtime"), Log: s.cfg.Log,
		// Lambda unpacks code under <data dir>/lambda/code/<sha>; the zygote
		// needs that root to hand code directories to forked instances.
		CodeRoot: filepath.Join(s.cfg.DataDir, "lambda", "code"),
	})
	if err != nil {
		return fmt.Errorf("server: function pool: %w", err)
	}
	s.pool = p
	s.lambda.SetExecutor(p)
	return nil
}

// URL is the server's endpoint, e.g. http://127.0.0.1:4566.
func (s *Server) URL() string { return s.sys.Endpoint }

// Handler returns the edge, for serving without a listener.
func (s *Server) Handler() http.Handler { return s.edge }

// Shutdown stops accepting requests, lets in-flight ones finish (until ctx is
// done), stops the services in reverse order and closes the stores.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		s.serveWG.Wait()
	}
	for i := len(s.services) - 1; i >= 0; i-- {
		if st, ok := s.services[i].(service.Stopper); ok {
			if err := st.Stop(ctx); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", s.services[i].API().ID, err))
			}
		}
	}
	// The pool outlives the services: Lambda's async workers may be invoking
	// until they stop.
	if s.pool != nil {
		if err := s.pool.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close function pool: %w", err))
		}
	}
	errs = append(errs, s.closePlatform())
	return errors.Join(errs...)
}

func (s *Server) closePlatform() error {
	if s.sys == nil {
		return nil
	}
	var errs []error
	if s.sys.Clock != nil {
		s.sys.Clock.Close()
	}
	if s.sys.Bus != nil {
		s.sys.Bus.Close()
	}
	if s.sys.Store != nil {
		errs = append(errs, s.sys.Store.Close())
	}
	return errors.Join(errs...)
}

// Advance moves the Nubo clock forward by d, running every timer that falls due,
// and persists the new offset.
func (s *Server) Advance(d time.Duration) error {
	s.advanceMu.Lock()
	defer s.advanceMu.Unlock()
	if err := s.sys.Clock.Advance(d); err != nil {
		return err
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(s.sys.Clock.Offset()))
	batch := s.sys.Store.NewBatch()
	batch.Set(clockOffsetKey, b[:])
	return batch.Commit(true)
}

// Reset drops all state: the store, the blobs and the services' in-memory
// caches. The clock keeps its offset so Nubo time never runs backwards.
func (s *Server) Reset(ctx context.Context) error {
	s.advanceMu.Lock()
	defer s.advanceMu.Unlock()
	if err := s.sys.Store.DropAll(); err != nil {
		return err
	}
	if err := s.sys.Blobs.RemoveAll(); err != nil {
		return err
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(s.sys.Clock.Offset()))
	batch := s.sys.Store.NewBatch()
	batch.Set(clockOffsetKey, b[:])
	if err := batch.Commit(true); err != nil {
		return err
	}
	for _, svc := range s.services {
		if r, ok := svc.(service.Resetter); ok {
			if err := r.Reset(ctx); err != nil {
				return fmt.Errorf("reset %s: %w", svc.API().ID, err)
			}
		}
	}
	return nil
}

// System returns the platform the services run on (for tests).
func (s *Server) System() *service.System { return s.sys }

// serviceStates describes every known service for /_nubo/health.
func (s *Server) serviceStates() map[string]any {
	out := map[string]any{}
	implemented := map[string]service.Service{}
	for _, svc := range s.services {
		implemented[svc.API().ID] = svc
	}
	for _, api := range knownAPIs() {
		n := 0
		state := "not implemented"
		if svc, ok := implemented[api.ID]; ok {
			n = len(svc.Handlers())
			state = "running"
		}
		out[api.ID] = map[string]any{"state": state, "operations": n, "protocols": protocolNames(api)}
	}
	return out
}

func protocolNames(api *awsapi.Service) string {
	names := make([]string, len(api.Protocols))
	for i, p := range api.Protocols {
		names[i] = string(p)
	}
	return strings.Join(names, ",")
}
