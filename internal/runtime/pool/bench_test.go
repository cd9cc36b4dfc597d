package pool

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/service/lambda"
)

const benchHello = `
def handler(event, context):
    return {"statusCode": 200, "body": event["key1"]}
`

const benchEvent = `{"key1":"value1","key2":"value2","key3":"value3"}`

// hostPython is the real interpreter (not a version-manager shim).
func hostPython(b *testing.B) string {
	py, err := sandbox.DetectPython(context.Background())
	if err != nil {
		b.Skipf("no python3: %v", err)
	}
	return filepath.Join(py.HostPrefix, "bin", "python3")
}

// reportLatency adds p50/p99 (µs) and invokes/s to a benchmark.
func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "invokes/s")
}

// BenchmarkWarmInvoke: one caller, one warm Python instance, through the
// whole pool (concurrency accounting, START/END/REPORT, log shipping).
func BenchmarkWarmInvoke(b *testing.B) {
	f := newFixture(b, nil)
	v := pyVersion(b, "benchhello", benchHello)
	wantOK(b, f.invoke(b, v, benchEvent))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		res, err := f.tryInvoke(v, benchEvent)
		if err != nil || res.FunctionError != "" {
			b.Fatalf("%v %+v", err, res)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, time.Since(start))
}

// BenchmarkWarmInvokeTwoInstances: two callers keep two warm instances
// busy (the throughput figure).
func BenchmarkWarmInvokeTwoInstances(b *testing.B) {
	f := newFixture(b, nil)
	v := pyVersion(b, "benchhello2", benchHello)
	var wg sync.WaitGroup
	for range 2 { // warm two instances
		wg.Add(1)
		go func() { defer wg.Done(); wantOK(b, f.invoke(b, v, `{"key1":"x"}`)) }()
	}
	wg.Wait()
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	work := make(chan struct{}, b.N)
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	b.ResetTimer()
	start := time.Now()
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N/2+1)
			for range work {
				t0 := time.Now()
				res, err := f.tryInvoke(v, benchEvent)
				if err != nil || res.FunctionError != "" {
					b.Errorf("%v %+v", err, res)
					return
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	reportLatency(b, lat, time.Since(start))
	b.ReportMetric(float64(f.p.Stats().Instances), "instances")
}

const socketWorker = `
import json, socket, sys
def handler(event, context):
    return {"statusCode": 200, "body": event["key1"]}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
f = c.makefile("rwb")
for line in f:
    f.write(json.dumps(handler(json.loads(line), None)).encode() + b"\n")
    f.flush()
`

// BenchmarkUnixSocketFloor: a Python worker answering the same event over
// a Unix socket, the floor the warm invoke is compared with.
func BenchmarkUnixSocketFloor(b *testing.B) {
	sock := filepath.Join(b.TempDir(), "w.sock")
	cmd := exec.Command(hostPython(b), "-c", socketWorker, sock)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Skipf("python3: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		b.Fatal(err)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	req := []byte(benchEvent + "\n")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := r.ReadBytes('\n'); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, time.Since(start))
}

const boto3Handler = `
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    return {"ok": True}
`

// BenchmarkColdStartBoto3: a new instance per invocation of a handler that
// imports boto3 and creates a client at module level.
func BenchmarkColdStartBoto3(b *testing.B) {
	f := newFixture(b, nil)
	if f.p.Mode().Boto3 == "" {
		b.Skip("boto3 is not available to functions")
	}
	v := pyVersion(b, "benchcold", boto3Handler)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		c := *v
		c.RevisionID = "rev-" + string(rune('a'+i%26)) + time.Now().Format("150405.000000000")
		t0 := time.Now()
		res, err := f.p.Invoke(context.Background(), &c, &lambda.Invocation{RequestID: newRequestID(),
			Payload: []byte(`{}`), Deadline: f.clock.Now().Add(v.Timeout)})
		if err != nil || res.FunctionError != "" {
			b.Fatalf("%v %+v", err, res)
		}
		lat = append(lat, time.Since(t0))
		f.p.Retire(v.FunctionARN, v.Version)
	}
	reportLatency(b, lat, time.Since(start))
}

// BenchmarkPythonImportBoto3: python3 -c "import boto3" as a separate
// process, the naive floor of a cold start.
func BenchmarkPythonImportBoto3(b *testing.B) {
	python := hostPython(b)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		cmd := exec.Command(python, "-c", "import boto3")
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, time.Since(start))
}
