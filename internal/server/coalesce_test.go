package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
)

// connPair returns a coalescingConn and the TCP connection at its other end.
func connPair(t *testing.T) (*coalescingConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := coalescingListener{ln}.Accept()
		accepted <- c
	}()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, ok := (<-accepted).(*coalescingConn)
	if !ok {
		t.Fatal("listener did not wrap the connection")
	}
	t.Cleanup(func() { c.Close(); peer.Close() })
	return c, peer
}

// readNow returns what peer has received within a short wait.
func readNow(t *testing.T, peer net.Conn, want int) string {
	t.Helper()
	peer.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, want+1)
	n, err := io.ReadAtLeast(peer, buf, want)
	if err != nil && want > 0 {
		t.Fatalf("read %d bytes: got %d: %v", want, n, err)
	}
	return string(buf[:n])
}

func TestCoalescingConn(t *testing.T) {
	t.Run("held writes wait for the release", func(t *testing.T) {
		c, peer := connPair(t)
		c.HoldResponse()
		c.Write([]byte("head,"))
		c.Write([]byte("body"))
		if got := readNow(t, peer, 0); got != "" {
			t.Fatalf("sent while held: %q", got)
		}
		c.ReleaseResponse()
		if got := readNow(t, peer, 9); got != "head,body" {
			t.Fatalf("after release: %q", got)
		}
		c.Write([]byte("next"))
		if got := readNow(t, peer, 4); got != "next" {
			t.Fatalf("write after release: %q", got)
		}
	})
	t.Run("past the limit writes go out", func(t *testing.T) {
		c, peer := connPair(t)
		c.HoldResponse()
		c.Write([]byte("a"))
		big := bytes.Repeat([]byte("b"), holdLimit)
		go c.Write(big)
		if got := readNow(t, peer, 1+holdLimit); got != "a"+string(big) {
			t.Fatalf("got %d bytes", len(got))
		}
	})
	t.Run("a file send goes after the held bytes", func(t *testing.T) {
		c, peer := connPair(t)
		c.HoldResponse()
		c.Write([]byte("headers|"))
		if _, err := c.ReadFrom(strings.NewReader("file")); err != nil {
			t.Fatal(err)
		}
		if got := readNow(t, peer, 12); got != "headers|file" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("close sends the held bytes", func(t *testing.T) {
		c, peer := connPair(t)
		c.HoldResponse()
		c.Write([]byte("last words"))
		c.Close()
		peer.SetReadDeadline(time.Now().Add(time.Second))
		got, err := io.ReadAll(peer)
		if err != nil || string(got) != "last words" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
}

// TestServerHoldsResponses checks whole responses larger than net/http's
// connection buffer through the server: two on one kept-alive connection, and
// one on a connection the request asks to close.
func TestServerHoldsResponses(t *testing.T) {
	srv, err := New(Config{Listen: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	cred := auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}
	body := bytes.Repeat([]byte("0123456789abcdef"), 400) // 6,400 bytes
	send := func(conn net.Conn, method, path string, payload []byte, closeConn bool) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL()+path, bytes.NewReader(payload))
		req.Close = closeConn
		auth.SignV4(req, auth.PayloadHash(payload), cred, "us-east-1", "s3", time.Now())
		if err := req.Write(conn); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return resp
	}
	check := func(resp *http.Response) {
		t.Helper()
		got, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
			t.Fatalf("status %d, %d bytes, %v", resp.StatusCode, len(got), err)
		}
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	conn := dial()
	for _, step := range []struct{ method, path string }{{http.MethodPut, "/held"}, {http.MethodPut, "/held/obj"}} {
		var payload []byte
		if step.path == "/held/obj" {
			payload = body
		}
		if resp := send(conn, step.method, step.path, payload, false); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", step.method, step.path, resp.StatusCode)
		}
	}
	// One reader for the kept-alive connection, so no response bytes are
	// left in a discarded buffer.
	br := bufio.NewReader(conn)
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/held/obj", nil)
		auth.SignV4(req, auth.PayloadHash(nil), cred, "us-east-1", "s3", time.Now())
		if err := req.Write(conn); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatal(err)
		}
		check(resp)
	}
	closing := dial()
	resp := send(closing, http.MethodGet, "/held/obj", nil, true)
	check(resp)
	if !resp.Close {
		t.Fatal("server did not answer Connection: close")
	}
}
