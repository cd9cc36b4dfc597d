package pool

import (
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/service/lambda"
	"github.com/nubo/nubo/internal/service/logs"
	"github.com/nubo/nubo/internal/service/sts"
)

// The services the server wires in satisfy the pool's narrow interfaces.
var (
	_ LogSink          = (*logs.Service)(nil)
	_ CredentialIssuer = (*sts.Service)(nil)
)

func TestReportLine(t *testing.T) {
	tests := []struct {
		name string
		r    report
		want string
	}{
		{"warm", report{requestID: "r", duration: 12340 * time.Microsecond, memoryMB: 128, maxMemory: 40 << 20},
			"REPORT RequestId: r\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t\n"},
		{"cold", report{requestID: "r", duration: 1500 * time.Microsecond, init: 123450 * time.Microsecond, memoryMB: 256, maxMemory: 40<<20 + 1},
			"REPORT RequestId: r\tDuration: 1.50 ms\tBilled Duration: 125 ms\tMemory Size: 256 MB\tMax Memory Used: 41 MB\tInit Duration: 123.45 ms\t\n"},
		{"timeout", report{requestID: "r", duration: time.Second, memoryMB: 128, status: "timeout"},
			"REPORT RequestId: r\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 128 MB\tMax Memory Used: 0 MB\tStatus: timeout\n"},
		{"error", report{requestID: "r", duration: 10 * time.Microsecond, memoryMB: 128, status: "error", errorType: "Runtime.ExitError"},
			"REPORT RequestId: r\tDuration: 0.01 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 0 MB\tStatus: error\tError Type: Runtime.ExitError\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.String(); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestExitError(t *testing.T) {
	tests := []struct {
		st       sandbox.ExitStatus
		typ, msg string
	}{
		{sandbox.ExitStatus{Code: 3}, ErrorTypeExit, "RequestId: r Error: Runtime exited with error: exit status 3"},
		{sandbox.ExitStatus{Code: -1, Signal: syscall.SIGKILL, OOMKilled: true}, ErrorTypeOutOfMemory, "RequestId: r Error: Runtime exited with error: signal: killed"},
		{sandbox.ExitStatus{Code: -1, Signal: syscall.SIGSEGV}, ErrorTypeExit, "RequestId: r Error: Runtime exited with error: signal: segmentation fault"},
	}
	for _, tc := range tests {
		t.Run(tc.typ+tc.msg, func(t *testing.T) {
			typ, payload, line := exitError("r", tc.st)
			want := `{"errorMessage":"` + tc.msg + `","errorType":"` + tc.typ + `"}`
			if typ != tc.typ || string(payload) != want || line != tc.msg+"\n"+tc.typ+"\n" {
				t.Fatalf("%s %s %q", typ, payload, line)
			}
		})
	}
	if got := string(timeoutPayload("r", 3*time.Second)); got != `{"errorMessage":"RequestId: r Error: Task timed out after 3.00 seconds","errorType":"Sandbox.Timedout"}` {
		t.Fatalf("timeout payload %s", got)
	}
}

func TestClassify(t *testing.T) {
	for rt, want := range map[string]runtimeKind{"python3.8": kindPython, "python3.13": kindPython, "python3.7": kindUnsupported,
		"python3.14": kindUnsupported, "provided": kindProvided, "provided.al2": kindProvided, "provided.al2023": kindProvided,
		"nodejs20.x": kindUnsupported, "python3.x": kindUnsupported} {
		if got := classify(rt); got != want {
			t.Errorf("classify(%q) = %v, want %v", rt, got, want)
		}
	}
}

func TestBuildEnv(t *testing.T) {
	v := &lambda.Version{FunctionName: "f", Version: "7", MemorySize: 512, Runtime: "python3.12", Handler: "app.main",
		Region: "eu-west-1", Environment: map[string]string{"LANG": "C.UTF-8", "MINE": "x"}}
	env := buildEnv(v, kindPython, envInput{stream: "s", runtimeAPI: "127.0.0.1:1", endpoint: "http://e",
		pythonEnv: []string{"LD_LIBRARY_PATH=/var/lang/lib64"}})
	m := map[string]string{}
	for _, kv := range env {
		k, val, _ := strings.Cut(kv, "=")
		m[k] = val
	}
	want := map[string]string{"AWS_LAMBDA_FUNCTION_VERSION": "7", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
		"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/f",
		"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1", "AWS_ENDPOINT_URL": "http://e", "LANG": "C.UTF-8", "MINE": "x",
		"AWS_DEFAULT_REGION": "eu-west-1", "_HANDLER": "app.main"}
	for k, w := range want {
		if m[k] != w {
			t.Errorf("%s = %q, want %q", k, m[k], w)
		}
	}
	if !strings.HasPrefix(m["LD_LIBRARY_PATH"], "/var/lang/lib64:") || !strings.HasPrefix(m["PATH"], "/var/lang/bin:") {
		t.Errorf("paths %q %q", m["LD_LIBRARY_PATH"], m["PATH"])
	}
	if _, ok := m["AWS_ACCESS_KEY_ID"]; ok {
		t.Error("credentials set without an issuer")
	}
	custom := buildEnv(&lambda.Version{Runtime: "provided.al2"}, kindProvided, envInput{})
	for _, kv := range custom {
		if strings.HasPrefix(kv, "AWS_EXECUTION_ENV=") || strings.Contains(kv, "/var/lang") {
			t.Errorf("custom runtime env has %q", kv)
		}
	}
}

func TestLimits(t *testing.T) {
	l := newLimits()
	res := &lambda.Version{FunctionARN: "a", ReservedConcurrency: 2}
	un := &lambda.Version{FunctionARN: "b", ReservedConcurrency: -1}
	steps := []struct {
		v      *lambda.Version
		reason string
	}{
		{res, ""}, {res, ""}, {res, lambda.ReasonReservedFunctionConcurrentInvocationLimitExceeded},
		{un, ""}, {un, lambda.ReasonConcurrentInvocationLimitExceeded},
	}
	for i, s := range steps {
		_, err := l.admit(s.v, 3)
		var te *lambda.ThrottleError
		switch {
		case s.reason == "" && err != nil:
			t.Fatalf("step %d: %v", i, err)
		case s.reason != "" && (!errors.As(err, &te) || te.Reason != s.reason):
			t.Fatalf("step %d: %v, want %s", i, err, s.reason)
		}
	}
	l.done(res)
	l.done(res)
	l.done(un)
	if l.total != 0 || l.unreserved != 0 || len(l.perFn) != 0 {
		t.Fatalf("limits after done: %+v", l)
	}
	l.note("a", -1)
	if l.reservedN != 0 {
		t.Fatalf("reservation not dropped: %+v", l)
	}
}

// readerHarness feeds data to an outputReader through a real pipe.
type readerHarness struct {
	o    *outputReader
	sent []logs.Event
	mu   sync.Mutex
}

func newReaderHarness(t *testing.T) *readerHarness {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &readerHarness{}
	vc := clock.NewVirtual()
	t.Cleanup(func() { _ = vc.Close() })
	col := newCollector(vc, func(ev []logs.Event) {
		h.mu.Lock()
		h.sent = append(h.sent, ev...)
		h.mu.Unlock()
	})
	h.o = newOutputReader(r, w, col, "tok")
	go h.o.run()
	t.Cleanup(h.o.close)
	return h
}

func (h *readerHarness) messages() []string {
	h.o.col.flush()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.sent {
		out = append(out, e.Message)
	}
	return out
}

func TestOutputReader(t *testing.T) {
	h := newReaderHarness(t)
	write := func(s string) {
		if _, err := h.o.w.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	write("one\ntwo\r  frame\nparti")
	if err := h.o.sync(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("z", MaxEventBytes+1000)
	write(long + "\nafter\n")
	if err := h.o.sync(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	got := h.messages()
	want := []string{"one\n", "two\r  frame\n", "parti\n", strings.Repeat("z", MaxEventBytes) + "\n", "after\n"}
	if len(got) != len(want) {
		t.Fatalf("got %d events %q", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d = %.60q, want %.60q", i, got[i], want[i])
		}
	}
	if tail := h.o.col.finish("END\n"); !strings.HasSuffix(tail, "after\nEND\n") || len(tail) != TailBytes {
		t.Fatalf("tail of %d bytes ending %q", len(tail), tail[max(0, len(tail)-20):])
	}
}

// FuzzOutputLines: any output splits into events that, joined, give back
// the input (lines up to MaxEventBytes), and a marker always syncs.
func FuzzOutputLines(f *testing.F) {
	for _, s := range []string{"", "a\n", "a\nb", "\r\n\n", "x\x00nubo-sync-tok:1\n", "\x00nubo-sync-tok:zz\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		h := newReaderHarness(t)
		if _, err := h.o.w.Write(append(data, '\n')); err != nil {
			t.Fatal(err)
		}
		if err := h.o.sync(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(h.messages(), "")
		if !strings.Contains(string(data), "\x00nubo-sync-tok:") && joined != string(data)+"\n" {
			t.Fatalf("events %q from %q", joined, data)
		}
	})
}
