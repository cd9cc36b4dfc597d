package bootstrap

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/rapi"
)

// pythons returns the real interpreters to test with: python3 on PATH and
// /usr/bin/python3 when present and different.
func pythons(t *testing.T) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	add := func(exe string) {
		b, err := exec.Command(exe, "-c", "import sys; print(sys.executable)").Output()
		if err != nil {
			return
		}
		p := strings.TrimSpace(string(b))
		real, err := filepath.EvalSymlinks(p)
		if err != nil || seen[real] {
			return
		}
		seen[real] = true
		out = append(out, p)
	}
	if p, err := exec.LookPath("python3"); err == nil {
		add(p)
	}
	add("/usr/bin/python3")
	if len(out) == 0 {
		t.Skip("no python3")
	}
	sort.Strings(out)
	return out
}

// pyFn is one bootstrap process against its own endpoint.
type pyFn struct {
	t      *testing.T
	e      *rapi.Endpoint
	cmd    *exec.Cmd
	out    *os.File // read end of the process's stdout+stderr
	task   string
	mu     sync.Mutex
	exited chan struct{}
}

// fnConfig describes a function to start.
type fnConfig struct {
	files   map[string]string // task root files
	handler string
	env     []string
}

// startFn writes the runtime and code to temp dirs and starts the
// bootstrap as a plain subprocess (no sandbox).
func startFn(t *testing.T, python string, cfg fnConfig) *pyFn {
	t.Helper()
	dir := t.TempDir()
	runtimeDir, task := filepath.Join(dir, "runtime"), filepath.Join(dir, "task")
	if _, err := WriteRuntime(runtimeDir); err != nil {
		t.Fatal(err)
	}
	for name, body := range cfg.files {
		p := filepath.Join(task, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e, err := rapi.NewEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	argv := PythonArgv(python, runtimeDir)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + e.Addr(), "_HANDLER=" + cfg.handler, "LAMBDA_TASK_ROOT=" + task,
		"AWS_LAMBDA_FUNCTION_NAME=pyfn", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/pyfn",
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_REGION=us-east-1", "AWS_EXECUTION_ENV=AWS_Lambda_python3.11", "PATH=/usr/bin:/bin",
		"LANG=C.UTF-8",
	}, cfg.env...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f := &pyFn{t: t, e: e, cmd: cmd, out: r, task: task, exited: make(chan struct{})}
	go func() {
		e.RuntimeExited(cmd.Wait())
		close(f.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-f.exited
		_ = e.Close()
		if t.Failed() {
			t.Logf("remaining output: %q", f.drain())
		}
		r.Close()
	})
	return f
}

// drain returns what the process has written so far (non-blocking: stops
// when the pipe is empty).
func (f *pyFn) drain() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var sb strings.Builder
	buf := make([]byte, 64<<10)
	for {
		_ = f.out.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := f.out.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

// ready waits for the first /next.
func (f *pyFn) ready() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := f.e.WaitReady(ctx); err != nil {
		f.t.Fatalf("WaitReady: %v\noutput: %q", err, f.drain())
	}
}

// invoke runs one invocation and returns its result and its output.
func (f *pyFn) invoke(id, payload string, timeout time.Duration, mod func(*rapi.Invocation)) (rapi.Result, string, error) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	inv := rapi.Invocation{RequestID: id, Payload: []byte(payload), Deadline: time.Now().Add(timeout),
		FunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:pyfn"}
	if mod != nil {
		mod(&inv)
	}
	res, err := f.e.Invoke(ctx, inv)
	return res, f.drain(), err
}

// waitExit waits for the process to end.
func (f *pyFn) waitExit(d time.Duration) error {
	select {
	case <-f.exited:
		return nil
	case <-time.After(d):
		return errors.New("process still running")
	}
}
