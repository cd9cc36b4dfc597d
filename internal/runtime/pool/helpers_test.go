package pool

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/service/lambda"
	"github.com/nubo/nubo/internal/service/logs"
)

func TestMain(m *testing.M) {
	sandbox.MaybeRunInit()
	os.Exit(m.Run())
}

// memSink is a LogSink that keeps streams in memory, with at most
// keepBytes of messages per stream (counting all of them).
type memSink struct {
	mu        sync.Mutex
	keepBytes int
	streams   map[string]*memStream // group + " " + stream
	ensures   atomic.Int64
}

type memStream struct {
	group, name string
	events      []logs.Event
	count       int
	bytes       int64
	kept        int
}

func newMemSink() *memSink { return &memSink{keepBytes: 1 << 20, streams: map[string]*memStream{}} }

func (s *memSink) EnsureStream(_ context.Context, group, stream string) error {
	s.ensures.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := group + " " + stream
	if s.streams[k] == nil {
		s.streams[k] = &memStream{group: group, name: stream}
	}
	return nil
}

func (s *memSink) Append(_ context.Context, group, stream string, events []logs.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[group+" "+stream]
	if st == nil {
		return fmt.Errorf("stream %s %s does not exist", group, stream)
	}
	for _, e := range events {
		st.count++
		st.bytes += int64(len(e.Message))
		if st.kept+len(e.Message) <= s.keepBytes {
			st.events = append(st.events, e)
			st.kept += len(e.Message)
		}
	}
	return nil
}

// messages returns the kept messages of every stream of group, by stream.
func (s *memSink) messages(group string) map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for _, st := range s.streams {
		if st.group != group {
			continue
		}
		for _, e := range st.events {
			out[st.name] = append(out[st.name], e.Message)
		}
	}
	return out
}

func (s *memSink) totals(group string) (count int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.streams {
		if st.group == group {
			count += st.count
			bytes += st.bytes
		}
	}
	return count, bytes
}

// fakeIssuer issues fixed credentials.
type fakeIssuer struct{ calls atomic.Int64 }

func (f *fakeIssuer) IssueRoleCredentials(_ context.Context, roleARN, session string, d time.Duration) (auth.Credential, error) {
	f.calls.Add(1)
	return auth.Credential{AccessKeyID: "ASIATESTKEY", SecretAccessKey: "secret/" + session,
		SessionToken: "token-for-" + roleARN, Expires: time.Now().Add(d)}, nil
}

// fixture is a pool with a virtual clock and in-memory sinks. Its
// Python versions' code directories lie in the pool's code root, so the
// pool forks them from a zygote unless Config.DisableZygote is set.
type fixture struct {
	p        *Pool
	clock    *clock.Virtual
	sink     *memSink
	metrics  *metrics.Recorder
	codeRoot string
}

func newFixture(t testing.TB, tweak func(*Config)) *fixture {
	t.Helper()
	vc := clock.NewVirtual()
	t.Cleanup(func() { _ = vc.Close() })
	f := &fixture{clock: vc, sink: newMemSink(), metrics: metrics.NewRecorder(1000, vc.Now), codeRoot: publicTempDir(t)}
	cfg := Config{Clock: vc, Credentials: &fakeIssuer{}, Logs: f.sink, Metrics: f.metrics,
		Endpoint: "http://127.0.0.1:4566", Region: "us-east-1", Account: "000000000000",
		WorkDir: publicTempDir(t), CodeRoot: f.codeRoot}
	if tweak != nil {
		tweak(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

// publicTempDir is a temporary directory the function user can read.
func publicTempDir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// codeDir writes a function package into a new temporary directory.
func codeDir(t testing.TB, files map[string]string) string {
	t.Helper()
	return writeCode(t, publicTempDir(t), files)
}

// writeCode writes a function package into the directory d.
func writeCode(t testing.TB, d string, files map[string]string) string {
	t.Helper()
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		path := filepath.Join(d, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// pyVersion describes a Python function with handler index.handler whose
// code directory is in the pool's code root, named like the Lambda
// service's (a hex digest).
func (f *fixture) pyVersion(t testing.TB, name, code string) *lambda.Version {
	t.Helper()
	return pyVersionAt(t, name, writeCode(t, filepath.Join(f.codeRoot, randomHex(32)), map[string]string{"index.py": code}))
}

// pyVersionAt describes a Python function with handler index.handler
// whose code is in dir.
func pyVersionAt(t testing.TB, name, dir string) *lambda.Version {
	t.Helper()
	if _, err := sandbox.DetectPython(context.Background()); err != nil {
		t.Skipf("no python3: %v", err)
	}
	arn := "arn:aws:lambda:us-east-1:000000000000:function:" + name
	return &lambda.Version{FunctionName: name, FunctionARN: arn, Version: "$LATEST", VersionARN: arn + ":$LATEST",
		Runtime: "python3.11", Handler: "index.handler", CodeSha256: "sha-" + name,
		CodeDir: dir, MemorySize: 256, Timeout: 10 * time.Second,
		Environment: map[string]string{"GREETING": "hi"}, RoleARN: "arn:aws:iam::000000000000:role/fn",
		RevisionID: "rev-1", ReservedConcurrency: -1, Region: "us-east-1", Account: "000000000000"}
}

var requestSeq atomic.Int64

func newRequestID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", requestSeq.Add(1))
}

// invoke runs payload on v and fails the test on a platform error.
func (f *fixture) invoke(t testing.TB, v *lambda.Version, payload string) *lambda.Result {
	t.Helper()
	res, err := f.tryInvoke(v, payload)
	if err != nil {
		t.Fatalf("Invoke %s: %v", v.VersionARN, err)
	}
	return res
}

func (f *fixture) tryInvoke(v *lambda.Version, payload string) (*lambda.Result, error) {
	inv := &lambda.Invocation{RequestID: newRequestID(), InvokedARN: v.FunctionARN, Payload: []byte(payload),
		LogTail: true, Deadline: f.clock.Now().Add(v.Timeout)}
	return f.p.Invoke(context.Background(), v, inv)
}

// decode unmarshals a result payload.
func decode(t testing.TB, res *lambda.Result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(res.Payload, &m); err != nil {
		t.Fatalf("payload %q: %v (tail %q)", res.Payload, err, res.LogTail)
	}
	return m
}

// wantOK fails unless res is a success.
func wantOK(t testing.TB, res *lambda.Result) map[string]any {
	t.Helper()
	if res.FunctionError != "" {
		t.Fatalf("function error %s: %s\nlog tail:\n%s", res.FunctionError, res.Payload, res.LogTail)
	}
	return decode(t, res)
}

// wantError fails unless res is a function error of the given type whose
// message contains msg.
func wantError(t testing.TB, res *lambda.Result, typ, msg string) {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError %q, payload %s", res.FunctionError, res.Payload)
	}
	m := decode(t, res)
	if m["errorType"] != typ || !strings.Contains(fmt.Sprint(m["errorMessage"]), msg) {
		t.Fatalf("error %v, want type %s and message containing %q\nlog tail:\n%s", m, typ, msg, res.LogTail)
	}
}

func requireIsolated(t testing.TB) {
	t.Helper()
	if m, reason := sandbox.Supported(); m != sandbox.Isolated {
		t.Skipf("sandbox runs in process mode: %s", reason)
	}
}

// waitFor polls cond for up to d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// heapInUse returns the Go heap in use.
func heapInUse() uint64 {
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// buildGo compiles internal/gofn (aws-lambda-go's lambda.Start) into
// dir/bootstrap, as a provided.al2 package ships it.
func buildGo(t testing.TB, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	out := filepath.Join(dir, "bootstrap")
	gobin := filepath.Join(goruntime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", out, "github.com/nubo/nubo/internal/runtime/pool/internal/gofn")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	if err := os.Chmod(out, 0o755); err != nil {
		t.Fatal(err)
	}
}

// zygoteExpected reports whether a pool with the default test
// configuration forks Python instances from a zygote on this host.
func zygoteExpected(t testing.TB) bool {
	t.Helper()
	if m, _ := sandbox.Supported(); m != sandbox.Isolated {
		return false
	}
	_, err := sandbox.DetectPython(context.Background())
	return err == nil
}

// bothPaths runs fn once with instances forked from a zygote and once
// with sandbox.Start (Config.DisableZygote), and checks afterwards that
// the pool used the path the subtest names.
func bothPaths(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, plain := range []bool{false, true} {
		name := "zygote"
		if plain {
			name = "sandbox"
		}
		t.Run(name, func(t *testing.T) {
			if !plain && !zygoteExpected(t) {
				t.Skip("no zygote on this host: needs the isolated sandbox and python3")
			}
			f := newFixture(t, func(c *Config) { c.DisableZygote = plain })
			fn(t, f)
			f.wantPath(t, !plain)
		})
	}
}

// wantPath fails unless every instance started so far was forked from a
// zygote (forked) or started with sandbox.Start (!forked).
func (f *fixture) wantPath(t testing.TB, forked bool) {
	t.Helper()
	s := f.p.Stats()
	if forked && (s.ZygoteStarts == 0 || s.SandboxStarts != 0) || !forked && s.ZygoteStarts != 0 {
		t.Errorf("%d instances forked from the zygote, %d started with sandbox.Start (want forked=%v); mode %s",
			s.ZygoteStarts, s.SandboxStarts, forked, f.p.Mode())
	}
}
