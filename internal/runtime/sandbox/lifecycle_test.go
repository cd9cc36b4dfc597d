package sandbox

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startPython starts python3 -S -c code and returns the instance and a
// reader of its stdout.
func startPython(t *testing.T, e env, cfg Config) (*Instance, *bufio.Reader) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Stdout, cfg.Stderr = pw, os.Stderr
	inst, err := Start(context.Background(), cfg)
	pw.Close()
	if err != nil {
		pr.Close()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		pr.Close()
		if err := inst.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return inst, bufio.NewReader(pr)
}

// waitLine reads stdout until a line equal to want.
func waitLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if strings.TrimSpace(line) == want {
			return
		}
		if err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
	}
}

// assertEmpty checks that no process of the instance is left.
func assertEmpty(t *testing.T, inst *Instance) {
	t.Helper()
	if procs := inst.cg.procs(); len(procs) != 0 {
		t.Errorf("processes left in the instance cgroup: %v", procs)
	}
}

func TestExitStatus(t *testing.T) {
	e := pythonEnv(t, nil)
	tests := []struct {
		name string
		code string
		want ExitStatus
	}{
		{"clean", "pass", ExitStatus{Code: 0}},
		{"exit code", "import sys; sys.exit(3)", ExitStatus{Code: 3}},
		{"os._exit", "import os; os._exit(7)", ExitStatus{Code: 7}},
		{"killed by signal", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)", ExitStatus{Code: -1, Signal: syscall.SIGTERM}},
		{"exception", "raise ValueError('boom')", ExitStatus{Code: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, st, _ := run(t, e.config("exit", "-S", "-c", tt.code))
			if st != tt.want {
				t.Errorf("status %v, want %v", st, tt.want)
			}
		})
	}
}

// TestOrphansDie: a workload that forks a child which outlives it leaves
// nothing behind once Wait returns.
func TestOrphansDie(t *testing.T) {
	e := pythonEnv(t, nil)
	code := `import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(1000)
    time.sleep(1000)
time.sleep(0.2)
os._exit(0)`
	_, _, st, inst := run(t, e.config("orphan", "-S", "-c", code))
	if st.Code != 0 {
		t.Fatalf("status %v", st)
	}
	assertEmpty(t, inst)
}

// TestKillTree: Kill takes down a process tree that ignores SIGTERM.
func TestKillTree(t *testing.T) {
	e := pythonEnv(t, nil)
	code := `import os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
for _ in range(3):
    if os.fork() == 0:
        time.sleep(1000)
print("ready", flush=True)
time.sleep(1000)`
	inst, out := startPython(t, e, e.config("kill", "-S", "-c", code))
	waitLine(t, out, "ready")
	if n := len(inst.cg.procs()); n < 5 {
		t.Fatalf("expected init, workload and 3 children in the cgroup, got %d", n)
	}
	if err := inst.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := inst.Kill(); err != nil {
		t.Fatal(err)
	}
	st, err := inst.Wait()
	if err != nil || st.Signal != syscall.SIGKILL {
		t.Fatalf("status %v, %v; want killed", st, err)
	}
	t.Logf("Kill→Wait: %v", time.Since(start))
	assertEmpty(t, inst)
}

// TestForkBomb: a fork bomb hits PidsMax, the host is unaffected and Kill
// cleans everything up.
func TestForkBomb(t *testing.T) {
	e := pythonEnv(t, nil)
	code := `import os
print("go", flush=True)
while True:
    try:
        os.fork()
    except OSError:
        pass`
	cfg := e.config("bomb", "-S", "-c", code)
	cfg.PidsMax = 64
	inst, out := startPython(t, e, cfg)
	waitLine(t, out, "go")
	deadline := time.Now().Add(5 * time.Second)
	var cur int64
	for time.Now().Before(deadline) {
		cur, _ = readInt(inst.cg.pidsFile("pids.current"))
		if cur >= 60 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	events, _ := os.ReadFile(inst.cg.pidsFile("pids.events"))
	t.Logf("pids.current %d, events %q", cur, strings.TrimSpace(string(events)))
	if cur > 64 || cur < 60 {
		t.Fatalf("pids.current %d: the bomb should fill but not exceed 64 tasks", cur)
	}
	// The host can still fork.
	if err := hostExec("/bin/true"); err != nil {
		t.Fatalf("host fork during the bomb: %v", err)
	}
	if err := inst.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Wait(); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, inst)
}

func hostExec(path string) error {
	p, err := os.StartProcess(path, []string{path}, &os.ProcAttr{})
	if err != nil {
		return err
	}
	_, err = p.Wait()
	return err
}

// TestOOM: allocating past MemoryMB kills the instance, is reported, and
// the host is unaffected.
func TestOOM(t *testing.T) {
	e := pythonEnv(t, nil)
	code := `chunks = []
while True:
    chunks.append(bytearray(8 << 20))`
	cfg := e.config("oom", "-S", "-c", code)
	cfg.MemoryMB = 64
	_, _, st, inst := run(t, cfg)
	if !st.OOMKilled || st.Signal != syscall.SIGKILL {
		t.Fatalf("status %v, want OOM kill", st)
	}
	peak := inst.MaxMemoryUsedBytes()
	t.Logf("status %v, peak %d MB", st, peak>>20)
	if peak < 48<<20 || peak > 64<<20 {
		t.Errorf("peak memory %d, want close to 64 MB", peak)
	}
	assertEmpty(t, inst)
}

// TestMemoryAccounting: the peak reflects what the workload allocated.
func TestMemoryAccounting(t *testing.T) {
	e := pythonEnv(t, nil)
	code := `b = bytearray(40 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1`
	_, _, st, inst := run(t, e.config("mem", "-S", "-c", code))
	if st.Code != 0 || st.OOMKilled {
		t.Fatalf("status %v", st)
	}
	if peak := inst.MaxMemoryUsedBytes(); peak < 40<<20 || peak > 120<<20 {
		t.Errorf("peak %d MB, want 40 MB plus the interpreter", peak>>20)
	}
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	if peak := inst.MaxMemoryUsedBytes(); peak < 40<<20 {
		t.Errorf("peak after Close %d MB", peak>>20)
	}
}

// TestConcurrent starts 20 sandboxes at once.
func TestConcurrent(t *testing.T) {
	e := pythonEnv(t, nil)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var out syncBuffer
			cfg := e.config(fmt.Sprintf("conc%d", i), "-S", "-c", fmt.Sprintf("print(%d)", i))
			cfg.Stdout = &out
			inst, err := Start(context.Background(), cfg)
			if err != nil {
				errs <- err
				return
			}
			defer inst.Close()
			st, err := inst.Wait()
			if err != nil || st.Code != 0 || strings.TrimSpace(out.String()) != fmt.Sprint(i) {
				errs <- fmt.Errorf("instance %d: %v %v %q", i, st, err, out.String())
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestExtraFilesAndNetwork: an extra file reaches the workload as fd 3 and
// the host's loopback is reachable by default but not with NetNS.
func TestExtraFilesAndNetwork(t *testing.T) {
	e := pythonEnv(t, nil)
	code := `import os, socket, sys
os.write(3, b"via fd 3")
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
    print("connected")
except OSError as err:
    print("refused" if isinstance(err, ConnectionRefusedError) else repr(err))`
	ln, port := listenLoopback(t)
	defer ln.Close()
	for _, netns := range []bool{false, true} {
		t.Run(fmt.Sprintf("netns=%v", netns), func(t *testing.T) {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			cfg := e.config("net", "-S", "-c", code, port)
			cfg.ExtraFiles, cfg.NetNS = []*os.File{pw}, netns
			out, errOut, st, _ := run(t, cfg)
			pw.Close()
			got, _ := io.ReadAll(pr)
			if string(got) != "via fd 3" {
				t.Errorf("fd 3 carried %q", got)
			}
			want := map[bool]string{false: "connected", true: "refused"}[netns]
			if st.Code != 0 || strings.TrimSpace(out) != want {
				t.Errorf("status %v, output %q (stderr %q), want %q", st, out, errOut, want)
			}
		})
	}
}

func TestLayers(t *testing.T) {
	e := pythonEnv(t, nil)
	l1 := codeDir(t, map[string]string{"a.txt": "layer1", "b.txt": "layer1"})
	l2 := codeDir(t, map[string]string{"b.txt": "layer2"})
	cfg := e.config("layers", "-S", "-c", "print(open('/opt/a.txt').read(), open('/opt/b.txt').read())")
	cfg.LayerDirs = []string{l1, l2}
	out, errOut, st, _ := run(t, cfg)
	if st.Code != 0 || strings.TrimSpace(out) != "layer1 layer2" {
		t.Fatalf("status %v out %q err %q", st, out, errOut)
	}
}

// TestBoto3Inside: the interpreter's site-packages are usable at /var/lang.
func TestBoto3Inside(t *testing.T) {
	e := pythonEnv(t, nil)
	if e.py.Boto3Version == "" || !e.py.Boto3InPrefix {
		t.Skip("boto3 is not installed in the interpreter's prefix")
	}
	out, errOut, st, _ := run(t, e.config("boto3", "-c", "import boto3, sys; print(boto3.__version__, sys.prefix)"))
	if want := e.py.Boto3Version + " /var/lang"; st.Code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("status %v out %q err %q, want %q", st, out, errOut, want)
	}
}

func TestStartCanceled(t *testing.T) {
	requireIsolated(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Start(ctx, Config{ID: newID("cancel"), CodeDir: codeDir(t, nil), Args: []string{"/bin/true"}})
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("Start with a canceled context: %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	requireIsolated(t)
	dir := codeDir(t, nil)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"missing program", Config{Args: []string{"/var/task/nope"}}, "no such file"},
		{"bad id", Config{ID: "a/b", Args: []string{"/bin/true"}}, "invalid instance id"},
		{"relative program", Config{Args: []string{"true"}}, "absolute path"},
		{"runtime dir collides", Config{Args: []string{"/bin/true"}, RuntimeDirs: map[string]string{"/usr/x": dir}}, "collides"},
		{"missing code dir", Config{Args: []string{"/bin/true"}, CodeDir: "/nonexistent/code"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.ID == "" {
				cfg.ID = newID("err")
			}
			if cfg.CodeDir == "" {
				cfg.CodeDir = dir
			}
			inst, err := Start(context.Background(), cfg)
			if err == nil {
				inst.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func listenLoopback(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln, fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}
