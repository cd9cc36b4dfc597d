package pool

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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

// benchPaths runs fn as two sub-benchmarks: instances forked from the
// zygote and instances started with sandbox.Start.
func benchPaths(b *testing.B, fn func(b *testing.B, plain bool)) {
	for _, plain := range []bool{false, true} {
		name := "zygote"
		if plain {
			name = "sandbox"
		}
		b.Run(name, func(b *testing.B) {
			if !plain && !zygoteExpected(b) {
				b.Skip("no zygote on this host")
			}
			fn(b, plain)
		})
	}
}

// BenchmarkWarmInvoke: one caller, one warm Python instance, through the
// whole pool (concurrency accounting, START/END/REPORT, log shipping).
func BenchmarkWarmInvoke(b *testing.B) {
	benchPaths(b, func(b *testing.B, plain bool) {
		f := newFixture(b, func(c *Config) { c.DisableZygote = plain })
		v := f.pyVersion(b, "benchhello", benchHello)
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
		f.wantPath(b, !plain)
	})
}

// BenchmarkWarmInvokeTwoInstances: two callers keep two warm instances
// busy (the throughput figure).
func BenchmarkWarmInvokeTwoInstances(b *testing.B) {
	benchPaths(b, func(b *testing.B, plain bool) {
		f := newFixture(b, func(c *Config) { c.DisableZygote = plain })
		v := f.pyVersion(b, "benchhello2", benchHello)
		var wg sync.WaitGroup
		for range 2 { // warm two instances
			wg.Add(1)
			go func() { defer wg.Done(); wantOK(b, f.invoke(b, v, `{"key1":"x"}`)) }()
		}
		wg.Wait()
		work := make(chan struct{}, b.N)
		for range b.N {
			work <- struct{}{}
		}
		close(work)
		b.ResetTimer()
		start := time.Now()
		lat := twoCallers(b, f, v, work)
		reportLatency(b, lat, time.Since(start))
		b.ReportMetric(float64(f.p.Stats().Instances), "instances")
		f.wantPath(b, !plain)
	})
}

// twoCallers invokes v from two goroutines until work is drained and
// returns the latencies.
func twoCallers(b *testing.B, f *fixture, v *lambda.Version, work <-chan struct{}) []time.Duration {
	var mu sync.Mutex
	var wg sync.WaitGroup
	lat := make([]time.Duration, 0, b.N)
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
	return lat
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

// importBoto3Handler only imports boto3 at module level.
const importBoto3Handler = `
import boto3
def handler(event, context):
    return {"ok": True}
`

// BenchmarkColdStartBoto3: a new instance per invocation, forked from the
// zygote and started with sandbox.Start, against the naive floor of
// running python3 -c "import boto3" (the real interpreter under the
// detected prefix, not a version manager's shim), in the same run. Two
// handlers: one that imports boto3 at module level ("import"), one that
// also creates an S3 client there ("client"; the zygote preloads the
// modules, not the client's service model). The zygote is warm before
// timing starts; BenchmarkFirstColdStart measures a pool's first cold
// start, which starts the zygote.
func BenchmarkColdStartBoto3(b *testing.B) {
	for _, h := range []struct{ name, code string }{{"import", importBoto3Handler}, {"client", boto3Handler}} {
		b.Run(h.name, func(b *testing.B) {
			benchPaths(b, func(b *testing.B, plain bool) { benchColdStarts(b, plain, h.code) })
		})
	}
	b.Run("python-import-boto3", benchImportBoto3)
}

// benchColdStarts times cold starts of code.
func benchColdStarts(b *testing.B, plain bool, code string) {
	f := newFixture(b, func(c *Config) { c.DisableZygote = plain })
	if f.p.Mode().Boto3 == "" {
		b.Skip("boto3 is not available to functions")
	}
	v := f.pyVersion(b, "benchcold", code)
	coldOnce(b, f, v, "warm-up") // starts the zygote
	f.p.Retire(v.FunctionARN, v.Version)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		lat = append(lat, coldOnce(b, f, v, "rev-"+strconv.Itoa(i)))
		f.p.Retire(v.FunctionARN, v.Version)
	}
	reportLatency(b, lat, time.Since(start))
	f.wantPath(b, !plain)
}

// coldOnce invokes a new configuration revision of v, so the pool starts
// a new instance, and returns how long the invocation took.
func coldOnce(b *testing.B, f *fixture, v *lambda.Version, revision string) time.Duration {
	c := *v
	c.RevisionID = revision
	t0 := time.Now()
	res, err := f.p.Invoke(context.Background(), &c, &lambda.Invocation{RequestID: newRequestID(),
		Payload: []byte(`{}`), Deadline: f.clock.Now().Add(v.Timeout)})
	if err != nil || res.FunctionError != "" {
		b.Fatalf("%v %+v", err, res)
	}
	return time.Since(t0)
}

// BenchmarkFirstColdStart: the first cold start of a new pool, which with
// the zygote path includes starting the zygote (it is started lazily),
// for the two handlers of BenchmarkColdStartBoto3.
func BenchmarkFirstColdStart(b *testing.B) {
	for _, h := range []struct{ name, code string }{{"import", importBoto3Handler}, {"client", boto3Handler}} {
		b.Run(h.name, func(b *testing.B) {
			benchPaths(b, func(b *testing.B, plain bool) { benchFirstColdStarts(b, plain, h.code) })
		})
	}
}

func benchFirstColdStarts(b *testing.B, plain bool, code string) {
	lat := make([]time.Duration, 0, b.N)
	var elapsed time.Duration
	for i := range b.N {
		b.StopTimer()
		f := newFixture(b, func(c *Config) { c.DisableZygote = plain })
		v := f.pyVersion(b, "benchfirst", code)
		b.StartTimer()
		d := coldOnce(b, f, v, "rev-"+strconv.Itoa(i))
		lat = append(lat, d)
		elapsed += d
		b.StopTimer()
		f.wantPath(b, !plain)
		_ = f.p.Close()
		b.StartTimer()
	}
	reportLatency(b, lat, elapsed)
}

// benchImportBoto3: python3 -c "import boto3" as a separate process, the
// naive floor of a cold start.
func benchImportBoto3(b *testing.B) {
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

// BenchmarkPoolNew: creating a pool (part of server start): it writes the
// bootstrap and probes the host Python; the zygote is not started.
func BenchmarkPoolNew(b *testing.B) {
	for range b.N {
		f := newFixture(b, nil)
		b.StopTimer()
		_ = f.p.Close()
		b.StartTimer()
	}
}
