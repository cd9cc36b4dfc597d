package s3

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/nubo/nubo/internal/auth"
)

// TestTransferEncodingChunked checks bodies sent with HTTP's chunked transfer
// coding: S3 answers 501 NotImplemented naming Transfer-Encoding unless the
// body is aws-chunked with x-amz-decoded-content-length.
func TestTransferEncodingChunked(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "tecoding")
	ctx := context.Background()
	up, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("tecoding"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	cred := auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}
	data := []byte(strings.Repeat("te!", 3000))
	plain := func(path string, chunked bool) *http.Request {
		req, _ := http.NewRequest(http.MethodPut, f.srv.URL+path, bytes.NewReader(data))
		auth.SignV4(req, auth.PayloadHash(data), cred, "us-east-1", "s3", time.Now())
		if chunked { // an io.Reader of unknown length goes out chunked
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(data)), -1
		}
		return req
	}
	awsChunkedInHTTPChunks := func(path string) *http.Request {
		req, _ := http.NewRequest(http.MethodPut, f.srv.URL+path, nil)
		if err := auth.SignV4Chunked(req, data, 4096, "", cred, "us-east-1", "s3", time.Now()); err != nil {
			t.Fatal(err)
		}
		req.ContentLength, req.GetBody = -1, nil
		return req
	}
	partPath := "/tecoding/mp?partNumber=1&uploadId=" + aws.ToString(up.UploadId)
	tests := []struct {
		name   string
		req    *http.Request
		status int
		body   string // substring of the response body
	}{
		{"put with content-length", plain("/tecoding/a", false), 200, ""},
		{"put chunked", plain("/tecoding/b", true), 501, "<Header>Transfer-Encoding</Header>"},
		{"upload part chunked", plain(partPath, true), 501, "<Code>NotImplemented</Code>"},
		{"put aws-chunked in http chunks", awsChunkedInHTTPChunks("/tecoding/c"), 200, ""},
		{"upload part aws-chunked in http chunks", awsChunkedInHTTPChunks(partPath), 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.body) {
				t.Fatalf("status %d body %s", resp.StatusCode, b)
			}
		})
	}
	for key, want := range map[string]bool{"a": true, "b": false, "c": true} {
		_, err := f.client.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("tecoding"), Key: aws.String(key)})
		if (err == nil) != want {
			t.Errorf("head %s: %v, want stored %v", key, err, want)
		}
	}
}
