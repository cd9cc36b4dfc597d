package zygote

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/nubo/nubo/internal/runtime/sandbox"
)

// handshakeLimit bounds each step of a spawn when ctx has no sooner deadline.
const handshakeLimit = 30 * time.Second

// SpawnConfig describes one instance forked from the zygote.
type SpawnConfig struct {
	// ID names the instance: its cgroup and host name (sandbox.Config.ID rules).
	ID string
	// CodeDir is the name of the function's code directory inside
	// Config.CodeRoot (for example its hex digest), mounted read-only at
	// /var/task. It must be readable by UID/GID.
	CodeDir string
	// Env is the complete environment of the function (AWS_LAMBDA_RUNTIME_API,
	// _HANDLER, ...). It must pass Compatible.
	Env []string
	// MemoryMB is the hard memory limit of the instance; zero means none.
	// Pages the instance shares with the zygote are charged to the zygote.
	MemoryMB int
	// PidsMax limits the number of tasks; zero means sandbox.DefaultPidsMax.
	PidsMax int
	// TmpSizeMB is the size of the private /tmp; zero means
	// sandbox.DefaultTmpSizeMB.
	TmpSizeMB int
	// UID and GID must be zero or equal to the zygote's (Config.UID/GID),
	// whose /etc names that user.
	UID, GID int
	// Stdout and Stderr receive the instance's output; nil discards it. An
	// *os.File is passed to the instance directly, other writers are fed
	// through a pipe.
	Stdout, Stderr io.Writer
}

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	codePattern = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$`)
)

// spawnRequest is the JSON the zygote receives (with the three descriptors).
type spawnRequest struct {
	ID        string   `json:"id"`
	CodeSHA   string   `json:"codeSHA"`
	Env       []string `json:"env"`
	TmpSizeMB int      `json:"tmpSizeMB"`
	UID       int      `json:"uid"`
	GID       int      `json:"gid"`
}

func (z *Zygote) request(sc SpawnConfig) (spawnRequest, error) {
	if !idPattern.MatchString(sc.ID) {
		return spawnRequest{}, fmt.Errorf("zygote: invalid instance id %q", sc.ID)
	}
	if !codePattern.MatchString(sc.CodeDir) {
		return spawnRequest{}, fmt.Errorf("zygote: invalid code directory name %q", sc.CodeDir)
	}
	if st, err := os.Stat(filepath.Join(z.cfg.CodeRoot, sc.CodeDir)); err != nil || !st.IsDir() {
		return spawnRequest{}, fmt.Errorf("zygote: code directory %q: not a directory in %s", sc.CodeDir, z.cfg.CodeRoot)
	}
	if (sc.UID != 0 && sc.UID != z.cfg.UID) || (sc.GID != 0 && sc.GID != z.cfg.GID) {
		return spawnRequest{}, fmt.Errorf("zygote: instances run as %d:%d, not %d:%d", z.cfg.UID, z.cfg.GID, sc.UID, sc.GID)
	}
	if sc.MemoryMB < 0 || sc.PidsMax < 0 || sc.TmpSizeMB < 0 {
		return spawnRequest{}, errors.New("zygote: negative limit")
	}
	if err := z.Compatible(sc.Env); err != nil {
		return spawnRequest{}, err
	}
	return spawnRequest{
		ID: sc.ID, CodeSHA: sc.CodeDir, Env: sc.Env,
		TmpSizeMB: orDefault(sc.TmpSizeMB, sandbox.DefaultTmpSizeMB), UID: z.cfg.UID, GID: z.cfg.GID,
	}, nil
}

// Spawn forks a new instance from the zygote (starting or restarting the
// zygote if needed) and returns once the instance runs as the unprivileged
// user in its own namespaces and cgroup, about to start the bootstrap's
// loop. ctx bounds only the spawn. The caller must Close the instance.
func (z *Zygote) Spawn(ctx context.Context, sc SpawnConfig) (*Instance, error) {
	begin := time.Now()
	z.mu.Lock()
	closed := z.closed
	z.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	req, err := z.request(sc)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("zygote: %w", err)
	}
	cg, err := sandbox.NewCgroup(sc.ID, sc.MemoryMB, sc.PidsMax)
	if err != nil {
		return nil, fmt.Errorf("zygote: %w", err)
	}
	inst := &Instance{cg: cg, phases: spawnPhases{begin: begin}}
	if err := inst.setupOutput(sc.Stdout, sc.Stderr); err != nil {
		return nil, inst.abort(err)
	}
	ctl, peer, err := socketPair(syscall.SOCK_STREAM, true)
	if err != nil {
		return nil, inst.abort(err)
	}
	inst.ctl, inst.status = ctl, bufio.NewReader(ctl)
	err = z.send(ctx, body, peer, inst.childOut, inst.childErr)
	inst.closeChildEnds()
	peer.Close()
	if err != nil {
		return nil, inst.abort(err)
	}
	inst.phases.forked = time.Now()
	if err := inst.handshake(ctx); err != nil {
		return nil, inst.abort(err)
	}
	return inst, nil
}

// send hands one request to the zygote and waits for it to fork. A dead
// zygote is replaced once.
func (z *Zygote) send(ctx context.Context, body []byte, ctl, stdout, stderr *os.File) error {
	rights := syscall.UnixRights(int(ctl.Fd()), int(stdout.Fd()), int(stderr.Fd()))
	for attempt := 0; ; attempt++ {
		p, err := z.current(ctx)
		if err != nil {
			return err
		}
		reply, err := p.exchange(ctx, body, rights)
		if err == nil {
			if reply == "ok" {
				return nil
			}
			return fmt.Errorf("zygote: fork: %s", strings.TrimPrefix(reply, "err "))
		}
		if ctx.Err() != nil {
			return fmt.Errorf("zygote: spawn: %w", ctx.Err())
		}
		z.discard(p)
		if attempt > 0 {
			return fmt.Errorf("zygote: spawn request: %w (zygote output: %q)", err, p.log.String())
		}
	}
}

// exchange sends one spawn request and reads the zygote's answer.
func (p *zproc) exchange(ctx context.Context, body, rights []byte) (string, error) {
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	if _, _, err := p.cmd.WriteMsgUnix(body, rights, nil); err != nil {
		return "", err
	}
	return p.readReply(ctx, handshakeLimit)
}

// handshake learns the instance init's host PID from its first message,
// moves it into the cgroup, lets it continue and waits until it has started
// the workload.
func (i *Instance) handshake(ctx context.Context) error {
	stop := deadlineFrom(ctx, i.ctl, handshakeLimit)
	defer stop()
	buf, oob := make([]byte, 6), make([]byte, credSpace())
	n, oobn, _, _, err := i.ctl.ReadMsgUnix(buf, oob)
	if err != nil {
		return fmt.Errorf("zygote: waiting for the instance: %w", err)
	}
	if string(buf[:n]) != "hello\n" {
		return fmt.Errorf("zygote: unexpected first message %q from the instance", buf[:n])
	}
	i.phases.hello = time.Now()
	pid, err := credsPid(oob[:oobn])
	if err != nil {
		return err
	}
	if i.pidfd, err = openPidFD(pid); err != nil {
		return err
	}
	i.pid = pid
	if err := i.cg.AddProc(pid); err != nil {
		return fmt.Errorf("zygote: %w", err)
	}
	i.phases.moved = time.Now()
	// An init whose setup failed has already sent its error and exited; the
	// status tells more than the failed write would.
	_, werr := i.ctl.Write([]byte("go\n"))
	m, err := i.readStatus()
	if err != nil {
		return fmt.Errorf("zygote: instance start: %w", errors.Join(err, werr))
	}
	switch m.kind {
	case "ok":
		i.phases.started = time.Now()
		return nil
	case "err":
		return errors.New("zygote: " + m.text)
	}
	return fmt.Errorf("zygote: unexpected instance status %q", m.kind)
}

// readStatus reads one status line of the instance init.
func (i *Instance) readStatus() (statusMsg, error) {
	line, err := i.status.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			return statusMsg{}, io.EOF
		}
		return statusMsg{}, err
	}
	return parseStatus(strings.TrimSuffix(line, "\n"))
}
