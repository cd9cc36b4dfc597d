package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// benchLarge measures 1 MiB PUT and GET throughput with each of
// st.largeConc client counts.
func benchLarge(st settings, t *target, d disk) {
	fmt.Printf("\n== 1 MiB objects (%d distinct bodies per run), MiB/s; PUTs right after a disk write baseline (%d MiB, 1 MiB writes + fsync);\n"+
		"   cold GETs (Nubo's files dropped from the page cache) alternate in %d slices with a cold read of that file (POSIX_FADV_DONTNEED, 1 MiB reads);\n"+
		"   after them, the same number of 1 MiB files written and read directly in the blob store's layout\n", st.mib, st.mib, coldSlices)
	for _, conc := range st.largeConc {
		var dw, dr, sdr, fw, fr, put, cold, warm, scold, swarm samples
		for run := 0; run < st.runs; run++ {
			bucket := fmt.Sprintf("large-c%d-r%d", conc, run)
			t.mkBucket(bucket)
			dw = append(dw, d.write())
			put = append(put, parallelMiB(st.mib, conc, func(i, _ int, b *clientBody) error {
				sha := b.stamp(uint64(run)<<32 | uint64(conc)<<24 | uint64(i))
				_, err := t.doHashed(http.MethodPut, fmt.Sprintf("/%s/o%d", bucket, i), b.buf, sha)
				return err
			}))
			check(dropTree(t.dataDir))
			get := getMiB(bucket, func(_ int) requester { return t.do })
			g, r := interleaved(st.mib, conc, get, d)
			cold, dr = append(cold, g), append(dr, r)
			warm = append(warm, parallelMiB(st.mib, conc, get))
			splicing := newSplicingClients(t, conc)
			check(dropTree(t.dataDir))
			get = getMiB(bucket, splicing.get)
			g, r = interleaved(st.mib, conc, get, d)
			scold, sdr = append(scold, g), append(sdr, r)
			swarm = append(swarm, parallelMiB(st.mib, conc, get))
			splicing.close()
			d.remove()
			w, r := d.files(filepath.Join(d.dir, fmt.Sprintf("files-c%d-r%d", conc, run)), st.mib, conc)
			fw, fr = append(fw, w), append(fr, r)
		}
		printRate("disk sequential write (fsync'd)", dw, "MiB/s")
		printRate(fmt.Sprintf("PUT 1 MiB, %d client(s)", conc), put, "MiB/s")
		printPaired("  PUT / disk write", put, dw)
		printRate(fmt.Sprintf("same files written directly, %d writer(s)", conc), fw, "MiB/s")
		printPaired("  PUT / same files written directly", put, fw)
		printRate("disk sequential read (cold), interleaved", dr, "MiB/s")
		printRate(fmt.Sprintf("GET 1 MiB cold, %d client(s), interleaved", conc), cold, "MiB/s")
		printPaired("  GET cold / disk read", cold, dr)
		printRate(fmt.Sprintf("same files read directly, %d reader(s)", conc), fr, "MiB/s")
		printPaired("  GET cold / same files read directly", cold, fr)
		printRate(fmt.Sprintf("GET 1 MiB page-cached, %d client(s)", conc), warm, "MiB/s")
		printRate("disk sequential read (cold), interleaved", sdr, "MiB/s")
		printRate(fmt.Sprintf("GET 1 MiB cold, %d splicing client(s), interl.", conc), scold, "MiB/s")
		printPaired("  splicing GET cold / disk read", scold, sdr)
		printPaired("  splicing GET cold / same files read directly", scold, fr)
		printRate(fmt.Sprintf("GET 1 MiB page-cached, %d splicing client(s)", conc), swarm, "MiB/s")
	}
}

// getMiB returns a parallelMiB function that GETs object i of bucket with
// the requester of goroutine g and checks that it is 1 MiB long.
func getMiB(bucket string, client func(g int) requester) func(i, g int, _ *clientBody) error {
	return func(i, g int, _ *clientBody) error {
		n, err := client(g)(http.MethodGet, fmt.Sprintf("/%s/o%d", bucket, i), nil)
		if err == nil && n != 1<<20 {
			err = fmt.Errorf("GET o%d: %d bytes", i, n)
		}
		return err
	}
}

// clientBody is one client's 1 MiB PUT body. Its last 8 bytes carry the
// object's number, so no two objects are alike and nothing is deduplicated.
// The SHA-256 of everything before its last 64-byte block is computed once,
// so signing a PUT's payload costs the client one block instead of a MiB:
// the clients share the cores the server is measured on, where a remote
// client's hashing would not. The server still verifies every byte.
type clientBody struct {
	buf []byte
	mid []byte // the marshalled SHA-256 state after buf[:len(buf)-sha256.BlockSize]
}

func newClientBody() *clientBody {
	buf := make([]byte, 1<<20)
	rand.Read(buf)
	h := sha256.New()
	h.Write(buf[:len(buf)-sha256.BlockSize])
	mid, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	check(err)
	return &clientBody{buf: buf, mid: mid}
}

// stamp writes id into the body's last 8 bytes and returns the body's
// SHA-256 in hex.
func (b *clientBody) stamp(id uint64) string {
	binary.LittleEndian.PutUint64(b.buf[len(b.buf)-8:], id)
	h := sha256.New()
	check(h.(encoding.BinaryUnmarshaler).UnmarshalBinary(b.mid))
	h.Write(b.buf[len(b.buf)-sha256.BlockSize:])
	return hex.EncodeToString(h.Sum(nil))
}

// parallelMiB runs fn for objects 0..n-1 from conc goroutines, numbered g,
// each with its own random 1 MiB body, and returns MiB/s.
func parallelMiB(n, conc int, fn func(i, g int, b *clientBody) error) float64 {
	bodies := make([]*clientBody, conc)
	for g := range bodies {
		bodies[g] = newClientBody()
	}
	return float64(n) / parallel(0, n, bodies, fn).Seconds()
}

// parallel runs fn for objects lo..hi-1 from one goroutine per body and
// returns how long that took.
func parallel(lo, hi int, bodies []*clientBody, fn func(i, g int, b *clientBody) error) time.Duration {
	next := atomic.Int64{}
	next.Store(int64(lo))
	var wg sync.WaitGroup
	errs := make(chan error, len(bodies))
	t0 := time.Now()
	for g, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < hi; i = int(next.Add(1) - 1) {
				if err := fn(i, g, b); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	close(errs)
	for err := range errs {
		check(err)
	}
	return el
}

// coldSlices is how many alternating slices interleaved splits a cold read
// into.
const coldSlices = 8

// interleaved reads n cold objects with get from conc goroutines and the
// disk baseline file cold, alternating between the two in coldSlices
// slices, and returns both rates in MiB/s. The host's disk changes speed
// from one second to the next (cold reads of the same file gave 1 and
// 2.5 GB/s a few seconds apart), and two reads taken one after the other
// each catch their own second; slices of a few tens of milliseconds let
// both see the same ones.
func interleaved(n, conc int, get func(i, g int, b *clientBody) error, d disk) (getMiB, diskMiB float64) {
	bodies := make([]*clientBody, conc) // a GET does not use its body
	f := d.openCold()
	defer f.Close()
	buf := make([]byte, 1<<20)
	var tg, td time.Duration
	for s := range coldSlices {
		t0 := time.Now()
		for range d.mib / coldSlices {
			_, err := io.ReadFull(f, buf)
			check(err)
		}
		td += time.Since(t0)
		tg += parallel(n*s/coldSlices, n*(s+1)/coldSlices, bodies, get)
	}
	return float64(n) / tg.Seconds(), float64(d.mib/coldSlices*coldSlices) / td.Seconds()
}

// benchMultipart uploads st.mib MiB per run as 64 MiB objects, one after
// another, with the SDK's upload manager.
func benchMultipart(st settings, t *target, d disk) {
	const size, partSize = 64 << 20, 8 << 20
	uploads := max(st.mib>>6, 1)
	fmt.Printf("\n== 64 MiB multipart uploads, %d per run (aws-sdk-go-v2 feature/s3/manager, 8 MiB parts, concurrency 4)\n", uploads)
	cl := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(t.url),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:   t.client,
	})
	up := manager.NewUploader(cl, func(u *manager.Uploader) { u.PartSize = partSize; u.Concurrency = 4 })
	body := make([]byte, size)
	rand.Read(body)
	t.mkBucket("multipart")
	var dw, rates samples
	for run := 0; run < st.runs; run++ {
		dw = append(dw, d.write())
		d.remove()
		t0 := time.Now()
		for i := 0; i < uploads; i++ {
			for off := 0; off < size; off += partSize { // distinct parts, so none is deduplicated
				binary.LittleEndian.PutUint64(body[off:], uint64(run)<<32|uint64(i))
			}
			_, err := up.Upload(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String("multipart"), Key: aws.String(fmt.Sprintf("big%d-%d", run, i)), Body: bytes.NewReader(body)})
			check(err)
		}
		rates = append(rates, float64(uploads*size>>20)/time.Since(t0).Seconds())
	}
	printRate("disk sequential write (fsync'd)", dw, "MiB/s")
	printRate("multipart PUT 64 MiB objects", rates, "MiB/s")
	printPaired("  multipart / disk write", rates, dw)
}
