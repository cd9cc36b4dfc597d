// Command edge measures the cost of Nubo's front door: signed STS
// GetCallerIdentity calls (identify, verify SigV4, decode, dispatch, encode query
// XML) against a bare net/http handler answering the same bytes, both on
// loopback in the same run, with the same client concurrency. Besides
// throughput and latency it prints the process CPU time per request (client
// and server together), which stays comparable on a busy machine.
//
//	go run ./bench/edge [-c 16] [-d 5s]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/server"
)

func main() {
	conc := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 5*time.Second, "duration of each run")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the nubo run to this file")
	flag.Parse()

	dir, err := os.MkdirTemp("", "nubo-bench")
	check(err)
	defer os.RemoveAll(dir)
	server.SetProcs() // as nubo server does
	srv, err := server.New(server.Config{Listen: "127.0.0.1:0", DataDir: dir})
	check(err)
	check(srv.Start(context.Background()))
	defer srv.Shutdown(context.Background())

	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	signer := auth.NewSigner(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}, "us-east-1", "sts")
	nubo := func(c *http.Client) error {
		r, _ := http.NewRequest(http.MethodPost, srv.URL()+"/", bytes.NewReader([]byte(body)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		signer.Sign(r, auth.PayloadHash([]byte(body)), time.Now())
		return do(c, r)
	}
	// The baseline answers a same-sized XML document without any of the work.
	canned := []byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:root</Arn><UserId>000000000000</UserId><Account>000000000000</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Write(canned)
	})}
	go bare.Serve(ln)
	defer bare.Close()
	baseURL := "http://" + ln.Addr().String() + "/"
	baseline := func(c *http.Client) error {
		r, _ := http.NewRequest(http.MethodPost, baseURL, bytes.NewReader([]byte(body)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		signer.Sign(r, auth.PayloadHash([]byte(body)), time.Now())
		return do(c, r)
	}

	fmt.Printf("cores=%d GOMAXPROCS=%d clients=%d duration=%s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), *conc, *dur)
	b := run("baseline net/http (client signs, server ignores)", baseline, *conc, *dur)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer f.Close()
	}
	n := run("nubo sts:GetCallerIdentity (SigV4 verified)", nubo, *conc, *dur)
	pprof.StopCPUProfile()
	fmt.Printf("ratio nubo/baseline throughput = %.2f\n", n/b)
}

func do(c *http.Client, r *http.Request) error {
	resp, err := c.Do(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// run drives fn from conc goroutines for d and prints throughput and latency.
func run(name string, fn func(*http.Client) error, conc int, d time.Duration) float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: conc}
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var count, errs atomic.Int64
	cpu0 := cpuTime()
	lat := make([][]time.Duration, conc)
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for time.Now().Before(stop) {
				t0 := time.Now()
				if err := fn(c); err != nil {
					errs.Add(1)
					continue
				}
				lat[i] = append(lat[i], time.Since(t0))
				count.Add(1)
			}
		}(i)
	}
	wg.Wait()
	cpu := cpuTime() - cpu0
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	rate := float64(count.Load()) / d.Seconds()
	p := func(q float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(q*float64(len(all)-1))]
	}
	perReq := time.Duration(0)
	if n := count.Load(); n > 0 {
		perReq = cpu / time.Duration(n)
	}
	fmt.Printf("%-52s %8.0f req/s  p50 %7s  p99 %7s  cpu/req %7s  errors %d\n", name, rate,
		p(0.5).Round(time.Microsecond), p(0.99).Round(time.Microsecond), perReq.Round(100*time.Nanosecond), errs.Load())
	return rate
}

// cpuTime returns the CPU time (user and system) the process has used so far.
// Client and server share the process, so CPU per request compares builds
// even on a loaded machine, where throughput mostly measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
