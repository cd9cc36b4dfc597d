package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth"
)

// rawConn is a minimal HTTP/1.1 keep-alive client on one connection: it
// signs each request with SigV4 like target.do but writes and parses the
// messages itself, without net/http's per-connection reader and writer
// goroutines. It is the light load generator of the 4 KiB runs, so the
// server, not the client, gets most of the machine's two cores. It knows only
// what S3's answers to PUT and GET need: a status line, headers and a
// Content-Length body.
type rawConn struct {
	t    *target
	host string
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	// spl, when set, discards bodies with splice(2) instead of reading them.
	spl *splicer
}

func newRawConn(t *target) (*rawConn, error) {
	u, err := url.Parse(t.url)
	if err != nil {
		return nil, err
	}
	return &rawConn{t: t, host: u.Host}, nil
}

// do sends a signed request and drains the answer; it returns the body
// length.
func (c *rawConn) do(method, path string, body []byte) (int64, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.host)
		if err != nil {
			return 0, err
		}
		c.conn, c.r, c.w = conn, bufio.NewReaderSize(conn, 16<<10), bufio.NewWriterSize(conn, 16<<10)
	}
	n, keep, err := c.roundTrip(method, path, body)
	if err != nil || !keep {
		c.conn.Close()
		c.conn = nil
	}
	return n, err
}

// close closes the connection and the splicer.
func (c *rawConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	if c.spl != nil {
		c.spl.close()
	}
}

func (c *rawConn) roundTrip(method, path string, body []byte) (int64, bool, error) {
	req := &http.Request{Method: method, Host: c.host, Header: http.Header{}, URL: &url.URL{Scheme: "http", Host: c.host}}
	p, q, _ := strings.Cut(path, "?")
	req.URL.Path, req.URL.RawQuery = p, q
	c.t.signer.Sign(req, auth.PayloadHash(body), time.Now())
	fmt.Fprintf(c.w, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", method, path, c.host, len(body))
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(c.w, "%s: %s\r\n", k, v)
		}
	}
	c.w.WriteString("\r\n")
	c.w.Write(body)
	if err := c.w.Flush(); err != nil {
		return 0, false, err
	}
	return c.readResponse(method, path)
}

func (c *rawConn) readResponse(method, path string) (int64, bool, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	f := bytes.Fields(line)
	if len(f) < 2 {
		return 0, false, fmt.Errorf("%s %s: bad status line %q", method, path, line)
	}
	status, _ := strconv.Atoi(string(f[1]))
	length, keep := int64(0), !bytes.Equal(f[0], []byte("HTTP/1.0"))
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch strings.ToLower(string(name)) {
		case "content-length":
			length, _ = strconv.ParseInt(string(value), 10, 64)
		case "connection":
			keep = !bytes.EqualFold(value, []byte("close"))
		case "transfer-encoding":
			return 0, false, fmt.Errorf("%s %s: transfer-encoding %s is not supported by the raw client", method, path, value)
		}
	}
	if status != http.StatusOK {
		msg := make([]byte, min(length, 512))
		io.ReadFull(c.r, msg)
		return 0, false, fmt.Errorf("%s %s %s: %d %s", c.t.name, method, path, status, msg)
	}
	if c.spl == nil || length <= int64(c.r.Buffered()) {
		n, err := c.r.Discard(int(length))
		return int64(n), keep, err
	}
	n, _ := c.r.Discard(c.r.Buffered())
	if err := c.spl.discard(c.conn, length-int64(n)); err != nil {
		return int64(n), false, err
	}
	return length, keep, nil
}
