package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// udsWorker is the floor for a warm invoke: Python workers that answer a JSON
// event with the same handler over a Unix socket, one line per message, with no
// platform in between. Two workers serve two callers, like two instances.
type udsWorker struct {
	procs []*exec.Cmd
	conns chan *workerConn
	dir   string
}

type workerConn struct {
	c net.Conn
	r *bufio.Reader
}

const workerScript = `
import json, os, socket, sys
def handler(event, context):
    return {'hello': event.get('name', 'world')}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
f = c.makefile('rb')
while True:
    line = f.readline()
    if not line:
        break
    c.sendall(json.dumps(handler(json.loads(line), None)).encode() + b'\n')
`

func startUDSWorker(python string) *udsWorker {
	dir, err := os.MkdirTemp("", "nubo-floor")
	check(err)
	w := &udsWorker{conns: make(chan *workerConn, 2), dir: dir}
	for i := 0; i < 2; i++ {
		path := filepath.Join(dir, fmt.Sprintf("w%d.sock", i))
		cmd := exec.Command(python, "-c", workerScript, path)
		check(cmd.Start())
		w.procs = append(w.procs, cmd)
		var c net.Conn
		for deadline := time.Now().Add(10 * time.Second); ; {
			if c, err = net.Dial("unix", path); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		check(err)
		w.conns <- &workerConn{c: c, r: bufio.NewReader(c)}
	}
	return w
}

func (w *udsWorker) call(payload []byte) {
	wc := <-w.conns
	defer func() { w.conns <- wc }()
	_, err := wc.c.Write(append(bytes.TrimSpace(payload), '\n'))
	check(err)
	_, err = wc.r.ReadBytes('\n')
	check(err)
}

func (w *udsWorker) close() {
	for i := 0; i < cap(w.conns); i++ {
		(<-w.conns).c.Close()
	}
	for _, p := range w.procs {
		p.Wait()
	}
	os.RemoveAll(w.dir)
}
