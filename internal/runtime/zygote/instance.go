package zygote

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nubo/nubo/internal/runtime/sandbox"
)

// exitLimit bounds how long Wait waits for the processes of an instance
// whose init has exited to disappear from its cgroup.
const exitLimit = 10 * time.Second

// Instance is a function instance forked from a zygote. It satisfies
// sandbox.Proc; its methods are safe for concurrent use.
type Instance struct {
	pid    int // host PID of the instance init (PID 1 of its namespace)
	pidfd  *pidFD
	cg     *sandbox.Cgroup
	ctl    *net.UnixConn
	status *bufio.Reader

	// childOut and childErr are the descriptors handed to the instance;
	// copiers feed pipes into non-file writers.
	childOut, childErr *os.File
	ownedChild         []*os.File
	copiers            sync.WaitGroup

	lifeMu sync.RWMutex // Close holds it to release pidfd and cgroup
	killed atomic.Bool

	waitOnce sync.Once
	exit     sandbox.ExitStatus
	waitErr  error

	// phases records when each spawn step finished, for benchmarks.
	phases spawnPhases

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
	finalPeak atomic.Int64
}

var _ sandbox.Proc = (*Instance)(nil)

// spawnPhases are the moments a spawn passed its steps.
type spawnPhases struct {
	begin   time.Time // Spawn called
	forked  time.Time // the zygote answered "ok"
	hello   time.Time // the instance init's first message arrived
	moved   time.Time // the init is in the instance cgroup
	started time.Time // the init reported the workload forked
}

// setupOutput prepares the descriptors the instance writes to.
func (i *Instance) setupOutput(stdout, stderr io.Writer) error {
	var err error
	if i.childOut, err = i.outputFile(stdout); err != nil {
		return err
	}
	if stderr == stdout {
		i.childErr = i.childOut
		return nil
	}
	i.childErr, err = i.outputFile(stderr)
	return err
}

func (i *Instance) outputFile(w io.Writer) (*os.File, error) {
	if f, ok := w.(*os.File); ok && f != nil {
		return f, nil
	}
	if w == nil {
		f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("zygote: %w", err)
		}
		i.ownedChild = append(i.ownedChild, f)
		return f, nil
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("zygote: %w", err)
	}
	i.ownedChild = append(i.ownedChild, pw)
	i.copiers.Add(1)
	go func() {
		defer i.copiers.Done()
		_, _ = io.Copy(w, r)
		_ = r.Close()
	}()
	return pw, nil
}

// closeChildEnds closes this process's copies of the instance's output
// descriptors, so the copiers see EOF when the instance is gone.
func (i *Instance) closeChildEnds() {
	for _, f := range i.ownedChild {
		_ = f.Close()
	}
	i.ownedChild = nil
}

// abort cleans up a half-spawned instance and returns cause.
func (i *Instance) abort(cause error) error {
	i.closeChildEnds()
	if i.ctl == nil {
		i.copiers.Wait()
		if err := i.cg.Remove(); err != nil {
			return errors.Join(cause, err)
		}
		return cause
	}
	// An init still waiting for "go" exits when its control socket closes.
	_ = i.ctl.Close()
	_ = i.Close()
	return cause
}

// Pid returns the host PID of the instance init, PID 1 of the instance's
// PID namespace.
func (i *Instance) Pid() int { return i.pid }

// Wait waits until the workload's main process has exited and every
// process of the instance is gone, and returns how the workload ended. It
// may be called any number of times.
func (i *Instance) Wait() (sandbox.ExitStatus, error) {
	i.waitOnce.Do(i.wait)
	return i.exit, i.waitErr
}

func (i *Instance) wait() {
	var last *statusMsg
	for {
		m, err := i.readStatus()
		if err != nil {
			break
		}
		if m.kind == "exit" {
			last = &m
		}
	}
	// The init closes its end only by exiting; as PID 1 it exits after the
	// kernel has killed the rest of its PID namespace.
	deadline := time.Now().Add(exitLimit)
	if i.pidfd != nil {
		if err := i.pidfd.waitExit(deadline); err != nil {
			i.waitErr = err
		}
	}
	for len(i.cg.Procs()) > 0 && time.Now().Before(deadline) {
		i.cg.KillAll()
		time.Sleep(time.Millisecond)
	}
	i.copiers.Wait()
	i.exit = sandbox.ExitStatus{Code: -1, Signal: syscall.SIGKILL}
	if last != nil {
		i.exit = sandbox.ExitStatus{Code: last.code, Signal: last.signal}
	}
	i.exit.OOMKilled = i.cg.OOMKilled()
}

// Kill kills every process of the instance at once: the init (so the
// kernel kills its PID namespace) and whatever is in its cgroup.
func (i *Instance) Kill() error {
	i.lifeMu.RLock()
	defer i.lifeMu.RUnlock()
	if i.closed.Load() {
		return nil
	}
	i.killed.Store(true)
	var err error
	if i.pidfd != nil {
		err = i.pidfd.signal(syscall.SIGKILL)
	}
	i.cg.KillAll()
	return err
}

// Signal sends sig to the workload's main process (the init forwards
// SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2; SIGKILL kills the instance).
func (i *Instance) Signal(sig syscall.Signal) error {
	i.lifeMu.RLock()
	defer i.lifeMu.RUnlock()
	if i.closed.Load() {
		return ErrInstanceClosed
	}
	if i.pidfd == nil {
		return errors.New("zygote: instance not started")
	}
	return i.pidfd.signal(sig)
}

// ErrInstanceClosed is returned by Signal after Close.
var ErrInstanceClosed = errors.New("zygote: instance closed")

// MemoryUsedBytes returns the instance's current memory use (0 after
// Close). Pages still shared with the zygote are not included.
func (i *Instance) MemoryUsedBytes() int64 {
	i.lifeMu.RLock()
	defer i.lifeMu.RUnlock()
	if i.closed.Load() {
		return 0
	}
	return i.cg.MemoryUsedBytes()
}

// MaxMemoryUsedBytes returns the instance's peak memory use from its
// cgroup. It stays valid after Wait and Close.
func (i *Instance) MaxMemoryUsedBytes() int64 {
	i.lifeMu.RLock()
	defer i.lifeMu.RUnlock()
	if i.closed.Load() {
		return i.finalPeak.Load()
	}
	return i.cg.MaxMemoryUsedBytes()
}

// Close kills the instance if it still runs, waits for it and removes its
// cgroup. Mounts need no cleanup: they live only in the instance's mount
// namespace.
func (i *Instance) Close() error {
	i.closeOnce.Do(func() {
		_ = i.Kill()
		_, _ = i.Wait()
		i.lifeMu.Lock()
		defer i.lifeMu.Unlock()
		i.finalPeak.Store(i.cg.MaxMemoryUsedBytes())
		i.closed.Store(true)
		i.closeErr = i.cg.Remove()
		if i.pidfd != nil {
			_ = i.pidfd.close()
		}
		_ = i.ctl.Close()
	})
	return i.closeErr
}
