package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/runtime/bootstrap"
	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/runtime/zygote"
	"github.com/nubo/nubo/internal/service/lambda"
)

// Defaults applied by New.
const (
	DefaultIdleTimeout        = 10 * time.Minute
	DefaultAccountConcurrency = 1000
	// InitLimit is Lambda's limit on the init phase of on-demand functions.
	InitLimit = 10 * time.Second
	// PidsMax is the task limit of an instance.
	PidsMax = 1024
	// credentialLifetime is how long an instance's role credentials last;
	// an instance is retired before they expire.
	credentialLifetime = 12 * time.Hour
)

// CredentialIssuer issues an execution role's temporary credentials;
// *sts.Service implements it.
type CredentialIssuer interface {
	IssueRoleCredentials(ctx context.Context, roleARN, sessionName string, d time.Duration) (auth.Credential, error)
}

// Config configures a Pool.
type Config struct {
	// Clock is the Nubo clock; idle reaping runs on its timers. Nil means a
	// clock of its own (real time), closed with the pool.
	Clock clock.Scheduler
	// Credentials issues the execution role's credentials; nil leaves the
	// AWS_ACCESS_KEY_ID… variables unset.
	Credentials CredentialIssuer
	// Logs receives function logs; nil discards them (LogTail still works).
	Logs LogSink
	// Metrics receives UnreservedConcurrentExecutions; nil discards it.
	Metrics metrics.Sink
	// Endpoint is Nubo's URL for AWS_ENDPOINT_URL ("" leaves it unset).
	Endpoint string
	// Region and Account are defaults for versions that carry none.
	Region, Account string
	// WorkDir holds the pool's files (the Python runtime directory).
	WorkDir string
	// IdleTimeout is how long an idle instance lives, in Nubo time
	// (default DefaultIdleTimeout).
	IdleTimeout time.Duration
	// AccountConcurrency is the account's concurrency limit when a version
	// does not carry one (default DefaultAccountConcurrency).
	AccountConcurrency int
	// Log receives the pool's own diagnostics (default slog.Default()).
	Log *slog.Logger
	// CodeRoot is the directory whose subdirectories are the versions'
	// code directories (the Lambda service's <data dir>/lambda/code).
	// Python instances whose Version.CodeDir lies directly in it are forked
	// from a zygote; "" starts every instance with sandbox.Start.
	CodeRoot string
	// DisableZygote starts every instance with sandbox.Start.
	DisableZygote bool
}

// versionKey identifies the configuration instances are started for.
type versionKey struct {
	functionARN, version, codeSha, revision string
}

func keyOf(v *lambda.Version) versionKey {
	return versionKey{v.FunctionARN, v.Version, v.CodeSha256, v.RevisionID}
}

// group is the set of instances of one versionKey.
type group struct {
	idle []*instance // most recently used last
	all  map[*instance]struct{}
}

// Pool runs invocations on warm or new function instances. It implements
// lambda.Executor and is safe for concurrent use.
type Pool struct {
	cfg       Config
	clock     clock.Scheduler
	ownsClock *clock.Virtual
	log       *slog.Logger
	python    pythonRuntime
	info      Info
	forks     *forks
	// tweakZygote, set by tests only, adjusts zygote configurations.
	tweakZygote func(*zygote.Config)
	ship        *shipper

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	groups map[versionKey]*group
	limits limits
}

var _ lambda.Executor = (*Pool)(nil)

// New creates a pool. It writes the Python bootstrap under WorkDir and
// probes the host's Python once (a missing Python only fails Python
// invocations).
func New(cfg Config) (*Pool, error) {
	if cfg.WorkDir == "" {
		return nil, errors.New("pool: WorkDir is required")
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.AccountConcurrency <= 0 {
		cfg.AccountConcurrency = DefaultAccountConcurrency
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.CodeRoot != "" {
		root, err := filepath.Abs(cfg.CodeRoot)
		if err != nil {
			return nil, fmt.Errorf("pool: code root: %w", err)
		}
		cfg.CodeRoot = root
	}
	p := &Pool{cfg: cfg, clock: cfg.Clock, log: cfg.Log, groups: map[versionKey]*group{}, limits: newLimits()}
	if p.clock == nil {
		p.ownsClock = clock.NewVirtual()
		p.clock = p.ownsClock
	}
	p.initPython()
	mode, reason := sandbox.Supported()
	p.info.Sandbox, p.info.SandboxReason = mode.String(), reason
	p.forks = p.newForks()
	p.ctx, p.cancel = context.WithCancel(context.Background())
	if cfg.Logs != nil {
		p.ship = newShipper(cfg.Logs, cfg.Log)
		go p.ship.run() // stopped and waited for by ship.close
	}
	return p, nil
}

// initPython writes the bootstrap and detects the host interpreter.
func (p *Pool) initPython() {
	dir := filepath.Join(p.cfg.WorkDir, "runtime", "python")
	if _, err := bootstrap.WriteRuntime(dir); err != nil {
		p.python.err = err
	} else if err := chmodPath(p.cfg.WorkDir, dir); err != nil {
		p.python.err = err
	}
	p.python.runtimeDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	py, err := sandbox.DetectPython(ctx)
	if p.python.err == nil {
		p.python.py, p.python.err = py, err
	}
	if p.python.err != nil {
		p.info.PythonError = p.python.err.Error()
		return
	}
	p.info.Python, p.info.PythonPrefix = py.Version, py.HostPrefix
	if py.Boto3InPrefix || mode() == sandbox.Process {
		p.info.Boto3 = py.Boto3Version
	}
}

func mode() sandbox.Mode {
	m, _ := sandbox.Supported()
	return m
}

// chmodPath makes dir and its parents up to base readable and searchable
// by the unprivileged function user.
func chmodPath(base, dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("pool: %w", err)
		}
		if d == base || d == filepath.Dir(d) {
			return nil
		}
	}
}

// Mode describes the sandbox mode, the Python runtime and the zygote, for
// the health report.
func (p *Pool) Mode() Info {
	i := p.info
	i.Zygote, i.ZygoteDetail = p.forks.info()
	return i
}

// Stats is a snapshot of the pool.
type Stats struct {
	// ConcurrentExecutions is the number of invocations in flight.
	ConcurrentExecutions int
	// UnreservedConcurrentExecutions counts those of functions without
	// reserved concurrency.
	UnreservedConcurrentExecutions int
	// Instances and IdleInstances count live instances.
	Instances, IdleInstances int
	// Functions maps unqualified function ARNs to their counts.
	Functions map[string]FunctionStats
	// ZygoteStarts and SandboxStarts count the instances started so far
	// by forking a zygote and with sandbox.Start.
	ZygoteStarts, SandboxStarts int64
}

// FunctionStats are one function's counts.
type FunctionStats struct {
	ConcurrentExecutions int
	Instances, Idle      int
}

// Stats returns a snapshot of executions and instances.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{ConcurrentExecutions: p.limits.total, UnreservedConcurrentExecutions: p.limits.unreserved,
		Functions: map[string]FunctionStats{}, ZygoteStarts: p.forks.zygoteStarts.Load(),
		SandboxStarts: p.forks.sandboxStarts.Load()}
	for fn, n := range p.limits.perFn {
		s.Functions[fn] = FunctionStats{ConcurrentExecutions: n}
	}
	for k, g := range p.groups {
		f := s.Functions[k.functionARN]
		f.Instances += len(g.all)
		f.Idle += len(g.idle)
		s.Functions[k.functionARN] = f
		s.Instances += len(g.all)
		s.IdleInstances += len(g.idle)
	}
	return s
}

// ConcurrentExecutions returns the number of invocations in flight.
func (p *Pool) ConcurrentExecutions() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limits.total
}

// FunctionConcurrency returns the invocations in flight of one function
// (unqualified ARN).
func (p *Pool) FunctionConcurrency(functionARN string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limits.perFn[functionARN]
}

// Retire drops the warm instances of a function version: idle ones die now,
// busy ones after their invocation.
func (p *Pool) Retire(functionARN, version string) {
	p.mu.Lock()
	var victims []*instance
	for k, g := range p.groups {
		if k.functionARN != functionARN || k.version != version {
			continue
		}
		victims = append(victims, p.dropGroupLocked(k, g)...)
	}
	p.mu.Unlock()
	p.closeAsync(victims...)
}

// dropGroupLocked removes a group; it returns its idle instances (to close)
// and marks the busy ones retired.
func (p *Pool) dropGroupLocked(k versionKey, g *group) []*instance {
	idle := g.idle
	for _, in := range idle {
		in.stopIdleTimerLocked()
	}
	for in := range g.all {
		in.retired = true
	}
	g.idle = nil
	delete(p.groups, k)
	return idle
}

// FlushLogs waits until the log events of finished invocations have been
// handed to the log sink.
func (p *Pool) FlushLogs() {
	if p.ship != nil {
		p.ship.wait()
	}
}

// Close kills every instance, ships the remaining logs and waits for the
// pool's goroutines. Invocations in flight fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	var all []*instance
	for k, g := range p.groups {
		p.dropGroupLocked(k, g)
		for in := range g.all {
			all = append(all, in)
		}
	}
	p.mu.Unlock()
	p.cancel()
	for _, in := range all {
		in.kill()
	}
	p.closeAsync(all...)
	p.wg.Wait()
	// The zygotes go last: instances forked from one die with it.
	err := p.forks.close()
	if p.ship != nil {
		p.ship.close()
	}
	if p.ownsClock != nil {
		_ = p.ownsClock.Close()
	}
	if err != nil {
		return fmt.Errorf("pool: closing zygotes: %w", err)
	}
	return nil
}

// closeAsync closes instances on goroutines the pool waits for.
func (p *Pool) closeAsync(list ...*instance) {
	for _, in := range list {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.closeInstance(in)
		}()
	}
}
