package zygote

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/bootstrap"
	"github.com/nubo/nubo/internal/runtime/rapi"
	"github.com/nubo/nubo/internal/runtime/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.MaybeRunInit()
	code := m.Run()
	if f := fixtures.f; f != nil {
		if err := f.z.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: closing the zygote:", err)
			code = 1
		}
		_ = os.RemoveAll(filepath.Dir(f.codeRoot))
	}
	if err := leftovers(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: zygote leftovers:", err)
		code = 1
	}
	os.Exit(code)
}

// leftovers reports zygote or sandbox mounts visible on the host and
// instance cgroups that were not removed.
func leftovers() error {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	for _, s := range []string{"nubo-zygote", ".nubo"} {
		if strings.Contains(string(b), s) {
			return fmt.Errorf("host mount table mentions %s:\n%s", s, b)
		}
	}
	for _, root := range cgroupParents() {
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			// Other packages' tests (the pool's zygotes too) share the parent
			// and run at the same time; only this package's instances count.
			if e.IsDir() && strings.HasPrefix(e.Name(), "zt-") {
				return fmt.Errorf("cgroup %s/%s was not removed", root, e.Name())
			}
		}
	}
	return nil
}

// cgroupParents returns where instance cgroups of this process go: under
// its own memory and pids cgroups (v1), and the v2 location.
func cgroupParents() []string {
	out := []string{"/sys/fs/cgroup/nubo-sandbox"}
	b, _ := os.ReadFile("/proc/self/cgroup")
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && (parts[1] == "memory" || parts[1] == "pids") {
			out = append(out, filepath.Join("/sys/fs/cgroup", parts[1], parts[2], "nubo-sandbox"))
		}
	}
	return out
}

// fixture is what the tests of one binary share: one zygote over one code
// root and runtime directory.
type fixture struct {
	py       sandbox.Python
	codeRoot string
	runtime  string
	z        *Zygote
}

// fixtures holds the shared fixture of this test binary.
var fixtures = struct {
	once sync.Once
	f    *fixture
	err  error
}{}

// requireRoot skips unless instances can be isolated here.
func requireRoot(t testing.TB) {
	t.Helper()
	if mode, reason := sandbox.Supported(); mode != sandbox.Isolated {
		t.Skipf("zygote instances need sandbox Isolated mode (root and cgroups): %s", reason)
	}
}

// shared returns the shared fixture, starting the zygote on first use.
func shared(t testing.TB) *fixture {
	t.Helper()
	requireRoot(t)
	fixtures.once.Do(func() { fixtures.f, fixtures.err = newFixture() })
	if fixtures.err != nil {
		t.Skipf("no zygote fixture: %v", fixtures.err)
	}
	return fixtures.f
}

func newFixture() (*fixture, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	py, err := sandbox.DetectPython(ctx)
	if err != nil {
		return nil, err
	}
	if !py.Boto3InPrefix {
		return nil, fmt.Errorf("boto3 is not installed in %s", py.HostPrefix)
	}
	base, err := os.MkdirTemp("", "zygote-test-")
	if err != nil {
		return nil, err
	}
	f := &fixture{py: py, codeRoot: filepath.Join(base, "code"), runtime: filepath.Join(base, "runtime")}
	if err := os.MkdirAll(f.codeRoot, 0o755); err != nil {
		return nil, err
	}
	if _, err := bootstrap.WriteRuntime(f.runtime); err != nil {
		return nil, err
	}
	if f.z, err = Start(ctx, f.config()); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *fixture) config() Config {
	return Config{Python: f.py, CodeRoot: f.codeRoot, RuntimeDir: f.runtime}
}

// code writes files into a new code directory and returns its name.
func (f *fixture) code(t testing.TB, files map[string]string) string {
	t.Helper()
	name := randHex(16)
	dir := filepath.Join(f.codeRoot, name)
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return name
}

// fnEnv is a function environment for endpoint e and handler.
func fnEnv(e *rapi.Endpoint, handler string, py sandbox.Python) []string {
	return append([]string{
		"PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "TZ=:UTC",
		"AWS_LAMBDA_RUNTIME_API=" + e.Addr(), "_HANDLER=" + handler, "LAMBDA_TASK_ROOT=/var/task",
		"AWS_LAMBDA_FUNCTION_NAME=zfn", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_REGION=us-east-1",
		"AWS_EXECUTION_ENV=AWS_Lambda_python3.11",
	}, py.Env...)
}

// running is one spawned instance with its endpoint and output.
type running struct {
	t    testing.TB
	id   string
	inst *Instance
	e    *rapi.Endpoint
	out  *syncBuffer
}

// spawn starts an instance of handler over code dir name.
func (f *fixture) spawn(t testing.TB, name, handler string, mod func(*SpawnConfig)) *running {
	t.Helper()
	e, err := rapi.NewEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	sc := SpawnConfig{ID: "zt-" + randHex(4), CodeDir: name, Env: fnEnv(e, handler, f.py), MemoryMB: 256, Stdout: out, Stderr: out}
	if mod != nil {
		mod(&sc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inst, err := f.z.Spawn(ctx, sc)
	if err != nil {
		_ = e.Close()
		t.Fatalf("Spawn: %v", err)
	}
	go func() {
		st, _ := inst.Wait()
		e.RuntimeExited(fmt.Errorf("%v", st))
	}()
	r := &running{t: t, id: sc.ID, inst: inst, e: e, out: out}
	t.Cleanup(func() {
		if err := inst.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		_ = e.Close()
		if t.Failed() {
			t.Logf("instance output: %s", out.String())
		}
	})
	return r
}

// invoke sends payload and returns the result.
func (r *running) invoke(payload string, timeout time.Duration) (rapi.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return r.e.Invoke(ctx, rapi.Invocation{RequestID: "req-" + randHex(8), Payload: []byte(payload),
		FunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:zfn"})
}

// mustInvoke invokes and fails the test on any error.
func (r *running) mustInvoke(payload string) string {
	r.t.Helper()
	res, err := r.invoke(payload, time.Minute)
	if err != nil {
		r.t.Fatalf("Invoke: %v (output %q)", err, r.out.String())
	}
	if res.Err != nil {
		r.t.Fatalf("function error: %v %s (output %q)", res.Err, res.Err.Body, r.out.String())
	}
	return string(res.Payload)
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSmoke(t *testing.T) {
	f := shared(t)
	name := f.code(t, map[string]string{"app.py": "import boto3, os\n\ndef handler(event, context):\n    return {'boto3': boto3.__version__, 'pid': os.getpid(), 'uid': os.getuid(), 'event': event}\n"})
	r := f.spawn(t, name, "app.handler", nil)
	got := r.mustInvoke(`{"x":1}`)
	t.Logf("result %s; phases %+v", got, r.inst.phases)
	if !strings.Contains(got, `"uid": 993`) || !strings.Contains(got, `"x": 1`) {
		t.Fatalf("unexpected result %s", got)
	}
}
