package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nubo/nubo/internal/runtime/rapi"
	"github.com/nubo/nubo/internal/service/lambda"
)

// ErrClosed is returned by Invoke after Close.
var ErrClosed = errors.New("pool: closed")

// syncWait bounds the wait for an invocation's output to drain.
const syncWait = 5 * time.Second

// Invoke runs inv on a warm instance of v, or on a new one. Function
// errors, timeouts and crashes are Results with FunctionError "Unhandled";
// a concurrency limit is a *lambda.ThrottleError.
func (p *Pool) Invoke(ctx context.Context, v *lambda.Version, inv *lambda.Invocation) (*lambda.Result, error) {
	kind := classify(v.Runtime)
	if kind == kindUnsupported {
		return nil, fmt.Errorf("pool: unsupported runtime %q", v.Runtime)
	}
	if v.Region == "" || v.Account == "" {
		c := *v
		c.Region, c.Account = orString(c.Region, p.cfg.Region), orString(c.Account, p.cfg.Account)
		v = &c
	}
	budget := p.budget(v, inv)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	n, err := p.limits.admit(v, p.cfg.AccountConcurrency)
	if err != nil {
		p.mu.Unlock()
		return nil, err
	}
	unreserved := p.limits.unreserved
	in := p.takeLocked(v)
	p.wg.Add(1)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.limits.done(v)
		p.mu.Unlock()
		p.wg.Done()
	}()
	if v.ReservedConcurrency < 0 {
		p.recordStart(unreserved)
	}
	res, err := p.invoke(v, kind, in, inv, budget)
	if res != nil {
		res.ConcurrentExecutions = n
	}
	return res, err
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// budget is the time the function may run: until inv.Deadline (Nubo
// time) or, without one, the version's timeout.
func (p *Pool) budget(v *lambda.Version, inv *lambda.Invocation) time.Duration {
	d := v.Timeout
	if !inv.Deadline.IsZero() {
		d = inv.Deadline.Sub(p.clock.Now())
	}
	if d > v.Timeout && v.Timeout > 0 {
		d = v.Timeout
	}
	if d < time.Millisecond {
		d = time.Millisecond
	}
	return d
}

// invoke runs inv on in, cold-starting an instance when in is nil.
func (p *Pool) invoke(v *lambda.Version, kind runtimeKind, in *instance, inv *lambda.Invocation, budget time.Duration) (*lambda.Result, error) {
	if in == nil {
		var res *lambda.Result
		var err error
		in, res, err = p.coldStart(v, kind, inv)
		if in == nil {
			return res, err
		}
	}
	res, healthy, err := p.execute(in, v, inv, budget)
	p.release(in, healthy)
	return res, err
}

// takeLocked pops the most recently used idle instance of v, or returns
// nil. Groups of an older configuration of the same version are dropped.
func (p *Pool) takeLocked(v *lambda.Version) *instance {
	key := keyOf(v)
	var stale []*instance
	for k, g := range p.groups {
		if k != key && k.functionARN == key.functionARN && k.version == key.version {
			stale = append(stale, p.dropGroupLocked(k, g)...)
		}
	}
	if len(stale) > 0 {
		p.closeAsync(stale...)
	}
	g := p.groups[key]
	if g == nil {
		return nil
	}
	limit := p.clock.Now().Add(v.Timeout + time.Minute)
	for len(g.idle) > 0 {
		in := g.idle[len(g.idle)-1]
		g.idle = g.idle[:len(g.idle)-1]
		in.stopIdleTimerLocked()
		if in.dead || (!in.expires.IsZero() && in.expires.Before(limit)) {
			delete(g.all, in)
			p.closeAsync(in)
			continue
		}
		in.busy = true
		return in
	}
	return nil
}

// register adds a new, busy instance to its group. It fails after Close.
func (p *Pool) register(in *instance) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	g := p.groups[in.key]
	if g == nil {
		g = &group{all: map[*instance]struct{}{}}
		p.groups[in.key] = g
	}
	in.busy = true
	g.all[in] = struct{}{}
	return nil
}

// release returns an instance after an invocation: to the idle stack when
// it is healthy and current, else it is closed.
func (p *Pool) release(in *instance, healthy bool) {
	p.mu.Lock()
	in.busy = false
	if p.closed {
		p.mu.Unlock()
		return // Close disposes of every instance
	}
	g := p.groups[in.key]
	member := false
	if g != nil {
		_, member = g.all[in]
	}
	if !member || !healthy || in.dead || in.retired {
		p.removeLocked(in)
		p.mu.Unlock()
		p.closeAsync(in)
		return
	}
	g.idle = append(g.idle, in)
	in.stopIdleTimerLocked()
	gen := in.idleGen
	in.idleTimer = p.clock.AfterFunc(p.cfg.IdleTimeout, func() { p.reap(in, gen) })
	p.mu.Unlock()
}

// reap closes an instance that stayed idle for IdleTimeout.
func (p *Pool) reap(in *instance, gen uint64) {
	p.mu.Lock()
	if p.closed || in.busy || in.idleGen != gen {
		p.mu.Unlock()
		return
	}
	in.idleTimer = nil
	p.removeLocked(in)
	p.wg.Add(1) // under mu and before Close: Close's Wait sees it
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		p.closeInstance(in)
	}()
}

// execute runs one invocation on a ready instance. healthy reports whether
// the instance may be reused.
func (p *Pool) execute(in *instance, v *lambda.Version, inv *lambda.Invocation, budget time.Duration) (*lambda.Result, bool, error) {
	id := inv.RequestID
	deadline := time.Now().Add(budget)
	in.col.add(startLine(id, v.Version))
	ctx, cancel := context.WithDeadline(p.ctx, deadline)
	start := time.Now()
	r, err := in.ep.Invoke(ctx, rapi.Invocation{RequestID: id, Payload: inv.Payload, Deadline: deadline,
		FunctionARN: inv.InvokedARN, ClientContext: inv.ClientContext})
	dur := time.Since(start)
	cancel()
	rep := report{requestID: id, duration: dur, init: in.init, memoryMB: v.MemorySize}
	in.init = 0
	res := &lambda.Result{ExecutedVersion: v.Version, Duration: dur}
	healthy := true
	var extra []string
	switch {
	case err == nil && r.Err == nil:
		res.Payload = r.Payload
	case err == nil:
		res.Payload, res.FunctionError = r.Err.Body, "Unhandled"
	case errors.Is(err, context.DeadlineExceeded) && p.ctx.Err() == nil:
		in.kill()
		healthy = false
		res.Payload, res.FunctionError = timeoutPayload(id, v.Timeout), "Unhandled"
		extra = append(extra, timeoutLogLine(p.clock.Now(), id, v.Timeout))
		rep.status = "timeout"
	case errors.Is(err, rapi.ErrRuntimeExited):
		healthy = false
		st, _ := in.waitExit(syncWait)
		typ, payload, line := exitError(id, st)
		res.Payload, res.FunctionError = payload, "Unhandled"
		extra = append(extra, line)
		rep.status, rep.errorType = "error", typ
	default:
		in.kill()
		_ = in.out.sync(syncWait)
		in.col.finish(endLine(id))
		return nil, false, fmt.Errorf("pool: invoking %s: %w", v.VersionARN, err)
	}
	if err := in.out.sync(syncWait); err != nil {
		p.log.Warn("pool: draining function output", "instance", in.id, "err", err)
	}
	rep.maxMemory = in.sb.MaxMemoryUsedBytes()
	tail := in.col.finish(append(extra, endLine(id), rep.String())...)
	if inv.LogTail {
		res.LogTail = tail
	}
	return res, healthy, nil
}
