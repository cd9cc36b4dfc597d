package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Instance is a running sandbox. Its methods are safe for concurrent use.
type Instance struct {
	mode   Mode
	cmd    *exec.Cmd
	cg     *cgroup // nil in Process mode
	status *bufio.Reader
	// statusFile is the read end of the init's status pipe (Isolated mode).
	statusFile *os.File
	// tmpDir is the host directory standing in for /tmp (Process mode).
	tmpDir string

	waitOnce sync.Once
	exit     ExitStatus
	waitErr  error
	// rusageMaxRSS is the peak RSS of the workload in bytes (Process mode),
	// valid once waited is set.
	rusageMaxRSS int64
	waited       atomic.Bool

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
	// finalPeak is MaxMemoryUsedBytes as it was when the instance closed.
	finalPeak atomic.Int64
}

// Mode reports how this instance is isolated.
func (i *Instance) Mode() Mode { return i.mode }

// Pid returns the host PID of the instance's top process: the sandbox init
// (PID 1 of the instance's namespace) in Isolated mode, the workload in
// Process mode.
func (i *Instance) Pid() int { return i.cmd.Process.Pid }

// startIsolated starts the sandbox init in new namespaces and its cgroup
// and waits until it has executed the workload.
func startIsolated(ctx context.Context, cfg Config, h *cgroupHost) (*Instance, error) {
	base, err := sandboxBase()
	if err != nil {
		return nil, err
	}
	etc, err := etcSkeleton(base, cfg.UID, cfg.GID)
	if err != nil {
		return nil, err
	}
	cg, err := h.create(cfg.ID, cfg.MemoryMB, cfg.PidsMax)
	if err != nil {
		return nil, err
	}
	inst, cfgW, err := launchInit(cfg, h, cg)
	if err != nil {
		_ = cg.remove()
		return nil, err
	}
	if err := inst.configure(cfg, cfgW, filepath.Join(base, "root"), etc); err != nil {
		return nil, inst.abort(err)
	}
	first := make(chan statusResult, 1)
	go func() { first <- inst.readStatus() }()
	select {
	case <-ctx.Done():
		_ = inst.Kill()
		<-first // the status pipe reaches EOF once the init is dead
		return nil, inst.abort(fmt.Errorf("sandbox: start: %w", ctx.Err()))
	case r := <-first:
		if r.err != nil {
			return nil, inst.abort(r.err)
		}
		switch r.msg.kind {
		case "ok":
			return inst, nil
		case "err":
			return nil, inst.abort(errors.New(r.msg.text))
		}
		return nil, inst.abort(fmt.Errorf("sandbox: unexpected init status %q", r.msg.kind))
	}
}

// launchInit starts the init process; on cgroup v2 it is cloned straight
// into the instance cgroup. It returns the write end of the config pipe.
func launchInit(cfg Config, h *cgroupHost, cg *cgroup) (*Instance, *os.File, error) {
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	statR, statW, err := os.Pipe()
	if err != nil {
		closeAll(cfgR, cfgW)
		return nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	flags := uintptr(syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS)
	if cfg.NetNS {
		flags |= syscall.CLONE_NEWNET
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{initArg0},
		Env:        []string{initMarkerEnv + "=1", "GOMAXPROCS=1", "GOGC=off"},
		Stdout:     cfg.Stdout,
		Stderr:     cfg.Stderr,
		ExtraFiles: append([]*os.File{cfgR, statW}, cfg.ExtraFiles...),
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: flags,
			Pdeathsig:  syscall.SIGKILL,
		},
	}
	var cgFD *os.File
	if h.v2 {
		if cgFD, err = os.Open(cg.dirs[0]); err != nil {
			closeAll(cfgR, cfgW, statR, statW)
			return nil, nil, fmt.Errorf("sandbox: %w", err)
		}
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = int(cgFD.Fd())
	}
	err = cmd.Start()
	closeAll(cfgR, statW, cgFD)
	if err != nil {
		closeAll(cfgW, statR)
		return nil, nil, fmt.Errorf("sandbox: starting init: %w", err)
	}
	inst := &Instance{mode: Isolated, cmd: cmd, cg: cg, statusFile: statR, status: bufio.NewReader(statR)}
	return inst, cfgW, nil
}

// configure moves the init into its cgroup (v1) and then hands it the
// config; the init does nothing before it has read the config, so the
// workload always starts inside the cgroup.
func (i *Instance) configure(cfg Config, cfgW *os.File, root, etc string) error {
	defer cfgW.Close()
	if !i.cg.v2 {
		if err := i.cg.addProc(i.cmd.Process.Pid); err != nil {
			return err
		}
	}
	ic := initConfig{
		Root: root, EtcDir: etc, Hostname: cfg.ID, CodeDir: cfg.CodeDir, LayerDirs: cfg.LayerDirs,
		RuntimeDirs: cfg.RuntimeDirs, TmpSizeMB: cfg.TmpSizeMB, UID: cfg.UID, GID: cfg.GID,
		Env: cfg.Env, Args: cfg.Args, ExtraFiles: len(cfg.ExtraFiles), NetNS: cfg.NetNS,
		Privileged: cfg.Privileged,
	}
	if err := json.NewEncoder(cfgW).Encode(&ic); err != nil {
		return fmt.Errorf("sandbox: sending config to init: %w", err)
	}
	return nil
}

// sandboxBase returns the host directory holding the /etc skeletons and
// "root", the empty directory every instance mounts its private root on
// (inside its own mount namespace, invisible on the host).
func sandboxBase() (string, error) {
	base := "/run"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base = os.TempDir()
	}
	base = filepath.Join(base, "nubo-sandbox")
	root := filepath.Join(base, "root")
	if _, err := os.Stat(root); err == nil {
		return base, nil
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	return base, nil
}

type statusResult struct {
	msg statusMsg
	err error
}

// readStatus reads one status line from the init.
func (i *Instance) readStatus() statusResult {
	line, err := i.status.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			return statusResult{err: io.EOF}
		}
		return statusResult{err: fmt.Errorf("sandbox: reading init status: %w", err)}
	}
	m, err := parseStatus(strings.TrimSuffix(line, "\n"))
	return statusResult{msg: m, err: err}
}

// abort kills a half-started instance, cleans up and returns cause.
func (i *Instance) abort(cause error) error {
	_ = i.Close()
	if errors.Is(cause, io.EOF) {
		return fmt.Errorf("sandbox: init exited before starting the workload (%v)", i.exit)
	}
	return cause
}

// Wait waits for the instance's main process to exit and returns how it
// ended. Every process of the instance is gone when Wait returns (in
// Isolated mode). It may be called any number of times.
func (i *Instance) Wait() (ExitStatus, error) {
	i.waitOnce.Do(i.wait)
	return i.exit, i.waitErr
}

func (i *Instance) wait() {
	if i.mode == Process {
		i.waitProcess()
		return
	}
	var last *statusMsg
	for {
		r := i.readStatus()
		if r.err != nil {
			break
		}
		if r.msg.kind == "exit" {
			m := r.msg
			last = &m
		}
	}
	_ = i.statusFile.Close()
	err := i.cmd.Wait()
	i.exit = exitFromState(i.cmd.ProcessState)
	if last != nil {
		i.exit = ExitStatus{Code: last.code, Signal: last.signal}
	} else if err != nil && !isExitError(err) {
		i.waitErr = fmt.Errorf("sandbox: %w", err)
	}
	i.exit.OOMKilled = i.cg.oomKills() > 0
}

func isExitError(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee)
}

func exitFromState(ps *os.ProcessState) ExitStatus {
	if ps == nil {
		return ExitStatus{Code: -1}
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ps.ExitCode()}
}

// Kill kills every process of the instance at once. In Isolated mode
// killing the namespace's init makes the kernel kill everything else in
// the PID namespace; the cgroup is swept as well.
func (i *Instance) Kill() error {
	err := i.cmd.Process.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		err = nil
	}
	if i.mode == Process && !i.waited.Load() {
		// The workload leads its own process group; take the group down.
		_ = syscall.Kill(-i.cmd.Process.Pid, syscall.SIGKILL)
	}
	if i.cg != nil {
		i.cg.killAll()
	}
	if err != nil {
		return fmt.Errorf("sandbox: kill: %w", err)
	}
	return nil
}

// Signal sends sig to the workload's main process (forwarded by the init in
// Isolated mode for SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2).
func (i *Instance) Signal(sig syscall.Signal) error {
	if err := i.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("sandbox: signal: %w", err)
	}
	return nil
}

// MemoryUsedBytes returns the instance's current memory use (0 after Close).
func (i *Instance) MemoryUsedBytes() int64 {
	if i.closed.Load() {
		return 0
	}
	if i.cg != nil {
		return i.cg.current()
	}
	return processRSS(i.cmd.Process.Pid)
}

// MaxMemoryUsedBytes returns the instance's peak memory use so far (from
// the cgroup in Isolated mode, the workload's peak RSS in Process mode).
// It stays valid after Wait and Close.
func (i *Instance) MaxMemoryUsedBytes() int64 {
	if i.closed.Load() {
		return i.finalPeak.Load()
	}
	if i.cg != nil {
		return i.cg.peak()
	}
	return i.processPeak()
}

// Close kills the instance if it still runs, waits for it and releases
// everything it held: the cgroup, and the temporary directory in Process
// mode. Mounts need no cleanup; they live only in the instance's mount
// namespace.
func (i *Instance) Close() error {
	i.closeOnce.Do(func() {
		_ = i.Kill()
		_, _ = i.Wait()
		i.finalPeak.Store(i.MaxMemoryUsedBytes())
		i.closed.Store(true)
		if i.cg != nil {
			i.closeErr = i.cg.remove()
		}
		if i.tmpDir != "" {
			if err := os.RemoveAll(i.tmpDir); err != nil && i.closeErr == nil {
				i.closeErr = fmt.Errorf("sandbox: %w", err)
			}
		}
	})
	return i.closeErr
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			_ = f.Close()
		}
	}
}
