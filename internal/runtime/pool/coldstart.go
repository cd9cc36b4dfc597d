package pool

import (
	"context"
	"errors"
	"time"

	"github.com/nubo/nubo/internal/runtime/rapi"
	"github.com/nubo/nubo/internal/service/lambda"
	"github.com/nubo/nubo/internal/service/logs"
)

// coldStart starts an instance of v and waits for its runtime to finish
// initialising. When the init fails it returns the failed invocation's
// Result (and no instance); platform failures are errors.
func (p *Pool) coldStart(v *lambda.Version, kind runtimeKind, inv *lambda.Invocation) (*instance, *lambda.Result, error) {
	if kind == kindProvided {
		if msg := bootstrapProblem(v.CodeDir); msg != "" {
			return nil, p.entrypointFailure(v, inv, msg), nil
		}
	}
	start := time.Now()
	in, err := p.startInstance(v, kind)
	if err != nil {
		var se *startError
		if kind == kindProvided && errors.As(err, &se) {
			return nil, p.entrypointFailure(v, inv, se.err.Error()), nil
		}
		return nil, nil, err
	}
	if err := p.register(in); err != nil {
		p.closeInstance(in)
		return nil, nil, err
	}
	limit := max(InitLimit, v.Timeout)
	ctx, cancel := context.WithTimeout(p.ctx, limit)
	err = in.ep.WaitReady(ctx)
	cancel()
	in.init = time.Since(start)
	if err == nil {
		// Init output belongs before the first START line.
		if err := in.out.sync(syncWait); err != nil {
			p.log.Warn("pool: draining init output", "instance", in.id, "err", err)
		}
		return in, nil, nil
	}
	res, err := p.initFailure(in, v, inv, err, limit)
	p.release(in, false)
	return nil, res, err
}

// initFailure turns a failed initialisation into the invocation's result.
func (p *Pool) initFailure(in *instance, v *lambda.Version, inv *lambda.Invocation, cause error, limit time.Duration) (*lambda.Result, error) {
	id := inv.RequestID
	var fe *rapi.FunctionError
	var typ, status, line string
	var payload []byte
	switch {
	case errors.As(cause, &fe):
		typ, status, payload = fe.Type, "error", fe.Body
	case errors.Is(cause, rapi.ErrRuntimeExited):
		st, _ := in.waitExit(syncWait)
		typ, payload, line = exitError(id, st)
		status = "error"
	case errors.Is(cause, context.DeadlineExceeded) && p.ctx.Err() == nil:
		in.kill()
		typ, status = ErrorTypeTimeout, "timeout"
		payload, line = timeoutPayload(id, limit), timeoutLogLine(p.clock.Now(), id, limit)
	default:
		in.kill()
		return nil, cause
	}
	if err := in.out.sync(syncWait); err != nil {
		p.log.Warn("pool: draining init output", "instance", in.id, "err", err)
	}
	rep := report{requestID: id, duration: in.init, memoryMB: v.MemorySize,
		maxMemory: in.sb.MaxMemoryUsedBytes(), status: status, errorType: typ}
	lines := []string{initReportLine(in.init, status, typ), startLine(id, v.Version)}
	if line != "" {
		lines = append(lines, line)
	}
	tail := in.col.finish(append(lines, endLine(id), rep.String())...)
	res := &lambda.Result{Payload: payload, FunctionError: "Unhandled", ExecutedVersion: v.Version, Duration: in.init}
	if inv.LogTail {
		res.LogTail = tail
	}
	return res, nil
}

// entrypointFailure is the result of a custom runtime whose bootstrap
// cannot be started; the lines go to a stream of their own, as they would
// on AWS for the failed execution environment.
func (p *Pool) entrypointFailure(v *lambda.Version, inv *lambda.Invocation, problem string) *lambda.Result {
	id := inv.RequestID
	msg := "RequestId: " + id + " Error: " + problem
	group := logGroupOf(v)
	stream := p.clock.Now().UTC().Format("2006/01/02") + "/[" + v.Version + "]" + randomHex(16)
	var ship func([]logs.Event)
	if p.ship != nil {
		ship = func(ev []logs.Event) { p.ship.send(group, stream, ev) }
	}
	col := newCollector(p.clock, ship)
	typ := ErrorTypeInvalidEntrypoint
	rep := report{requestID: id, memoryMB: v.MemorySize, status: "error", errorType: typ}
	tail := col.finish(initReportLine(0, "error", typ), startLine(id, v.Version), msg+"\n"+typ+"\n",
		endLine(id), rep.String())
	res := &lambda.Result{Payload: errorDoc(typ, msg), FunctionError: "Unhandled", ExecutedVersion: v.Version}
	if inv.LogTail {
		res.LogTail = tail
	}
	return res
}
