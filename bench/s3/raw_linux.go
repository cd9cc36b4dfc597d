package main

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// splicer discards a connection's bytes without copying them into the
// client: splice(2) moves the socket's pages into a pipe and from the pipe
// into /dev/null. A remote client pays for its copies with its own cores;
// this one shares the server's.
type splicer struct {
	pipe [2]int
	null *os.File
}

// pipeSize is the pipe's capacity, so one splice moves up to this much.
const pipeSize = 1 << 20

func newSplicer() (*splicer, error) {
	var s splicer
	if err := unix.Pipe2(s.pipe[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	unix.FcntlInt(uintptr(s.pipe[1]), unix.F_SETPIPE_SZ, pipeSize) // a smaller pipe only means more splices
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		s.close()
		return nil, err
	}
	s.null = null
	return &s, nil
}

func (s *splicer) close() {
	unix.Close(s.pipe[0])
	unix.Close(s.pipe[1])
	if s.null != nil {
		s.null.Close()
	}
}

// discard consumes n bytes from conn.
func (s *splicer) discard(conn net.Conn, n int64) error {
	rc, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Read(func(fd uintptr) bool {
		for n > 0 {
			k, err := unix.Splice(int(fd), nil, s.pipe[1], nil, int(min(n, pipeSize)), unix.SPLICE_F_MOVE|unix.SPLICE_F_NONBLOCK)
			if errors.Is(err, unix.EAGAIN) {
				return false // wait until the socket is readable
			}
			if err == nil && k == 0 {
				err = fmt.Errorf("connection closed with %d body bytes to come", n)
			}
			if err != nil {
				serr = err
				return true
			}
			n -= k
			for k > 0 { // empty the pipe, so the next splice finds it empty
				m, err := unix.Splice(s.pipe[0], nil, int(s.null.Fd()), nil, int(k), unix.SPLICE_F_MOVE)
				if err != nil {
					serr = err
					return true
				}
				k -= m
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	return serr
}

// splicingClients are raw connections, one per goroutine, that discard
// answers with splice(2).
type splicingClients []*rawConn

func newSplicingClients(t *target, n int) splicingClients {
	cs := make(splicingClients, n)
	for i := range cs {
		c, err := newRawConn(t)
		check(err)
		c.spl, err = newSplicer()
		check(err)
		cs[i] = c
	}
	return cs
}

func (cs splicingClients) get(g int) requester { return cs[g].do }

func (cs splicingClients) close() {
	for _, c := range cs {
		c.close()
	}
}
