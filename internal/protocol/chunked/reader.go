// Package chunked decodes aws-chunked request bodies (Content-Encoding:
// aws-chunked): the chunk framing, SigV4 chunk signatures, trailing headers with
// their signature, trailing flexible checksums and the decoded length.
//
// Framing:
//
//	hex(len)[;chunk-signature=sig]\r\n data \r\n … 0[;chunk-signature=sig]\r\n [name:value\r\n …] \r\n
//
// The Reader streams: it never buffers a chunk, so memory stays constant whatever
// chunk sizes a client declares. Errors are detected as early as possible, and the
// checks that need the whole body (signatures of the chunk just read, trailing
// checksums, decoded length) are reported by the Read that would otherwise have
// returned the data's end or io.EOF. A consumer that commits only after reading
// io.EOF therefore never commits an unverified body.
package chunked

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/protocol/checksum"
)

// Errors returned (wrapped) by Reader.Read; match them with errors.Is.
var (
	// ErrMalformed is returned for framing that is not aws-chunked.
	ErrMalformed = errors.New("malformed aws-chunked body")
	// ErrTruncated is returned when the body ends before the final chunk and trailers.
	ErrTruncated = errors.New("aws-chunked body ended early")
	// ErrChunkTooLarge is returned for a chunk larger than Options.MaxChunkSize.
	ErrChunkTooLarge = errors.New("aws-chunked chunk too large")
	// ErrSignature is returned when a chunk or trailer signature does not match.
	ErrSignature = errors.New("aws-chunked signature does not match")
	// ErrChecksum is returned when a trailing checksum does not match the data.
	ErrChecksum = errors.New("trailing checksum does not match")
	// ErrChecksumMissing is returned when a declared trailer is absent or invalid.
	ErrChecksumMissing = errors.New("declared trailing checksum missing or invalid")
	// ErrUnsupported is returned for a declared trailer Nubo cannot verify.
	ErrUnsupported = errors.New("unsupported trailing checksum")
	// ErrLength is returned when the decoded length differs from Options.DecodedLength.
	ErrLength = errors.New("decoded length does not match x-amz-decoded-content-length")
)

// DefaultMaxChunkSize bounds a chunk's declared size when Options.MaxChunkSize is 0.
// It is S3's largest single PUT (5 GiB); chunks are streamed, never buffered, so
// the bound only rejects absurd framing early.
const DefaultMaxChunkSize = 5 << 30

const (
	maxLine      = 4096 // longest chunk header or trailer line
	maxTrailers  = 16
	trailerSigHd = "x-amz-trailer-signature"
)

// Options configure a Reader.
type Options struct {
	// Signer, when set, requires every chunk to carry a valid chunk-signature
	// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) and, with Trailer, the
	// trailers to carry a valid x-amz-trailer-signature.
	Signer *Signer
	// Trailer is set when trailing headers may follow the final chunk (the
	// …-TRAILER payload types).
	Trailer bool
	// DeclaredTrailers are the names listed in x-amz-trailer. Each must be
	// present; trailers not declared are rejected. Checksum trailers are verified.
	DeclaredTrailers []string
	// DecodedLength is x-amz-decoded-content-length, or -1 when not given.
	DecodedLength int64
	// MaxChunkSize bounds one chunk's declared size (0: DefaultMaxChunkSize).
	MaxChunkSize int64
}

type state uint8

const (
	stHeader state = iota
	stData
	stDone
)

// Reader decodes an aws-chunked body. It is not safe for concurrent use.
type Reader struct {
	src  *bufio.Reader
	opts Options
	st   state
	err  error

	remaining int64  // bytes left in the current chunk
	total     int64  // decoded bytes so far
	chunkSig  string // declared signature of the current chunk
	prevSig   string
	chunkHash hash.Hash // SHA-256 of the current chunk (signed bodies)
	sums      map[checksum.Algorithm]hash.Hash
	trailer   http.Header
	verified  map[checksum.Algorithm]string
}

// NewReader returns a Reader decoding the aws-chunked body r.
func NewReader(r io.Reader, opts Options) *Reader {
	if opts.MaxChunkSize <= 0 {
		opts.MaxChunkSize = DefaultMaxChunkSize
	}
	cr := &Reader{src: bufio.NewReaderSize(r, maxLine), opts: opts, trailer: http.Header{}}
	if opts.Signer != nil {
		cr.prevSig = opts.Signer.Seed
		cr.chunkHash = sha256.New()
	}
	cr.sums = make(map[checksum.Algorithm]hash.Hash)
	for _, name := range opts.DeclaredTrailers {
		alg, known, ok := checksum.FromHeader(name)
		switch {
		case known && !ok:
			cr.err = fmt.Errorf("%w: %s", ErrUnsupported, name)
		case ok:
			h, _ := checksum.NewHash(alg)
			cr.sums[alg] = h
		}
	}
	return cr
}

// Read implements io.Reader, returning decoded data.
func (r *Reader) Read(p []byte) (int, error) {
	for r.err == nil {
		switch r.st {
		case stHeader:
			r.err = r.readHeader()
		case stData:
			if len(p) == 0 {
				return 0, nil
			}
			return r.readData(p)
		case stDone:
			return 0, io.EOF
		}
	}
	return 0, r.err
}

func (r *Reader) readData(p []byte) (int, error) {
	if int64(len(p)) > r.remaining {
		p = p[:r.remaining]
	}
	n, err := r.src.Read(p)
	r.remaining -= int64(n)
	r.total += int64(n)
	if r.chunkHash != nil {
		r.chunkHash.Write(p[:n])
	}
	for _, h := range r.sums {
		h.Write(p[:n])
	}
	if r.remaining == 0 {
		if e := r.endChunk(); e != nil {
			r.err = e
			return n, e
		}
		r.st = stHeader
		return n, nil
	}
	if err == io.EOF {
		err = ErrTruncated
	}
	if err != nil {
		r.err = fmt.Errorf("chunked: %w", err)
	}
	return n, r.err
}

// endChunk consumes the CRLF after a chunk's data and checks its signature.
func (r *Reader) endChunk() error {
	line, err := r.line()
	if err != nil {
		return err
	}
	if len(line) != 0 {
		return fmt.Errorf("%w: chunk data longer than its declared size", ErrMalformed)
	}
	return r.checkChunkSig()
}

func (r *Reader) checkChunkSig() error {
	if r.opts.Signer == nil {
		return nil
	}
	want := r.opts.Signer.ChunkSignature(r.prevSig, r.chunkHash.Sum(nil))
	r.chunkHash.Reset()
	if !hmac.Equal([]byte(want), []byte(r.chunkSig)) {
		return fmt.Errorf("%w: chunk ending at byte %d", ErrSignature, r.total)
	}
	r.prevSig = want
	return nil
}

// line reads one line and returns it without its "\r\n" (or bare "\n").
func (r *Reader) line() (string, error) {
	b, err := r.src.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return "", fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, maxLine)
	case err == io.EOF:
		return "", ErrTruncated
	case err != nil:
		return "", fmt.Errorf("chunked: %w", err)
	}
	s := strings.TrimSuffix(string(b[:len(b)-1]), "\r")
	return s, nil
}

// readHeader reads "hex(len)[;chunk-signature=sig]" and prepares the chunk.
func (r *Reader) readHeader() error {
	line, err := r.line()
	if err != nil {
		return err
	}
	sizeText, ext, _ := strings.Cut(line, ";")
	size, err := parseSize(sizeText)
	if err != nil {
		return err
	}
	r.chunkSig = ""
	for ext != "" {
		var kv string
		kv, ext, _ = strings.Cut(ext, ";")
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "chunk-signature="); ok {
			r.chunkSig = v
		}
	}
	if r.opts.Signer != nil && len(r.chunkSig) != 64 {
		return fmt.Errorf("%w: chunk without a chunk-signature", ErrMalformed)
	}
	if size > r.opts.MaxChunkSize {
		return fmt.Errorf("%w: %d bytes", ErrChunkTooLarge, size)
	}
	if d := r.opts.DecodedLength; d >= 0 && r.total+size > d {
		return fmt.Errorf("%w: more than %d bytes", ErrLength, d)
	}
	if size > 0 {
		r.remaining, r.st = size, stData
		return nil
	}
	return r.finish()
}

func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 16 {
		return 0, fmt.Errorf("%w: bad chunk size %q", ErrMalformed, s)
	}
	n, err := strconv.ParseUint(s, 16, 64)
	if err != nil || n > 1<<62 {
		return 0, fmt.Errorf("%w: bad chunk size %q", ErrMalformed, s)
	}
	return int64(n), nil
}

// finish handles the final chunk: its signature, the trailers and the body checks.
func (r *Reader) finish() error {
	if err := r.checkChunkSig(); err != nil {
		return err
	}
	if err := r.readTrailers(); err != nil {
		return err
	}
	if d := r.opts.DecodedLength; d >= 0 && r.total != d {
		return fmt.Errorf("%w: got %d bytes, declared %d", ErrLength, r.total, d)
	}
	if err := r.checkSums(); err != nil {
		return err
	}
	r.st = stDone
	return nil
}

// readTrailers reads trailer lines up to the blank line ending the body. A body
// that ends right after the final chunk or the last trailer is accepted.
func (r *Reader) readTrailers() error {
	var canon strings.Builder
	sig := ""
	for n := 0; ; n++ {
		line, err := r.line()
		if errors.Is(err, ErrTruncated) || (err == nil && line == "") {
			break
		}
		if err != nil {
			return err
		}
		if !r.opts.Trailer || n >= maxTrailers {
			return fmt.Errorf("%w: unexpected trailer", ErrMalformed)
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if !ok || name == "" {
			return fmt.Errorf("%w: bad trailer line", ErrMalformed)
		}
		if name == trailerSigHd {
			sig = value
			continue
		}
		if !r.declared(name) {
			return fmt.Errorf("%w: trailer %q not declared in x-amz-trailer", ErrMalformed, name)
		}
		r.trailer.Add(name, value)
		canon.WriteString(name + ":" + value + "\n")
	}
	if r.opts.Signer == nil || !r.opts.Trailer {
		return nil
	}
	want := r.opts.Signer.TrailerSignature(r.prevSig, []byte(canon.String()))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return fmt.Errorf("%w: trailer signature", ErrSignature)
	}
	return nil
}

func (r *Reader) declared(name string) bool {
	for _, d := range r.opts.DeclaredTrailers {
		if strings.EqualFold(strings.TrimSpace(d), name) {
			return true
		}
	}
	return false
}

// checkSums verifies every declared trailer is present and every checksum
// trailer matches the decoded data.
func (r *Reader) checkSums() error {
	for _, name := range r.opts.DeclaredTrailers {
		name = strings.ToLower(strings.TrimSpace(name))
		v := r.trailer.Get(name)
		if v == "" {
			return fmt.Errorf("%w: %s", ErrChecksumMissing, name)
		}
		alg, _, ok := checksum.FromHeader(name)
		if !ok {
			continue
		}
		if !checksum.Valid(alg, v) {
			return fmt.Errorf("%w: %s", ErrChecksumMissing, name)
		}
		got := checksum.Value(r.sums[alg])
		if got != v {
			return fmt.Errorf("%w: %s", ErrChecksum, name)
		}
		if r.verified == nil {
			r.verified = make(map[checksum.Algorithm]string)
		}
		r.verified[alg] = got
	}
	return nil
}

// Trailer returns the trailing headers (lowercase names, without the trailer
// signature). It is complete once Read has returned io.EOF.
func (r *Reader) Trailer() http.Header { return r.trailer }

// Checksums returns the trailing checksums verified against the data, keyed by
// algorithm, as base64 values. It is nil until Read has returned io.EOF.
func (r *Reader) Checksums() map[checksum.Algorithm]string {
	if r.st != stDone {
		return nil
	}
	return r.verified
}

// DecodedLength returns the number of decoded bytes read so far.
func (r *Reader) DecodedLength() int64 { return r.total }
