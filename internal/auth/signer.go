package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nubo/nubo/internal/protocol/checksum"
	"github.com/nubo/nubo/internal/protocol/chunked"
)

// PayloadHash returns the hex SHA-256 of body, the SigV4 payload hash.
func PayloadHash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// signedHeaderNames picks the headers a Nubo client signs: host, content-type,
// content-md5 and every x-amz-* header.
func signedHeaderNames(r *http.Request) []string {
	names := make([]string, 1, len(r.Header)+1)
	names[0] = "host"
	for name := range r.Header {
		n := lowerHeaderName(name)
		if strings.HasPrefix(n, "x-amz-") || n == "content-type" || n == "content-md5" || n == "content-encoding" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// lowerHeaderName returns name in lowercase, without allocating for the
// headers clients commonly send.
func lowerHeaderName(name string) string {
	switch name {
	case "Content-Type":
		return "content-type"
	case "Content-Length":
		return "content-length"
	case "Content-Md5":
		return "content-md5"
	case "Content-Encoding":
		return "content-encoding"
	case "X-Amz-Date":
		return "x-amz-date"
	case "X-Amz-Target":
		return "x-amz-target"
	case "X-Amz-Content-Sha256":
		return "x-amz-content-sha256"
	case "X-Amz-Security-Token":
		return "x-amz-security-token"
	}
	return strings.ToLower(name)
}

// Signer signs requests with SigV4 for one credential, region and service.
// It keeps the signing key of the date it last signed for (one entry, so
// the cache is bounded), so a request costs one HMAC instead of five, as
// the AWS SDKs' key caches do. It is safe for concurrent use and must not be
// copied after first use.
type Signer struct {
	cred            Credential
	region, service string
	key             atomic.Pointer[datedKey]
}

// datedKey is a signing key and the date (YYYYMMDD) it is derived for.
type datedKey struct {
	date string
	key  []byte
}

// NewSigner returns a Signer for cred in region and service.
func NewSigner(cred Credential, region, service string) *Signer {
	return &Signer{cred: cred, region: region, service: service}
}

// signingKey returns the signing key for date, deriving it when the date
// changes.
func (s *Signer) signingKey(date string) []byte {
	if k := s.key.Load(); k != nil && k.date == date {
		return k.key
	}
	k := &datedKey{date: date, key: deriveKey(s.cred.SecretAccessKey, date, s.region, s.service)}
	s.key.Store(k)
	return k.key
}

// Sign signs r in place with SigV4 in the Authorization header, as SignV4
// does, and returns the signature.
func (s *Signer) Sign(r *http.Request, payloadHash string, t time.Time) string {
	var dbuf [len(amzDateFormat)]byte
	date := t.UTC().AppendFormat(dbuf[:0], amzDateFormat)
	amzDate := string(date)
	r.Header["X-Amz-Date"] = []string{amzDate}
	if s.cred.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", s.cred.SessionToken)
	}
	if s.service == "s3" {
		r.Header["X-Amz-Content-Sha256"] = []string{payloadHash}
	}
	signed := signedHeaderNames(r)
	scope := amzDate[:8] + "/" + s.region + "/" + s.service + "/" + scopeTerminator
	c := canonicalRequest{uri: canonicalURI(rawPath(r), s.service == "s3"), query: canonicalQuery(rawQuery(r), ""),
		signed: signed, signedStr: strings.Join(signed, ";"), payload: payloadHash}
	var cbuf [creqBufSize]byte
	var sbuf [stsBufSize]byte
	creq := appendCanonicalRequest(cbuf[:0], r, &c)
	mac := hmacSHA256(s.signingKey(amzDate[:8]), appendStringToSign(sbuf[:0], amzDate, scope, creq))
	sig := hex.EncodeToString(mac[:])
	r.Header["Authorization"] = []string{algV4 + " Credential=" + s.cred.AccessKeyID + "/" + scope +
		", SignedHeaders=" + c.signedStr + ", Signature=" + sig}
	return sig
}

// SignV4 signs r in place with SigV4 in the Authorization header. payloadHash
// is PayloadHash(body), UNSIGNED-PAYLOAD or a STREAMING-… value; for service
// "s3" it is also sent as x-amz-content-sha256. r.URL must hold the path the
// request will be sent with (escaped). It returns the signature (the seed of
// a chunk-signed body). It derives the signing key on every call: a client
// that signs many requests should keep a Signer instead.
func SignV4(r *http.Request, payloadHash string, cred Credential, region, service string, t time.Time) string {
	return NewSigner(cred, region, service).Sign(r, payloadHash, t)
}

// SignV4Chunked sets r's body to data framed as a chunk-signed aws-chunked
// body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or …-TRAILER with a trailing
// checksum when alg is not empty) and signs r.
func SignV4Chunked(r *http.Request, data []byte, chunkSize int, alg checksum.Algorithm,
	cred Credential, region, service string, t time.Time) error {
	payload := streamingSigned
	var trailers []chunked.Trailer
	if alg != "" {
		v, err := checksum.Sum(alg, data)
		if err != nil {
			return err
		}
		payload = streamingTrailer
		trailers = []chunked.Trailer{{Name: alg.HeaderName(), Value: v}}
		r.Header.Set("X-Amz-Trailer", alg.HeaderName())
	}
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	signer := NewSigner(cred, region, service)
	seed := signer.Sign(r, payload, t)
	amzDate := t.UTC().Format(amzDateFormat)
	s := &chunked.Signer{Key: signer.signingKey(amzDate[:8]), Date: amzDate,
		Scope: amzDate[:8] + "/" + region + "/" + service + "/" + scopeTerminator, Seed: seed}
	body := chunked.Encode(data, chunkSize, s, trailers)
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return nil
}

// PresignV4 returns r's URL presigned with SigV4 query parameters, valid for
// expires from t, signing only the host header. payloadHash "" means
// UNSIGNED-PAYLOAD for s3 and the empty body's hash otherwise.
func PresignV4(r *http.Request, payloadHash string, cred Credential, region, service string,
	t time.Time, expires time.Duration) string {
	if payloadHash == "" {
		payloadHash = emptySHA256
		if service == "s3" {
			payloadHash = unsignedPayload
		}
	}
	amzDate := t.UTC().Format(amzDateFormat)
	scope := amzDate[:8] + "/" + region + "/" + service + "/" + scopeTerminator
	add := url.Values{}
	add.Set("X-Amz-Algorithm", algV4)
	add.Set("X-Amz-Credential", cred.AccessKeyID+"/"+scope)
	add.Set("X-Amz-Date", amzDate)
	add.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
	add.Set("X-Amz-SignedHeaders", "host")
	if cred.SessionToken != "" {
		add.Set("X-Amz-Security-Token", cred.SessionToken)
	}
	q := rawQuery(r)
	if q != "" {
		q += "&"
	}
	q += strings.ReplaceAll(add.Encode(), "+", "%20")
	c := canonicalRequest{uri: canonicalURI(rawPath(r), service == "s3"), query: canonicalQuery(q, ""),
		signed: []string{"host"}, signedStr: "host", payload: payloadHash}
	var cbuf [creqBufSize]byte
	var sbuf [stsBufSize]byte
	creq := appendCanonicalRequest(cbuf[:0], r, &c)
	key := deriveKey(cred.SecretAccessKey, amzDate[:8], region, service)
	mac := hmacSHA256(key, appendStringToSign(sbuf[:0], amzDate, scope, creq))
	sig := hex.EncodeToString(mac[:])
	u := *r.URL
	u.RawQuery = q + "&X-Amz-Signature=" + sig
	return u.String()
}

// PresignV2 returns r's path-style S3 URL presigned with SigV2 query
// parameters (AWSAccessKeyId, Signature, Expires), as botocore does.
func PresignV2(r *http.Request, cred Credential, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	if cred.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", cred.SessionToken)
	}
	sig := v2Sign(cred.SecretAccessKey, v2StringToSign(r, exp, "", false, false))
	add := url.Values{}
	add.Set("AWSAccessKeyId", cred.AccessKeyID)
	add.Set("Signature", sig)
	add.Set("Expires", exp)
	if cred.SessionToken != "" {
		add.Set("x-amz-security-token", cred.SessionToken)
		r.Header.Del("X-Amz-Security-Token")
	}
	u := *r.URL
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += add.Encode()
	return u.String()
}
