// Command lambda measures Nubo's function runtime end to end through the edge
// with aws-sdk-go-v2 (keep-alive), each figure beside a baseline measured in the
// same run on the same machine:
//
//   - warm invoke latency and throughput (hello world, 1 and 2 callers on 2
//     instances) against a Python worker answering the same event over a Unix
//     socket — the floor of any out-of-process Python runtime;
//
//   - cold start (a new function whose handler imports boto3 at module level)
//     against `python3 -c "import boto3"` as a separate process;
//
//   - log throughput: a function printing 10,000 lines, against the same loop
//     timed inside a plain Python process printing into a drained pipe, and a
//     check that every line reached CloudWatch Logs.
//
//     go run ./bench/lambda [-d 5s] [-cold 10]
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/server"
)

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func main() {
	sandbox.MaybeRunInit()
	dur := flag.Duration("d", 5*time.Second, "duration of each warm run")
	cold := flag.Int("cold", 10, "cold starts to measure")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the warm-invoke runs to this file")
	flag.Parse()
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "nubo-bench-lambda")
	check(err)
	defer os.RemoveAll(dir)
	server.SetProcs() // as nubo server does
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", DataDir: dir})
	check(err)
	check(srv.Start(ctx))
	defer srv.Shutdown(ctx)
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"), config.WithBaseEndpoint(srv.URL()),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	check(err)
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench"),
		AssumeRolePolicyDocument: aws.String(trust)})
	check(err)
	b := &bench{ctx: ctx, lc: lambda.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg), role: *role.Role.Arn}
	py, err := sandbox.DetectPython(ctx)
	check(err)
	python := filepath.Join(py.HostPrefix, "bin", "python3")

	mode, reason := sandbox.Supported()
	fmt.Printf("cores=%d GOMAXPROCS=%d sandbox=%s (%s) python=%s boto3=%s\n\n", runtime.NumCPU(), runtime.GOMAXPROCS(0),
		mode, reason, py.Version, py.Boto3Version)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
	}
	b.warm(python, *dur)
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	b.coldStart(python, *cold)
	b.logThroughput(python)
}

type bench struct {
	ctx  context.Context
	lc   *lambda.Client
	logs *cloudwatchlogs.Client
	role string
}

const helloHandler = "def handler(event, context):\n    return {'hello': event.get('name', 'world')}\n"

func (b *bench) create(name, handler, code string, memory int32) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("app.py")
	io.WriteString(w, code)
	check(zw.Close())
	_, err := b.lc.CreateFunction(b.ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name),
		Runtime: types.RuntimePython311, Role: aws.String(b.role), Handler: aws.String(handler),
		MemorySize: aws.Int32(memory), Timeout: aws.Int32(60), Code: &types.FunctionCode{ZipFile: buf.Bytes()}})
	check(err)
}

func (b *bench) invoke(name string, payload []byte) *lambda.InvokeOutput {
	out, err := b.lc.Invoke(b.ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: payload})
	check(err)
	if out.FunctionError != nil {
		check(fmt.Errorf("%s: function error: %s", name, out.Payload))
	}
	return out
}

// warm measures warm invokes with 1 and 2 callers against the Unix-socket floor.
func (b *bench) warm(python string, d time.Duration) {
	b.create("hello", "app.handler", helloHandler, 128)
	payload := []byte(`{"name":"bench"}`)
	// Two concurrent invokes first, so two instances are warm.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); b.invoke("hello", payload) }()
	}
	wg.Wait()
	fmt.Println("warm invoke, hello world, aws-sdk-go-v2 over keep-alive HTTP")
	for _, callers := range []int{1, 2} {
		lat, rate := measure(callers, d, func() { b.invoke("hello", payload) })
		fmt.Printf("  nubo    %d caller(s): %7.0f invokes/s  p50 %8s  p99 %8s\n", callers, rate, pct(lat, 0.5), pct(lat, 0.99))
	}
	floor := startUDSWorker(python)
	defer floor.close()
	for _, callers := range []int{1, 2} {
		lat, rate := measure(callers, d, func() { floor.call(payload) })
		fmt.Printf("  floor   %d caller(s): %7.0f calls/s    p50 %8s  p99 %8s  (Python worker over a Unix socket)\n",
			callers, rate, pct(lat, 0.5), pct(lat, 0.99))
	}
	fmt.Println()
}

// coldStart measures the first invoke of new functions importing boto3.
func (b *bench) coldStart(python string, n int) {
	code := "import boto3\n\ndef handler(event, context):\n    return {'boto3': boto3.__version__}\n"
	var nubo, floor []time.Duration
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("cold-%d", i)
		b.create(name, "app.handler", code, 256)
		t0 := time.Now()
		b.invoke(name, []byte(`{}`))
		nubo = append(nubo, time.Since(t0))
		t0 = time.Now()
		check(exec.Command(python, "-c", "import boto3").Run())
		floor = append(floor, time.Since(t0))
	}
	sortD(nubo)
	sortD(floor)
	fmt.Printf("cold start, handler importing boto3 (%d runs, interleaved)\n", n)
	fmt.Printf("  nubo first invoke:          p50 %8s  min %8s  max %8s\n", pct(nubo, 0.5), nubo[0], nubo[len(nubo)-1])
	fmt.Printf("  python3 -c 'import boto3':  p50 %8s  min %8s  max %8s\n", pct(floor, 0.5), floor[0], floor[len(floor)-1])
	fmt.Printf("  ratio nubo/floor (p50) = %.3f\n\n", float64(pct(nubo, 0.5))/float64(pct(floor, 0.5)))
}

// logThroughput invokes a function printing 10,000 lines and checks the log.
func (b *bench) logThroughput(python string) {
	const lines = 10000
	loop := fmt.Sprintf("for i in range(%d):\n    print('line %%d of the log throughput benchmark' %% i)\n", lines)
	b.create("printer", "app.handler", "def handler(event, context):\n    "+strings.ReplaceAll(loop, "\n", "\n    ")+"return 'done'\n", 256)
	b.invoke("printer", []byte(`{}`)) // cold start outside the measurement
	var nubo, floor []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		b.invoke("printer", []byte(`{}`))
		nubo = append(nubo, time.Since(t0))
		// The floor times the same loop inside one plain Python process
		// printing into a pipe that is drained at once, without start-up.
		timed := "import sys, time\nt0 = time.perf_counter()\n" + loop +
			"sys.stdout.flush()\nsys.stderr.write('%d' % ((time.perf_counter() - t0) * 1e9))\n"
		cmd := exec.Command(python, "-c", timed)
		out, err := cmd.StdoutPipe()
		check(err)
		var ns bytes.Buffer
		cmd.Stderr = &ns
		check(cmd.Start())
		io.Copy(io.Discard, out)
		check(cmd.Wait())
		var elapsed int64
		fmt.Sscan(ns.String(), &elapsed)
		floor = append(floor, time.Duration(elapsed))
	}
	sortD(nubo)
	sortD(floor)
	count := b.countLogLines("/aws/lambda/printer", "benchmark")
	fmt.Printf("log throughput, %d lines per invoke (5 runs)\n", lines)
	fmt.Printf("  nubo warm invoke:                p50 %8s\n", pct(nubo, 0.5))
	fmt.Printf("  same loop in plain python, pipe:  p50 %8s\n", pct(floor, 0.5))
	fmt.Printf("  ratio = %.2f; lines in CloudWatch Logs: %d of %d\n", float64(pct(nubo, 0.5))/float64(pct(floor, 0.5)),
		count, 6*lines)
}

func (b *bench) countLogLines(group, term string) int {
	n := 0
	var token *string
	for {
		out, err := b.logs.FilterLogEvents(b.ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group),
			FilterPattern: aws.String(term), NextToken: token, Limit: aws.Int32(10000)})
		check(err)
		n += len(out.Events)
		if out.NextToken == nil || (token != nil && *out.NextToken == *token) {
			return n
		}
		token = out.NextToken
	}
}

// measure calls fn from callers goroutines for d.
func measure(callers int, d time.Duration, fn func()) ([]time.Duration, float64) {
	var mu sync.Mutex
	var all []time.Duration
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(stop) {
				t0 := time.Now()
				fn()
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sortD(all)
	return all, float64(len(all)) / d.Seconds()
}

func sortD(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[int(q*float64(len(d)-1))].Round(time.Microsecond)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
