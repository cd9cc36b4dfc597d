package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/blobs"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
	"github.com/nubo/nubo/internal/service/iam"
)

const (
	testAccount = "123456789012"
	roleARN     = "arn:aws:iam::123456789012:role/lambda-role"
	ec2RoleARN  = "arn:aws:iam::123456789012:role/ec2-role"
)

// env is a Lambda service over an in-memory store with a fake executor.
type env struct {
	t       *testing.T
	sys     *service.System
	iam     *iam.Service
	svc     *Service
	h       map[string]awsapi.Handler
	exec    *fakeExec
	metrics *metrics.Recorder
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	c := clock.NewVirtual()
	t.Cleanup(func() { _ = c.Close() })
	bl, err := blobs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := metrics.NewRecorder(0, c.Now)
	sys := &service.System{Region: "us-east-1", Account: testAccount, Endpoint: "http://127.0.0.1:4566",
		DataDir: t.TempDir(), Clock: c, Store: store.OpenMemory(), Blobs: bl, Metrics: rec}
	im, err := iam.New(sys)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, sys: sys, iam: im, exec: newFakeExec(), metrics: rec}
	e.createRole("lambda-role", "lambda.amazonaws.com")
	e.createRole("ec2-role", "ec2.amazonaws.com")
	e.start(opts)
	return e
}

// start (re)creates the Lambda service over the env's system and starts it.
func (e *env) start(opts Options) {
	e.t.Helper()
	svc, err := New(e.sys, e.iam, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	svc.SetExecutor(e.exec)
	if err := svc.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	e.svc, e.h = svc, svc.Handlers()
}

func (e *env) createRole(name, principal string) {
	e.t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := e.iam.CreateRole(ctx(), &iamapi.CreateRoleInput{RoleName: ptr(name), AssumeRolePolicyDocument: ptr(doc)}); err != nil {
		e.t.Fatal(err)
	}
}

func ctx() context.Context {
	return awsapi.WithRequest(context.Background(), &awsapi.Request{Account: testAccount, Endpoint: "http://127.0.0.1:4566",
		Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", Root: true}})
}

// call runs operation op through the bound handlers.
func call[O any](e *env, op string, in any) (*O, error) {
	out, err := e.h[op](ctx(), in)
	if err != nil {
		return nil, err
	}
	return out.(*O), nil
}

// callReq runs op and returns the request (for status overrides).
func callReq[O any](e *env, op string, in any) (*O, *awsapi.Request, error) {
	req := &awsapi.Request{Account: testAccount, Endpoint: "http://127.0.0.1:4566", ID: "req-" + op}
	out, err := e.h[op](awsapi.WithRequest(context.Background(), req), in)
	if err != nil {
		return nil, req, err
	}
	return out.(*O), req, nil
}

func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.Code != code || (status != 0 && ae.Status != status) {
		t.Fatalf("got %s (%d) %q, want %s (%d)", ae.Code, ae.Status, ae.Message, code, status)
	}
}

type zipEntry struct {
	name, body string
	mode       fs.FileMode
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, en := range entries {
		hdr := &zip.FileHeader{Name: en.name, Method: zip.Deflate}
		mode := en.mode
		if mode == 0 {
			mode = 0o644
		}
		hdr.SetMode(mode)
		f, err := w.CreateHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(en.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func helloZip(t testing.TB) []byte {
	return makeZip(t, zipEntry{name: "app.py", body: "def handler(event, context):\n    return event\n"})
}

func createInput(name string, zip []byte) *lambdaapi.CreateFunctionInput {
	return &lambdaapi.CreateFunctionInput{FunctionName: ptr(name), Runtime: ptr("python3.12"), Role: ptr(roleARN),
		Handler: ptr("app.handler"), Code: &lambdaapi.FunctionCode{ZipFile: zip}}
}

func (e *env) create(name string) *lambdaapi.CreateFunctionOutput {
	e.t.Helper()
	out, err := call[lambdaapi.CreateFunctionOutput](e, "CreateFunction", createInput(name, helloZip(e.t)))
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// fakeExec is an Executor that echoes payloads; a payload {"fail": true}
// is a function error, and throttle makes it answer a ThrottleError.
type fakeExec struct {
	mu       sync.Mutex
	calls    []fakeCall
	retired  []string
	throttle bool
	called   chan struct{}
}

type fakeCall struct {
	Version *Version
	Inv     Invocation
	At      time.Time
}

func newFakeExec() *fakeExec { return &fakeExec{called: make(chan struct{}, 1000)} }

func (f *fakeExec) Invoke(ctx context.Context, v *Version, inv *Invocation) (*Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{Version: v, Inv: *inv})
	throttle := f.throttle
	f.mu.Unlock()
	defer func() { f.called <- struct{}{} }()
	if throttle {
		return nil, &ThrottleError{Reason: ReasonConcurrentInvocationLimitExceeded, RetryAfter: 2 * time.Second}
	}
	var ev struct {
		Fail bool `json:"fail"`
	}
	_ = json.Unmarshal(inv.Payload, &ev)
	log := "START RequestId: " + inv.RequestID + "\n" + strings.Repeat("x", 5000) + "\nEND RequestId: " + inv.RequestID + "\n"
	if ev.Fail {
		return &Result{FunctionError: "Unhandled", LogTail: log, Duration: 3 * time.Millisecond, ConcurrentExecutions: 1,
			Payload: []byte(`{"errorMessage":"boom","errorType":"Exception","stackTrace":[]}`)}, nil
	}
	return &Result{Payload: inv.Payload, LogTail: log, Duration: 2 * time.Millisecond, ConcurrentExecutions: 1}, nil
}

func (f *fakeExec) Retire(functionARN, version string) {
	f.mu.Lock()
	f.retired = append(f.retired, functionARN+":"+version)
	f.mu.Unlock()
}

func (f *fakeExec) snapshot() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

// waitCalls waits until the executor has seen n calls in total.
func (f *fakeExec) waitCalls(t *testing.T, n int) []fakeCall {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for len(f.snapshot()) < n {
		select {
		case <-f.called:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("executor saw %d calls, want %d", len(f.snapshot()), n)
		}
	}
	return f.snapshot()
}

func awsErr(err error) *awsapi.Error {
	var ae *awsapi.Error
	errors.As(err, &ae)
	return ae
}

func filepathEval(p string) (string, error) { return filepath.EvalSymlinks(p) }

func filepathWalk(root string, fn func(string) error) error {
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return fn(p)
	})
}
