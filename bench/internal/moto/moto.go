// Package moto starts and stops a moto_server process, the slower peer the
// whole-system benchmarks in bench/ measure Nubo against in the same run.
package moto

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Server is a moto_server process started for one benchmark run.
type Server struct {
	cmd *exec.Cmd
	// URL is the endpoint, http://127.0.0.1:<port>.
	URL string
}

// Start runs command (moto_server) on a free loopback port, in its own process
// group with its log in dir/moto.log, and waits until it answers HTTP.
func Start(command, dir string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pick a port for moto: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	logf, err := os.Create(filepath.Join(dir, "moto.log"))
	if err != nil {
		return nil, fmt.Errorf("moto log: %w", err)
	}
	cmd := exec.Command(command, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", command, err)
	}
	m := &Server{cmd: cmd, URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		if resp, err := http.Get(m.URL + "/moto-api/"); err == nil {
			resp.Body.Close()
			return m, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	m.Stop()
	return nil, fmt.Errorf("moto_server did not answer on %s within 60s (log %s)", m.URL, logf.Name())
}

// Stop ends moto_server's process group (the pyenv shim execs python), with
// SIGKILL if SIGTERM is not enough within 5 s.
func (m *Server) Stop() {
	if m == nil || m.cmd.Process == nil {
		return
	}
	syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// Pid is the process id of moto_server (or of the shim that runs it).
func (m *Server) Pid() int { return m.cmd.Process.Pid }
