package pool

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/zygote"
	"github.com/nubo/nubo/internal/service/lambda"
)

const envCode = `
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"env": {k: os.environ.get(k) for k in event["keys"]}, "pid": os.getpid()}
`

func TestUnderCodeRoot(t *testing.T) {
	p := &Pool{cfg: Config{CodeRoot: "/data/lambda/code"}}
	tests := []struct {
		dir  string
		want bool
	}{
		{"/data/lambda/code/0123abcd", true},
		{"/data/lambda/code/0123abcd/", true},
		{"/data/lambda/code", false},
		{"/data/lambda/code/a/b", false},
		{"/data/lambda/other/0123abcd", false},
		{"/data/lambda/code/../code2", false},
		{"data/lambda/code/0123abcd", false},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			if got := p.underCodeRoot(tc.dir); got != tc.want {
				t.Fatalf("underCodeRoot(%q) = %v, want %v", tc.dir, got, tc.want)
			}
		})
	}
}

// TestZygoteFallbacks: a pool with a zygote forks the Python instances
// it can and starts the others with sandbox.Start; both behave alike.
func TestZygoteFallbacks(t *testing.T) {
	if !zygoteExpected(t) {
		t.Skip("no zygote on this host")
	}
	f := newFixture(t, nil)
	tests := []struct {
		name   string
		mod    func(v *lambda.Version)
		forked bool
	}{
		{"default environment", nil, true},
		{"runtime python variables", func(v *lambda.Version) { v.Environment["PYTHONPATH"] = "/var/task/lib" }, true},
		{"start-up python variable", func(v *lambda.Version) { v.Environment["PYTHONHASHSEED"] = "7" }, false},
		{"own library path", func(v *lambda.Version) { v.Environment["LD_LIBRARY_PATH"] = "/var/task/lib" }, false},
		{"layers", func(v *lambda.Version) {
			v.Layers = []string{"arn:aws:lambda:us-east-1:000000000000:layer:l:1"}
		}, false},
		{"code outside the code root", func(v *lambda.Version) {
			v.CodeDir = codeDir(t, map[string]string{"index.py": envCode})
		}, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := f.pyVersion(t, "fallback", envCode)
			v.RevisionID = "rev-" + string(rune('a'+i)) // a cold start each
			if tc.mod != nil {
				tc.mod(v)
			}
			before := f.p.Stats()
			out := wantOK(t, f.invoke(t, v, `{"keys": ["PYTHONPATH", "PYTHONHASHSEED", "LD_LIBRARY_PATH", "GREETING"]}`))
			after := f.p.Stats()
			forked := after.ZygoteStarts - before.ZygoteStarts
			plain := after.SandboxStarts - before.SandboxStarts
			if tc.forked && (forked != 1 || plain != 0) || !tc.forked && (forked != 0 || plain != 1) {
				t.Fatalf("%d forked, %d plain; want forked=%v", forked, plain, tc.forked)
			}
			env := out["env"].(map[string]any)
			for k, want := range v.Environment {
				if env[k] != want {
					t.Errorf("%s = %v, want %q", k, env[k], want)
				}
			}
			if got := env["LD_LIBRARY_PATH"]; v.Environment["LD_LIBRARY_PATH"] == "" && got != pythonLibraryPath(f.p.python.py.Env) {
				t.Errorf("LD_LIBRARY_PATH %v", got)
			}
		})
	}
	if m := f.p.Mode(); m.Zygote != ZygoteRunning || !strings.Contains(m.String(), "zygote running (python ") {
		t.Fatalf("mode %+v", m)
	}
}

// zygotePid returns the host PID of the pool's zygote sandbox (0: none).
func zygotePid(p *Pool) int {
	p.forks.mu.Lock()
	defer p.forks.mu.Unlock()
	for _, e := range p.forks.byPython {
		if e.z != nil {
			return e.z.Pid()
		}
	}
	return 0
}

// TestZygoteRestart: instances die with their zygote; the next cold start
// restarts it; Close stops it.
func TestZygoteRestart(t *testing.T) {
	if !zygoteExpected(t) {
		t.Skip("no zygote on this host")
	}
	f := newFixture(t, nil)
	v := f.pyVersion(t, "restart", helloCode)
	wantOK(t, f.invoke(t, v, `{}`))
	pid := zygotePid(f.p)
	if pid == 0 {
		t.Fatal("no zygote after a Python cold start")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the idle instance to die with the zygote", func() bool { return f.p.Stats().Instances == 0 })
	if got := wantOK(t, f.invoke(t, v, `{}`))["count"]; got != 1.0 {
		t.Fatalf("count %v after the zygote died, want a new instance", got)
	}
	restarted := zygotePid(f.p)
	if restarted == 0 || restarted == pid {
		t.Fatalf("zygote pid %d after restart (was %d)", restarted, pid)
	}
	f.wantPath(t, true)
	if err := f.p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(restarted))); err == nil {
		t.Fatalf("zygote %d still runs after Close", restarted)
	}
}

// TestZygoteStartFailure: a zygote that cannot start leaves the pool on
// sandbox.Start, without retrying at every cold start.
func TestZygoteStartFailure(t *testing.T) {
	if !zygoteExpected(t) {
		t.Skip("no zygote on this host")
	}
	f := newFixture(t, nil)
	f.p.tweakZygote = func(c *zygote.Config) { c.Preload = []string{"no_such_module_for_nubo"} }
	v := f.pyVersion(t, "nozygote", helloCode)
	for i, rev := range []string{"a", "b"} {
		v.RevisionID = rev
		start := time.Now()
		out := wantOK(t, f.invoke(t, v, `{}`))
		if out["count"] != 1.0 {
			t.Fatalf("count %v", out["count"])
		}
		if i == 1 && time.Since(start) > 5*time.Second {
			t.Errorf("second cold start took %v", time.Since(start))
		}
	}
	f.wantPath(t, false)
	m := f.p.Mode()
	if m.Zygote != ZygoteFailed || !strings.Contains(m.ZygoteDetail, "no_such_module_for_nubo") {
		t.Fatalf("mode %+v", m)
	}
}

func TestZygoteInfo(t *testing.T) {
	tests := []struct {
		name  string
		tweak func(*Config)
		want  string
	}{
		{"disabled", func(c *Config) { c.DisableZygote = true }, "disabled by configuration"},
		{"no code root", func(c *Config) { c.CodeRoot = "" }, "no code root configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.tweak)
			m := f.p.Mode()
			if m.Zygote != ZygoteDisabled || m.ZygoteDetail != tc.want || !strings.Contains(m.String(), "zygote disabled") {
				t.Fatalf("mode %+v", m)
			}
			v := f.pyVersion(t, "info", helloCode)
			wantOK(t, f.invoke(t, v, `{}`))
			f.wantPath(t, false)
		})
	}
	if zygoteExpected(t) {
		f := newFixture(t, nil)
		if m := f.p.Mode(); m.Zygote != ZygoteIdle {
			t.Fatalf("fresh pool: mode %+v", m)
		}
	}
}

// TestZygoteConcurrentColdStarts: parallel cold starts share one zygote.
func TestZygoteConcurrentColdStarts(t *testing.T) {
	if !zygoteExpected(t) {
		t.Skip("no zygote on this host")
	}
	f := newFixture(t, nil)
	v := f.pyVersion(t, "parallel", envCode)
	const n = 4
	pids := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.tryInvoke(v, `{"keys": [], "sleep": 1}`)
			if err != nil || res.FunctionError != "" {
				t.Errorf("invoke: %v %+v", err, res)
				return
			}
			pids[i] = decode(t, res)["pid"]
		}()
	}
	wg.Wait()
	if s := f.p.Stats(); s.ZygoteStarts != n || s.SandboxStarts != 0 || s.Instances != n {
		t.Fatalf("stats %+v", s)
	}
	f.p.forks.mu.Lock()
	zygotes := len(f.p.forks.byPython)
	f.p.forks.mu.Unlock()
	if zygotes != 1 {
		t.Fatalf("%d zygotes", zygotes)
	}
}
