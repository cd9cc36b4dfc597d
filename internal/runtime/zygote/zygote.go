package zygote

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nubo/nubo/internal/runtime/sandbox"
)

//go:embed zygote.py
var zygoteScript []byte

// Paths inside the zygote's root.
const (
	// CodeMount is where the zygote sees Config.CodeRoot. Every instance
	// unmounts it before any function code runs.
	CodeMount   = "/.nubo/code"
	scriptMount = "/.nubo/zygote"
	scriptName  = "zygote.py"
	// RuntimeMount is where Config.RuntimeDir is mounted, as in the sandbox.
	RuntimeMount = "/var/runtime"
)

// ErrUnsupported is returned (wrapped, with the reason) by New and Start on
// hosts where instances cannot be isolated (sandbox Process mode): the
// caller should start instances with sandbox.Start instead.
var ErrUnsupported = errors.New("zygote: isolated sandboxes are unavailable on this host")

// ErrClosed is returned by Spawn after Close.
var ErrClosed = errors.New("zygote: closed")

// DefaultPreload returns the modules a zygote imports when Config.Preload
// is nil: boto3 (which brings botocore, urllib3, s3transfer, dateutil,
// jmespath and much of the standard library) and what the bootstrap
// imports lazily.
func DefaultPreload() []string {
	return []string{"boto3", "importlib", "traceback", "logging", "decimal"}
}

// Config describes the zygote of one Python runtime.
type Config struct {
	// Python is the host interpreter, from sandbox.DetectPython.
	Python sandbox.Python
	// CodeRoot is the host directory whose subdirectories are function code
	// directories (SpawnConfig.CodeDir names one). The zygote binds it
	// read-only at CodeMount; no instance can see it.
	CodeRoot string
	// RuntimeDir is the host directory holding the Python bootstrap
	// (bootstrap.WriteRuntime), mounted read-only at /var/runtime.
	RuntimeDir string
	// Preload lists modules imported once in the zygote. Nil means
	// DefaultPreload; an empty list preloads nothing beyond the bootstrap.
	Preload []string
	// Env is the zygote's environment, which instances cannot change where
	// the interpreter reads it only at start-up (LD_*, most PYTHON*
	// variables; see Compatible). Nil means PATH, LANG=C.UTF-8 and
	// Python.Env.
	Env []string
	// UID and GID are the identity every instance runs as. Zero means
	// sandbox.DefaultUID / sandbox.DefaultGID.
	UID, GID int
	// Log receives the zygote's own output (not the instances'); nil keeps
	// the last few KB for error messages only.
	Log io.Writer
}

// Zygote is a running (or restartable) zygote. Its methods are safe for
// concurrent use.
type Zygote struct {
	cfg      Config
	stateDir string

	mu     sync.Mutex // guards proc and closed; held while (re)starting
	proc   *zproc
	closed bool
}

// zproc is one incarnation of the zygote process.
type zproc struct {
	inst    *sandbox.Instance
	cmd     *net.UnixConn // SOCK_SEQPACKET to the zygote
	version string
	log     *tailBuffer
	dead    chan struct{} // closed once the zygote's sandbox has exited
	sendMu  sync.Mutex    // one spawn request at a time
}

// New validates cfg and prepares a zygote without starting it; the first
// Spawn (or Warm) starts it. It returns an error wrapping ErrUnsupported
// when the host is not in sandbox Isolated mode.
func New(cfg Config) (*Zygote, error) {
	if mode, reason := sandbox.Supported(); mode != sandbox.Isolated {
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, reason)
	}
	if cfg.Python.Executable == "" || cfg.Python.HostPrefix == "" {
		return nil, errors.New("zygote: Config.Python is required (sandbox.DetectPython)")
	}
	for _, d := range []string{cfg.CodeRoot, cfg.RuntimeDir, cfg.Python.HostPrefix} {
		if !filepath.IsAbs(d) {
			return nil, fmt.Errorf("zygote: %q is not an absolute path", d)
		}
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("zygote: %s is not a directory (%v)", d, err)
		}
	}
	if cfg.Preload == nil {
		cfg.Preload = DefaultPreload()
	}
	for _, m := range cfg.Preload {
		if m == "" || strings.ContainsAny(m, ", \t\n") {
			return nil, fmt.Errorf("zygote: bad preload module name %q", m)
		}
	}
	if cfg.Env == nil {
		cfg.Env = append([]string{"PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}, cfg.Python.Env...)
	}
	cfg.UID = orDefault(cfg.UID, sandbox.DefaultUID)
	cfg.GID = orDefault(cfg.GID, sandbox.DefaultGID)
	dir, err := writeState()
	if err != nil {
		return nil, err
	}
	return &Zygote{cfg: cfg, stateDir: dir}, nil
}

// Start is New followed by Warm: the zygote is running with its modules
// imported when Start returns.
func Start(ctx context.Context, cfg Config) (*Zygote, error) {
	z, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := z.Warm(ctx); err != nil {
		_ = z.Close()
		return nil, err
	}
	return z, nil
}

// Warm starts the zygote process if it is not running (it restarts one
// that died) and waits until it has imported its modules.
func (z *Zygote) Warm(ctx context.Context) error {
	_, err := z.current(ctx)
	return err
}

// PythonVersion returns the running zygote's Python version ("" before it
// started).
func (z *Zygote) PythonVersion() string {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.proc == nil {
		return ""
	}
	return z.proc.version
}

// Pid returns the host PID of the zygote's sandbox, or 0 when none runs.
func (z *Zygote) Pid() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.proc == nil {
		return 0
	}
	return z.proc.inst.Pid()
}

// current returns the live zygote process, starting one if needed.
func (z *Zygote) current(ctx context.Context) (*zproc, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.closed {
		return nil, ErrClosed
	}
	if z.proc != nil && z.proc.alive() {
		return z.proc, nil
	}
	if z.proc != nil {
		z.proc.stop()
		z.proc = nil
	}
	p, err := z.startProc(ctx)
	if err != nil {
		return nil, err
	}
	z.proc = p
	return p, nil
}

// discard forgets p (after a failed request) so the next Spawn restarts.
func (z *Zygote) discard(p *zproc) {
	z.mu.Lock()
	if z.proc == p {
		z.proc = nil
	}
	z.mu.Unlock()
	p.stop()
}

// Close stops the zygote. Every instance it spawned dies with it (they
// live in PID namespaces nested in the zygote's); close them first.
func (z *Zygote) Close() error {
	z.mu.Lock()
	p := z.proc
	z.proc, z.closed = nil, true
	z.mu.Unlock()
	var err error
	if p != nil {
		err = p.stop()
	}
	if rmErr := os.RemoveAll(z.stateDir); rmErr != nil && err == nil {
		err = fmt.Errorf("zygote: %w", rmErr)
	}
	return err
}

// startProc starts the zygote in a privileged sandbox and waits for its
// "ready".
func (z *Zygote) startProc(ctx context.Context) (*zproc, error) {
	conn, peer, err := socketPair(syscall.SOCK_SEQPACKET, false)
	if err != nil {
		return nil, err
	}
	defer peer.Close()
	log := &tailBuffer{max: 8 << 10}
	var out io.Writer = log
	if z.cfg.Log != nil {
		out = io.MultiWriter(log, z.cfg.Log)
	}
	inst, err := sandbox.Start(ctx, z.sandboxConfig(peer, out))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("zygote: starting: %w", err)
	}
	p := &zproc{inst: inst, cmd: conn, log: log, dead: make(chan struct{})}
	go func() {
		_, _ = inst.Wait()
		close(p.dead)
	}()
	msg, err := p.readReply(ctx, time.Minute)
	switch {
	case err != nil:
		err = fmt.Errorf("zygote: waiting for the zygote to preload: %w", err)
	case strings.HasPrefix(msg, "ready "):
		p.version = strings.TrimPrefix(msg, "ready ")
		return p, nil
	default:
		err = fmt.Errorf("zygote: %s", strings.TrimPrefix(msg, "err "))
	}
	p.stop()
	return nil, fmt.Errorf("%w (zygote output: %q)", err, log.String())
}

func (z *Zygote) sandboxConfig(peer *os.File, out io.Writer) sandbox.Config {
	return sandbox.Config{
		ID:      "zygote-" + randHex(6),
		CodeDir: filepath.Join(z.stateDir, "empty"),
		RuntimeDirs: map[string]string{
			sandbox.LangDir: z.cfg.Python.HostPrefix,
			RuntimeMount:    z.cfg.RuntimeDir,
			CodeMount:       z.cfg.CodeRoot,
			scriptMount:     filepath.Join(z.stateDir, "py"),
		},
		TmpSizeMB:  1,
		PidsMax:    1 << 16,
		UID:        z.cfg.UID,
		GID:        z.cfg.GID,
		Env:        z.cfg.Env,
		Args:       []string{z.cfg.Python.Executable, "-B", scriptMount + "/" + scriptName, RuntimeMount + "/bootstrap.py", strings.Join(z.cfg.Preload, ",")},
		Stdout:     out,
		Stderr:     out,
		ExtraFiles: []*os.File{peer},
		Privileged: true,
	}
}

// alive reports whether the zygote's sandbox still runs.
func (p *zproc) alive() bool {
	select {
	case <-p.dead:
		return false
	default:
		return true
	}
}

// stop closes the command socket (the zygote exits on EOF) and kills the
// zygote's sandbox with every instance nested in it.
func (p *zproc) stop() error {
	_ = p.cmd.Close()
	return p.inst.Close()
}

// readReply reads one message from the zygote, bounded by ctx and limit.
func (p *zproc) readReply(ctx context.Context, limit time.Duration) (string, error) {
	stop := deadlineFrom(ctx, p.cmd, limit)
	defer stop()
	buf := make([]byte, 8192)
	n, err := p.cmd.Read(buf)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", io.EOF
	}
	return string(buf[:n]), nil
}

// deadlineFrom sets conn's deadline to ctx's deadline (or now+limit when
// sooner) and interrupts blocked I/O when ctx is cancelled. The returned
// function clears both.
func deadlineFrom(ctx context.Context, conn net.Conn, limit time.Duration) func() {
	d := time.Now().Add(limit)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	_ = conn.SetDeadline(d)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stop()
		_ = conn.SetDeadline(time.Time{})
	}
}

// writeState creates the zygote's private host directory: py/zygote.py
// (mounted at /.nubo/zygote) and empty/ (the zygote's /var/task).
func writeState() (string, error) {
	base := "/run"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, "nubo-zygote-")
	if err != nil {
		return "", fmt.Errorf("zygote: %w", err)
	}
	for _, d := range []string{"py", "empty"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			_ = os.RemoveAll(dir)
			return "", fmt.Errorf("zygote: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "py", scriptName), zygoteScript, 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("zygote: %w", err)
	}
	return dir, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = bytes.Clone(t.b[len(t.b)-t.max:])
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
