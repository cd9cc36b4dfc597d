package auth

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkVerifyV4Header verifies a header-signed query-protocol POST, the
// common case for every non-S3 service.
func BenchmarkVerifyV4Header(b *testing.B) {
	cred := Credential{AccessKeyID: "AKIDBENCH", SecretAccessKey: "benchsecret"}
	v := &Verifier{Credentials: NewStaticCredentials(cred)}
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	tmpl := httptest.NewRequest(http.MethodPost, "http://localhost:4566/", bytes.NewReader(body))
	tmpl.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tmpl.Header.Set("User-Agent", "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.26 md/GOOS#linux api/sts#1.28.0")
	tmpl.RequestURI = "/" // as net/http sets it for an origin-form target
	SignV4(tmpl, PayloadHash(body), cred, "us-east-1", "sts", time.Now())
	b.ReportAllocs()
	for b.Loop() {
		r := *tmpl
		r.Body = io.NopCloser(bytes.NewReader(body))
		res, err := v.Verify(&r, VerifyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyV4S3Get verifies a header-signed S3 GET with an empty body.
func BenchmarkVerifyV4S3Get(b *testing.B) {
	cred := Credential{AccessKeyID: "AKIDBENCH", SecretAccessKey: "benchsecret"}
	v := &Verifier{Credentials: NewStaticCredentials(cred)}
	tmpl := httptest.NewRequest(http.MethodGet, "http://localhost:4566/bucket/some/key.txt", nil)
	tmpl.Header.Set("X-Amz-Content-Sha256", PayloadHash(nil))
	tmpl.RequestURI = tmpl.URL.RequestURI()
	SignV4(tmpl, PayloadHash(nil), cred, "us-east-1", "s3", time.Now())
	b.ReportAllocs()
	for b.Loop() {
		r := *tmpl
		res, err := v.Verify(&r, VerifyOptions{S3: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignV4 signs an AWS JSON POST the way the bench clients did,
// deriving the signing key on every call.
func BenchmarkSignV4(b *testing.B) {
	cred := Credential{AccessKeyID: "AKIDBENCH", SecretAccessKey: "benchsecret"}
	body := []byte(`{"QueueUrl":"http://localhost:4566/000000000000/q","MessageBody":"hello"}`)
	hash := PayloadHash(body)
	r := httptest.NewRequest(http.MethodPost, "http://localhost:4566/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	b.ReportAllocs()
	for b.Loop() {
		SignV4(r, hash, cred, "us-east-1", "sqs", time.Now())
	}
}

// BenchmarkSigner signs the same request with a Signer, which keeps the
// signing key.
func BenchmarkSigner(b *testing.B) {
	s := NewSigner(Credential{AccessKeyID: "AKIDBENCH", SecretAccessKey: "benchsecret"}, "us-east-1", "sqs")
	body := []byte(`{"QueueUrl":"http://localhost:4566/000000000000/q","MessageBody":"hello"}`)
	hash := PayloadHash(body)
	r := httptest.NewRequest(http.MethodPost, "http://localhost:4566/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	b.ReportAllocs()
	for b.Loop() {
		s.Sign(r, hash, time.Now())
	}
}
