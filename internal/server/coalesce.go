package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/nubo/nubo/internal/edge"
)

// holdLimit bounds the bytes a connection holds for one response; a larger
// response is sent as it is written.
const holdLimit = 64 << 10

// coalescingListener gives every accepted TCP connection a coalescingConn. It
// must be the listener net/http serves plain HTTP from: connState recognises
// the connections net/http reports by their type, so under a TLS layer held
// bytes would never be released.
type coalescingListener struct{ net.Listener }

func (l coalescingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		return &coalescingConn{TCPConn: tc}, nil
	}
	return c, err
}

// coalescingConn is the edge.ResponseHolder of one connection: while it holds
// a response, writes are copied into pending, and they go out in one write
// when net/http reports the connection idle (releaseHeld, from the server's
// ConnState hook), when they would pass holdLimit, and before a file is sent
// (ReadFrom keeps sendfile), the connection is half-closed or closed. The
// methods run on the connection's goroutine, apart from a Close at shutdown;
// mu covers that.
type coalescingConn struct {
	*net.TCPConn
	mu      sync.Mutex
	holding bool
	pending []byte
	err     error // the failure of a held write, reported by the next Write
}

// HoldResponse implements edge.ResponseHolder.
func (c *coalescingConn) HoldResponse() {
	c.mu.Lock()
	c.holding = true
	c.mu.Unlock()
}

// ReleaseResponse implements edge.ResponseHolder.
func (c *coalescingConn) ReleaseResponse() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.releaseLocked()
}

// releaseLocked sends what is held and stops holding.
func (c *coalescingConn) releaseLocked() error {
	c.holding = false
	if len(c.pending) > 0 && c.err == nil {
		_, c.err = c.TCPConn.Write(c.pending)
	}
	c.pending = c.pending[:0]
	if cap(c.pending) > holdLimit {
		c.pending = nil
	}
	return c.err
}

func (c *coalescingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if c.holding && len(c.pending)+len(p) <= holdLimit {
		c.pending = append(c.pending, p...)
		return len(p), nil
	}
	if err := c.releaseLocked(); err != nil {
		return 0, err
	}
	return c.TCPConn.Write(p)
}

// ReadFrom sends what is held, then r (sendfile for a file).
func (c *coalescingConn) ReadFrom(r io.Reader) (int64, error) {
	c.mu.Lock()
	err := c.releaseLocked()
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.TCPConn.ReadFrom(r)
}

// CloseWrite sends what is held before half-closing.
func (c *coalescingConn) CloseWrite() error {
	c.mu.Lock()
	c.releaseLocked()
	c.mu.Unlock()
	return c.TCPConn.CloseWrite()
}

// Close sends what is held before closing.
func (c *coalescingConn) Close() error {
	c.mu.Lock()
	c.releaseLocked()
	c.mu.Unlock()
	return c.TCPConn.Close()
}

// connContext hands the edge a connection's holder (http.Server.ConnContext).
func connContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*coalescingConn); ok {
		return edge.WithResponseHolder(ctx, cc)
	}
	return ctx
}

// connState sends a finished response (http.Server.ConnState): net/http
// reports a connection idle after writing a response out, and hijacked when it
// hands it over.
func connState(c net.Conn, st http.ConnState) {
	if cc, ok := c.(*coalescingConn); ok && (st == http.StateIdle || st == http.StateHijacked) {
		cc.ReleaseResponse()
	}
}
