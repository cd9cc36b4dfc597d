package zygote

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/rapi"
)

const forkBomb = `import errno, os, time

def handler(event, context):
    n, err = 0, ""
    try:
        for _ in range(500):
            pid = os.fork()
            if pid == 0:
                time.sleep(300)
                os._exit(0)
            n += 1
    except OSError as e:
        err = errno.errorcode.get(e.errno, str(e.errno))
    return {"forked": n, "err": err}
`

// TestForkBombContained checks that the pids limit stops a fork bomb and
// that Kill takes down every process it left.
func TestForkBombContained(t *testing.T) {
	f := shared(t)
	r := f.spawn(t, f.code(t, map[string]string{"app.py": forkBomb}), "app.handler", func(sc *SpawnConfig) { sc.PidsMax = 16 })
	var got struct {
		Forked int
		Err    string
	}
	decode(t, r.mustInvoke(`{}`), &got)
	if got.Err != "EAGAIN" || got.Forked >= 16 {
		t.Errorf("fork bomb: forked %d, error %q; want EAGAIN below 16", got.Forked, got.Err)
	}
	if n := len(r.inst.cg.Procs()); n < got.Forked {
		t.Errorf("cgroup holds %d processes, want at least %d", n, got.Forked)
	}
	start := time.Now()
	if err := r.inst.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.inst.Wait(); err != nil {
		t.Fatal(err)
	}
	if left := r.inst.cg.Procs(); len(left) != 0 {
		t.Errorf("processes left after Kill and Wait: %v", left)
	}
	t.Logf("killed %d processes in %v", got.Forked+2, time.Since(start))
}

// TestKillKillsTree checks that Kill ends a workload that left a detached
// child in its own session.
func TestKillKillsTree(t *testing.T) {
	f := shared(t)
	code := "import subprocess\n\ndef handler(e, c):\n    p = subprocess.Popen(['/bin/sleep', '300'], start_new_session=True)\n    return p.pid\n"
	r := f.spawn(t, f.code(t, map[string]string{"app.py": code}), "app.handler", nil)
	r.mustInvoke(`{}`)
	if n := len(r.inst.cg.Procs()); n != 3 {
		t.Errorf("cgroup holds %d processes, want 3 (init, runtime, sleep)", n)
	}
	if err := r.inst.Kill(); err != nil {
		t.Fatal(err)
	}
	st, err := r.inst.Wait()
	if err != nil || st.Signal != syscall.SIGKILL {
		t.Errorf("Wait after Kill: %v, %v; want killed by SIGKILL", st, err)
	}
	if left := r.inst.cg.Procs(); len(left) != 0 {
		t.Errorf("processes left after Kill and Wait: %v", left)
	}
	if err := r.inst.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("Signal to a dead instance: %v, want nil (pidfd, no reuse)", err)
	}
}

// TestOOMKillsOnlyTheInstance runs a function over its memory limit: it
// dies with OOMKilled, and the zygote goes on spawning.
func TestOOMKillsOnlyTheInstance(t *testing.T) {
	f := shared(t)
	code := "def handler(e, c):\n    x = b'x' * (300 << 20)\n    return len(x)\n"
	r := f.spawn(t, f.code(t, map[string]string{"app.py": code}), "app.handler", func(sc *SpawnConfig) { sc.MemoryMB = 64 })
	if _, err := r.invoke(`{}`, time.Minute); !errors.Is(err, rapi.ErrRuntimeExited) {
		t.Errorf("invoke over the memory limit: %v, want ErrRuntimeExited", err)
	}
	st, _ := r.inst.Wait()
	if !st.OOMKilled {
		t.Errorf("status %v, want OOMKilled", st)
	}
	if peak := r.inst.MaxMemoryUsedBytes(); peak < 60<<20 {
		t.Errorf("peak memory %d, want about the 64 MB limit", peak)
	}
	other := f.spawn(t, f.code(t, map[string]string{"app.py": "def handler(e, c):\n    return 'alive'\n"}), "app.handler", nil)
	if got := other.mustInvoke(`{}`); got != `"alive"` {
		t.Errorf("next instance answered %s", got)
	}
}

// TestExitAndInit covers how the workload ends: an init error, os._exit
// and a forwarded SIGTERM.
func TestExitAndInit(t *testing.T) {
	f := shared(t)
	t.Run("import error", func(t *testing.T) {
		r := f.spawn(t, f.code(t, map[string]string{"app.py": "x = 1\n"}), "missing.handler", nil)
		res, err := r.invoke(`{}`, time.Minute)
		if err != nil || res.Err == nil || res.Err.Type != "Runtime.ImportModuleError" {
			t.Errorf("invoke: %+v, %v; want Runtime.ImportModuleError", res, err)
		}
		if st, _ := r.inst.Wait(); st.Code != 1 {
			t.Errorf("status %v, want exit status 1", st)
		}
	})
	t.Run("os._exit", func(t *testing.T) {
		r := f.spawn(t, f.code(t, map[string]string{"app.py": "import os\n\ndef handler(e, c):\n    os._exit(3)\n"}), "app.handler", nil)
		if _, err := r.invoke(`{}`, time.Minute); !errors.Is(err, rapi.ErrRuntimeExited) {
			t.Errorf("invoke: %v, want ErrRuntimeExited", err)
		}
		if st, _ := r.inst.Wait(); st.Code != 3 || st.Signal != 0 {
			t.Errorf("status %v, want exit status 3", st)
		}
	})
	t.Run("SIGTERM forwarded", func(t *testing.T) {
		code := "import os, signal\nsignal.signal(signal.SIGTERM, lambda *a: os._exit(42))\n\ndef handler(e, c):\n    return 1\n"
		r := f.spawn(t, f.code(t, map[string]string{"app.py": code}), "app.handler", nil)
		r.mustInvoke(`{}`)
		if err := r.inst.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if st, _ := r.inst.Wait(); st.Code != 42 {
			t.Errorf("status %v, want exit status 42", st)
		}
	})
}

// TestFreshInterpreterSemantics checks what a forked instance must do like
// a fresh interpreter: the function's own copy of a preloaded package wins,
// a function module named "bootstrap" is its own, the environment is
// exactly the function's and output reaches the instance's stdout.
func TestFreshInterpreterSemantics(t *testing.T) {
	f := shared(t)
	t.Run("bundled boto3 wins", func(t *testing.T) {
		name := f.code(t, map[string]string{
			"boto3/__init__.py": "__version__ = 'bundled'\n",
			"app.py":            "import boto3, sys\n\ndef handler(e, c):\n    return [boto3.__version__, 'botocore.session' in sys.modules]\n",
		})
		if got := f.spawn(t, name, "app.handler", nil).mustInvoke(`{}`); got != `["bundled", false]` {
			t.Errorf("got %s, want the bundled boto3 and no preloaded botocore", got)
		}
	})
	t.Run("module named bootstrap", func(t *testing.T) {
		name := f.code(t, map[string]string{"bootstrap.py": "def handler(e, c):\n    return 'mine'\n"})
		if got := f.spawn(t, name, "bootstrap.handler", nil).mustInvoke(`{}`); got != `"mine"` {
			t.Errorf("got %s", got)
		}
	})
	t.Run("environment and output", func(t *testing.T) {
		code := "import os, sys\nprint('init says hi')\n\ndef handler(e, c):\n    print('handler says hi')\n    return sorted(os.environ)\n"
		r := f.spawn(t, f.code(t, map[string]string{"app.py": code}), "app.handler", nil)
		var got []string
		decode(t, r.mustInvoke(`{}`), &got)
		var want []string
		for k := range envMap(fnEnv(r.e, "app.handler", f.py)) {
			want = append(want, k)
		}
		want = append(want, "_X_AMZN_TRACE_ID")
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("environment %v, want %v", got, want)
		}
		// The runtime flushes before answering, but the copy from the pipe
		// into r.out is asynchronous: wait for it.
		deadline := time.Now().Add(5 * time.Second)
		for {
			out := r.out.String()
			if strings.Contains(out, "init says hi\n") && strings.Contains(out, "handler says hi\n") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("output %q", out)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// TestZygoteRestart kills a zygote: its instances die with it and the next
// Spawn starts a new one.
func TestZygoteRestart(t *testing.T) {
	f := shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	z, err := Start(ctx, f.config())
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	own := *f
	own.z = z
	name := f.code(t, map[string]string{"app.py": "def handler(e, c):\n    return 'ok'\n"})
	r := own.spawn(t, name, "app.handler", nil)
	r.mustInvoke(`{}`)
	old := z.Pid()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.inst.Wait(); st.Signal != syscall.SIGKILL {
		t.Errorf("instance of a killed zygote: %v, want killed", st)
	}
	r2 := own.spawn(t, name, "app.handler", nil)
	if got := r2.mustInvoke(`{}`); got != `"ok"` {
		t.Errorf("after restart: %s", got)
	}
	if z.Pid() == old || z.Pid() == 0 {
		t.Errorf("zygote pid %d after restart (was %d)", z.Pid(), old)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := z.Spawn(ctx, SpawnConfig{ID: "zt-closed", CodeDir: name, Env: f.config().Python.Env}); !errors.Is(err, ErrClosed) {
		t.Errorf("Spawn after Close: %v, want ErrClosed", err)
	}
}

func TestSpawnValidation(t *testing.T) {
	f := shared(t)
	name := f.code(t, nil)
	tests := []struct {
		name string
		sc   SpawnConfig
		want string
	}{
		{"bad id", SpawnConfig{ID: "a/b", CodeDir: name}, "invalid instance id"},
		{"code escapes", SpawnConfig{ID: "zt-v1", CodeDir: ".."}, "invalid code directory"},
		{"code missing", SpawnConfig{ID: "zt-v2", CodeDir: "nope"}, "not a directory"},
		{"other uid", SpawnConfig{ID: "zt-v3", CodeDir: name, UID: 1000}, "instances run as"},
		{"startup env", SpawnConfig{ID: "zt-v4", CodeDir: name, Env: []string{"PYTHONHASHSEED=0"}}, "fresh interpreter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.z.Spawn(context.Background(), tt.sc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Spawn: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestCompatible(t *testing.T) {
	base := []string{"PATH=/usr/bin", "LANG=C.UTF-8", "LD_LIBRARY_PATH=/var/lang/lib"}
	tests := []struct {
		name string
		env  []string
		ok   bool
	}{
		{"plain", []string{"AWS_REGION=us-east-1", "LD_LIBRARY_PATH=/var/lang/lib"}, true},
		{"pythonpath", []string{"PYTHONPATH=/opt/x", "LD_LIBRARY_PATH=/var/lang/lib"}, true},
		{"unbuffered", []string{"PYTHONUNBUFFERED=1", "LD_LIBRARY_PATH=/var/lang/lib"}, true},
		{"hash seed", []string{"PYTHONHASHSEED=0", "LD_LIBRARY_PATH=/var/lang/lib"}, false},
		{"optimize", []string{"PYTHONOPTIMIZE=1", "LD_LIBRARY_PATH=/var/lang/lib"}, false},
		{"ld path differs", []string{"LD_LIBRARY_PATH=/opt/lib"}, false},
		{"ld path missing", []string{"AWS_REGION=x"}, false},
		{"ld preload", []string{"LD_PRELOAD=/x.so", "LD_LIBRARY_PATH=/var/lang/lib"}, false},
		{"utf8 locale", []string{"LANG=en_US.UTF-8", "LC_ALL=C.utf8", "LD_LIBRARY_PATH=/var/lang/lib"}, true},
		{"C locale", []string{"LC_ALL=C", "LD_LIBRARY_PATH=/var/lang/lib"}, true},
		{"latin1 locale", []string{"LANG=de_DE.ISO-8859-1", "LD_LIBRARY_PATH=/var/lang/lib"}, false},
		{"bare locale", []string{"LANG=en_US", "LD_LIBRARY_PATH=/var/lang/lib"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := compatible(tt.env, base)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrIncompatible)) {
				t.Errorf("compatible(%v): %v, want ok=%v", tt.env, err, tt.ok)
			}
		})
	}
}

func statusCases() []struct {
	line string
	want statusMsg
	ok   bool
} {
	return []struct {
		line string
		want statusMsg
		ok   bool
	}{
		{"ok 2", statusMsg{kind: "ok", pid: 2}, true},
		{"ok 0", statusMsg{}, false},
		{"ok x", statusMsg{}, false},
		{"err mount /proc: EPERM", statusMsg{kind: "err", text: "mount /proc: EPERM"}, true},
		{"exit 0 0", statusMsg{kind: "exit"}, true},
		{"exit -1 9", statusMsg{kind: "exit", code: -1, signal: 9}, true},
		{"exit 256 0", statusMsg{}, false},
		{"exit 1", statusMsg{}, false},
		{"exit 1 65", statusMsg{}, false},
		{"hello", statusMsg{}, false},
		{"", statusMsg{}, false},
	}
}

func TestParseStatus(t *testing.T) {
	for _, tt := range statusCases() {
		t.Run(tt.line, func(t *testing.T) {
			got, err := parseStatus(tt.line)
			if (err == nil) != tt.ok {
				t.Fatalf("parseStatus(%q) error %v, want ok=%v", tt.line, err, tt.ok)
			}
			if tt.ok && got != tt.want {
				t.Errorf("parseStatus(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

func FuzzParseStatus(f *testing.F) {
	for _, tt := range statusCases() {
		f.Add(tt.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		m, err := parseStatus(line)
		if err != nil {
			return
		}
		switch m.kind {
		case "ok":
			if m.pid <= 0 {
				t.Errorf("accepted pid %d", m.pid)
			}
		case "exit":
			if m.code < -1 || m.code > 255 || m.signal < 0 || m.signal > 64 {
				t.Errorf("accepted exit %d %d", m.code, m.signal)
			}
		case "err":
		default:
			t.Errorf("accepted kind %q", m.kind)
		}
		if b, _ := json.Marshal(m.text); len(b) == 0 {
			t.Error("unencodable text")
		}
	})
}
