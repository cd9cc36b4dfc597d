package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// listCalls is the number of ListObjectsV2 calls per run.
const listCalls = 200

// benchList fills a bucket with st.keys empty objects through the API and
// times ListObjectsV2 calls of 1,000 keys at random start-after positions.
func benchList(st settings, t *target) {
	fmt.Printf("\n== ListObjectsV2 max-keys=1000 from a bucket of %d keys (%d calls per run, random start-after)\n", st.keys, listCalls)
	t.mkBucket("list")
	t0 := time.Now()
	fillEmpty(t, "list", st.keys, 32)
	el := time.Since(t0)
	fmt.Printf("  populated %d keys in %s (%.0f PUT/s, 32 clients)\n", st.keys, el.Round(time.Millisecond), float64(st.keys)/el.Seconds())
	var p50s, p99s samples
	for run := 0; run < st.runs; run++ {
		lat := make([]time.Duration, 0, listCalls)
		for i := 0; i < listCalls; i++ {
			start := rand.IntN(max(1, st.keys-1000))
			path := fmt.Sprintf("/list?list-type=2&max-keys=1000&start-after=k%08d", start)
			t0 := time.Now()
			body, err := t.get(path)
			lat = append(lat, time.Since(t0))
			check(err)
			if n := bytes.Count(body, []byte("<Key>")); n != min(1000, st.keys-start-1) {
				check(fmt.Errorf("list after k%08d: %d keys", start, n))
			}
		}
		p50, p99 := percentile(lat, 0.5), percentile(lat, 0.99)
		fmt.Printf("  run %d  p50 %8s  p99 %8s\n", run, p50.Round(time.Microsecond), p99.Round(time.Microsecond))
		p50s = append(p50s, p50.Seconds()*1000)
		p99s = append(p99s, p99.Seconds()*1000)
	}
	fmt.Printf("  %-46s best %7.2f ms  median %7.2f ms\n", "p50 per call", p50s.lowest(), p50s.median())
	fmt.Printf("  %-46s best %7.2f ms  median %7.2f ms\n", "p99 per call", p99s.lowest(), p99s.median())
}

// fillEmpty puts n empty objects k00000000.. with conc clients.
func fillEmpty(t *target, bucket string, n, conc int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				_, err := t.do(http.MethodPut, fmt.Sprintf("/%s/k%08d", bucket, i), nil)
				check(err)
			}
		}()
	}
	wg.Wait()
}
