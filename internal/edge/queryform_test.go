package edge

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// recordSQS keeps the SendMessage input it was given.
type recordSQS struct {
	sqsapi.Handler
	got *sqsapi.SendMessageInput
}

func (h *recordSQS) SendMessage(_ context.Context, in *sqsapi.SendMessageInput) (*sqsapi.SendMessageOutput, error) {
	h.got = in
	id, sum := "id", "sum"
	return &sqsapi.SendMessageOutput{MessageId: &id, MD5OfMessageBody: &sum}, nil
}

// TestQueryFormDecodedOnce checks query-protocol POSTs, whose form body the
// edge parses to route the request and then decodes without parsing again:
// URL query parameters still merge in, the body's checks still apply, and a
// gzip body still goes through the codec.
func TestQueryFormDecodedOnce(t *testing.T) {
	const form = "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Flocalhost%2F000000000000%2Fq" +
		"&MessageBody=a+b%26c&MessageAttribute.1.Name=k&MessageAttribute.1.Value.DataType=String" +
		"&MessageAttribute.1.Value.StringValue=v"
	goodMD5 := md5.Sum([]byte(form))
	tests := []struct {
		name, query, contentMD5 string
		status                  int
		delay                   int32 // DelaySeconds wanted (0: absent)
	}{
		{name: "body only", status: http.StatusOK},
		{name: "URL query merged", query: "?DelaySeconds=7", status: http.StatusOK, delay: 7},
		{name: "Content-MD5 checked", contentMD5: base64.StdEncoding.EncodeToString(goodMD5[:]), status: http.StatusOK},
		{name: "Content-MD5 mismatch", contentMD5: base64.StdEncoding.EncodeToString(make([]byte, 16)), status: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &recordSQS{}
			s := New(Config{Region: "us-east-1", Account: "000000000000", Credentials: auth.NewStaticCredentials(benchCred)})
			s.Register(sqsapi.API(), sqsapi.Bind(h))
			r := httptest.NewRequest(http.MethodPost, "http://localhost:4566/"+tc.query, strings.NewReader(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			if tc.contentMD5 != "" {
				r.Header.Set("Content-MD5", tc.contentMD5)
			}
			auth.SignV4(r, auth.PayloadHash([]byte(form)), benchCred, "us-east-1", "sqs", time.Now())
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.status != http.StatusOK {
				return
			}
			in := h.got
			if in == nil || *in.MessageBody != "a b&c" || *in.QueueUrl != "http://localhost/000000000000/q" ||
				*in.MessageAttributes["k"].StringValue != "v" {
				t.Fatalf("decoded input %+v", in)
			}
			if (in.DelaySeconds != nil) != (tc.delay != 0) || in.DelaySeconds != nil && *in.DelaySeconds != tc.delay {
				t.Fatalf("DelaySeconds = %v, want %d", in.DelaySeconds, tc.delay)
			}
		})
	}
}

// TestQueryFormGzip checks that a gzip-compressed query body, which the edge
// cannot read as a form, is refused as before rather than decoded from a
// garbled parse.
func TestQueryFormGzip(t *testing.T) {
	h := &recordSQS{}
	s := New(Config{Region: "us-east-1", Account: "000000000000", Credentials: auth.NewStaticCredentials(benchCred)})
	s.Register(sqsapi.API(), sqsapi.Bind(h))
	body := bytes.Repeat([]byte{0x1f, 0x8b, 0x08, 0x00, '%', 'z'}, 4)
	r := httptest.NewRequest(http.MethodPost, "http://localhost:4566/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Content-Encoding", "gzip")
	auth.SignV4(r, auth.PayloadHash(body), benchCred, "us-east-1", "sqs", time.Now())
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || h.got != nil {
		t.Fatalf("status %d, handler input %+v: %s", w.Code, h.got, w.Body)
	}
}
