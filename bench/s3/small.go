package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
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

// requester sends one signed request and returns the answer's body length.
type requester func(method, path string, body []byte) (int64, error)

// clientKind makes the per-goroutine requesters of one load generator.
type clientKind struct {
	name string
	make func(t *target, conc int) []requester
}

// clientKinds are the two load generators of the 4 KiB runs: net/http's
// client (as an SDK would use it) and the raw one, which leaves more of the
// shared cores to the server.
var clientKinds = []clientKind{
	{"net/http", func(t *target, conc int) []requester {
		rs := make([]requester, conc)
		for i := range rs {
			rs[i] = t.do
		}
		return rs
	}},
	{"raw", func(t *target, conc int) []requester {
		rs := make([]requester, conc)
		for i := range rs {
			c, err := newRawConn(t)
			check(err)
			rs[i] = c.do
		}
		return rs
	}},
}

// benchSmall measures 4 KiB PUTs and GETs with st.conc clients on Nubo and
// moto, with each load generator, and prints their ratios.
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
		for _, kind := range clientKinds {
			id := t.name + " " + kind.name
			for run := 0; run < st.runs; run++ {
				rs := kind.make(t, st.conc)
				p := timed(st.conc, d, putSmall(rs, kind.name, run))
				g := timed(st.conc, d, getSmall(t.name, rs))
				put[id] = append(put[id], p.rate)
				get[id] = append(get[id], g.rate)
				fmt.Printf("  %-14s run %d  PUT %8.0f/s p50 %8s p99 %8s err %d | GET %8.0f/s p50 %8s p99 %8s err %d\n",
					id, run, p.rate, p.p50, p.p99, p.errs, g.rate, g.p50, g.p99, g.errs)
			}
			printRate(id+" PUT 4 KiB", put[id], "req/s")
			printRate(id+" GET 4 KiB", get[id], "req/s")
		}
	}
	if peer != nil {
		for _, kind := range clientKinds {
			printRatio("PUT nubo / moto, "+kind.name+" client", put["nubo "+kind.name], put["moto "+kind.name])
			printRatio("GET nubo / moto, "+kind.name+" client", get["nubo "+kind.name], get["moto "+kind.name])
		}
	}
}

func putSmall(rs []requester, kind string, run int) func(g int, n int) error {
	return func(g, n int) error {
		body := make([]byte, 4096)
		binary.LittleEndian.PutUint64(body, uint64(run)<<48|uint64(g)<<32|uint64(n))
		_, err := rs[g](http.MethodPut, fmt.Sprintf("/small/p/%s/%d/%d/%d", strings.ReplaceAll(kind, "/", ""), run, g, n), body)
		return err
	}
}

func getSmall(name string, rs []requester) func(g int, n int) error {
	return func(g, n int) error {
		got, err := rs[g](http.MethodGet, fmt.Sprintf("/small/g/%d", rand.IntN(smallKeys)), nil)
		if err == nil && got != 4096 {
			err = fmt.Errorf("%s GET: %d bytes", name, got)
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
