// Command sqs measures Nubo's SQS end to end through the edge with
// aws-sdk-go-v2's SQS client (AWS JSON 1.0, keep-alive HTTP), each figure
// beside a baseline measured in the same run on the same machine:
//
//   - standard queue throughput: 8 producers sending batches of 10 and 8
//     consumers receiving batches of 10 (WaitTimeSeconds 1) and deleting them
//     in batches, Nubo against moto_server;
//
//   - single-message SendMessage from 16 concurrent clients, Nubo against
//     moto_server, twice: with the SDK client and with a lean client (SigV4
//     signed AWS JSON 1.0 over plain net/http with keep-alive), whose
//     lighter CPU cost leaves more of the shared cores to the server; each
//     run's ratio compares Nubo and moto driven by the same client;
//
//   - long-poll wake latency: a receiver blocked in ReceiveMessage
//     (WaitTimeSeconds 20) on an empty queue, timed from just before
//     SendMessage is issued until the receive returns the message, Nubo
//     against moto_server;
//
//   - SQS → Lambda: 10,000 messages drained by a trivial Python function
//     through an event source mapping (BatchSize 10), against a plain Go
//     consumer (8 goroutines, batches of 10) draining the same number in the
//     same run. The function sandbox needs root: run with sudo.
//
// Nubo runs in process on 127.0.0.1:0 with its durable store in a temporary
// directory; moto_server is started on a free port and stopped at the end.
//
//	go run ./bench/sqs [-d 10s] [-c 16] [-n 200] [-drain 10000] [-run batch,single,longpoll,drain] [-moto moto_server] [-cpuprofile f]
//
// With -cpuprofile f, each scenario's Nubo phase is profiled in process
// (server and clients together) into f.<scenario> (the lean-client single
// run into f.single-lean); read it with `go tool pprof -top f.batch`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/bench/internal/moto"
	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/server"
)

// settings are the command-line flags.
type settings struct {
	dur      time.Duration
	conc     int
	wakes    int
	drainN   int
	run      map[string]bool
	moto     string
	profile  string
	producer int
	consumer int
}

func main() {
	sandbox.MaybeRunInit()
	st := parseFlags()
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "nubo-bench-sqs")
	check(err)
	defer os.RemoveAll(dir)
	server.SetProcs() // as nubo server does
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "nubo")})
	check(err)
	check(srv.Start(ctx))
	defer srv.Shutdown(ctx)

	var peer *moto.Server
	if st.moto != "" {
		peer, err = moto.Start(st.moto, dir)
		check(err)
		defer peer.Stop()
	}
	b := &bench{ctx: ctx, st: st, nubo: newTarget(ctx, "nubo", srv.URL(), st.conc)}
	b.nubo.pid = "self"
	if peer != nil {
		b.moto = newTarget(ctx, "moto", peer.URL, st.conc)
		b.moto.pid = strconv.Itoa(peer.Pid())
	}
	fmt.Printf("cores=%d GOMAXPROCS=%d; Nubo durable store in %s; other processes may be running on this machine (load1=%s)\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), dir, loadAvg())
	rate, p50, err := fsyncProbe(dir, 2*time.Second)
	check(err)
	fmt.Printf("disk floor: 200-byte append + fdatasync in the data dir's file system, one at a time: %.0f/s, p50 %s\n\n", rate, p50)
	for _, sc := range []struct {
		name string
		fn   func()
	}{{"batch", b.batch}, {"single", b.single}, {"longpoll", b.longPoll}, {"drain", func() { b.drain(srv.URL()) }}} {
		if st.run[sc.name] {
			sc.fn()
			fmt.Println()
		}
	}
}

func parseFlags() settings {
	var st settings
	flag.DurationVar(&st.dur, "d", 10*time.Second, "duration of each throughput run")
	flag.IntVar(&st.conc, "c", 16, "concurrent clients for single-message sends")
	flag.IntVar(&st.producer, "producers", 8, "producers in the batch run")
	flag.IntVar(&st.consumer, "consumers", 8, "consumers in the batch run")
	flag.IntVar(&st.wakes, "n", 200, "long-poll wake-ups to measure")
	flag.IntVar(&st.drainN, "drain", 10000, "messages drained by the Lambda function")
	run := flag.String("run", "batch,single,longpoll,drain", "scenarios to run")
	flag.StringVar(&st.moto, "moto", "moto_server", "moto_server command ('' skips moto)")
	flag.StringVar(&st.profile, "cpuprofile", "", "profile each scenario's Nubo phase into this file name plus .<scenario>")
	flag.Parse()
	st.run = map[string]bool{}
	for _, s := range strings.Split(*run, ",") {
		st.run[strings.TrimSpace(s)] = true
	}
	return st
}

// bench holds what every scenario needs.
type bench struct {
	ctx  context.Context
	st   settings
	nubo *target
	moto *target // nil when moto is skipped
}

// profiled runs fn under a CPU profile written to the -cpuprofile file with
// the scenario's name appended, or just runs it without -cpuprofile.
func (b *bench) profiled(scenario string, fn func()) {
	if b.st.profile == "" {
		fn()
		return
	}
	name := b.st.profile + "." + scenario
	f, err := os.Create(name)
	check(err)
	defer f.Close()
	check(pprof.StartCPUProfile(f))
	fn()
	pprof.StopCPUProfile()
	fmt.Printf("  (cpu profile of the nubo phase in %s)\n", name)
}

// loadAvg returns the 1-minute load average from /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// header prints a scenario's title with the core count and load average.
func header(title string) {
	fmt.Printf("%s\n  cores=%d load1=%s\n", title, runtime.NumCPU(), loadAvg())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
