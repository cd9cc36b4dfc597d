package main

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

// motoServer is a moto_server process started for this run.
type motoServer struct {
	cmd *exec.Cmd
	url string
}

// startMoto starts moto_server on a free loopback port and waits until it
// answers.
func startMoto(command, dir string) (*motoServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	logf, err := os.Create(filepath.Join(dir, "moto.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(command, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", command, err)
	}
	m := &motoServer{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(m.url + "/moto-api/"); err == nil {
			resp.Body.Close()
			return m, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	m.stop()
	return nil, fmt.Errorf("moto_server did not answer on %s within 60s (log %s)", m.url, logf.Name())
}

// stop ends moto_server's process group (the pyenv shim execs python).
func (m *motoServer) stop() {
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
