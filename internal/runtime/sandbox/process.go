package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// pathMap rewrites sandbox paths to host paths for Process mode.
type pathMap struct {
	// keys are sandbox paths, longest first.
	keys []string
	to   map[string]string
}

func newPathMap(m map[string]string) pathMap {
	pm := pathMap{to: m}
	for k := range m {
		pm.keys = append(pm.keys, k)
	}
	sort.Slice(pm.keys, func(a, b int) bool { return len(pm.keys[a]) > len(pm.keys[b]) })
	return pm
}

// path rewrites one path (or leaves a non-matching string alone).
func (pm pathMap) path(s string) string {
	for _, k := range pm.keys {
		if s == k || strings.HasPrefix(s, k+"/") {
			return pm.to[k] + s[len(k):]
		}
	}
	return s
}

// list rewrites each element of a ':'-separated list such as PYTHONPATH.
func (pm pathMap) list(s string) string {
	parts := strings.Split(s, ":")
	for i, p := range parts {
		parts[i] = pm.path(p)
	}
	return strings.Join(parts, ":")
}

// env rewrites the value of every NAME=value entry.
func (pm pathMap) env(env []string) []string {
	out := make([]string, len(env))
	for i, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			out[i] = kv
			continue
		}
		out[i] = k + "=" + pm.list(v)
	}
	return out
}

// startProcess runs the workload as a plain child process (Process mode),
// as UID/GID when this process is root.
func startProcess(ctx context.Context, cfg Config, reason string) (*Instance, error) {
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: uint32(cfg.UID), Gid: uint32(cfg.GID), Groups: []uint32{}}
	}
	return startProcessAs(ctx, cfg, reason, cred)
}

// startProcessAs is startProcess with the credentials to switch to (nil:
// keep this process's).
func startProcessAs(ctx context.Context, cfg Config, reason string, cred *syscall.Credential) (*Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: start: %w", err)
	}
	if len(cfg.LayerDirs) > 1 {
		return nil, fmt.Errorf("sandbox: several layers need isolated mode (%s)", reason)
	}
	tmp, err := os.MkdirTemp("", "nubo-sandbox-"+cfg.ID+"-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	m := map[string]string{"/var/task": cfg.CodeDir, "/tmp": tmp}
	if len(cfg.LayerDirs) == 1 {
		m["/opt"] = cfg.LayerDirs[0]
	}
	for k, v := range cfg.RuntimeDirs {
		m[k] = v
	}
	pm := newPathMap(m)
	args := make([]string, len(cfg.Args))
	for i, a := range cfg.Args {
		args[i] = pm.path(a)
	}
	cmd := &exec.Cmd{
		Path: args[0], Args: args, Env: pm.env(cfg.Env), Dir: cfg.CodeDir,
		Stdout: cfg.Stdout, Stderr: cfg.Stderr, ExtraFiles: cfg.ExtraFiles,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred},
	}
	if cred != nil {
		if err := os.Chown(tmp, int(cred.Uid), int(cred.Gid)); err != nil {
			_ = os.RemoveAll(tmp)
			return nil, fmt.Errorf("sandbox: %w", err)
		}
	}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: starting %s: %w", cfg.Args[0], err)
	}
	return &Instance{mode: Process, cmd: cmd, tmpDir: tmp}, nil
}

// waitProcess waits for the workload without reaping it, kills its process
// group (children it left behind) while the group id is still held, and
// then reaps it.
func (i *Instance) waitProcess() {
	pid := i.cmd.Process.Pid
	if err := waitNoReap(pid); err == nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	err := i.cmd.Wait()
	i.exit = exitFromState(i.cmd.ProcessState)
	if err != nil && !isExitError(err) {
		i.waitErr = fmt.Errorf("sandbox: %w", err)
	}
	if ru, ok := i.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		i.rusageMaxRSS = ru.Maxrss << 10
	}
	i.waited.Store(true)
}

// waitNoReap blocks until pid has exited, leaving it a zombie.
func waitNoReap(pid int) error {
	const pPID, wExited, wNoWait = 1, 4, 0x1000000
	var info [128]byte
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), wExited|wNoWait, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return errno
		}
		return nil
	}
}

func (i *Instance) processPeak() int64 {
	if i.waited.Load() {
		return i.rusageMaxRSS
	}
	return procStatusBytes(i.cmd.Process.Pid, "VmHWM:")
}

func processRSS(pid int) int64 { return procStatusBytes(pid, "VmRSS:") }

// procStatusBytes reads a "kB" field of /proc/<pid>/status.
func procStatusBytes(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return n << 10
		}
	}
	return 0
}
