package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// These tests run the real nubo binary as a separate process, to check what only
// a process can show: SIGKILL durability, graceful SIGTERM, flag handling.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// nuboBinary builds cmd/nubo once per test run.
func nuboBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nubo-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "nubo")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/nubo").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freePort returns a loopback address with a free port.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a nubo server running as a child process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	out  *lockedWriter
	done chan error
}

func startProc(t *testing.T, dataDir, addr string, extra ...string) *proc {
	t.Helper()
	p := &proc{addr: addr, out: &lockedWriter{b: &strings.Builder{}}, done: make(chan error, 1)}
	args := append([]string{"server", "--listen", addr, "--data-dir", dataDir}, extra...)
	p.cmd = exec.Command(nuboBinary(t), args...)
	w := p.out
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/_nubo/health"); err == nil {
			resp.Body.Close()
			return p
		}
		select {
		case err := <-p.done:
			t.Fatalf("nubo exited early: %v\n%s", err, w.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	p.cmd.Process.Kill()
	t.Fatalf("nubo did not become healthy:\n%s", w.String())
	return nil
}

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestSIGKILLKeepsAcknowledgedWrites creates IAM users concurrently, kills the
// server with SIGKILL mid-stream and requires every acknowledged user (and the
// advanced clock) to be there after a restart.
func TestSIGKILLKeepsAcknowledgedWrites(t *testing.T) {
	dataDir := t.TempDir()
	addr := freePort(t)
	p := startProc(t, dataDir, addr)
	resp, err := http.Post("http://"+addr+"/_nubo/clock/advance?seconds=7200", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("advance: %v %v", err, resp)
	}
	resp.Body.Close()

	client := iam.NewFromConfig(sdkConfig(t, "http://"+addr, "test", "test", ""))
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("u-%d-%d", w, i)
				if _, err := client.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					return
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		}(w)
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	close(stop)
	wg.Wait()

	p = startProc(t, dataDir, addr)
	defer func() { p.cmd.Process.Signal(syscall.SIGTERM); <-p.done }()
	client = iam.NewFromConfig(sdkConfig(t, "http://"+addr, "test", "test", ""))
	mu.Lock()
	defer mu.Unlock()
	for _, name := range acked {
		if _, err := client.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatalf("acknowledged user %s lost after SIGKILL: %v", name, err)
		}
	}
	t.Logf("%d acknowledged users survived SIGKILL", len(acked))
	resp, err = http.Get("http://" + addr + "/_nubo/clock")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); !strings.Contains(body, `"offset_seconds": 72`) {
		t.Errorf("clock offset not kept across restart: %s", body)
	}
}

// TestSIGTERMFinishesInFlight holds requests in flight — headers and half the
// body sent — while the server gets SIGTERM, then finishes sending them: each
// must still be served, and the server must then exit 0.
func TestSIGTERMFinishesInFlight(t *testing.T) {
	addr := freePort(t)
	p := startProc(t, t.TempDir(), addr)
	const n = 8
	conns := make([]net.Conn, n)
	bodies := make([]string, n)
	for i := range conns {
		bodies[i] = fmt.Sprintf("Action=CreateUser&Version=2010-05-08&UserName=inflight-%d", i)
		r := signedQuery(t, "http://"+addr, "iam", bodies[i], time.Now())
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var head strings.Builder
		fmt.Fprintf(&head, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", addr, len(bodies[i]))
		for k, vs := range r.Header {
			fmt.Fprintf(&head, "%s: %s\r\n", k, vs[0])
		}
		head.WriteString("\r\n")
		head.WriteString(bodies[i][:len(bodies[i])/2])
		if _, err := c.Write([]byte(head.String())); err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	time.Sleep(200 * time.Millisecond) // let the server start reading every request
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	for i, c := range conns {
		if _, err := c.Write([]byte(bodies[i][len(bodies[i])/2:])); err != nil {
			t.Fatalf("request %d: finishing the body: %v", i, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("request %d cut off by shutdown: %v", i, err)
		}
		if body := readAll(t, resp); resp.StatusCode != 200 || !strings.Contains(body, "inflight-") {
			t.Errorf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("nubo exited with %v:\n%s", err, p.out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("nubo did not exit after SIGTERM")
	}
}

func TestRefusesDevCredentialsOffLoopback(t *testing.T) {
	cmd := exec.Command(nuboBinary(t), "server", "--listen", "0.0.0.0:0", "--data-dir", t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("nubo started on 0.0.0.0 with test/test:\n%s", out)
	}
	if !strings.Contains(string(out), "refusing to listen on 0.0.0.0:0 with the dev credentials") {
		t.Errorf("unclear refusal: %s", out)
	}
}

func TestVersionCommand(t *testing.T) {
	out, err := exec.Command(nuboBinary(t), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "nubo ") {
		t.Fatalf("nubo version: %v %s", err, out)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
