package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/auth"
)

// target is an S3 endpoint spoken to with signed path-style requests.
type target struct {
	name    string
	url     string
	dataDir string // where its bodies live on disk ("" for moto, which keeps them in memory)
	client  *http.Client
	signer  *auth.Signer // keeps the signing key, as the SDKs do
}

func newTarget(name, url, dataDir string) *target {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	tr.MaxIdleConns = 256
	tr.DisableCompression = true
	return &target{name: name, url: strings.TrimRight(url, "/"), dataDir: dataDir, client: &http.Client{Transport: tr},
		signer: auth.NewSigner(benchCred, "us-east-1", "s3")}
}

// do sends a SigV4-signed request (payload hash signed) and drains the
// answer; it returns the number of body bytes read.
func (t *target) do(method, path string, body []byte) (int64, error) {
	return t.doHashed(method, path, body, auth.PayloadHash(body))
}

// drainBufs holds the buffers answers are drained with: 256 KiB, so a 1 MiB
// GET costs the client a few reads instead of io.Discard's 128 of 8 KiB.
var drainBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// doHashed is do for a body whose SHA-256 (lowercase hex) the caller already
// knows.
func (t *target) doHashed(method, path string, body []byte, sha string) (int64, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, t.url+path, rd)
	if err != nil {
		return 0, err
	}
	t.signer.Sign(req, sha, time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("%s %s %s: %d %s", t.name, method, path, resp.StatusCode, msg)
	}
	bp := drainBufs.Get().(*[]byte)
	defer drainBufs.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{resp.Body}, *bp)
}

// get returns the whole answer of a signed GET.
func (t *target) get(path string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, t.url+path, http.NoBody)
	if err != nil {
		return nil, err
	}
	t.signer.Sign(req, auth.PayloadHash(nil), time.Now())
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s GET %s: %d %s", t.name, path, resp.StatusCode, data)
	}
	return data, err
}

// mkBucket creates a bucket.
func (t *target) mkBucket(name string) {
	_, err := t.do(http.MethodPut, "/"+name, nil)
	check(err)
}

// samples are repeated measurements of one figure.
type samples []float64

// best is the largest sample (throughputs) and median the middle one.
func (s samples) best() float64 {
	if len(s) == 0 {
		return 0
	}
	return s.sorted()[len(s)-1]
}

func (s samples) lowest() float64 {
	if len(s) == 0 {
		return 0
	}
	return s.sorted()[0]
}

func (s samples) median() float64 {
	if len(s) == 0 {
		return 0
	}
	return s.sorted()[len(s)/2]
}

func (s samples) sorted() []float64 {
	c := append([]float64(nil), s...)
	sort.Float64s(c)
	return c
}

// percentile returns the q quantile of sorted durations.
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(q*float64(len(d)-1))]
}

// printRatio prints a/b for the best and the median samples.
func printRatio(name string, a, b samples) {
	fmt.Printf("  %-46s best/best %5.2f  median/median %5.2f\n", name, a.best()/b.best(), a.median()/b.median())
}

// printPaired prints the ratios a[i]/b[i] of runs measured in pairs, one
// right after the other: the best and the median pair.
func printPaired(name string, a, b samples) {
	r := make(samples, len(a))
	for i := range a {
		r[i] = a[i] / b[i]
	}
	fmt.Printf("  %-46s best %5.2f  median %5.2f  (%d paired runs: %s)\n", name, r.best(), r.median(), len(r), r.list("%.2f"))
}

// printRate prints a throughput figure as "best (median)".
func printRate(name string, s samples, unit string) {
	fmt.Printf("  %-46s best %9.1f %s  median %9.1f %s  (%d runs: %s)\n", name, s.best(), unit, s.median(), unit, len(s), s.list("%.0f"))
}

// list formats the samples in the order they were measured.
func (s samples) list(format string) string {
	f := make([]string, len(s))
	for i, v := range s {
		f[i] = fmt.Sprintf(format, v)
	}
	return strings.Join(f, " ")
}
