package sandbox

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startProcessMode starts cfg in Process mode regardless of the host.
func startProcessMode(t *testing.T, cfg Config) (*Instance, *syncBuffer) {
	t.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	cfg.Stdout, cfg.Stderr = &out, &out
	// Run as this user: the test is about path mapping and process groups;
	// the dropped identity could not reach a Python under /root anyway.
	inst, err := startProcessAs(context.Background(), cfg, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Close() })
	return inst, &out
}

func TestProcessMode(t *testing.T) {
	py, err := detectPythonOnce()
	if err != nil {
		t.Skipf("no python3: %v", err)
	}
	dir := codeDir(t, map[string]string{"app.py": `import os, sys
open(os.environ["TMPDIR"] + "/x", "w").write("hi")
print(os.getcwd(), open(sys.argv[1]).read(), os.environ["TMPDIR"].startswith("/var") is False)
b = bytearray(30 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1
`})
	cfg := Config{ID: newID("proc"), CodeDir: dir, RuntimeDirs: map[string]string{LangDir: py.HostPrefix},
		Env:  append([]string{"TMPDIR=/tmp"}, py.Env...),
		Args: []string{py.Executable, "-S", "/var/task/app.py", "/tmp/x"}}
	inst, out := startProcessMode(t, cfg)
	st, err := inst.Wait()
	if err != nil || st.Code != 0 {
		t.Fatalf("status %v, %v: %s", st, err, out.String())
	}
	if got, want := strings.TrimSpace(out.String()), dir+" hi True"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if peak := inst.MaxMemoryUsedBytes(); peak < 30<<20 {
		t.Errorf("peak %d", peak)
	}
	tmp := inst.tmpDir
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temp dir %s left behind: %v", tmp, err)
	}
}

// TestProcessModeKillGroup: Kill and Wait take down the workload's
// process group, including children that outlive the main process.
func TestProcessModeKillGroup(t *testing.T) {
	dir := codeDir(t, nil)
	cfg := Config{ID: newID("procgrp"), CodeDir: dir, Args: []string{"/bin/sh", "-c", "sleep 1000 & echo $!; trap '' TERM; exit 0"}}
	inst, out := startProcessMode(t, cfg)
	if _, err := inst.Wait(); err != nil {
		t.Fatal(err)
	}
	var pid int
	for _, c := range strings.TrimSpace(out.String()) {
		pid = pid*10 + int(c-'0')
	}
	deadline := time.Now().Add(2 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("child %d of the workload survived", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
