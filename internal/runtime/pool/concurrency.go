package pool

import (
	"context"

	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/service/lambda"
)

// limits tracks executions in flight against the account limit and the
// functions' reserved concurrency. Guarded by Pool.mu.
type limits struct {
	total      int
	unreserved int
	perFn      map[string]int // unqualified function ARN → in flight
	reserved   map[string]int // function ARN → reservation, for those that have one
	reservedN  int            // sum of reserved
}

func newLimits() limits {
	return limits{perFn: map[string]int{}, reserved: map[string]int{}}
}

// note records the function's current reservation (-1: none).
func (l *limits) note(fn string, reserved int) {
	if old, ok := l.reserved[fn]; ok {
		l.reservedN -= old
		delete(l.reserved, fn)
	}
	if reserved >= 0 {
		l.reserved[fn] = reserved
		l.reservedN += reserved
	}
}

// admit starts an execution of v or returns the throttle. It returns the
// function's executions in flight, this one included.
func (l *limits) admit(v *lambda.Version, account int) (int, error) {
	fn := v.FunctionARN
	l.note(fn, v.ReservedConcurrency)
	if v.AccountConcurrency > 0 {
		account = v.AccountConcurrency
	}
	if r := v.ReservedConcurrency; r >= 0 {
		if l.perFn[fn] >= r {
			return 0, &lambda.ThrottleError{Reason: lambda.ReasonReservedFunctionConcurrentInvocationLimitExceeded}
		}
	} else if l.unreserved >= account-l.reservedN || l.total >= account {
		return 0, &lambda.ThrottleError{Reason: lambda.ReasonConcurrentInvocationLimitExceeded}
	}
	l.total++
	l.perFn[fn]++
	if v.ReservedConcurrency < 0 {
		l.unreserved++
	}
	return l.perFn[fn], nil
}

// done ends an execution admitted for v.
func (l *limits) done(v *lambda.Version) {
	fn := v.FunctionARN
	l.total--
	if v.ReservedConcurrency < 0 {
		l.unreserved--
	}
	if l.perFn[fn]--; l.perFn[fn] <= 0 {
		delete(l.perFn, fn)
	}
}

// recordStart publishes the account's unreserved executions in flight
// (UnreservedConcurrentExecutions, no dimension). The lambda service
// publishes ConcurrentExecutions from Result.ConcurrentExecutions, so the
// pool does not, to avoid counting it twice.
func (p *Pool) recordStart(unreserved int) {
	if p.cfg.Metrics == nil {
		return
	}
	p.cfg.Metrics.Record(context.Background(), metrics.Datum{
		Namespace: "AWS/Lambda", MetricName: "UnreservedConcurrentExecutions",
		Time: p.clock.Now(), Value: float64(unreserved), Unit: "Count",
	})
}
