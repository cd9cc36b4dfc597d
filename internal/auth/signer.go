package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
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
	names := []string{"host"}
	for name := range r.Header {
		n := strings.ToLower(name)
		if strings.HasPrefix(n, "x-amz-") || n == "content-type" || n == "content-md5" || n == "content-encoding" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// SignV4 signs r in place with SigV4 in the Authorization header. payloadHash
// is PayloadHash(body), UNSIGNED-PAYLOAD or a STREAMING-… value; for service
// "s3" it is also sent as x-amz-content-sha256. r.URL must hold the path the
// request will be sent with (escaped). It returns the signature (the seed of
// a chunk-signed body).
func SignV4(r *http.Request, payloadHash string, cred Credential, region, service string, t time.Time) string {
	amzDate := t.UTC().Format(amzDateFormat)
	r.Header.Set("X-Amz-Date", amzDate)
	if cred.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", cred.SessionToken)
	}
	if service == "s3" {
		r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	signed := signedHeaderNames(r)
	scope := amzDate[:8] + "/" + region + "/" + service + "/" + scopeTerminator
	signedStr := strings.Join(signed, ";")
	creq := canonicalRequest(r.Method, canonicalURI(rawPath(r), service == "s3"), canonicalQuery(rawQuery(r), ""),
		canonicalHeaders(r, signed), signedStr, payloadHash)
	key := deriveKey(cred.SecretAccessKey, amzDate[:8], region, service)
	sig := hex.EncodeToString(hmacSHA256(key, stringToSign(amzDate, scope, creq)))
	r.Header.Set("Authorization", algV4+" Credential="+cred.AccessKeyID+"/"+scope+
		", SignedHeaders="+signedStr+", Signature="+sig)
	return sig
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
	seed := SignV4(r, payload, cred, region, service, t)
	amzDate := t.UTC().Format(amzDateFormat)
	s := &chunked.Signer{Key: deriveKey(cred.SecretAccessKey, amzDate[:8], region, service), Date: amzDate,
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
	creq := canonicalRequest(r.Method, canonicalURI(rawPath(r), service == "s3"), canonicalQuery(q, ""),
		canonicalHeaders(r, []string{"host"}), "host", payloadHash)
	key := deriveKey(cred.SecretAccessKey, amzDate[:8], region, service)
	sig := hex.EncodeToString(hmacSHA256(key, stringToSign(amzDate, scope, creq)))
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
