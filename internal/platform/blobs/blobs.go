// Package blobs is Nubo's content-addressed store for large bodies (S3
// objects, Lambda code packages). A blob is a file named by the SHA-256 of its
// content under <dir>/<first two hex digits>/<hash>; storing the same content
// twice keeps one file, so copies are free.
//
// Put streams the body to a temporary file in the store directory while
// hashing it (SHA-256 for the address, MD5 for S3 ETags), fsyncs it, renames
// it into place atomically and fsyncs the directory, so a published blob
// survives a crash and a half-written one is never visible. Bodies are never
// buffered whole in memory.
//
// The store does not count references: the same content Put by two callers is
// one file, and Remove deletes it for both. Callers (the services' metadata)
// must track which records point at a hash and Remove it only when the last
// one goes. A directory must be used by one Store at a time: Open deletes
// leftover temporary files.
package blobs

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ErrNotFound is returned for a hash with no blob.
var ErrNotFound = errors.New("blobs: not found")

// ErrInvalidHash is returned for a string that is not a lowercase hex SHA-256.
var ErrInvalidHash = errors.New("blobs: invalid hash")

// tempPrefix marks in-progress Put files in the store's root directory.
const tempPrefix = ".put-"

const (
	// copyBufferSize is the chunk size Put reads and writes.
	copyBufferSize = 256 << 10
	// pipelineDepth is how many chunks Put has read ahead of its writes.
	pipelineDepth = 4
	// writeBackSize is how much Put writes before it asks the kernel to
	// start writing the file back, so the final fsync of a large body waits
	// for its tail only.
	writeBackSize = 1 << 20
)

// Ref describes a stored blob.
type Ref struct {
	// SHA256 is the lowercase hex SHA-256 of the content: the blob's address.
	SHA256 string
	// MD5 is the lowercase hex MD5 of the content (an S3 single-part ETag).
	MD5 string
	// Size is the content length in bytes.
	Size int64
}

// ETag returns the quoted MD5, as S3 reports a single-part object's ETag.
func (r Ref) ETag() string { return `"` + r.MD5 + `"` }

// Store is a content-addressed blob directory. It is safe for concurrent use.
type Store struct {
	dir string
	// bufs holds *[]byte copy buffers of copyBufferSize, so a Put does not
	// allocate (and the collector does not reclaim) a MiB of buffers.
	bufs sync.Pool
	// syncDir makes the entries of a directory durable (fsyncDir; tests
	// record the calls).
	syncDir func(dir string) error
}

// Open opens (creating if needed) the blob store in dir and removes temporary
// files left by an interrupted Put.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("blobs: open: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("blobs: open: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("blobs: remove stale temp: %w", err)
			}
		}
	}
	s := &Store{dir: dir, syncDir: fsyncDir}
	s.bufs.New = func() any {
		b := make([]byte, copyBufferSize)
		return &b
	}
	return s, nil
}

// ValidHash reports whether h is a well-formed blob address: 64 lowercase
// hex digits. Only such strings ever reach the file system.
func ValidHash(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// path returns the file of hash h after validating it.
func (s *Store) path(h string) (string, error) {
	if !ValidHash(h) {
		return "", fmt.Errorf("%w: %q", ErrInvalidHash, h)
	}
	return filepath.Join(s.dir, h[:2], h), nil
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Put stores the content read from r until EOF and returns its Ref. If r
// fails or ctx is done before EOF, nothing is published and the temporary
// file is removed.
func (s *Store) Put(ctx context.Context, r io.Reader) (Ref, error) {
	return s.put(ctx, r, "")
}

// PutVerified is Put for a reader that itself fails before EOF unless its
// content has the SHA-256 sha (lowercase hex), such as a request body whose
// signed payload hash is checked as it is read: the blob is addressed by sha
// without hashing the content a second time. The caller vouches for r; a
// reader without that guarantee would publish content under another
// content's address.
func (s *Store) PutVerified(ctx context.Context, r io.Reader, sha string) (Ref, error) {
	if !ValidHash(sha) {
		return Ref{}, fmt.Errorf("%w: %q", ErrInvalidHash, sha)
	}
	return s.put(ctx, r, sha)
}

// put stores r's content; known is its SHA-256 when the caller vouches for
// it, or "" to compute it.
func (s *Store) put(ctx context.Context, r io.Reader, known string) (ref Ref, err error) {
	tmp, err := os.CreateTemp(s.dir, tempPrefix+"*")
	if err != nil {
		return Ref{}, fmt.Errorf("blobs: put: %w", err)
	}
	published := false
	defer func() {
		if !published {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	mh := md5.New()
	var sh hash.Hash
	hs := []hash.Hash{mh}
	if known == "" {
		sh = sha256.New()
		hs = append(hs, sh)
	}
	n, err := s.copyBody(ctx, tmp, r, hs)
	if err != nil {
		return Ref{}, fmt.Errorf("blobs: put: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return Ref{}, fmt.Errorf("blobs: put: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Ref{}, fmt.Errorf("blobs: put: close: %w", err)
	}
	ref = Ref{SHA256: known, MD5: hexSum(mh), Size: n}
	if sh != nil {
		ref.SHA256 = hexSum(sh)
	}
	if err := s.publish(tmp.Name(), ref.SHA256); err != nil {
		return Ref{}, err
	}
	published = true
	return ref, nil
}

// chunk is one read of a body: n bytes of buf, then err (io.EOF at the end).
type chunk struct {
	buf []byte
	n   int
	err error
}

// copyBody copies r to f, feeding every byte to hs, and returns the length.
// A goroutine reads the next chunks from r while this one hashes the
// previous ones and another writes each to f as it is hashed, so waiting for
// a client's bytes, the hashing and the file writes overlap (a single 1 MiB
// PUT gained about 10 %); and every writeBackSize bytes the kernel is asked
// to start writing the file back. copyBody returns only once the reader has
// stopped, so r is not read after it returns, and its buffers go back to the
// pool.
func (s *Store) copyBody(ctx context.Context, f *os.File, r io.Reader, hs []hash.Hash) (int64, error) {
	full := make(chan chunk, pipelineDepth)
	free := make(chan []byte, pipelineDepth)
	var bufs [pipelineDepth]*[]byte
	for i := range bufs {
		bufs[i] = s.bufs.Get().(*[]byte)
		free <- *bufs[i]
	}
	stop := make(chan struct{})
	go readChunks(ctxReader{ctx, r}, free, full, stop)
	defer func() {
		close(stop)
		for range full { // until the reader closes it
		}
		for _, b := range bufs {
			s.bufs.Put(b)
		}
	}()
	var n, flushed int64
	written := make(chan error, 1)
	for c := range full {
		if c.n > 0 {
			data := c.buf[:c.n]
			go func() { // the file write overlaps the hashing of the same bytes
				_, err := f.Write(data)
				written <- err
			}()
			for _, h := range hs {
				h.Write(data)
			}
			if err := <-written; err != nil {
				return n, err
			}
			n += int64(c.n)
			if n-flushed >= writeBackSize {
				startWriteBack(f, flushed, n-flushed)
				flushed = n
			}
		}
		switch {
		case c.err == io.EOF:
			return n, nil
		case c.err != nil:
			return n, c.err
		}
		free <- c.buf
	}
	return n, errors.New("blobs: body reader stopped")
}

// readChunks reads r into the buffers from free and sends them to full until
// r ends or fails (the last chunk carries io.EOF or the error) or stop is
// closed; then it closes full. full has room for every buffer, so sends never
// block.
func readChunks(r io.Reader, free <-chan []byte, full chan<- chunk, stop <-chan struct{}) {
	defer close(full)
	for {
		var buf []byte
		select {
		case <-stop:
			return
		case buf = <-free:
		}
		select {
		case <-stop:
			return
		default:
		}
		n, err := io.ReadFull(r, buf)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		full <- chunk{buf, n, err}
		if err != nil {
			return
		}
	}
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// publish moves a synced temp file to the blob's address, or drops it when
// that content is already stored. In that case the directory is synced all
// the same: the file may come from a concurrent Put of the same content
// whose rename is visible but not yet durable, and the caller is about to
// commit a record pointing at it.
func (s *Store) publish(tmp, h string) error {
	final, _ := s.path(h) // h comes from our own hasher
	sub := filepath.Dir(final)
	if _, err := os.Stat(final); err == nil {
		if err := os.Remove(tmp); err != nil {
			return fmt.Errorf("blobs: put: %w", err)
		}
		return s.syncDir(sub)
	}
	if _, err := os.Stat(sub); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(sub, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("blobs: put: %w", err)
		}
		if err := s.syncDir(s.dir); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("blobs: put: publish: %w", err)
	}
	return s.syncDir(sub)
}

// fsyncDir fsyncs a directory so renames and creations in it are durable.
func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blobs: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blobs: sync dir: %w", err)
	}
	return nil
}
