package auth

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

// DefaultMaxSkew is the largest accepted difference between a request's time
// and the Verifier's clock.
const DefaultMaxSkew = 15 * time.Minute

// DefaultMaxBody bounds the body read to hash a non-S3 request when
// VerifyOptions.MaxBody is 0.
const DefaultMaxBody = 100 << 20

// maxPresignExpires is the largest X-Amz-Expires, one week.
const maxPresignExpires = 604800

// Verifier authenticates requests. Its zero value needs Credentials set; it is
// safe for concurrent use and must not be copied after first use.
type Verifier struct {
	// Credentials resolves access keys.
	Credentials CredentialStore
	// Now is the wall clock that request times (X-Amz-Date skew, presigned URL
	// and POST policy expiry) are checked against — the time clients sign with;
	// nil means time.Now.
	Now func() time.Time
	// CredentialNow is the clock temporary credentials expire on (Nubo's
	// clock, which tests advance); nil means Now.
	CredentialNow func() time.Time
	// MaxSkew is the accepted clock skew; 0 means DefaultMaxSkew.
	MaxSkew time.Duration

	keys keyCache
}

// VerifyOptions describe the service a request is for.
type VerifyOptions struct {
	// S3 selects S3's rules: the canonical URI is the raw path, the body hash
	// header is required for header auth and checked while streaming,
	// UNSIGNED-PAYLOAD, aws-chunked and SigV2 are allowed, and unsigned
	// requests are Anonymous rather than an error.
	S3 bool
	// AllowAnonymous accepts unsigned requests for other services too (STS
	// AssumeRoleWithWebIdentity, SNS ConfirmSubscription); the caller must then
	// check that the operation allows it.
	AllowAnonymous bool
	// MaxBody bounds the body buffered to hash a non-S3 request (0:
	// DefaultMaxBody). Larger bodies fail with BodyTooLarge.
	MaxBody int64
	// VirtualHostBucket is the bucket named by the Host header of a
	// virtual-host-style S3 request; SigV2 signs "/bucket" + path.
	VirtualHostBucket string
	// SkipHeaderChecksums disables checking x-amz-checksum-* request headers
	// against the body. It is implied for S3 POST ?uploadId
	// (CompleteMultipartUpload), whose checksum headers describe the object.
	SkipHeaderChecksums bool
	// ComputeChecksums lists extra algorithms to compute over the body; their
	// values appear in Result.Checksums after EOF.
	ComputeChecksums []checksum.Algorithm
}

// Result is an authenticated request.
type Result struct {
	Caller awsapi.Caller
	Scope  Scope
	Method Method
	// SignedAt is when a SigV4 request says it was signed (X-Amz-Date, or
	// Date); zero for other methods.
	SignedAt time.Time
	// Credential is the credential that signed the request (nil if anonymous).
	Credential *Credential
	// Body is the request body to read instead of r.Body: de-chunked, and
	// checked against the signed hash, chunk signatures, Content-MD5, checksum
	// headers and trailers. A failed check is an *Error returned by the Read
	// that reaches the end of the data, so consumers must treat the body as
	// valid only after reading io.EOF (or call Finish).
	Body io.ReadCloser
	// PayloadHash is the payload hash that was signed (hex, UNSIGNED-PAYLOAD or
	// STREAMING-…); empty for SigV2 and anonymous requests.
	PayloadHash string
	// DecodedLength is the body's length after de-chunking, -1 if unknown.
	DecodedLength int64
	// ContentEncoding is Content-Encoding with "aws-chunked" removed.
	ContentEncoding string

	digest *digestReader
	chunk  *chunkedBody
}

// VerifiedSHA256 returns the lowercase hex SHA-256 that the request's body
// was signed with, or "" when the payload was unsigned, streamed or not
// signed by SigV4. When set, Body fails before io.EOF unless the content has
// this hash, so a consumer that reads Body to io.EOF need not hash it again.
func (r *Result) VerifiedSHA256() string {
	if !isHexSHA256(r.PayloadHash) {
		return ""
	}
	return strings.ToLower(r.PayloadHash)
}

// Checksums returns the flexible checksums computed over the body and verified
// against the request's x-amz-checksum-* headers or trailers, plus those asked
// for with VerifyOptions.ComputeChecksums, as base64 values. It is nil until
// Body has returned io.EOF.
func (r *Result) Checksums() map[checksum.Algorithm]string {
	out := map[checksum.Algorithm]string{}
	if r.digest != nil {
		if !r.digest.done {
			return nil
		}
		for a, v := range r.digest.values() {
			out[a] = v
		}
	}
	if r.chunk != nil {
		cs := r.chunk.r.Checksums()
		if cs == nil {
			return nil
		}
		for a, v := range cs {
			out[a] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Trailer returns the aws-chunked trailing headers (nil for other bodies). It
// is complete once Body has returned io.EOF.
func (r *Result) Trailer() http.Header {
	if r.chunk == nil {
		return nil
	}
	return r.chunk.r.Trailer()
}

// Finish reads and discards the rest of Body, returning the first body check
// failure. Call it after decoding a body that a decoder may not read to EOF.
func (r *Result) Finish() error {
	if r.Body == nil {
		return nil
	}
	_, err := io.Copy(io.Discard, r.Body)
	return err
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) credentialNow() time.Time {
	if v.CredentialNow != nil {
		return v.CredentialNow()
	}
	return v.now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

// Verify authenticates r. It returns an *Error on failure (use Error.AWS to
// render it). The returned Result.Body replaces r.Body.
func (v *Verifier) Verify(r *http.Request, opts VerifyOptions) (*Result, error) {
	sc := Identify(r)
	var res *Result
	var err error
	switch sc.Method {
	case SigV4Header, SigV4Query:
		res, err = v.verifyV4(r, sc, opts)
	case SigV2Query, SigV2Header:
		if !opts.S3 {
			return nil, newError(IncompleteSignature, "Signature Version 2 is only supported by S3.")
		}
		res, err = v.verifyV2(r, sc, opts)
	case SigV4A:
		return nil, newError(Unsupported, "Signature Version 4a (AWS4-ECDSA-P256-SHA256) is not supported by Nubo.")
	default:
		if !opts.S3 && !opts.AllowAnonymous {
			return nil, newError(MissingAuth, "Request is missing Authentication Token")
		}
		res = &Result{Method: Anonymous, Scope: sc, Caller: awsapi.Caller{Anonymous: true},
			Body: bodyOf(r), DecodedLength: r.ContentLength}
	}
	if err != nil {
		return nil, err
	}
	if res.chunk == nil {
		res.ContentEncoding = r.Header.Get("Content-Encoding")
	}
	if err := wrapDigests(r, res, opts); err != nil {
		res.Body.Close()
		return nil, err
	}
	return res, nil
}

func bodyOf(r *http.Request) io.ReadCloser {
	if r.Body == nil {
		return http.NoBody
	}
	return r.Body
}

// lookup resolves the access key and checks temporary credentials.
func (v *Verifier) lookup(ctx context.Context, ak, token string) (*Credential, error) {
	if v.Credentials == nil {
		return nil, &Error{Kind: KindInternal, Message: "no credential store configured"}
	}
	cred, err := v.Credentials.LookupAccessKey(ctx, ak)
	if errors.Is(err, ErrUnknownAccessKey) || (err == nil && cred == nil) {
		return nil, &Error{Kind: UnknownAccessKey,
			Message: "The AWS Access Key Id you provided does not exist in our records.",
			Details: map[string]string{"AWSAccessKeyId": ak}}
	}
	if err != nil {
		return nil, &Error{Kind: KindInternal, Message: "credential lookup failed", Err: err}
	}
	switch {
	case cred.SessionToken == "" && token != "":
		return nil, newError(TokenInvalid, "The security token included in the request is invalid.")
	case cred.SessionToken != "" && !hmac.Equal([]byte(cred.SessionToken), []byte(token)):
		return nil, newError(TokenInvalid, "The security token included in the request is invalid.")
	case !cred.Expires.IsZero() && v.credentialNow().After(cred.Expires):
		return nil, newError(TokenExpired, "The security token included in the request is expired")
	}
	return cred, nil
}

func callerOf(cred *Credential) awsapi.Caller {
	c := cred.Caller
	c.AccessKeyID = cred.AccessKeyID
	c.SessionToken = cred.SessionToken
	return c
}

// parseAmzDate parses X-Amz-Date, or an HTTP Date header.
func parseAmzDate(s string) (time.Time, bool) {
	if t, err := time.Parse(amzDateFormat, s); err == nil {
		return t, true
	}
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// requestTimeOf returns the SigV4 request time of a header-signed request.
func requestTimeOf(r *http.Request) (time.Time, string, error) {
	s := r.Header.Get("X-Amz-Date")
	if s == "" {
		s = r.Header.Get("Date")
	}
	if s == "" {
		return time.Time{}, "", newError(IncompleteSignature,
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if t, err := time.Parse(amzDateFormat, s); err == nil {
		return t, s, nil // the layout has fixed width: s is already canonical
	}
	t, ok := parseAmzDate(s)
	if !ok {
		return time.Time{}, "", newError(IncompleteSignature, "Invalid X-Amz-Date %q.", s)
	}
	return t, t.Format(amzDateFormat), nil
}

func (v *Verifier) checkSkew(t time.Time) error {
	now := v.now().UTC()
	d := now.Sub(t)
	if d < 0 {
		d = -d
	}
	if d <= v.maxSkew() {
		return nil
	}
	e := newError(TimeSkewed, "Signature expired: %s is now earlier than %s (%s - %s.)",
		t.Format(amzDateFormat), now.Add(-v.maxSkew()).Format(amzDateFormat),
		now.Format(amzDateFormat), v.maxSkew())
	if t.After(now) {
		e.Message = fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
			t.Format(amzDateFormat), now.Add(v.maxSkew()).Format(amzDateFormat),
			now.Format(amzDateFormat), v.maxSkew())
	}
	e.Details = map[string]string{"RequestTime": t.Format(amzDateFormat),
		"ServerTime": now.Format(time.RFC3339), "MaxAllowedSkewMilliseconds": strconv.FormatInt(v.maxSkew().Milliseconds(), 10)}
	return e
}

// stripAWSChunked removes the aws-chunked coding from a Content-Encoding value.
func stripAWSChunked(ce string) string {
	var keep []string
	for _, c := range strings.Split(ce, ",") {
		c = strings.TrimSpace(c)
		if c != "" && !strings.EqualFold(c, "aws-chunked") {
			keep = append(keep, c)
		}
	}
	return strings.Join(keep, ",")
}
