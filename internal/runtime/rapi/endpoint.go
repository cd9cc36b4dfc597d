package rapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// MaxResponseSize is the largest response or error document a runtime may
// post for a synchronous invocation: AWS's 6 MB limit as its error messages
// state it, in bytes.
const MaxResponseSize = 6291556

// APIVersion is the path prefix of every Runtime API route.
const APIVersion = "2018-06-01"

var (
	// ErrRuntimeExited reports that the runtime process died (RuntimeExited
	// was called) before it answered the invocation.
	ErrRuntimeExited = errors.New("rapi: runtime exited")
	// ErrClosed reports that the endpoint was closed.
	ErrClosed = errors.New("rapi: endpoint closed")
	// ErrBusy reports an Invoke while another Invoke on the same endpoint is
	// still in progress; an instance runs one invocation at a time.
	ErrBusy = errors.New("rapi: instance is busy with another invocation")
)

// Invocation is one event handed to a runtime through GET
// /runtime/invocation/next.
type Invocation struct {
	// RequestID becomes Lambda-Runtime-Aws-Request-Id and the {id} of the
	// runtime's answer. It must be non-empty and contain no '/'.
	RequestID string
	// Payload is the event document (JSON for Lambda invokes).
	Payload []byte
	// Deadline becomes Lambda-Runtime-Deadline-Ms. When zero, the deadline of
	// the Invoke context is used.
	Deadline time.Time
	// FunctionARN becomes Lambda-Runtime-Invoked-Function-Arn (the ARN the
	// caller used, with its qualifier).
	FunctionARN string
	// TraceID becomes Lambda-Runtime-Trace-Id; a fresh X-Ray style id is
	// generated when empty, because some runtimes expect the header.
	TraceID string
	// ClientContext is the decoded (JSON) client context; sent as
	// Lambda-Runtime-Client-Context when non-empty.
	ClientContext string
	// CognitoIdentity is sent as Lambda-Runtime-Cognito-Identity when
	// non-empty.
	CognitoIdentity string
}

// FunctionError is an error a runtime reported: an unhandled function error,
// an initialisation error, or an error the endpoint raised on the runtime's
// behalf (response too large, unsupported streaming, missing answer).
type FunctionError struct {
	// Type is the error type: the Lambda-Runtime-Function-Error-Type header
	// (or trailer) when present, else the body's errorType, else
	// "Runtime.Unknown".
	Type string
	// Message is the body's errorMessage, when the body is JSON.
	Message string
	// Body is the JSON error document to return to the Invoke caller: the
	// runtime's body when it is valid JSON, else a document built from Type
	// and the raw text.
	Body []byte
}

// Error returns the error type and message.
func (e *FunctionError) Error() string {
	if e.Message == "" {
		return e.Type
	}
	return e.Type + ": " + e.Message
}

// Result is the runtime's answer to one invocation: either a payload or a
// function error (Err non-nil, Payload empty).
type Result struct {
	Payload     []byte
	ContentType string
	Err         *FunctionError
}

// call is one invocation in flight between Invoke and the runtime.
type call struct {
	inv      Invocation
	done     chan Result // capacity 1: the answer is sent at most once
	answered bool        // guarded by Endpoint.mu
}

// Endpoint is the Runtime API of one function instance, served on its own
// loopback listener. It is safe for concurrent use.
type Endpoint struct {
	ln        net.Listener
	srv       *http.Server
	next      chan *call    // Invoke hands calls to a waiting /next
	ready     chan struct{} // closed at the runtime's first /next
	dead      chan struct{} // closed on init error, runtime exit or Close
	serveDone chan struct{}
	readyOnce sync.Once
	deadOnce  sync.Once

	mu       sync.Mutex
	invoking bool
	current  *call // handed to the runtime, possibly answered
	initErr  *FunctionError
	exitErr  error
	closed   bool
}

// NewEndpoint starts a Runtime API server on 127.0.0.1:0.
func NewEndpoint() (*Endpoint, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("rapi: listen: %w", err)
	}
	e := newEndpoint()
	e.ln = ln
	e.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(e.serveDone)
		_ = e.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return e, nil
}

// newEndpoint builds an endpoint without a listener (tests drive ServeHTTP).
func newEndpoint() *Endpoint {
	return &Endpoint{
		next:      make(chan *call),
		ready:     make(chan struct{}),
		dead:      make(chan struct{}),
		serveDone: make(chan struct{}),
	}
}

// Addr returns "host:port", the value for AWS_LAMBDA_RUNTIME_API.
func (e *Endpoint) Addr() string { return e.ln.Addr().String() }

// Invoke hands inv to the runtime's pending (or next) GET /next and waits for
// its /response or /error. It returns when the runtime answers, when ctx ends
// (the function timeout), when the runtime exits or the endpoint closes. If
// the runtime posted /init/error, Invoke returns a Result carrying that error
// and a nil error, as AWS fails the pending invocation with the init error.
func (e *Endpoint) Invoke(ctx context.Context, inv Invocation) (Result, error) {
	if err := prepare(ctx, &inv); err != nil {
		return Result{}, err
	}
	if err := e.begin(); err != nil {
		return e.deadOutcome(err)
	}
	defer e.end()
	c := &call{inv: inv, done: make(chan Result, 1)}
	select {
	case e.next <- c:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("rapi: invocation %s was not taken by the runtime: %w", inv.RequestID, ctx.Err())
	case <-e.dead:
		return e.deadOutcome(nil)
	}
	select {
	case r := <-c.done:
		return r, nil
	case <-ctx.Done():
		if r, ok := answerNow(c); ok {
			return r, nil
		}
		return Result{}, fmt.Errorf("rapi: invocation %s: %w", inv.RequestID, ctx.Err())
	case <-e.dead:
		if r, ok := answerNow(c); ok {
			return r, nil
		}
		return e.deadOutcome(nil)
	}
}

// answerNow returns c's answer if it has already arrived.
func answerNow(c *call) (Result, bool) {
	select {
	case r := <-c.done:
		return r, true
	default:
		return Result{}, false
	}
}

// prepare validates inv and fills its defaults.
func prepare(ctx context.Context, inv *Invocation) error {
	if inv.RequestID == "" || strings.ContainsAny(inv.RequestID, "/?#%\r\n\t ") {
		return fmt.Errorf("rapi: invalid request id %q", inv.RequestID)
	}
	if inv.Deadline.IsZero() {
		d, ok := ctx.Deadline()
		if !ok {
			return errors.New("rapi: invocation has no deadline and its context none either")
		}
		inv.Deadline = d
	}
	if inv.TraceID == "" {
		inv.TraceID = NewTraceID(time.Now())
	}
	return nil
}

// begin marks the endpoint busy, or says why it cannot take an invocation.
func (e *Endpoint) begin() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.closed, e.initErr != nil, e.exitErr != nil:
		return errDead
	case e.invoking:
		return ErrBusy
	}
	e.invoking = true
	return nil
}

// errDead is begin's signal that deadOutcome should describe the end state.
var errDead = errors.New("rapi: endpoint is dead")

func (e *Endpoint) end() {
	e.mu.Lock()
	e.invoking = false
	e.mu.Unlock()
}

// deadOutcome describes why no invocation can run. err, when it is not
// errDead, is returned as is (ErrBusy).
func (e *Endpoint) deadOutcome(err error) (Result, error) {
	if err != nil && !errors.Is(err, errDead) {
		return Result{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.initErr != nil:
		return Result{Err: e.initErr}, nil
	case e.exitErr != nil:
		return Result{}, fmt.Errorf("%w: %v", ErrRuntimeExited, e.exitErr)
	default:
		return Result{}, ErrClosed
	}
}

// WaitReady blocks until the runtime's first GET /next (initialisation done).
// It returns the *FunctionError the runtime posted to /init/error, an error
// wrapping ErrRuntimeExited if the process died first, ErrClosed, or ctx's
// error.
func (e *Endpoint) WaitReady(ctx context.Context) error {
	select {
	case <-e.ready:
		return nil
	case <-e.dead:
		select {
		case <-e.ready:
			return nil
		default:
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		switch {
		case e.initErr != nil:
			return e.initErr
		case e.exitErr != nil:
			return fmt.Errorf("%w during init: %v", ErrRuntimeExited, e.exitErr)
		}
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("rapi: waiting for the runtime to initialise: %w", ctx.Err())
	}
}

// InitError returns the error the runtime posted to /runtime/init/error, or
// nil.
func (e *Endpoint) InitError() *FunctionError {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.initErr
}

// RuntimeExited tells the endpoint that the runtime process ended (the
// instance pool calls it when the process is reaped). A pending or later
// Invoke returns an error wrapping ErrRuntimeExited, unless an init error or
// an answer arrived first.
func (e *Endpoint) RuntimeExited(err error) {
	if err == nil {
		err = errors.New("exit status 0")
	}
	e.mu.Lock()
	if e.exitErr == nil {
		e.exitErr = err
	}
	e.mu.Unlock()
	e.kill()
}

// Close stops the server and drops the runtime's connections; pending
// Invokes return.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.kill()
	err := e.srv.Close()
	<-e.serveDone
	if err != nil {
		return fmt.Errorf("rapi: close: %w", err)
	}
	return nil
}

func (e *Endpoint) kill() { e.deadOnce.Do(func() { close(e.dead) }) }
