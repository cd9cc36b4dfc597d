package lambda

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

// Executor runs invocations; the runtime pool implements it. Invoke blocks
// until the function returns, fails or times out. A function error (an
// exception, a timeout, running out of memory) is not an error of Invoke: it
// is a Result with FunctionError set and the runtime's error JSON as Payload.
// Invoke returns a *ThrottleError when a concurrency limit is reached and any
// other error when the platform could not run the function (an *awsapi.Error
// reaches the client as is; other errors become a ServiceException).
type Executor interface {
	Invoke(ctx context.Context, fn *Version, inv *Invocation) (*Result, error)
	// Retire drops warm instances of a version that changed or was deleted
	// (version is "$LATEST" or a number; functionARN is unqualified).
	Retire(functionARN string, version string)
}

// Version is the resolved, immutable configuration of the function version
// an invocation runs.
type Version struct {
	FunctionName string
	// FunctionARN is the unqualified ARN.
	FunctionARN string
	// Version is "$LATEST" or a version number.
	Version string
	// VersionARN is FunctionARN:Version.
	VersionARN string
	Runtime    string
	Handler    string
	// CodeSha256 is the package hash as Lambda reports it (base64).
	CodeSha256 string
	// CodeDir is the extracted package (mount it read-only at /var/task).
	CodeDir string
	// MemorySize is in MB.
	MemorySize int
	Timeout    time.Duration
	// Environment holds the function's own variables only.
	Environment map[string]string
	RoleARN     string
	// EphemeralStorage is the size of /tmp in MB.
	EphemeralStorage int
	Architecture     string
	Layers           []string
	LogGroup         string
	// LogFormat is "Text" or "JSON".
	LogFormat  string
	RevisionID string
	// ReservedConcurrency is the function's reserved concurrency, -1 if none.
	// Nubo answers invocations of a function reserved at 0 itself.
	ReservedConcurrency int
	// AccountConcurrency is the account's concurrency limit.
	AccountConcurrency int
	Region, Account    string
}

// Invocation is one request to run a function.
type Invocation struct {
	RequestID string
	// InvokedARN is the ARN the caller used (with its alias or version
	// qualifier, if any): Lambda-Runtime-Invoked-Function-Arn.
	InvokedARN string
	Payload    []byte
	// ClientContext is the decoded client context JSON ("" when none).
	ClientContext string
	// LogTail asks for the last 4 KB of the invocation's log in Result.LogTail.
	LogTail bool
	// Deadline is when the invocation times out, on the Nubo clock.
	Deadline time.Time
	// Async is set for invocations from the asynchronous queue.
	Async bool
}

// Result is the outcome of an invocation that ran.
type Result struct {
	Payload []byte
	// FunctionError is "" on success and "Unhandled" on a function error.
	FunctionError string
	// LogTail is the last 4 KB of the invocation's log (raw text).
	LogTail string
	// ExecutedVersion is the version that ran (Nubo fills it in when empty).
	ExecutedVersion string
	// Duration is the function's run time (for the Duration metric).
	Duration time.Duration
	// ConcurrentExecutions is the number of executions of the function in
	// flight when this one started, itself included (0 when unknown).
	ConcurrentExecutions int
}

// Throttle reasons, as AWS reports them in TooManyRequestsException.Reason.
const (
	ReasonConcurrentInvocationLimitExceeded                 = "ConcurrentInvocationLimitExceeded"
	ReasonReservedFunctionConcurrentInvocationLimitExceeded = "ReservedFunctionConcurrentInvocationLimitExceeded"
)

// ThrottleError is returned by an Executor when a concurrency limit stops an
// invocation; Lambda answers TooManyRequestsException (429).
type ThrottleError struct {
	// Reason is one of the Reason… constants.
	Reason string
	// RetryAfter is the suggested wait (Retry-After header); 0 means 1 s.
	RetryAfter time.Duration
}

// Error implements error.
func (e *ThrottleError) Error() string { return "lambda: throttled: " + e.Reason }

// apiError returns the client error for e.
func (e *ThrottleError) apiError() *awsapi.Error {
	secs := int(e.RetryAfter / time.Second)
	if secs < 1 {
		secs = 1
	}
	ae := &awsapi.Error{Code: "TooManyRequestsException", Status: http.StatusTooManyRequests, Message: "Rate Exceeded.",
		Header: http.Header{"Retry-After": []string{strconv.Itoa(secs)}}}
	return ae.With("Reason", e.Reason)
}

// versionFor builds the executor's view of c.
func (s *Service) versionFor(ctx context.Context, fn functionRecord, c config) (*Version, error) {
	dir, err := s.CodeDir(ctx, c.CodeHex)
	if err != nil {
		return nil, fmt.Errorf("lambda: code of %s:%s: %w", c.Name, c.Version, err)
	}
	reserved := -1
	if fn.Reserved != nil {
		reserved = int(*fn.Reserved)
	}
	arch := "x86_64"
	if len(c.Architectures) > 0 {
		arch = c.Architectures[0]
	}
	return &Version{
		FunctionName: c.Name, FunctionARN: s.functionARN(c.Name), Version: c.Version,
		VersionARN: s.qualifiedARN(c.Name, c.Version), Runtime: c.Runtime, Handler: c.Handler,
		CodeSha256: c.CodeSha256, CodeDir: dir, MemorySize: int(c.MemorySize),
		Timeout: time.Duration(c.Timeout) * time.Second, Environment: c.Env, RoleARN: c.Role,
		EphemeralStorage: int(c.EphemeralStorage), Architecture: arch, Layers: c.Layers,
		LogGroup: c.LogGroup, LogFormat: c.LogFormat, RevisionID: c.RevisionID,
		ReservedConcurrency: reserved, AccountConcurrency: int(s.opts.AccountConcurrency),
		Region: s.region, Account: s.account,
	}, nil
}
