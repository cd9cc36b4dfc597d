package zygote

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// Linux system call numbers shared by amd64 and arm64 (the unified table
// for calls added after 4.x), and flags the syscall package lacks.
const (
	sysPidfdSendSignal = 424
	sysPidfdOpen       = 434
)

// pidFD is a pidfd: a handle on one process that cannot be confused with
// a later process reusing its PID. The descriptor is polled directly
// (level-triggered) rather than through the runtime's edge-triggered
// poller, which was seen to miss the exit of a process killed while its
// PID namespace was torn down.
type pidFD struct {
	mu     sync.RWMutex // guards fd against close during use
	fd     int
	closed bool
}

// openPidFD opens a pidfd for pid. The caller knows pid is alive (it has
// not been reaped), so there is no reuse race.
func openPidFD(pid int) (*pidFD, error) {
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if errno != 0 {
		return nil, fmt.Errorf("zygote: pidfd_open(%d): %w", pid, errno)
	}
	syscall.CloseOnExec(int(fd))
	return &pidFD{fd: int(fd)}, nil
}

// signal sends sig to the process; a process that already exited is not
// an error.
func (p *pidFD) signal(sig syscall.Signal) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil
	}
	_, _, errno := syscall.Syscall6(sysPidfdSendSignal, uintptr(p.fd), uintptr(sig), 0, 0, 0, 0)
	if errno != 0 && errno != syscall.ESRCH {
		return fmt.Errorf("zygote: pidfd_send_signal: %w", errno)
	}
	return nil
}

// waitExit blocks until the process has exited or the deadline passes.
// Callers use it once the process is known to be exiting, so polling in
// short slices costs little.
func (p *pidFD) waitExit(deadline time.Time) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil
	}
	for {
		pfd := [1]pollFd{{fd: int32(p.fd), events: pollIn}}
		ts := syscall.NsecToTimespec(int64(10 * time.Millisecond))
		n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd[0])), 1,
			uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if errno != 0 && errno != syscall.EINTR {
			return fmt.Errorf("zygote: polling pidfd: %w", errno)
		}
		if n == 1 && pfd[0].revents&pollIn != 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("zygote: waiting for process exit: timed out")
		}
	}
}

// pollFd is struct pollfd.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollIn = 0x1

func (p *pidFD) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	return syscall.Close(p.fd)
}

// socketPair returns a connected pair of Unix sockets of the given type as
// the Go end (a *net.UnixConn) and the end to pass on (an *os.File). With
// passCred the Go end receives the sender's credentials with every message.
func socketPair(typ int, passCred bool) (*net.UnixConn, *os.File, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, typ|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("zygote: socketpair: %w", err)
	}
	if passCred {
		if err := syscall.SetsockoptInt(fds[0], syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1); err != nil {
			syscall.Close(fds[0])
			syscall.Close(fds[1])
			return nil, nil, fmt.Errorf("zygote: SO_PASSCRED: %w", err)
		}
	}
	mine := os.NewFile(uintptr(fds[0]), "zygote-socket")
	defer mine.Close() // FileConn duplicates it
	c, err := net.FileConn(mine)
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, fmt.Errorf("zygote: %w", err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		syscall.Close(fds[1])
		return nil, nil, errors.New("zygote: socketpair is not a Unix socket")
	}
	return uc, os.NewFile(uintptr(fds[1]), "zygote-socket-peer"), nil
}

// credsPid extracts the sender's PID (translated by the kernel into this
// process's PID namespace) from SCM_CREDENTIALS control data.
func credsPid(oob []byte) (int, error) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, fmt.Errorf("zygote: control message: %w", err)
	}
	for i := range msgs {
		if msgs[i].Header.Level == syscall.SOL_SOCKET && msgs[i].Header.Type == syscall.SCM_CREDENTIALS {
			cred, err := syscall.ParseUnixCredentials(&msgs[i])
			if err != nil {
				return 0, fmt.Errorf("zygote: credentials: %w", err)
			}
			if cred.Pid <= 0 {
				return 0, fmt.Errorf("zygote: sender PID %d is not visible here", cred.Pid)
			}
			return int(cred.Pid), nil
		}
	}
	return 0, errors.New("zygote: no sender credentials on the instance's first message")
}

// credSpace is the control buffer size for one SCM_CREDENTIALS message.
func credSpace() int { return syscall.CmsgSpace(syscall.SizeofUcred) }
