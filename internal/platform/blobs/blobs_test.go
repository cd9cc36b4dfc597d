package blobs

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

func open(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// files lists every regular file under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPutOpenStatRemove(t *testing.T) {
	s, dir := open(t)
	tests := []struct {
		name string
		body string
	}{
		{"empty", ""},
		{"small", "hello world"},
		{"binary", "\x00\xff\x00"},
		{"multi chunk", strings.Repeat("0123456789", 100000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := s.Put(context.Background(), strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			sh, mh := sha256.Sum256([]byte(tc.body)), md5.Sum([]byte(tc.body))
			want := Ref{SHA256: hex.EncodeToString(sh[:]), MD5: hex.EncodeToString(mh[:]), Size: int64(len(tc.body))}
			if ref != want {
				t.Fatalf("Ref = %+v, want %+v", ref, want)
			}
			if ref.ETag() != `"`+want.MD5+`"` {
				t.Fatalf("ETag = %s", ref.ETag())
			}
			if _, err := os.Stat(filepath.Join(dir, ref.SHA256[:2], ref.SHA256)); err != nil {
				t.Fatalf("not at its content address: %v", err)
			}
			rc, size, err := s.Open(ref.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(got) != tc.body || size != ref.Size {
				t.Fatalf("read back %d bytes (size %d), err %v", len(got), size, err)
			}
			if n, err := s.Stat(ref.SHA256); err != nil || n != ref.Size {
				t.Fatalf("Stat = %d, %v", n, err)
			}
			if err := s.Remove(ref.SHA256); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Stat(ref.SHA256); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Stat after Remove = %v", err)
			}
			if err := s.Remove(ref.SHA256); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second Remove = %v", err)
			}
		})
	}
}

func TestSeek(t *testing.T) {
	s, _ := open(t)
	ref, err := s.Put(context.Background(), strings.NewReader("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := s.Open(ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(rc, buf); err != nil || string(buf) != "456" {
		t.Fatalf("read after seek = %q, %v", buf, err)
	}
}

func TestDedup(t *testing.T) {
	s, dir := open(t)
	const body = "same content"
	var wg sync.WaitGroup
	refs := make([]Ref, 8)
	for i := range refs {
		wg.Go(func() {
			ref, err := s.Put(context.Background(), strings.NewReader(body))
			if err != nil {
				t.Error(err)
			}
			refs[i] = ref
		})
	}
	wg.Wait()
	for _, r := range refs[1:] {
		if r != refs[0] {
			t.Fatalf("identical puts gave %+v and %+v", r, refs[0])
		}
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("files after concurrent identical puts: %v", got)
	}
	rc, _, err := s.Open(refs[0].SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != body {
		t.Fatalf("content %q", b)
	}
}

// failingReader returns n bytes, then an error (a client disconnecting).
type failingReader struct{ n int }

var errDisconnect = errors.New("client went away")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errDisconnect
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

func TestFailedPutLeavesNothing(t *testing.T) {
	s, dir := open(t)
	if _, err := s.Put(context.Background(), &failingReader{n: 3 << 20}); !errors.Is(err, errDisconnect) {
		t.Fatalf("Put with failing reader = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, strings.NewReader("abc")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with cancelled context = %v", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("files left behind: %v", got)
	}
	n := 0
	if err := s.Walk(func(string, int64) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("Walk saw %d blobs, err %v", n, err)
	}
}

func TestOpenCleansStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, tempPrefix+"123")
	keep := filepath.Join(dir, "unrelated")
	for _, p := range []string{stale, keep} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stale temp survived Open: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("Open removed a file it does not own: %v", err)
	}
}

func TestHashValidation(t *testing.T) {
	s, dir := open(t)
	secret := filepath.Join(filepath.Dir(dir), "secret")
	_ = os.WriteFile(secret, []byte("x"), 0o644)
	valid := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		hash string
		ok   bool
	}{
		{"valid", valid, true},
		{"empty", "", false},
		{"short", valid[:63], false},
		{"long", valid + "a", false},
		{"upper", strings.ToUpper(valid), false},
		{"traversal", "../secret", false},
		{"traversal padded", "../" + valid[:61], false},
		{"slash", valid[:32] + "/" + valid[:31], false},
		{"nul", valid[:63] + "\x00", false},
		{"non hex", strings.Repeat("g", 64), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if ValidHash(tc.hash) != tc.ok {
				t.Fatalf("ValidHash(%q) = %v", tc.hash, !tc.ok)
			}
			_, _, openErr := s.Open(tc.hash)
			_, statErr := s.Stat(tc.hash)
			removeErr := s.Remove(tc.hash)
			for _, err := range []error{openErr, statErr, removeErr} {
				if tc.ok && !errors.Is(err, ErrNotFound) || !tc.ok && !errors.Is(err, ErrInvalidHash) {
					t.Fatalf("hash %q: %v", tc.hash, err)
				}
			}
		})
	}
	if _, err := os.Stat(secret); err != nil {
		t.Fatalf("file outside the store touched: %v", err)
	}
}

func FuzzValidHash(f *testing.F) {
	for _, seed := range []string{"", strings.Repeat("ab", 32), "../x", strings.Repeat("A", 64)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if !ValidHash(h) {
			return
		}
		if len(h) != 64 || strings.ContainsAny(h, "/\\.\x00") || strings.ToLower(h) != h {
			t.Fatalf("ValidHash accepted %q", h)
		}
	})
}

func TestWalkAndRemoveAll(t *testing.T) {
	s, dir := open(t)
	want := map[string]int64{}
	for _, body := range []string{"a", "bb", "ccc"} {
		ref, err := s.Put(context.Background(), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		want[ref.SHA256] = ref.Size
	}
	got := map[string]int64{}
	if err := s.Walk(func(h string, n int64) error { got[h] = n; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Walk = %v, want %v", got, want)
	}
	for h, n := range want {
		if got[h] != n {
			t.Fatalf("Walk size of %s = %d, want %d", h, got[h], n)
		}
	}
	stop := errors.New("stop")
	if err := s.Walk(func(string, int64) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("Walk did not return fn's error: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keep-me"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveAll(); err != nil {
		t.Fatal(err)
	}
	if f := files(t, dir); len(f) != 1 || f[0] != "keep-me" {
		t.Fatalf("after RemoveAll: %v", f)
	}
	if _, err := s.Put(context.Background(), strings.NewReader("again")); err != nil {
		t.Fatalf("Put after RemoveAll: %v", err)
	}
}

// patternReader yields size pseudo-random bytes without holding them, and
// samples the heap as it goes.
type patternReader struct {
	left     uint64
	rng      *rand.ChaCha8
	sampleAt uint64
	peakHeap uint64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := min(uint64(len(b)), p.left)
	_, _ = p.rng.Read(b[:n])
	p.left -= n
	if p.left <= p.sampleAt {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		p.peakHeap = max(p.peakHeap, ms.HeapAlloc)
		p.sampleAt = p.left - min(p.left, 8<<20)
	}
	return int(n), nil
}

func TestLargeBodyBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MiB")
	}
	s, _ := open(t)
	const size = 64 << 20
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	r := &patternReader{left: size, rng: rand.NewChaCha8([32]byte{42}), sampleAt: size}
	ref, err := s.Put(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Size != size {
		t.Fatalf("size %d", ref.Size)
	}
	growth := int64(r.peakHeap) - int64(base)
	t.Logf("peak heap growth while storing 64 MiB: %d KiB", growth>>10)
	if growth > 8<<20 {
		t.Fatalf("heap grew by %d bytes storing a %d byte body", growth, size)
	}
	// Verify the content hash by re-reading the file.
	rc, _, err := s.Open(ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(h.Sum(nil)) != ref.SHA256 {
		t.Fatal("stored content does not match its address")
	}
}

func BenchmarkPut1MiB(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 1<<20)
	b.SetBytes(int64(len(body)))
	i := 0
	for b.Loop() {
		i++
		body[0], body[1], body[2] = byte(i), byte(i>>8), byte(i>>16) // distinct content: no dedup
		if _, err := s.Put(context.Background(), bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPutVerified(t *testing.T) {
	s, dir := open(t)
	body := strings.Repeat("verified ", 100000)
	sum := sha256.Sum256([]byte(body))
	h := hex.EncodeToString(sum[:])
	ref, err := s.PutVerified(context.Background(), strings.NewReader(body), h)
	if err != nil {
		t.Fatal(err)
	}
	m := md5.Sum([]byte(body))
	if ref.SHA256 != h || ref.MD5 != hex.EncodeToString(m[:]) || ref.Size != int64(len(body)) {
		t.Errorf("ref = %+v", ref)
	}
	again, err := s.Put(context.Background(), strings.NewReader(body))
	if err != nil || again != ref {
		t.Errorf("Put of the same content = %+v, %v; want %+v", again, err, ref)
	}
	if got := files(t, dir); len(got) != 1 || got[0] != filepath.Join(h[:2], h) {
		t.Errorf("files = %v, want one at %s", got, h)
	}
	for _, bad := range []string{"", "ABC", strings.ToUpper(h), "../" + h[3:]} {
		if _, err := s.PutVerified(context.Background(), strings.NewReader(body), bad); !errors.Is(err, ErrInvalidHash) {
			t.Errorf("PutVerified(%q) = %v, want ErrInvalidHash", bad, err)
		}
	}
	other := strings.Repeat("o", 10)
	osum := sha256.Sum256([]byte(other))
	failing := io.MultiReader(strings.NewReader(other), iotest.ErrReader(errors.New("checksum mismatch")))
	if _, err := s.PutVerified(context.Background(), failing, hex.EncodeToString(osum[:])); err == nil {
		t.Error("PutVerified of a failing reader succeeded")
	}
	if got := files(t, dir); len(got) != 1 {
		t.Errorf("after a failed PutVerified files = %v", got)
	}
}

// countingReader yields size bytes in reads of at most 1,000 bytes and then
// fails with err (io.EOF for a clean end); reads counts its calls without
// synchronisation, so the race detector reports a read after Put returned.
type countingReader struct {
	size, off int
	err       error
	reads     int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	if c.off >= c.size {
		return 0, c.err
	}
	n := min(len(p), 1000, c.size-c.off)
	for i := range n {
		p[i] = byte(c.off + i)
	}
	c.off += n
	return n, nil
}

func TestPutPipeline(t *testing.T) {
	failure := errors.New("client went away")
	tests := []struct {
		name    string
		size    int
		err     error
		wantErr bool
	}{
		{"empty", 0, io.EOF, false},
		{"one chunk", 1000, io.EOF, false},
		{"exactly one buffer", copyBufferSize, io.EOF, false},
		{"more buffers than the pipeline holds", copyBufferSize*(pipelineDepth+3) + 17, io.EOF, false},
		{"write-back ranges", 3*writeBackSize + 5, io.EOF, false},
		{"fails after several buffers", copyBufferSize*(pipelineDepth+2) + 1, failure, true},
		{"fails at once", 0, failure, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := open(t)
			r := &countingReader{size: tt.size, err: tt.err}
			ref, err := s.Put(context.Background(), r)
			reads := r.reads // a racing read after Put returned would be reported here
			if tt.wantErr {
				if !errors.Is(err, failure) {
					t.Fatalf("Put = %v, want %v", err, failure)
				}
				if got := files(t, dir); len(got) != 0 {
					t.Errorf("a failed Put left %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := make([]byte, tt.size)
			for i := range want {
				want[i] = byte(i)
			}
			sh, mh := sha256.Sum256(want), md5.Sum(want)
			if ref.Size != int64(tt.size) || ref.SHA256 != hex.EncodeToString(sh[:]) || ref.MD5 != hex.EncodeToString(mh[:]) {
				t.Errorf("ref = %+v for %d bytes", ref, tt.size)
			}
			f, _, err := s.Open(ref.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, _ := io.ReadAll(f)
			if !bytes.Equal(got, want) {
				t.Errorf("stored %d bytes differ from the %d written", len(got), len(want))
			}
			if reads == 0 {
				t.Error("reader never read")
			}
		})
	}
}

func TestPutCancelled(t *testing.T) {
	s, dir := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancellingReader{cancel: cancel, after: 3 * copyBufferSize}
	if _, err := s.Put(ctx, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("a cancelled Put left %v", got)
	}
}

// cancellingReader yields zeros forever and cancels its context once after
// bytes have been read.
type cancellingReader struct {
	cancel func()
	after  int
	read   int
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	clear(p)
	c.read += len(p)
	if c.read >= c.after {
		c.cancel()
	}
	return len(p), nil
}

// TestConcurrentPuts runs Puts that share the store's buffer pool, some of
// them failing half-way, and checks every stored body is its own: a buffer
// handed back to the pool while still in use would mix bodies.
func TestConcurrentPuts(t *testing.T) {
	s, _ := open(t)
	const puts = 16
	size := copyBufferSize*(pipelineDepth+1) + 123
	refs := make([]Ref, puts)
	var wg sync.WaitGroup
	for i := range puts {
		wg.Go(func() {
			body := bytes.Repeat([]byte{byte(i)}, size)
			if i%4 == 3 { // fails after a few buffers, handing its buffers back early
				_, err := s.Put(context.Background(), io.MultiReader(bytes.NewReader(body), iotest.ErrReader(errors.New("gone"))))
				if err == nil {
					t.Errorf("put %d: a failing body was stored", i)
				}
				return
			}
			ref, err := s.Put(context.Background(), bytes.NewReader(body))
			if err != nil {
				t.Errorf("put %d: %v", i, err)
			}
			refs[i] = ref
		})
	}
	wg.Wait()
	for i, ref := range refs {
		if i%4 == 3 {
			continue
		}
		f, _, err := s.Open(ref.SHA256)
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(got, bytes.Repeat([]byte{byte(i)}, size)) {
			t.Errorf("put %d: stored body is not its own", i)
		}
	}
}

// TestDedupSyncsDirectory checks a Put that finds its content already
// stored still syncs the blob's directory before returning: the existing
// file may be another Put's rename that is not durable yet.
func TestDedupSyncsDirectory(t *testing.T) {
	s, _ := open(t)
	first, err := s.Put(context.Background(), strings.NewReader("same"))
	if err != nil {
		t.Fatal(err)
	}
	var synced []string
	s.syncDir = func(dir string) error {
		synced = append(synced, dir)
		return fsyncDir(dir)
	}
	if _, err := s.Put(context.Background(), strings.NewReader("same")); err != nil {
		t.Fatal(err)
	}
	p, _ := s.path(first.SHA256)
	if !slices.Contains(synced, filepath.Dir(p)) {
		t.Errorf("a deduplicated Put synced %v, not %s", synced, filepath.Dir(p))
	}
}
