package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/runtime/zygote"
	"github.com/nubo/nubo/internal/service/lambda"
)

const (
	// zygoteRetry is how long the pool waits before it tries again to start
	// a zygote that failed to start; cold starts use sandbox.Start meanwhile.
	zygoteRetry = time.Minute
	// zygoteWarmLimit bounds a zygote's start (importing its modules).
	zygoteWarmLimit = time.Minute
)

// Zygote states reported by Info.Zygote.
const (
	ZygoteDisabled = "disabled" // every instance starts with sandbox.Start
	ZygoteIdle     = "idle"     // enabled; starts with the first Python cold start
	ZygoteRunning  = "running"  // Python cold starts fork from it
	ZygoteFailed   = "failed"   // it failed to start; retried after a while
)

// forks holds the pool's zygotes, one per Python interpreter (host
// prefix and executable), created on the first cold start that can use
// one.
type forks struct {
	disabled string // why no zygote is used at all ("" when they may be)

	mu       sync.Mutex
	byPython map[string]*fork
	closed   bool

	zygoteStarts, sandboxStarts atomic.Int64
}

// fork is the zygote of one interpreter and its start failures.
type fork struct {
	warmMu   sync.Mutex     // one start attempt at a time
	z        *zygote.Zygote // nil when zygote.New failed
	version  string         // its Python version once it started
	failedAt time.Time      // last failure to create or start it
	err      error          // that failure; nil after a successful start
}

// newForks decides whether the pool may use zygotes at all.
func (p *Pool) newForks() *forks {
	f := &forks{byPython: map[string]*fork{}}
	switch {
	case p.cfg.DisableZygote:
		f.disabled = "disabled by configuration"
	case p.cfg.CodeRoot == "":
		f.disabled = "no code root configured"
	case mode() != sandbox.Isolated:
		f.disabled = "the sandbox runs in process mode"
	case p.python.err != nil:
		f.disabled = "python unavailable"
	}
	return f
}

// underCodeRoot reports whether dir is a directory directly in the code
// root, the only place a zygote can mount code from.
func (p *Pool) underCodeRoot(dir string) bool {
	if !filepath.IsAbs(dir) {
		return false
	}
	return filepath.Dir(filepath.Clean(dir)) == filepath.Clean(p.cfg.CodeRoot)
}

// zygoteFor returns the zygote that can start an instance of v with
// environment env, or nil and why the instance must start with
// sandbox.Start.
func (p *Pool) zygoteFor(v *lambda.Version, kind runtimeKind, env []string) (*zygote.Zygote, string) {
	switch {
	case p.forks.disabled != "":
		return nil, p.forks.disabled
	case kind != kindPython:
		return nil, "not a Python runtime"
	case len(v.Layers) > 0:
		return nil, "the function has layers"
	case !p.underCodeRoot(v.CodeDir):
		return nil, "the code directory is not in the code root"
	}
	py := p.python.py
	e, err := p.forks.get(p, py)
	if err != nil {
		return nil, err.Error()
	}
	if err := e.z.Compatible(env); err != nil {
		return nil, err.Error()
	}
	if err := p.warm(e, py); err != nil {
		return nil, err.Error()
	}
	if got := e.z.PythonVersion(); got != py.Version {
		return nil, fmt.Sprintf("the zygote runs Python %s, the runtime %s", got, py.Version)
	}
	return e.z, ""
}

// warm starts e's zygote unless it runs. Cold starts that find it
// starting wait for that one attempt; after a failure they use
// sandbox.Start until zygoteRetry has passed.
func (p *Pool) warm(e *fork, py sandbox.Python) error {
	e.warmMu.Lock()
	defer e.warmMu.Unlock()
	if err := p.forks.recentFailure(e); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(p.ctx, zygoteWarmLimit)
	err := e.z.Warm(ctx)
	cancel()
	if err != nil {
		if p.ctx.Err() == nil {
			p.forks.failed(e, err)
			p.log.Warn("pool: the Python zygote did not start; cold starts use sandbox.Start", "err", err)
		}
		return err
	}
	p.forks.started(e, e.z.PythonVersion())
	return nil
}

func pythonKey(py sandbox.Python) string { return py.HostPrefix + "\x00" + py.Executable }

// get returns the zygote entry of py, creating its zygote (not starting
// it) on first use.
func (f *forks) get(p *Pool, py sandbox.Python) (*fork, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, ErrClosed
	}
	k := pythonKey(py)
	e := f.byPython[k]
	if e == nil {
		e = &fork{}
		f.byPython[k] = e
	}
	if err := e.recentFailureLocked(); err != nil {
		return nil, err
	}
	if e.z == nil {
		z, err := zygote.New(p.zygoteConfig(py))
		if err != nil {
			e.err, e.failedAt = err, time.Now()
			p.log.Warn("pool: cannot create the Python zygote; cold starts use sandbox.Start", "err", err)
			return nil, err
		}
		e.z = z
	}
	return e, nil
}

// recentFailure returns e's last failure while it is being waited out.
func (f *forks) recentFailure(e *fork) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return e.recentFailureLocked()
}

func (e *fork) recentFailureLocked() error {
	if e.err != nil && time.Since(e.failedAt) < zygoteRetry {
		return fmt.Errorf("zygote failed %s ago: %w", time.Since(e.failedAt).Round(time.Second), e.err)
	}
	return nil
}

// started records that e's zygote runs Python version.
func (f *forks) started(e *fork, version string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.version, e.err = version, nil
}

// failed records that e's zygote failed to start.
func (f *forks) failed(e *fork, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.err, e.failedAt = err, time.Now()
}

// zygoteConfig is the zygote of interpreter py: its environment is what
// buildEnv gives a Python function by default, so an instance of a
// function that sets no start-up variable of its own is Compatible.
func (p *Pool) zygoteConfig(py sandbox.Python) zygote.Config {
	preload := zygote.DefaultPreload()
	if !py.Boto3InPrefix {
		preload = slicesWithout(preload, "boto3")
	}
	env := []string{"PATH=" + pythonPath, "LANG=" + defaultLang, "TZ=" + defaultTZ,
		"LD_LIBRARY_PATH=" + pythonLibraryPath(py.Env)}
	cfg := zygote.Config{Python: py, CodeRoot: filepath.Clean(p.cfg.CodeRoot), RuntimeDir: p.python.runtimeDir,
		Preload: preload, Env: env, Log: &slogWriter{log: p.log}}
	if p.tweakZygote != nil {
		p.tweakZygote(&cfg)
	}
	return cfg
}

func slicesWithout(list []string, drop string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}

// close stops every zygote (after the pool's instances are gone).
func (f *forks) close() error {
	f.mu.Lock()
	f.closed = true
	list := f.byPython
	f.byPython = map[string]*fork{}
	f.mu.Unlock()
	var errs []error
	for _, e := range list {
		if e.z != nil {
			errs = append(errs, e.z.Close())
		}
	}
	return errors.Join(errs...)
}

// info reports the zygote's state for Info.
func (f *forks) info() (state, detail string) {
	if f.disabled != "" {
		return ZygoteDisabled, f.disabled
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	state = ZygoteIdle
	for _, e := range f.byPython {
		switch {
		case e.err == nil && e.version != "":
			return ZygoteRunning, "python " + e.version
		case e.err != nil:
			state, detail = ZygoteFailed, e.err.Error()
		}
	}
	return state, detail
}

// slogWriter forwards a zygote's own output (normally none) to the
// pool's log.
type slogWriter struct {
	log *slog.Logger
}

func (w *slogWriter) Write(b []byte) (int, error) {
	w.log.Warn("pool: zygote output", "text", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
