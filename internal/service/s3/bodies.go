package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/blobs"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

// MaxObjectSize is the largest single PUT (5 GiB).
const MaxObjectSize = 5 << 30

// received is a request body that was read to its end and stored: either in
// a blob (Blob set) or held in Data to be written inline with the metadata.
type received struct {
	Size     int64
	MD5      string // hex
	Blob     string // sha256 of the published blob, or ""
	Data     []byte // inline body when Blob is ""
	Checksum string // base64 value of the requested algorithm, or ""
}

var inlinePool = sync.Pool{New: func() any { return new([]byte) }}

// receive reads r to its end. Small bodies stay in memory to be stored inline;
// larger ones stream into a blob. A read error (an invalid signature, digest
// or length detected by auth at EOF, or a client gone mid-upload) means
// nothing was stored. alg, when set, is computed over the body. sha, when
// set, is the SHA-256 that r is verified against as it reaches EOF (see
// signedSHA256): the blob is addressed by it without hashing again.
func (s *Service) receive(ctx context.Context, r io.Reader, alg checksum.Algorithm, limit int64, sha string) (*received, error) {
	if r == nil {
		r = http.NoBody
	}
	var sum hash.Hash
	if alg != "" {
		h, err := checksum.NewHash(alg)
		if err != nil {
			return nil, errInvalidRequest("Unsupported checksum algorithm %s.", alg)
		}
		sum = h
	}
	lr := &limitReader{r: r, n: limit}
	max := s.opts.InlineMax
	if max > 0 {
		bp := inlinePool.Get().(*[]byte)
		defer inlinePool.Put(bp)
		if cap(*bp) < max+1 {
			*bp = make([]byte, max+1)
		}
		buf := (*bp)[:max+1]
		n, err := io.ReadFull(lr, buf)
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return inlineBody(buf[:n], sum), nil
		case err != nil:
			return nil, bodyErr(err)
		}
		return s.receiveBlob(ctx, io.MultiReader(bytes.NewReader(buf[:n]), lr), sum, sha)
	}
	return s.receiveBlob(ctx, lr, sum, sha)
}

// signedSHA256 returns the SHA-256 the request's own body is verified
// against as it is read (awsapi.Request.PayloadSHA256), for receive. Only the
// request body of PutObject and UploadPart may be received with it; any other
// reader (a copy source, a POST form's file field) must pass "".
func signedSHA256(ctx context.Context) string {
	if r := awsapi.RequestFrom(ctx); r != nil {
		return r.PayloadSHA256
	}
	return ""
}

func inlineBody(data []byte, sum hash.Hash) *received {
	m := md5.Sum(data)
	rv := &received{Size: int64(len(data)), MD5: hex.EncodeToString(m[:]), Data: append([]byte(nil), data...)}
	if sum != nil {
		sum.Write(data)
		rv.Checksum = checksum.Value(sum)
	}
	return rv
}

func (s *Service) receiveBlob(ctx context.Context, r io.Reader, sum hash.Hash, sha string) (*received, error) {
	if sum != nil {
		r = io.TeeReader(r, sum)
	}
	var ref blobs.Ref
	var err error
	if sha != "" {
		ref, err = s.blobs.PutVerified(ctx, r, sha) // auth checks the hash at EOF
	} else {
		ref, err = s.blobs.Put(ctx, r)
	}
	if err != nil {
		return nil, bodyErr(err)
	}
	rv := &received{Size: ref.Size, MD5: ref.MD5, Blob: ref.SHA256}
	if sum != nil {
		rv.Checksum = checksum.Value(sum)
	}
	return rv, nil
}

// bodyErr keeps AWS errors (from auth's body checks or the size limit) and
// cancellations, and turns other read failures into IncompleteBody.
func bodyErr(err error) error {
	var ae *awsapi.Error
	switch {
	case errors.As(err, &ae), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return awsapi.Errorf("IncompleteBody", http.StatusBadRequest,
			"You did not provide the number of bytes specified by the Content-Length HTTP header")
	}
	var se interface {
		AWS(awsapi.Protocol, string) *awsapi.Error
	}
	if errors.As(err, &se) {
		return err // an auth error; the edge renders it
	}
	return fmt.Errorf("s3: read body: %w", err)
}

// limitReader fails with EntityTooLarge when more than n bytes arrive.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, awsapi.Errorf("EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size")
	}
	return n, err
}

// openBody opens stored bytes for reading: a blob, inline data, or the parts
// a manifest lists (manifest.go).
func (s *Service) openBody(ref bodyRef) (io.ReadCloser, error) {
	switch {
	case ref.Size == 0:
		return http.NoBody, nil
	case isManifestID(ref.Blob):
		return s.openManifest(ref.Blob, ref.Size, 0, ref.Size)
	case ref.Inline:
		data, err := s.inlineBody(ref.Seq)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	f, _, err := s.blobs.Open(ref.Blob)
	if err != nil {
		return nil, fmt.Errorf("s3: open body: %w", err)
	}
	return f, nil
}

// inlineBody reads a body kept in the store under its version's or part's
// seq.
func (s *Service) inlineBody(seq uint64) ([]byte, error) {
	data, err := s.db.Get(inlineKey(seq))
	if err != nil {
		return nil, fmt.Errorf("s3: inline body %x: %w", seq, err)
	}
	return data, nil
}

// openRange opens length bytes of stored data starting at off.
func (s *Service) openRange(ref bodyRef, off, length int64) (io.ReadCloser, error) {
	if off == 0 && length == ref.Size {
		return s.openBody(ref)
	}
	if isManifestID(ref.Blob) {
		return s.openManifest(ref.Blob, ref.Size, off, length)
	}
	if ref.Inline {
		data, err := s.inlineBody(ref.Seq)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(data[off : off+length])), nil
	}
	f, _, err := s.blobs.Open(ref.Blob)
	if err != nil {
		return nil, fmt.Errorf("s3: open body: %w", err)
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		f.Close()
		return nil, errors.New("s3: blob is not seekable")
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(ra, off, length), f}, nil
}

// requestedChecksum returns the checksum algorithm a request asks S3 to
// store: x-amz-sdk-checksum-algorithm, a x-amz-checksum-* header, or a
// declared trailer.
func requestedChecksum(ctx context.Context, declared *string, values map[checksum.Algorithm]*string) (checksum.Algorithm, error) {
	for _, a := range checksum.Algorithms() {
		if v := values[a]; v != nil {
			return a, nil
		}
	}
	if r := awsapi.RequestFrom(ctx); r != nil && r.HTTP != nil {
		for _, t := range strings.Split(r.HTTP.Header.Get("X-Amz-Trailer"), ",") {
			if a, known, ok := checksum.FromHeader(strings.TrimSpace(t)); known && ok {
				return a, nil
			}
		}
	}
	if d := str(declared); d != "" {
		a, ok := checksum.ParseAlgorithm(d)
		if !ok {
			return "", errInvalidRequest("Checksum algorithm %s is not supported.", d)
		}
		return a, nil
	}
	return "", nil
}

// dropIfUnreferenced removes a blob stored for a request that then failed,
// unless something references it.
func (s *Service) dropIfUnreferenced(h string) {
	if h == "" {
		return
	}
	unlock := s.lockHashes([]string{h})
	defer unlock()
	if n, _ := s.refCount(h); n == 0 {
		if err := s.blobs.Remove(h); err != nil && !errors.Is(err, blobs.ErrNotFound) {
			s.log.Warn("s3: removing unreferenced blob", "hash", h, "err", err)
		}
	}
}
