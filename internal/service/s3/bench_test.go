package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/store"
)

var benchCred = auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}

// benchFixture is a fixture on a durable Pebble store.
func benchFixture(b *testing.B) *fixture {
	dir := b.TempDir()
	db, err := store.Open(dir+"/db", store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return newFixture(b, fixtureOpts{db: db, dir: dir})
}

// signedRequest builds a SigV4-signed request with a signed payload hash.
func signedRequest(b *testing.B, method, url string, body []byte) *http.Request {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	auth.SignV4(req, auth.PayloadHash(body), benchCred, "us-east-1", "s3", time.Now())
	return req
}

func benchClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}
}

func do(b *testing.B, c *http.Client, req *http.Request) {
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("%s %s: %d", req.Method, req.URL, resp.StatusCode)
	}
}

// BenchmarkPut4K measures durable 4 KiB PUTs through the edge with 16
// concurrent clients.
func BenchmarkPut4K(b *testing.B) {
	f := benchFixture(b)
	f.mkBucket(b, "bench")
	body := bytes.Repeat([]byte("p"), 4096)
	c := benchClient()
	var n atomic.Int64
	b.SetParallelism(16 / max(1, runtimeProcs()))
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			do(b, c, signedRequest(b, http.MethodPut, fmt.Sprintf("%s/bench/k%d", f.srv.URL, n.Add(1)), body))
		}
	})
}

// BenchmarkPut1M measures durable 1 MiB PUTs of distinct bodies (so
// deduplication saves nothing) through the edge, one client.
func BenchmarkPut1M(b *testing.B) {
	f := benchFixture(b)
	f.mkBucket(b, "bench")
	body := bytes.Repeat([]byte("m"), 1<<20)
	c := benchClient()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		copy(body, fmt.Sprintf("%020d", i))
		do(b, c, signedRequest(b, http.MethodPut, fmt.Sprintf("%s/bench/k%d", f.srv.URL, i), body))
	}
}

// BenchmarkGet4K measures 4 KiB GETs through the edge with 16 concurrent
// clients.
func BenchmarkGet4K(b *testing.B) {
	f := benchFixture(b)
	f.mkBucket(b, "bench")
	body := strings.Repeat("g", 4096)
	for i := range 100 {
		f.put(b, "bench", fmt.Sprintf("k%d", i), body)
	}
	c := benchClient()
	var n atomic.Int64
	b.SetParallelism(16 / max(1, runtimeProcs()))
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			do(b, c, signedRequest(b, http.MethodGet, fmt.Sprintf("%s/bench/k%d", f.srv.URL, n.Add(1)%100), nil))
		}
	})
}

// BenchmarkListObjectsV2 measures listing 1,000 keys out of 100k through the
// edge.
func BenchmarkListObjectsV2(b *testing.B) {
	f := benchFixture(b)
	f.mkBucket(b, "bench")
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 100000; i += 16 {
				_, err := f.svc.PutObject(ctx, &s3api.PutObjectInput{Bucket: ptr("bench"), Key: ptr(fmt.Sprintf("p%03d/k%05d", i%100, i)),
					Body: io.NopCloser(strings.NewReader("v"))})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	c := benchClient()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		do(b, c, signedRequest(b, http.MethodGet, fmt.Sprintf("%s/bench?list-type=2&prefix=p%03d/", f.srv.URL, i%100), nil))
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// BenchmarkHeadBucket is the floor of the edge and HTTP stack: a request that
// does almost no S3 work.
func BenchmarkHeadBucket(b *testing.B) {
	f := benchFixture(b)
	f.mkBucket(b, "bench")
	c := benchClient()
	b.SetParallelism(16 / max(1, runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			do(b, c, signedRequest(b, http.MethodHead, f.srv.URL+"/bench", nil))
		}
	})
}
