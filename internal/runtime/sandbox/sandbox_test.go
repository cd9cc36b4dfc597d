package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	MaybeRunInit()
	code := m.Run()
	if err := leftovers(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: sandbox leftovers:", err)
		code = 1
	}
	os.Exit(code)
}

// leftovers reports mounts of sandbox roots visible on the host and
// instance cgroups that were not removed.
func leftovers() error {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	if strings.Contains(string(b), "nubo-sandbox") {
		return fmt.Errorf("mounts: %s", b)
	}
	h, _ := detect()
	if h == nil {
		return nil
	}
	for _, p := range h.parents {
		entries, _ := os.ReadDir(p)
		for _, e := range entries {
			// Other packages' tests share the parent cgroup and run at the
			// same time; only this process's instances (see newID) count.
			if e.IsDir() && strings.Contains(e.Name(), idMarker) {
				return fmt.Errorf("cgroup %s/%s was not removed", p, e.Name())
			}
		}
	}
	return nil
}

// env is what the isolated tests share: the host's Python and a code dir.
type env struct {
	py      Python
	codeDir string
}

// detectPythonOnce shares one (slow: it imports boto3) DetectPython among tests.
var detectPythonOnce = sync.OnceValues(func() (Python, error) { return DetectPython(context.Background()) })

// requireIsolated skips unless this host supports Isolated mode.
func requireIsolated(t testing.TB) {
	t.Helper()
	if mode, reason := Supported(); mode != Isolated {
		t.Skipf("isolated sandboxes unavailable here: %s", reason)
	}
}

// pythonEnv detects Python (skipping without it) and writes code.
func pythonEnv(t testing.TB, files map[string]string) env {
	t.Helper()
	requireIsolated(t)
	py, err := detectPythonOnce()
	if err != nil {
		t.Skipf("no usable python3: %v", err)
	}
	return env{py: py, codeDir: codeDir(t, files)}
}

// codeDir writes files into a fresh world-readable directory.
func codeDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newID(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + idMarker + hex.EncodeToString(b)
}

// idMarker tags the instance ids of this test process, so that the leftover
// check ignores instances of tests running in other processes.
var idMarker = fmt.Sprintf("-t%d-", os.Getpid())

// config returns a config running python3 with args.
func (e env) config(id string, args ...string) Config {
	return Config{
		ID:          newID(id),
		CodeDir:     e.codeDir,
		RuntimeDirs: map[string]string{LangDir: e.py.HostPrefix},
		MemoryMB:    256,
		Env:         append([]string{"PATH=/var/lang/bin:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1"}, e.py.Env...),
		Args:        append([]string{e.py.Executable}, args...),
	}
}

// run starts cfg, waits and returns its output and status.
func run(t testing.TB, cfg Config) (string, string, ExitStatus, *Instance) {
	t.Helper()
	var stdout, stderr syncBuffer
	cfg.Stdout, cfg.Stderr = &stdout, &stderr
	inst, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := inst.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	st, err := inst.Wait()
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return stdout.String(), stderr.String(), st, inst
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of two pipes.
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
	e := pythonEnv(t, map[string]string{"hello.py": "print('hello from task')\n"})
	start := time.Now()
	out, errOut, st, _ := run(t, e.config("smoke", "/var/task/hello.py"))
	t.Logf("took %v", time.Since(start))
	if st.Code != 0 || strings.TrimSpace(out) != "hello from task" {
		t.Fatalf("status %v stdout %q stderr %q", st, out, errOut)
	}
}
