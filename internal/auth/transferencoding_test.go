package auth

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestSignedTransferEncoding replays a PutObject botocore sent with
// Transfer-Encoding: chunked among its signed headers (ceph s3-tests'
// test_object_write_with_chunked_transfer_encoding). net/http's server moves
// that header into r.TransferEncoding, so the canonical request must read it
// from there; a different coding must still break the signature.
func TestSignedTransferEncoding(t *testing.T) {
	raw, err := os.ReadFile("testdata/botocore-put-transfer-encoding.http")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		coding []string
		kind   Kind // 0: verifies
	}{
		{"as sent", nil, 0},
		{"other coding", []string{"gzip", "chunked"}, SignatureDoesNotMatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
			if err != nil {
				t.Fatal(err)
			}
			if r.Header.Get("Transfer-Encoding") != "" || len(r.TransferEncoding) != 1 || r.ContentLength != -1 {
				t.Fatalf("net/http kept the header: %v %v %d", r.Header, r.TransferEncoding, r.ContentLength)
			}
			if tc.coding != nil {
				r.TransferEncoding = tc.coding
			}
			at, err := time.Parse(amzDateFormat, r.Header.Get("X-Amz-Date"))
			if err != nil {
				t.Fatal(err)
			}
			res, body, err := verifyAll(exampleVerifier(at), r, VerifyOptions{S3: true})
			if tc.kind != 0 {
				wantKind(t, err, tc.kind)
				return
			}
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if string(body) != "bar" || res.Caller.AccessKeyID != exampleKey {
				t.Fatalf("body %q caller %+v", body, res.Caller)
			}
		})
	}
}
