package s3

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/auth"
)

// TestUploadPartResendFirstFinishesLast uploads part 1 twice, the first
// request finishing after the second (ceph s3-tests'
// test_multipart_resend_first_finishes_last): the upload that finished last
// is the part, so completing with its ETag succeeds with its data, and the
// ETag of the upload it replaced is an InvalidPart.
func TestUploadPartResendFirstFinishesLast(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "resend")
	up, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("resend"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	first, second := strings.Repeat("A", 8), strings.Repeat("B", 8)

	// The first request declares 8 bytes but sends 4 before the second runs.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPut, f.srv.URL+"/resend/k?partNumber=1&uploadId="+aws.ToString(up.UploadId), pr)
	req.ContentLength = int64(len(first))
	auth.SignV4(req, "UNSIGNED-PAYLOAD", auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}, "us-east-1", "s3", time.Now())
	type result struct {
		etag string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{etag: resp.Header.Get("ETag")}
	}()
	if _, err := pw.Write([]byte(first[:4])); err != nil {
		t.Fatal(err)
	}
	b, err := f.client.UploadPart(ctx, &sdks3.UploadPartInput{Bucket: aws.String("resend"), Key: aws.String("k"),
		UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader(second)})
	if err != nil {
		t.Fatal(err)
	}
	pw.Write([]byte(first[4:]))
	pw.Close()
	a := <-done
	if a.err != nil || a.etag == "" || a.etag == aws.ToString(b.ETag) {
		t.Fatalf("first upload: etag %q err %v (second %q)", a.etag, a.err, aws.ToString(b.ETag))
	}

	complete := func(etag string) error {
		_, err := f.client.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("resend"), Key: aws.String("k"),
			UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: aws.String(etag), PartNumber: aws.Int32(1)}}}})
		return err
	}
	if err := complete(aws.ToString(b.ETag)); errCode(err) != "InvalidPart" {
		t.Fatalf("complete with the replaced part's etag: %v", err)
	}
	if err := complete(a.etag); err != nil {
		t.Fatalf("complete with the last-finished part's etag: %v", err)
	}
	out, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("resend"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(got) != first {
		t.Fatalf("object = %q, want %q", got, first)
	}
}
