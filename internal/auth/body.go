package auth

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/protocol/checksum"
	"github.com/nubo/nubo/internal/protocol/chunked"
)

// v4Payload returns the payload hash to sign and, for non-S3 requests whose
// body must be hashed before verification, the buffered body.
func v4Payload(r *http.Request, p *v4Request, opts VerifyOptions) (string, []byte, error) {
	if p.query {
		if !opts.S3 {
			return hashBody(r, opts, "")
		}
		if h := r.URL.Query().Get("X-Amz-Content-Sha256"); h != "" {
			if h != unsignedPayload && !isHexSHA256(h) {
				return "", nil, newError(InvalidContentSHA256, "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a SHA-256 value.")
			}
			return h, nil, nil
		}
		return unsignedPayload, nil, nil
	}
	h := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case h == "" && opts.S3:
		return "", nil, newError(MissingContentSHA256, "Missing required header for this request: x-amz-content-sha256")
	case h == "":
		return hashBody(r, opts, "")
	case isHexSHA256(h):
		if opts.S3 {
			return h, nil, nil
		}
		return hashBody(r, opts, h)
	case h == unsignedPayload:
		return h, nil, nil
	case h == streamingSigned || h == streamingTrailer || h == streamingUnsTrl:
		if !opts.S3 {
			return "", nil, newError(InvalidContentSHA256, "aws-chunked payloads (%s) are only supported by S3.", h)
		}
		return h, nil, nil
	case strings.HasPrefix(h, streamingECDSA):
		return "", nil, newError(Unsupported, "SigV4a streaming payloads (%s) are not supported by Nubo.", h)
	}
	return "", nil, newError(InvalidContentSHA256,
		"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
}

// hashBody buffers the body (bounded by MaxBody) and returns its hex SHA-256;
// with a declared hash it must match.
func hashBody(r *http.Request, opts VerifyOptions, declared string) (string, []byte, error) {
	limit := opts.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	buf, err := readBody(r, limit)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(buf)
	got := hex.EncodeToString(sum[:])
	if declared != "" && !strings.EqualFold(declared, got) {
		return "", nil, newError(ContentSHA256Mismatch,
			"The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	if declared != "" {
		got = declared
	}
	return got, buf, nil
}

// readBody reads r's body, at most limit bytes. A declared Content-Length
// sizes the buffer once instead of growing it as io.ReadAll does.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	body, n := bodyOf(r), r.ContentLength
	if n > limit {
		return nil, newError(BodyTooLarge, "The request body is larger than %d bytes.", limit)
	}
	var buf []byte
	if n >= 0 {
		buf = make([]byte, n, n+1) // the spare byte probes for more than declared
		if _, err := io.ReadFull(body, buf); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, bodyError(err)
		}
		m, err := body.Read(buf[n : n+1])
		if m == 0 && err == io.EOF {
			return buf, nil
		}
		if err != nil && err != io.EOF {
			return nil, bodyError(err)
		}
		buf = buf[:n+int64(m)] // in process, a body can be longer than declared: read on
	}
	rest, err := io.ReadAll(io.LimitReader(body, limit+1-int64(len(buf))))
	if err != nil {
		return nil, bodyError(err)
	}
	if buf = append(buf, rest...); int64(len(buf)) > limit {
		return nil, newError(BodyTooLarge, "The request body is larger than %d bytes.", limit)
	}
	return buf, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// attachBody sets res.Body for a verified SigV4 request.
func attachBody(r *http.Request, res *Result, p *v4Request, payload string, buf []byte, key []byte, opts VerifyOptions) error {
	raw := bodyOf(r)
	switch {
	case buf != nil:
		res.Body, res.DecodedLength = readCloser{bytes.NewReader(buf), raw}, int64(len(buf))
	case isHexSHA256(payload):
		want, _ := hex.DecodeString(strings.ToLower(payload))
		res.Body = &sha256Body{src: raw, h: sha256.New(), want: want}
	case payload == unsignedPayload:
		res.Body = &sha256Body{src: raw}
	default:
		if p.query {
			return newError(InvalidContentSHA256, "aws-chunked payloads cannot be presigned.")
		}
		return attachChunked(r, res, p, payload, key)
	}
	return nil
}

func attachChunked(r *http.Request, res *Result, p *v4Request, payload string, key []byte) error {
	opts := chunked.Options{DecodedLength: -1, Trailer: payload != streamingSigned}
	if s := r.Header.Get("X-Amz-Decoded-Content-Length"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return newError(InvalidChunk, "Invalid x-amz-decoded-content-length %q.", s)
		}
		opts.DecodedLength = n
	}
	for _, t := range strings.Split(r.Header.Get("X-Amz-Trailer"), ",") {
		if t = strings.ToLower(strings.TrimSpace(t)); t == "" {
			continue
		}
		if _, known, ok := checksum.FromHeader(t); known && !ok {
			return newError(Unsupported, "The trailing checksum %s is not supported by Nubo.", t)
		}
		opts.DeclaredTrailers = append(opts.DeclaredTrailers, t)
	}
	if payload != streamingUnsTrl {
		opts.Signer = &chunked.Signer{Key: key, Date: p.amzDate, Scope: p.credScope, Seed: strings.ToLower(p.signature)}
	}
	cb := &chunkedBody{r: chunked.NewReader(bodyOf(r), opts), c: bodyOf(r)}
	res.Body, res.chunk, res.DecodedLength = cb, cb, opts.DecodedLength
	res.ContentEncoding = stripAWSChunked(r.Header.Get("Content-Encoding"))
	return nil
}

// bodyError maps a body read failure to an *Error where it has AWS meaning.
func bodyError(err error) error {
	switch {
	case err == nil || err == io.EOF:
		return err
	case AsError(err) != nil:
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, chunked.ErrTruncated):
		return &Error{Kind: IncompleteBody, Message: "The request body terminated unexpectedly.", Err: err}
	case errors.Is(err, chunked.ErrSignature):
		return &Error{Kind: SignatureDoesNotMatch, Message: "The chunk signature we calculated does not match the signature you provided.", Err: err}
	case errors.Is(err, chunked.ErrChecksum):
		return &Error{Kind: BadDigest, Message: "The checksum you specified did not match the calculated checksum.", Err: err}
	case errors.Is(err, chunked.ErrChecksumMissing):
		return &Error{Kind: MalformedTrailer, Message: "The request contained trailing data that was not well-formed or did not conform to our published schema.", Err: err}
	case errors.Is(err, chunked.ErrUnsupported):
		return &Error{Kind: Unsupported, Message: "The trailing checksum is not supported by Nubo.", Err: err}
	case errors.Is(err, chunked.ErrLength):
		return &Error{Kind: DecodedLengthMismatch, Message: "The decoded body length does not match x-amz-decoded-content-length.", Err: err}
	case errors.Is(err, chunked.ErrMalformed), errors.Is(err, chunked.ErrChunkTooLarge):
		return &Error{Kind: InvalidChunk, Message: "The aws-chunked body is malformed.", Err: err}
	}
	return err
}

// chunkedBody adapts a chunked.Reader, mapping its errors.
type chunkedBody struct {
	r *chunked.Reader
	c io.Closer
}

func (b *chunkedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	return n, bodyError(err)
}

func (b *chunkedBody) Close() error { return b.c.Close() }

// sha256Body streams the body, optionally checking its SHA-256 at EOF.
type sha256Body struct {
	src  io.ReadCloser
	h    hash.Hash // nil: no check
	want []byte
	err  error
}

func (b *sha256Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.src.Read(p)
	if b.h != nil {
		b.h.Write(p[:n])
	}
	if err == io.EOF && b.h != nil && !bytes.Equal(b.h.Sum(nil), b.want) {
		err = newError(ContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	if err != nil {
		b.err = bodyError(err)
	}
	return n, b.err
}

func (b *sha256Body) Close() error { return b.src.Close() }

// digestReader checks Content-MD5 and x-amz-checksum-* headers at EOF and
// computes requested checksums.
type digestReader struct {
	src     io.ReadCloser
	md5     hash.Hash
	md5Want []byte
	sums    map[checksum.Algorithm]hash.Hash
	want    map[checksum.Algorithm]string
	done    bool
	err     error
}

// initMaps makes the checksum maps, which most requests never need.
func (d *digestReader) initMaps() {
	if d.sums == nil {
		d.sums = make(map[checksum.Algorithm]hash.Hash, 1)
		d.want = make(map[checksum.Algorithm]string, 1)
	}
}

func (d *digestReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.src.Read(p)
	if d.md5 != nil {
		d.md5.Write(p[:n])
	}
	for _, h := range d.sums {
		h.Write(p[:n])
	}
	if err == io.EOF {
		err = d.check()
		d.done = err == io.EOF
	}
	if err != nil {
		d.err = err
	}
	return n, err
}

func (d *digestReader) check() error {
	if d.md5 != nil && !bytes.Equal(d.md5.Sum(nil), d.md5Want) {
		return newError(BadDigest, "The Content-MD5 you specified did not match what we received.")
	}
	for a, w := range d.want {
		if checksum.Value(d.sums[a]) != w {
			return newError(BadDigest, "The %s you specified did not match the calculated checksum.", a)
		}
	}
	return io.EOF
}

func (d *digestReader) values() map[checksum.Algorithm]string {
	out := make(map[checksum.Algorithm]string, len(d.sums))
	for a, h := range d.sums {
		out[a] = checksum.Value(h)
	}
	return out
}

func (d *digestReader) Close() error { return d.src.Close() }

// CheckContentMD5 wraps body so that the Read reaching EOF fails with BadDigest
// unless the body's MD5 equals contentMD5 (base64, as in the Content-MD5
// header). A malformed value is an InvalidDigest error.
func CheckContentMD5(body io.ReadCloser, contentMD5 string) (io.ReadCloser, error) {
	want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(contentMD5))
	if err != nil || len(want) != md5.Size {
		return nil, newError(InvalidDigest, "The Content-MD5 you specified was invalid.")
	}
	return &digestReader{src: body, md5: md5.New(), md5Want: want}, nil
}

// wrapDigests adds the Content-MD5, checksum header and extra checksum checks.
func wrapDigests(r *http.Request, res *Result, opts VerifyOptions) error {
	d := digestReader{src: res.Body} // copied to the heap only when a check is needed
	if v := r.Header.Get("Content-Md5"); v != "" {
		md, err := CheckContentMD5(res.Body, v)
		if err != nil {
			return err
		}
		dm := md.(*digestReader)
		d.md5, d.md5Want = dm.md5, dm.md5Want
	}
	skip := opts.SkipHeaderChecksums || (opts.S3 && r.Method == http.MethodPost && r.URL.Query().Has("uploadId"))
	if !skip {
		if err := headerChecksums(r, &d); err != nil {
			return err
		}
	}
	for _, a := range opts.ComputeChecksums {
		h, err := checksum.NewHash(a)
		if err != nil {
			return newError(Unsupported, "The checksum algorithm %s is not supported by Nubo.", a)
		}
		if _, ok := d.sums[a]; !ok {
			d.initMaps()
			d.sums[a] = h
		}
	}
	if d.md5 == nil && len(d.sums) == 0 {
		return nil
	}
	dr := new(digestReader)
	*dr = d
	res.Body, res.digest = dr, dr
	return nil
}

// headerChecksums registers the x-amz-checksum-* request headers for checking.
func headerChecksums(r *http.Request, d *digestReader) error {
	for name, vals := range r.Header {
		alg, known, ok := checksum.FromHeader(name)
		switch {
		case !known:
			continue
		case !ok:
			return newError(Unsupported, "The checksum header %s is not supported by Nubo.", strings.ToLower(name))
		case len(d.want) > 0 || len(vals) != 1:
			return newError(InvalidChecksum, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		case !checksum.Valid(alg, vals[0]):
			return newError(InvalidChecksum, "Value for %s header is invalid.", alg.HeaderName())
		}
		h, _ := checksum.NewHash(alg)
		d.initMaps()
		d.sums[alg], d.want[alg] = h, vals[0]
	}
	return nil
}
