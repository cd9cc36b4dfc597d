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
	fmt.Printf("\n== 1 MiB objects (%d distinct bodies per run), MiB/s; GETs after dropping Nubo's files from the page cache;\n"+
		"   each run right after a disk baseline run (%d MiB, 1 MiB writes + fsync; cold read after POSIX_FADV_DONTNEED)\n"+
		"   and right before the same number of 1 MiB files written and read directly in the blob store's layout\n", st.mib, st.mib)
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
			dr = append(dr, d.read())
			check(dropTree(t.dataDir))
			get := getMiB(bucket, func(_ int) requester { return t.do })
			cold = append(cold, parallelMiB(st.mib, conc, get))
			warm = append(warm, parallelMiB(st.mib, conc, get))
			splicing := newSplicingClients(t, conc)
			sdr = append(sdr, d.read())
			d.remove()
			check(dropTree(t.dataDir))
			get = getMiB(bucket, splicing.get)
			scold = append(scold, parallelMiB(st.mib, conc, get))
			swarm = append(swarm, parallelMiB(st.mib, conc, get))
			splicing.close()
			w, r := d.files(filepath.Join(d.dir, fmt.Sprintf("files-c%d-r%d", conc, run)), st.mib, conc)
			fw, fr = append(fw, w), append(fr, r)
		}
		printRate("disk sequential write (fsync'd)", dw, "MiB/s")
		printRate(fmt.Sprintf("PUT 1 MiB, %d client(s)", conc), put, "MiB/s")
		printPaired("  PUT / disk write", put, dw)
		printRate(fmt.Sprintf("same files written directly, %d writer(s)", conc), fw, "MiB/s")
		printPaired("  PUT / same files written directly", put, fw)
		printRate("disk sequential read (cold)", dr, "MiB/s")
		printRate(fmt.Sprintf("GET 1 MiB cold, %d client(s)", conc), cold, "MiB/s")
		printPaired("  GET cold / disk read", cold, dr)
		printRate(fmt.Sprintf("same files read directly, %d reader(s)", conc), fr, "MiB/s")
		printPaired("  GET cold / same files read directly", cold, fr)
		printRate(fmt.Sprintf("GET 1 MiB page-cached, %d client(s)", conc), warm, "MiB/s")
		printRate("disk sequential read (cold), again", sdr, "MiB/s")
		printRate(fmt.Sprintf("GET 1 MiB cold, %d splicing client(s)", conc), scold, "MiB/s")
		printPaired("  splicing GET cold / disk read again", scold, sdr)
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
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	bodies := make([]*clientBody, conc)
	for g := range bodies {
		bodies[g] = newClientBody()
	}
	t0 := time.Now()
	for g, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
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
	return float64(n) / el.Seconds()
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
