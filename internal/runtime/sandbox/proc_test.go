package sandbox

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPrivileged checks that a Privileged workload keeps root in its own
// namespaces while an ordinary one does not.
func TestPrivileged(t *testing.T) {
	e := pythonEnv(t, nil)
	probe := "import os; print(os.getuid(), open('/proc/self/status').read().split('CapEff:')[1].split()[0])"
	for _, tt := range []struct {
		privileged bool
		want       string
	}{{false, "993 0000000000000000"}, {true, "0 "}} {
		cfg := e.config("priv", "-c", probe)
		cfg.Privileged = tt.privileged
		out, errOut, st, _ := run(t, cfg)
		if st.Code != 0 || !strings.HasPrefix(strings.TrimSpace(out), tt.want) {
			t.Errorf("privileged=%v: %q (status %v, stderr %q), want prefix %q", tt.privileged, out, st, errOut, tt.want)
		}
		if tt.privileged && strings.HasSuffix(strings.TrimSpace(out), " 0000000000000000") {
			t.Errorf("privileged workload has no capabilities: %q", out)
		}
	}
}

// TestNewCgroup places a process in a standalone cgroup and kills it there.
func TestNewCgroup(t *testing.T) {
	requireIsolated(t)
	if _, err := NewCgroup("bad/id", 0, 0); err == nil {
		t.Error("NewCgroup accepted a bad id")
	}
	cg, err := NewCgroup(newID("cg"), 64, 8)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := cg.AddProc(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if got := cg.Procs(); !slices.Equal(got, []int{cmd.Process.Pid}) {
		t.Errorf("Procs = %v, want [%d]", got, cmd.Process.Pid)
	}
	if cg.MemoryUsedBytes() < 0 || cg.OOMKilled() {
		t.Error("fresh cgroup reports odd memory state")
	}
	cg.KillAll()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("KillAll did not kill the process")
	}
	if err := cg.Remove(); err != nil {
		t.Fatal(err)
	}
}
