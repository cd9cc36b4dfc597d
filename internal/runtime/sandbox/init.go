package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

// Raw constants the syscall package does not export.
const (
	prSetNoNewPrivs   = 38
	prCapbsetDrop     = 24
	sysCloseRange     = 436
	closeRangeCloexec = 1 << 2
)

// MaybeRunInit runs the sandbox init when this process was started by
// Start as one, and never returns in that case. Otherwise it returns
// immediately. Call it first thing in main and in TestMain.
func MaybeRunInit() {
	if os.Getenv(initMarkerEnv) != "1" || len(os.Args) == 0 || os.Args[0] != initArg0 || os.Getpid() != 1 {
		return
	}
	os.Exit(runInit())
}

// runInit is the whole life of the sandbox init: read the config, build and
// enter the root, start the workload, reap until it exits.
func runInit() int {
	status := os.NewFile(statusFD, "status")
	fail := func(err error) int {
		_, _ = status.WriteString(formatErr(err))
		return 125
	}
	var cfg initConfig
	cfgFile := os.NewFile(configFD, "config")
	if err := json.NewDecoder(cfgFile).Decode(&cfg); err != nil {
		return fail(fmt.Errorf("sandbox init: reading config: %w", err))
	}
	_ = cfgFile.Close()
	markCloseOnExec()
	if err := setupRoot(&cfg); err != nil {
		return fail(err)
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	pid, err := startWorkload(&cfg)
	if err != nil {
		return fail(fmt.Errorf("sandbox init: starting %s: %w", cfg.Args[0], err))
	}
	if _, err := status.WriteString(formatOK(pid)); err != nil {
		return 125
	}
	go forwardSignals(sigs, pid)
	code, sig := reap(pid)
	_, _ = status.WriteString(formatExit(code, sig))
	if sig != 0 {
		return 128 + int(sig)
	}
	return code
}

// markCloseOnExec makes sure no inherited descriptor other than 0-2 and
// the ones passed on explicitly reaches the workload.
func markCloseOnExec() {
	_, _, errno := syscall.Syscall(sysCloseRange, 3, ^uintptr(0), closeRangeCloexec)
	if errno == 0 {
		return
	}
	for fd := 3; fd < 1024; fd++ {
		syscall.CloseOnExec(fd)
	}
}

// startWorkload executes the workload as the unprivileged user with no
// capabilities and no_new_privs. Both are per-thread attributes inherited
// by the child, so the thread that forks is locked and prepared first.
func startWorkload(cfg *initConfig) (int, error) {
	if cfg.Privileged {
		return startPrivileged(cfg)
	}
	runtime.LockOSThread()
	// The thread stays locked for the life of the init so that no other
	// goroutine ever runs on a thread whose attributes were changed.
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0); errno != 0 {
		return 0, fmt.Errorf("prctl(NO_NEW_PRIVS): %w", errno)
	}
	for c := 0; c < 64; c++ {
		_, _, errno := syscall.RawSyscall6(syscall.SYS_PRCTL, prCapbsetDrop, uintptr(c), 0, 0, 0, 0)
		if errno == syscall.EINVAL {
			break
		}
	}
	if err := setRlimits(); err != nil {
		return 0, err
	}
	files := []uintptr{0, 1, 2}
	for i := 0; i < cfg.ExtraFiles; i++ {
		files = append(files, uintptr(firstExtraFD+i))
	}
	attr := &syscall.ProcAttr{
		Dir:   "/var/task",
		Env:   cfg.Env,
		Files: files,
		Sys: &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: uint32(cfg.UID), Gid: uint32(cfg.GID), Groups: []uint32{}},
		},
	}
	return syscall.ForkExec(cfg.Args[0], cfg.Args, attr)
}

// startPrivileged executes a trusted platform workload as root with the
// init's capabilities (Config.Privileged), under the same resource limits.
func startPrivileged(cfg *initConfig) (int, error) {
	if err := setRlimits(); err != nil {
		return 0, err
	}
	files := []uintptr{0, 1, 2}
	for i := 0; i < cfg.ExtraFiles; i++ {
		files = append(files, uintptr(firstExtraFD+i))
	}
	return syscall.ForkExec(cfg.Args[0], cfg.Args, &syscall.ProcAttr{Dir: "/", Env: cfg.Env, Files: files})
}

// setRlimits applies Lambda's limits: 1024 open files, no core dumps.
func setRlimits() error {
	for _, l := range []struct {
		res int
		val uint64
	}{
		{syscall.RLIMIT_NOFILE, DefaultNoFile},
		{syscall.RLIMIT_CORE, 0},
	} {
		if err := syscall.Setrlimit(l.res, &syscall.Rlimit{Cur: l.val, Max: l.val}); err != nil {
			return fmt.Errorf("setrlimit(%d): %w", l.res, err)
		}
	}
	return nil
}

func forwardSignals(sigs <-chan os.Signal, pid int) {
	for s := range sigs {
		if sig, ok := s.(syscall.Signal); ok {
			_ = syscall.Kill(pid, sig)
		}
	}
}

// reap waits for every child the init inherits (it is PID 1) until the
// workload's main process exits, and returns how it ended.
func reap(pid int) (code int, sig syscall.Signal) {
	for {
		var ws syscall.WaitStatus
		wpid, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return 125, 0
		}
		if wpid != pid {
			continue
		}
		if ws.Signaled() {
			return -1, ws.Signal()
		}
		return ws.ExitStatus(), 0
	}
}
