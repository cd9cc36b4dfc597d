package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo/nubo/bench/internal/moto"
)

// smallKeys is how many 4 KiB objects the GET runs read from.
const smallKeys = 1024

// rateResult is one timed run: requests per second and latencies.
type rateResult struct {
	rate     float64
	p50, p99 time.Duration
	errs     int64
}

// benchSmall measures 4 KiB PUTs and GETs with st.conc clients on Nubo and
// moto, and prints their ratios.
func benchSmall(st settings, nubo *target, peer *moto.Server) {
	d, err := time.ParseDuration(st.dur)
	check(err)
	fmt.Printf("\n== 4 KiB objects, %d concurrent clients, %s per run (PUTs are acknowledged durable by Nubo; moto keeps them in memory)\n", st.conc, d)
	targets := []*target{nubo}
	if peer != nil {
		targets = append(targets, newTarget("moto", peer.URL, ""))
	}
	put := map[string]samples{}
	get := map[string]samples{}
	for _, t := range targets {
		t.mkBucket("small")
		fill(t, "small", "g/", smallKeys, st.conc)
		for run := 0; run < st.runs; run++ {
			p := timed(st.conc, d, putSmall(t, run))
			g := timed(st.conc, d, getSmall(t))
			put[t.name] = append(put[t.name], p.rate)
			get[t.name] = append(get[t.name], g.rate)
			fmt.Printf("  %-5s run %d  PUT %8.0f/s p50 %8s p99 %8s err %d | GET %8.0f/s p50 %8s p99 %8s err %d\n",
				t.name, run, p.rate, p.p50, p.p99, p.errs, g.rate, g.p50, g.p99, g.errs)
		}
		printRate(t.name+" PUT 4 KiB", put[t.name], "req/s")
		printRate(t.name+" GET 4 KiB", get[t.name], "req/s")
	}
	if peer != nil {
		printRatio("PUT nubo / moto", put["nubo"], put["moto"])
		printRatio("GET nubo / moto", get["nubo"], get["moto"])
	}
}

func putSmall(t *target, run int) func(g int, n int) error {
	return func(g, n int) error {
		body := make([]byte, 4096)
		binary.LittleEndian.PutUint64(body, uint64(run)<<48|uint64(g)<<32|uint64(n))
		_, err := t.do(http.MethodPut, fmt.Sprintf("/small/p/%d/%d/%d", run, g, n), body)
		return err
	}
}

func getSmall(t *target) func(g int, n int) error {
	return func(g, n int) error {
		got, err := t.do(http.MethodGet, fmt.Sprintf("/small/g/%d", rand.IntN(smallKeys)), nil)
		if err == nil && got != 4096 {
			err = fmt.Errorf("%s GET: %d bytes", t.name, got)
		}
		return err
	}
}

// fill puts n 4 KiB objects named prefix<i> with conc clients.
func fill(t *target, bucket, prefix string, n, conc int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := make([]byte, 4096)
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				binary.LittleEndian.PutUint64(body, uint64(i))
				_, err := t.do(http.MethodPut, fmt.Sprintf("/%s/%s%d", bucket, prefix, i), body)
				check(err)
			}
		}()
	}
	wg.Wait()
}

// timed calls fn(goroutine, iteration) from conc goroutines for d.
func timed(conc int, d time.Duration, fn func(g, n int) error) rateResult {
	var count, errs atomic.Int64
	lat := make([][]time.Duration, conc)
	stop := time.Now().Add(d)
	t0 := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := 0; time.Now().Before(stop); n++ {
				s := time.Now()
				if err := fn(g, n); err != nil {
					if errs.Add(1) == 1 {
						fmt.Println("  first error:", err)
					}
					continue
				}
				lat[g] = append(lat[g], time.Since(s))
				count.Add(1)
			}
		}(g)
	}
	wg.Wait()
	el := time.Since(t0)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return rateResult{rate: float64(count.Load()) / el.Seconds(),
		p50: percentile(all, 0.5).Round(time.Microsecond), p99: percentile(all, 0.99).Round(time.Microsecond), errs: errs.Load()}
}
