package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

var (
	root = Credential{AccessKeyID: exampleKey, SecretAccessKey: exampleSecret,
		Caller: awsapi.Caller{Account: "000000000000", ARN: "arn:aws:iam::000000000000:root", Root: true}}
	temp = Credential{AccessKeyID: "ASIATEMP", SecretAccessKey: "tempsecret", SessionToken: "tok123",
		Expires: sdkTime.Add(time.Hour)}
)

func testVerifier(now time.Time) *Verifier {
	return &Verifier{Credentials: NewStaticCredentials(root, temp), Now: func() time.Time { return now }}
}

// signed builds a server-side request signed by SignV4.
func signed(t *testing.T, method, url, body string, cred Credential, service string, at time.Time, hdr map[string]string) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body == "" {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	hash := PayloadHash([]byte(body))
	if v, ok := hdr["X-Amz-Content-Sha256"]; ok {
		hash = v
	}
	SignV4(r, hash, cred, "us-east-1", service, at)
	return toServer(t, r)
}

func wantKind(t *testing.T, err error, k Kind) {
	t.Helper()
	e := AsError(err)
	if e == nil || e.Kind != k {
		t.Fatalf("err = %v, want kind %d", err, k)
	}
}

func TestVerifyFailures(t *testing.T) {
	const s3URL = "http://localhost:4566/b/k"
	tests := []struct {
		name string
		req  func(t *testing.T) *http.Request
		now  time.Time
		opts VerifyOptions
		kind Kind
	}{
		{"skew past", func(t *testing.T) *http.Request {
			return signed(t, "GET", s3URL, "", root, "s3", sdkTime, nil)
		}, sdkTime.Add(16 * time.Minute), VerifyOptions{S3: true}, TimeSkewed},
		{"skew future", func(t *testing.T) *http.Request {
			return signed(t, "POST", "http://localhost:4566/", "Action=X", root, "sqs", sdkTime, nil)
		}, sdkTime.Add(-16 * time.Minute), VerifyOptions{}, TimeSkewed},
		{"unknown key", func(t *testing.T) *http.Request {
			return signed(t, "GET", s3URL, "", Credential{AccessKeyID: "NOPE", SecretAccessKey: "x"}, "s3", sdkTime, nil)
		}, sdkTime, VerifyOptions{S3: true}, UnknownAccessKey},
		{"wrong secret", func(t *testing.T) *http.Request {
			return signed(t, "GET", s3URL, "", Credential{AccessKeyID: exampleKey, SecretAccessKey: "x"}, "s3", sdkTime, nil)
		}, sdkTime, VerifyOptions{S3: true}, SignatureDoesNotMatch},
		{"temp without token", func(t *testing.T) *http.Request {
			c := temp
			c.SessionToken = ""
			return signed(t, "GET", s3URL, "", c, "s3", sdkTime, nil)
		}, sdkTime, VerifyOptions{S3: true}, TokenInvalid},
		{"temp wrong token", func(t *testing.T) *http.Request {
			c := temp
			c.SessionToken = "other"
			return signed(t, "GET", s3URL, "", c, "s3", sdkTime, nil)
		}, sdkTime, VerifyOptions{S3: true}, TokenInvalid},
		{"token on long-term key", func(t *testing.T) *http.Request {
			c := root
			c.SessionToken = "tok"
			return signed(t, "GET", s3URL, "", c, "s3", sdkTime, nil)
		}, sdkTime, VerifyOptions{S3: true}, TokenInvalid},
		{"temp expired", func(t *testing.T) *http.Request {
			return signed(t, "GET", s3URL, "", temp, "s3", sdkTime.Add(61*time.Minute), nil)
		}, sdkTime.Add(61 * time.Minute), VerifyOptions{S3: true}, TokenExpired},
		{"missing auth non-S3", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", "http://localhost:4566/", strings.NewReader("Action=X"))
			return toServer(t, r)
		}, sdkTime, VerifyOptions{}, MissingAuth},
		{"s3 missing content sha", func(t *testing.T) *http.Request {
			r := signed(t, "GET", s3URL, "", root, "sqs", sdkTime, nil)
			r.Header.Del("X-Amz-Content-Sha256")
			return r
		}, sdkTime, VerifyOptions{S3: true}, MissingContentSHA256},
		{"bad content sha value", func(t *testing.T) *http.Request {
			return signed(t, "PUT", s3URL, "x", root, "s3", sdkTime, map[string]string{"X-Amz-Content-Sha256": "nope"})
		}, sdkTime, VerifyOptions{S3: true}, InvalidContentSHA256},
		{"non-S3 content sha mismatch", func(t *testing.T) *http.Request {
			return signed(t, "POST", "http://localhost:4566/", "{}", root, "logs", sdkTime, map[string]string{"X-Amz-Content-Sha256": PayloadHash([]byte("{ }"))})
		}, sdkTime, VerifyOptions{}, ContentSHA256Mismatch},
		{"non-S3 body too large", func(t *testing.T) *http.Request {
			return signed(t, "POST", "http://localhost:4566/", "0123456789", root, "logs", sdkTime, nil)
		}, sdkTime, VerifyOptions{MaxBody: 5}, BodyTooLarge},
		{"non-S3 streaming", func(t *testing.T) *http.Request {
			return signed(t, "POST", "http://localhost:4566/", "", root, "logs", sdkTime, map[string]string{"X-Amz-Content-Sha256": streamingUnsTrl})
		}, sdkTime, VerifyOptions{}, InvalidContentSHA256},
		{"sigv2 for non-S3", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("GET", "http://localhost:4566/?AWSAccessKeyId=A&Signature=x&Expires=1", http.NoBody)
			return toServer(t, r)
		}, sdkTime, VerifyOptions{}, IncompleteSignature},
		{"sigv4a", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("GET", s3URL, http.NoBody)
			r.Header.Set("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=A/20261128/s3/aws4_request, SignedHeaders=host, Signature=00")
			return toServer(t, r)
		}, sdkTime, VerifyOptions{S3: true}, Unsupported},
		{"scope date mismatch", func(t *testing.T) *http.Request {
			r := signed(t, "GET", s3URL, "", root, "s3", sdkTime, nil)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20261128/", "/20261127/", 1))
			return r
		}, sdkTime, VerifyOptions{S3: true}, IncompleteSignature},
		{"missing signature", func(t *testing.T) *http.Request {
			r := signed(t, "GET", s3URL, "", root, "s3", sdkTime, nil)
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
			return r
		}, sdkTime, VerifyOptions{S3: true}, IncompleteSignature},
		{"presign expires too long", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("GET", s3URL, http.NoBody)
			u := PresignV4(r, "", root, "us-east-1", "s3", sdkTime, 8*24*time.Hour)
			pr, _ := http.NewRequest("GET", u, http.NoBody)
			return toServer(t, pr)
		}, sdkTime, VerifyOptions{S3: true}, MalformedPresign},
		{"presign not yet valid", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("GET", s3URL, http.NoBody)
			pr, _ := http.NewRequest("GET", PresignV4(r, "", root, "us-east-1", "s3", sdkTime.Add(time.Hour), time.Hour), http.NoBody)
			return toServer(t, pr)
		}, sdkTime, VerifyOptions{S3: true}, PresignNotYetValid},
		{"bad content-md5", func(t *testing.T) *http.Request {
			return signed(t, "PUT", s3URL, "x", root, "s3", sdkTime, map[string]string{"Content-MD5": "zzz"})
		}, sdkTime, VerifyOptions{S3: true}, InvalidDigest},
		{"two checksum headers", func(t *testing.T) *http.Request {
			return signed(t, "PUT", s3URL, "hello world", root, "s3", sdkTime,
				map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ==", "X-Amz-Checksum-Sha1": "Kq5sNclPz7QV2+lfQIuc6R7oRu0="})
		}, sdkTime, VerifyOptions{S3: true}, InvalidChecksum},
		{"malformed checksum header", func(t *testing.T) *http.Request {
			return signed(t, "PUT", s3URL, "hello world", root, "s3", sdkTime, map[string]string{"X-Amz-Checksum-Crc32": "DUoR"})
		}, sdkTime, VerifyOptions{S3: true}, InvalidChecksum},
		{"unsupported checksum header", func(t *testing.T) *http.Request {
			return signed(t, "PUT", s3URL, "hello world", root, "s3", sdkTime, map[string]string{"X-Amz-Checksum-Xxhash64": "AAAAAAAAAAA="})
		}, sdkTime, VerifyOptions{S3: true}, Unsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testVerifier(tc.now).Verify(tc.req(t), tc.opts)
			wantKind(t, err, tc.kind)
		})
	}
}

func TestVerifyBodyFailures(t *testing.T) {
	const s3URL = "http://localhost:4566/b/k"
	tests := []struct {
		name string
		req  func(t *testing.T) *http.Request
		kind Kind
	}{
		{"sha256 mismatch at EOF", func(t *testing.T) *http.Request {
			return signed(t, "PUT", s3URL, "hello", root, "s3", sdkTime, map[string]string{"X-Amz-Content-Sha256": PayloadHash([]byte("hellO"))})
		}, ContentSHA256Mismatch},
		{"content-md5 mismatch", func(t *testing.T) *http.Request {
			return signed(t, "PUT", s3URL, "hello world", root, "s3", sdkTime, map[string]string{"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="})
		}, BadDigest},
		{"checksum header mismatch", func(t *testing.T) *http.Request {
			return signed(t, "PUT", s3URL, "hello worlD", root, "s3", sdkTime, map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ=="})
		}, BadDigest},
		{"chunked wrong trailer checksum", func(t *testing.T) *http.Request {
			return chunkedRequest(t, "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", "11")
		}, BadDigest},
		{"chunked wrong decoded length", func(t *testing.T) *http.Request {
			return chunkedRequest(t, "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", "12")
		}, DecodedLengthMismatch},
		{"chunked truncated", func(t *testing.T) *http.Request {
			return chunkedRequest(t, "b\r\nhello wo", "11")
		}, IncompleteBody},
		{"chunked garbage", func(t *testing.T) *http.Request {
			return chunkedRequest(t, "hello world\r\n\r\n", "11")
		}, InvalidChunk},
		{"chunked missing trailer", func(t *testing.T) *http.Request {
			return chunkedRequest(t, "b\r\nhello world\r\n0\r\n\r\n", "11")
		}, MalformedTrailer},
		{"signed chunk tampered", func(t *testing.T) *http.Request {
			r := signedChunked(t, []byte(strings.Repeat("abc", 5000)), 8192, checksum.CRC32C)
			b, _ := io.ReadAll(r.Body)
			b[len(b)/2] ^= 1
			r.Body = io.NopCloser(strings.NewReader(string(b)))
			return r
		}, SignatureDoesNotMatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := testVerifier(sdkTime).Verify(tc.req(t), VerifyOptions{S3: true})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			_, err = io.ReadAll(res.Body)
			wantKind(t, err, tc.kind)
			if res.Checksums() != nil {
				t.Fatal("checksums reported for a failed body")
			}
			if res.Finish() == nil {
				t.Fatal("Finish forgot the failure")
			}
		})
	}
}

// chunkedRequest signs an unsigned-trailer aws-chunked PUT as Go's SDK does.
func chunkedRequest(t *testing.T, body, decodedLen string) *http.Request {
	return signed(t, "PUT", "http://localhost:4566/b/k?x-id=PutObject", body, root, "s3", sdkTime, map[string]string{
		"X-Amz-Content-Sha256": streamingUnsTrl, "Content-Encoding": "aws-chunked",
		"X-Amz-Decoded-Content-Length": decodedLen, "X-Amz-Trailer": "x-amz-checksum-crc32"})
}

func signedChunked(t *testing.T, data []byte, chunk int, alg checksum.Algorithm) *http.Request {
	r, _ := http.NewRequest("PUT", "http://localhost:4566/b/k", http.NoBody)
	if err := SignV4Chunked(r, data, chunk, alg, root, "us-east-1", "s3", sdkTime); err != nil {
		t.Fatal(err)
	}
	return toServer(t, r)
}

func TestVerifyChunkedBodies(t *testing.T) {
	data := []byte(strings.Repeat("nubo!", 7000))
	tests := []struct {
		name  string
		req   func(t *testing.T) *http.Request
		want  string
		alg   checksum.Algorithm
		value string
	}{
		{"captured unsigned trailer", func(t *testing.T) *http.Request {
			return chunkedRequest(t, "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", "11")
		}, "hello world", checksum.CRC32, "DUoRhQ=="},
		{"signed chunks", func(t *testing.T) *http.Request { return signedChunked(t, data, 8192, "") }, string(data), "", ""},
		{"signed chunks with trailer", func(t *testing.T) *http.Request { return signedChunked(t, data, 10000, checksum.CRC64NVME) },
			string(data), checksum.CRC64NVME, ""},
		{"signed one chunk sha256 trailer", func(t *testing.T) *http.Request { return signedChunked(t, data, 0, checksum.SHA256) },
			string(data), checksum.SHA256, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req(t)
			r.Header.Set("Content-Encoding", "aws-chunked,gzip")
			if tc.name == "captured unsigned trailer" {
				r.Header.Set("Content-Encoding", "aws-chunked")
			}
			res, err := testVerifier(sdkTime).Verify(r, VerifyOptions{S3: true})
			if tc.name != "captured unsigned trailer" {
				// Content-Encoding is signed: changing it must break the signature.
				wantKind(t, err, SignatureDoesNotMatch)
				r = tc.req(t)
				res, err = testVerifier(sdkTime).Verify(r, VerifyOptions{S3: true})
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(res.Body)
			if err != nil || string(got) != tc.want {
				t.Fatalf("body %d bytes, err %v", len(got), err)
			}
			if res.DecodedLength != int64(len(tc.want)) || res.ContentEncoding != "" {
				t.Fatalf("decoded length %d, encoding %q", res.DecodedLength, res.ContentEncoding)
			}
			if tc.alg != "" {
				want := tc.value
				if want == "" {
					want, _ = checksum.Sum(tc.alg, []byte(tc.want))
				}
				if res.Checksums()[tc.alg] != want {
					t.Fatalf("checksums %v", res.Checksums())
				}
			}
		})
	}
}

func TestVerifyChecksumsExposed(t *testing.T) {
	r := signed(t, "PUT", "http://localhost:4566/b/k", "hello world", root, "s3", sdkTime,
		map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ==", "Content-MD5": "XrY7u+Ae7tCTyyK7j1rNww=="})
	res, err := testVerifier(sdkTime).Verify(r, VerifyOptions{S3: true, ComputeChecksums: []checksum.Algorithm{checksum.CRC64NVME}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checksums() != nil {
		t.Fatal("checksums before EOF")
	}
	if err := res.Finish(); err != nil {
		t.Fatal(err)
	}
	want64, _ := checksum.Sum(checksum.CRC64NVME, []byte("hello world"))
	cs := res.Checksums()
	if cs[checksum.CRC32] != "DUoRhQ==" || cs[checksum.CRC64NVME] != want64 || res.Caller.ARN != root.Caller.ARN || res.Caller.AccessKeyID != exampleKey {
		t.Fatalf("checksums %v caller %+v", cs, res.Caller)
	}
	// CompleteMultipartUpload's checksum headers describe the object, not the body.
	r = signed(t, "POST", "http://localhost:4566/b/k?uploadId=u1", "<x/>", root, "s3", sdkTime,
		map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ=="})
	res, err = testVerifier(sdkTime).Verify(r, VerifyOptions{S3: true})
	if err != nil || res.Finish() != nil {
		t.Fatalf("complete multipart: %v", err)
	}
}

func TestVerifyTemporaryAndAnonymous(t *testing.T) {
	r := signed(t, "GET", "http://localhost:4566/b/k", "", temp, "s3", sdkTime.Add(59*time.Minute), nil)
	res, err := testVerifier(sdkTime.Add(59*time.Minute)).Verify(r, VerifyOptions{S3: true})
	if err != nil || res.Caller.SessionToken != "tok123" {
		t.Fatalf("temp: %v", err)
	}
	a, _ := http.NewRequest("GET", "http://localhost:4566/b/k", http.NoBody)
	res, err = testVerifier(sdkTime).Verify(toServer(t, a), VerifyOptions{S3: true})
	if err != nil || res.Method != Anonymous || !res.Caller.Anonymous {
		t.Fatalf("anonymous S3: %v %+v", err, res)
	}
	res, err = testVerifier(sdkTime).Verify(toServer(t, a), VerifyOptions{AllowAnonymous: true})
	if err != nil || res.Method != Anonymous {
		t.Fatalf("allowed anonymous: %v", err)
	}
}

type failingStore struct{}

func (failingStore) LookupAccessKey(context.Context, string) (*Credential, error) {
	return nil, errors.New("disk on fire")
}

func TestStoreFailureIsInternal(t *testing.T) {
	v := &Verifier{Credentials: failingStore{}, Now: func() time.Time { return sdkTime }}
	_, err := v.Verify(signed(t, "GET", "http://localhost:4566/b/k", "", root, "s3", sdkTime, nil), VerifyOptions{S3: true})
	wantKind(t, err, KindInternal)
	ae := AsError(err).AWS(awsapi.ProtocolRestXML, "s3")
	if ae.Status != 500 || strings.Contains(ae.Message, "fire") {
		t.Fatalf("internal error leaks or has wrong status: %+v", ae)
	}
}

func TestErrorAWS(t *testing.T) {
	tests := []struct {
		kind   Kind
		p      awsapi.Protocol
		svc    string
		code   string
		status int
	}{
		{SignatureDoesNotMatch, awsapi.ProtocolRestXML, "s3", "SignatureDoesNotMatch", 403},
		{UnknownAccessKey, awsapi.ProtocolRestXML, "s3", "InvalidAccessKeyId", 403},
		{TimeSkewed, awsapi.ProtocolRestXML, "s3", "RequestTimeTooSkewed", 403},
		{PresignExpired, awsapi.ProtocolRestXML, "s3", "AccessDenied", 403},
		{ContentSHA256Mismatch, awsapi.ProtocolRestXML, "s3", "XAmzContentSHA256Mismatch", 400},
		{BadDigest, awsapi.ProtocolRestXML, "s3", "BadDigest", 400},
		{IncompleteBody, awsapi.ProtocolRestXML, "s3", "IncompleteBody", 400},
		{TokenExpired, awsapi.ProtocolRestXML, "s3", "ExpiredToken", 400},
		{SignatureDoesNotMatch, awsapi.ProtocolQuery, "sts", "SignatureDoesNotMatch", 403},
		{UnknownAccessKey, awsapi.ProtocolQuery, "iam", "InvalidClientTokenId", 403},
		{TimeSkewed, awsapi.ProtocolQuery, "sqs", "SignatureDoesNotMatch", 403},
		{TokenExpired, awsapi.ProtocolQuery, "sts", "ExpiredToken", 403},
		{MissingAuth, awsapi.ProtocolQuery, "sns", "MissingAuthenticationToken", 403},
		{UnknownAccessKey, awsapi.ProtocolJSON, "dynamodb", "UnrecognizedClientException", 400},
		{SignatureDoesNotMatch, awsapi.ProtocolJSON, "logs", "InvalidSignatureException", 400},
		{TokenExpired, awsapi.ProtocolJSON, "kms", "ExpiredTokenException", 400},
		{SignatureDoesNotMatch, awsapi.ProtocolCBOR, "monitoring", "InvalidSignatureException", 400},
		{UnknownAccessKey, awsapi.ProtocolRestJSON, "lambda", "UnrecognizedClientException", 403},
		{MissingAuth, awsapi.ProtocolRestJSON, "apigateway", "MissingAuthenticationTokenException", 403},
		{BodyTooLarge, awsapi.ProtocolRestJSON, "lambda", "RequestTooLargeException", 413},
	}
	for _, tc := range tests {
		t.Run(tc.code+"/"+string(tc.p), func(t *testing.T) {
			ae := (&Error{Kind: tc.kind, Message: "m", Details: map[string]string{"X": "y"}}).AWS(tc.p, tc.svc)
			if ae.Code != tc.code || ae.Status != tc.status {
				t.Fatalf("got %s %d", ae.Code, ae.Status)
			}
			if (ae.Fields["X"] != nil) != (tc.p == awsapi.ProtocolRestXML) {
				t.Fatalf("details leaked into %s: %v", tc.p, ae.Fields)
			}
		})
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		name   string
		url    string
		hdr    map[string]string
		method Method
		ak     string
		svc    string
		post   bool
	}{
		{"v4 header", "http://h/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AK/20261128/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=00"}, SigV4Header, "AK", "lambda", false},
		{"v4 query", "http://h/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261128%2Fus-east-1%2Fs3%2Faws4_request", nil, SigV4Query, "AK", "s3", false},
		{"v2 query", "http://h/b/k?AWSAccessKeyId=AK&Signature=x&Expires=1", nil, SigV2Query, "AK", "s3", false},
		{"v2 header", "http://h/b/k", map[string]string{"Authorization": "AWS AK:sig"}, SigV2Header, "AK", "s3", false},
		{"anonymous", "http://h/b/k", nil, Anonymous, "", "", false},
		{"post form", "http://h/b", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, Anonymous, "", "", true},
		{"garbage", "http://h/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 nonsense"}, SigV4Header, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := "GET"
			if tc.post {
				method = "POST"
			}
			r, _ := http.NewRequest(method, tc.url, http.NoBody)
			for k, v := range tc.hdr {
				r.Header.Set(k, v)
			}
			s := Identify(r)
			if s.Method != tc.method || s.AccessKeyID != tc.ak || s.Service != tc.svc || s.PostForm != tc.post {
				t.Fatalf("Identify = %+v", s)
			}
		})
	}
}

func FuzzIdentify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20261128/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=00", "X-Amz-Credential=a%2Fb")
	f.Add("AWS AK:sig", "AWSAccessKeyId=AK&Signature=x&Expires=1")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, auth, query string) {
		r, err := http.NewRequest("GET", "http://h/", http.NoBody)
		if err != nil {
			return
		}
		r.URL.RawQuery = query
		r.Header.Set("Authorization", auth)
		_ = Identify(r)
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("GET", "/b/k", "", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20261128T090026Z", "UNSIGNED-PAYLOAD", "", true)
	f.Add("PUT", "/b/k", "x-id=PutObject", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", "20261128T090026Z", streamingTrailer, "b\r\nhello world\r\n0\r\n\r\n", true)
	f.Add("POST", "/", "", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00", "20261128T090026Z", "", "Action=X", false)
	f.Add("GET", "/b/k", "AWSAccessKeyId=AKIDEXAMPLE&Signature=x&Expires=1795860026", "", "", "", "", true)
	f.Add("GET", "/b/k", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261128T090026Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "", "", "", "", true)
	f.Fuzz(func(t *testing.T, method, path, query, auth, date, sha, body string, s3 bool) {
		r, err := http.NewRequest("GET", "http://localhost:4566/", strings.NewReader(body))
		if err != nil {
			return
		}
		r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery = method, path, path, query
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		r.Header.Set("X-Amz-Content-Sha256", sha)
		r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		res, err := testVerifier(sdkTime).Verify(r, VerifyOptions{S3: s3, MaxBody: 1 << 16})
		if err != nil {
			if AsError(err) == nil {
				t.Fatalf("non-auth error %T %v", err, err)
			}
			return
		}
		_ = res.Finish()
		_ = res.Checksums()
	})
}

func TestVerifiedSHA256(t *testing.T) {
	hash := PayloadHash([]byte("x"))
	tests := []struct{ payload, want string }{
		{hash, hash},
		{strings.ToUpper(hash), hash},
		{unsignedPayload, ""},
		{streamingSigned, ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := (&Result{PayloadHash: tt.payload}).VerifiedSHA256(); got != tt.want {
			t.Errorf("VerifiedSHA256 of %q = %q, want %q", tt.payload, got, tt.want)
		}
	}
}
