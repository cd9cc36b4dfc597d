package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
	"syscall"
)

// Mode is how instances are isolated on this host.
type Mode int

const (
	// Process runs the workload as a plain child process: no namespaces,
	// no cgroup limits, no file-system isolation.
	Process Mode = iota
	// Isolated runs the workload in new mount, PID, IPC and UTS namespaces
	// inside its own cgroup, with a private root file system.
	Isolated
)

// String returns "isolated" or "process".
func (m Mode) String() string {
	if m == Isolated {
		return "isolated"
	}
	return "process"
}

// Default values applied by Start when the corresponding Config field is zero.
const (
	DefaultUID       = 993
	DefaultGID       = 990
	DefaultTmpSizeMB = 512
	DefaultPidsMax   = 1024
	// DefaultNoFile is the RLIMIT_NOFILE (soft and hard) of the workload,
	// as on AWS Lambda.
	DefaultNoFile = 1024
)

// Config describes one instance. Paths in Args, Env, RuntimeDirs keys and
// the fixed mount points (/var/task, /opt, /tmp) are paths inside the
// sandbox; CodeDir, LayerDirs and RuntimeDirs values are host paths.
type Config struct {
	// ID names the instance: it becomes the cgroup name and the host name.
	// Letters, digits, '-', '_' and '.' only, at most 64 characters.
	ID string
	// CodeDir is the host directory with the unpacked function code, mounted
	// read-only at /var/task. It must be readable by UID/GID.
	CodeDir string
	// LayerDirs are host directories mounted read-only at /opt. One directory
	// is bound directly; several are merged with a read-only overlay in which
	// later layers take precedence, as Lambda extracts layers in order.
	LayerDirs []string
	// RuntimeDirs maps sandbox paths to host directories mounted read-only,
	// for example "/var/lang" to the Python prefix and "/var/runtime" to the
	// bootstrap directory. Sandbox paths must be absolute and must not lie in
	// /usr, /bin, /sbin, /lib*, /etc, /proc, /dev, /tmp, /var/task or /opt.
	RuntimeDirs map[string]string
	// TmpSizeMB is the size of the private writable tmpfs at /tmp
	// (Lambda's EphemeralStorage). Zero means DefaultTmpSizeMB.
	TmpSizeMB int
	// MemoryMB is the hard memory limit of the whole instance; swap is
	// disabled where the host allows it. Zero means no limit.
	MemoryMB int
	// PidsMax limits the number of tasks in the instance. Zero means
	// DefaultPidsMax.
	PidsMax int
	// UID and GID are the unprivileged identity of the workload. Zero means
	// DefaultUID / DefaultGID; the workload never runs as root.
	UID, GID int
	// Env is the complete environment of the workload.
	Env []string
	// Args is the program (an absolute path inside the sandbox) and its
	// arguments, for example ["/var/lang/bin/python3", "/var/runtime/bootstrap.py"].
	Args []string
	// Stdout and Stderr receive the workload's output; nil discards it.
	// An *os.File is passed to the workload directly, other writers are fed
	// through a pipe.
	Stdout, Stderr io.Writer
	// ExtraFiles are passed to the workload as file descriptors 3, 4, ...
	// (for example a Unix socket for the Runtime API).
	ExtraFiles []*os.File
	// NetNS gives the instance its own network namespace with only a
	// loopback interface. By default the instance shares the host's network
	// and reaches the Runtime API on the host's 127.0.0.1.
	NetNS bool
	// Privileged runs the workload as root with the init's capabilities and
	// without no_new_privs: UID and GID then only name the sandbox user in
	// the /etc skeleton. It exists for platform processes that build
	// sandboxes themselves inside this one (the zygote of package zygote)
	// and must never be set for function code. Isolated mode only: Start
	// fails in Process mode when it is set.
	Privileged bool
}

// ExitStatus is how an instance's main process ended.
type ExitStatus struct {
	// Code is the exit code, or -1 when the process was killed by a signal.
	Code int
	// Signal is the signal that killed the process, or 0.
	Signal syscall.Signal
	// OOMKilled reports that the kernel's OOM killer killed a process of the
	// instance because it reached its memory limit.
	OOMKilled bool
}

// String renders the status the way a shell would describe it.
func (s ExitStatus) String() string {
	var b strings.Builder
	if s.Signal != 0 {
		fmt.Fprintf(&b, "signal: %v", s.Signal)
	} else {
		fmt.Fprintf(&b, "exit status %d", s.Code)
	}
	if s.OOMKilled {
		b.WriteString(" (out of memory)")
	}
	return b.String()
}

// ErrClosed is returned by operations on an instance that was closed.
var ErrClosed = errors.New("sandbox: instance closed")

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// reservedPaths are sandbox paths that RuntimeDirs must not shadow or nest in.
func reservedPaths() []string {
	return []string{"/", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32",
		"/libx32", "/etc", "/proc", "/dev", "/tmp", "/var/task", "/opt"}
}

// withDefaults validates cfg and fills in the zero-valued fields.
func (cfg Config) withDefaults() (Config, error) {
	if !idPattern.MatchString(cfg.ID) {
		return cfg, fmt.Errorf("sandbox: invalid instance id %q", cfg.ID)
	}
	if len(cfg.Args) == 0 || !path.IsAbs(cfg.Args[0]) {
		return cfg, fmt.Errorf("sandbox: Args[0] must be an absolute path inside the sandbox, got %q", cfg.Args)
	}
	if cfg.CodeDir == "" {
		return cfg, errors.New("sandbox: CodeDir is required")
	}
	for _, d := range append([]string{cfg.CodeDir}, cfg.LayerDirs...) {
		if err := checkDir(d); err != nil {
			return cfg, err
		}
	}
	for in, host := range cfg.RuntimeDirs {
		if err := checkRuntimeDir(in); err != nil {
			return cfg, err
		}
		if err := checkDir(host); err != nil {
			return cfg, err
		}
	}
	if cfg.MemoryMB < 0 || cfg.PidsMax < 0 || cfg.TmpSizeMB < 0 {
		return cfg, errors.New("sandbox: negative limit")
	}
	if cfg.UID < 0 || cfg.GID < 0 {
		return cfg, errors.New("sandbox: negative UID or GID")
	}
	cfg.TmpSizeMB = orDefault(cfg.TmpSizeMB, DefaultTmpSizeMB)
	cfg.PidsMax = orDefault(cfg.PidsMax, DefaultPidsMax)
	cfg.UID = orDefault(cfg.UID, DefaultUID)
	cfg.GID = orDefault(cfg.GID, DefaultGID)
	return cfg, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func checkDir(d string) error {
	if !path.IsAbs(d) {
		return fmt.Errorf("sandbox: host directory %q is not absolute", d)
	}
	st, err := os.Stat(d)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("sandbox: %s is not a directory", d)
	}
	return nil
}

func checkRuntimeDir(in string) error {
	if !path.IsAbs(in) || path.Clean(in) != in {
		return fmt.Errorf("sandbox: runtime dir %q must be a clean absolute path", in)
	}
	for _, r := range reservedPaths() {
		if in == r || (r != "/" && strings.HasPrefix(in, r+"/")) {
			return fmt.Errorf("sandbox: runtime dir %q collides with %s", in, r)
		}
	}
	return nil
}

// Start starts an instance. ctx bounds only the start: once Start has
// returned, the instance lives until its program exits or Kill or Close is
// called. Start returns after the workload program has been executed; an
// error setting up the sandbox or executing Args[0] is returned here. The
// caller must call Close when done with the instance.
func Start(ctx context.Context, cfg Config) (*Instance, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h, reason := detect()
	if h == nil {
		if cfg.Privileged {
			return nil, fmt.Errorf("sandbox: a privileged instance needs Isolated mode: %s", reason)
		}
		return startProcess(ctx, cfg, reason)
	}
	return startIsolated(ctx, cfg, h)
}

// Supported reports the mode Start will use on this host and a
// human-readable reason, suitable for a health report.
func Supported() (Mode, string) {
	h, reason := detect()
	if h == nil {
		return Process, reason
	}
	return Isolated, reason
}
