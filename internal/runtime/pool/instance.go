package pool

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/runtime/rapi"
	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/runtime/zygote"
	"github.com/nubo/nubo/internal/service/lambda"
	"github.com/nubo/nubo/internal/service/logs"
)

// instance is one running function process with its endpoint and output.
type instance struct {
	p             *Pool
	id            string
	key           versionKey
	group, stream string

	sb  sandbox.Proc
	ep  *rapi.Endpoint
	out *outputReader
	col *collector

	// init is the init duration, reported by the first invocation only.
	init time.Duration
	// expires is when the role credentials expire (Nubo time; zero: none).
	expires time.Time

	exited chan struct{} // closed once exit is set
	exit   sandbox.ExitStatus
	// forked reports an instance forked from a zygote.
	forked bool

	// Guarded by Pool.mu.
	busy      bool
	dead      bool
	retired   bool
	idleTimer clock.Timer
	idleGen   uint64

	closeOnce sync.Once
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("pool: crypto/rand: %v", err)) // never fails on Linux
	}
	return hex.EncodeToString(b)
}

// startError is a failure to start the runtime program itself.
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// startInstance launches an instance of v. The caller owns a wait-group
// count, so the goroutines it starts are accounted for.
func (p *Pool) startInstance(v *lambda.Version, kind runtimeKind) (*instance, error) {
	args, dirs, pyEnv, err := p.launch(kind)
	if err != nil {
		return nil, err
	}
	creds, err := p.credentials(v)
	if err != nil {
		return nil, err
	}
	id := randomHex(16)
	in := &instance{p: p, id: id, key: keyOf(v), group: logGroupOf(v),
		stream: p.clock.Now().UTC().Format("2006/01/02") + "/[" + v.Version + "]" + id,
		exited: make(chan struct{})}
	if creds != nil {
		in.expires = creds.Expires
	}
	if in.ep, err = rapi.NewEndpoint(); err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		_ = in.ep.Close()
		return nil, fmt.Errorf("pool: %w", err)
	}
	var ship func([]logs.Event)
	if p.ship != nil {
		ship = func(ev []logs.Event) { p.ship.send(in.group, in.stream, ev) }
	}
	in.col = newCollector(p.clock, ship)
	in.out = newOutputReader(r, w, in.col, randomHex(8))
	p.wg.Add(1)
	go func() { defer p.wg.Done(); in.out.run() }()
	env := buildEnv(v, kind, envInput{stream: in.stream, runtimeAPI: in.ep.Addr(), endpoint: p.cfg.Endpoint,
		creds: creds, pythonEnv: pyEnv})
	cfg := sandbox.Config{ID: "fn-" + id, CodeDir: v.CodeDir, RuntimeDirs: dirs, TmpSizeMB: v.EphemeralStorage,
		MemoryMB: v.MemorySize, PidsMax: PidsMax, Env: env, Args: args, Stdout: w, Stderr: w}
	in.sb, in.forked, err = p.startProc(v, kind, cfg)
	if err != nil {
		_ = in.ep.Close()
		in.out.close()
		return nil, &startError{err}
	}
	p.wg.Add(1)
	go in.watch()
	return in, nil
}

// startProc starts the instance's processes: forked from the zygote of
// its interpreter when one can start it, else with sandbox.Start.
func (p *Pool) startProc(v *lambda.Version, kind runtimeKind, cfg sandbox.Config) (sandbox.Proc, bool, error) {
	z, why := p.zygoteFor(v, kind, cfg.Env)
	if z != nil {
		ctx, cancel := context.WithTimeout(p.ctx, max(InitLimit, v.Timeout))
		inst, err := z.Spawn(ctx, zygote.SpawnConfig{ID: cfg.ID, CodeDir: filepath.Base(cfg.CodeDir), Env: cfg.Env,
			MemoryMB: cfg.MemoryMB, PidsMax: cfg.PidsMax, TmpSizeMB: cfg.TmpSizeMB, Stdout: cfg.Stdout, Stderr: cfg.Stderr})
		cancel()
		if err == nil {
			p.forks.zygoteStarts.Add(1)
			return inst, true, nil
		}
		if p.ctx.Err() != nil {
			return nil, false, err
		}
		p.log.Warn("pool: forking from the zygote failed; using sandbox.Start", "function", v.FunctionName, "err", err)
	} else if kind == kindPython {
		p.log.Debug("pool: starting a Python instance without the zygote", "function", v.FunctionName, "reason", why)
	}
	inst, err := sandbox.Start(p.ctx, cfg)
	if err != nil {
		return nil, false, err
	}
	p.forks.sandboxStarts.Add(1)
	return inst, false, nil
}

// credentials issues the execution role's credentials for a new instance.
func (p *Pool) credentials(v *lambda.Version) (*auth.Credential, error) {
	if p.cfg.Credentials == nil || v.RoleARN == "" {
		return nil, nil
	}
	name := v.FunctionName
	if len(name) < 2 {
		name += "-fn"
	}
	c, err := p.cfg.Credentials.IssueRoleCredentials(p.ctx, v.RoleARN, name, credentialLifetime)
	if err != nil {
		return nil, fmt.Errorf("pool: credentials of role %s: %w", v.RoleARN, err)
	}
	return &c, nil
}

// watch reaps the instance's process and reports its end.
func (in *instance) watch() {
	defer in.p.wg.Done()
	st, err := in.sb.Wait()
	if err != nil {
		in.p.log.Warn("pool: waiting for instance", "instance", in.id, "err", err)
	}
	in.exit = st
	close(in.exited)
	in.ep.RuntimeExited(errors.New(exitDescription(st)))
	in.p.onExit(in)
}

// waitExit returns how the process ended (after it has).
func (in *instance) waitExit(d time.Duration) (sandbox.ExitStatus, bool) {
	select {
	case <-in.exited:
		return in.exit, true
	case <-time.After(d):
		return sandbox.ExitStatus{Code: -1, Signal: 0}, false
	}
}

// kill kills the instance's processes now.
func (in *instance) kill() {
	if in.sb != nil {
		_ = in.sb.Kill()
	}
}

// stopIdleTimerLocked cancels the idle timer (Pool.mu held).
func (in *instance) stopIdleTimerLocked() {
	if in.idleTimer != nil {
		in.idleTimer.Stop()
		in.idleTimer = nil
	}
	in.idleGen++
}

// closeInstance kills the instance and releases everything it holds.
func (p *Pool) closeInstance(in *instance) {
	in.closeOnce.Do(func() {
		if in.sb != nil {
			if err := in.sb.Close(); err != nil {
				p.log.Warn("pool: closing instance", "instance", in.id, "err", err)
			}
		}
		_ = in.ep.Close()
		in.out.close()
		in.col.flush()
		if p.ship != nil {
			p.ship.forget(in.group, in.stream)
		}
	})
}

// onExit drops an instance whose process ended while it was idle.
func (p *Pool) onExit(in *instance) {
	p.mu.Lock()
	in.dead = true
	if in.busy || p.closed {
		p.mu.Unlock()
		return // the invocation (or Close) disposes of it
	}
	p.removeLocked(in)
	p.mu.Unlock()
	p.closeAsync(in)
}

// removeLocked takes an instance out of its group.
func (p *Pool) removeLocked(in *instance) {
	in.stopIdleTimerLocked()
	g := p.groups[in.key]
	if g == nil {
		return
	}
	delete(g.all, in)
	for i, x := range g.idle {
		if x == in {
			g.idle = append(g.idle[:i], g.idle[i+1:]...)
			break
		}
	}
	if len(g.all) == 0 {
		delete(p.groups, in.key)
	}
}
