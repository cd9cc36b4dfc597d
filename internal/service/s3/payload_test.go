package s3

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/nubo/nubo/internal/auth"
)

// TestSignedPayloadAddressesBlob checks that a body signed with its SHA-256
// is stored under that hash, and that a body whose signed hash is another
// content's is refused with nothing stored under either hash.
func TestSignedPayloadAddressesBlob(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "signed")
	blobDir := filepath.Join(f.sys.DataDir, "s3", "blobs")
	body := bytes.Repeat([]byte("b"), DefaultInlineMax+1)
	other := bytes.Repeat([]byte("o"), DefaultInlineMax+1)
	put := func(key string, content []byte, payloadHash string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPut, f.srv.URL+"/signed/"+key, bytes.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		auth.SignV4(req, payloadHash, benchCred, "us-east-1", "s3", time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	exists := func(content []byte) bool {
		h := auth.PayloadHash(content)
		_, err := os.Stat(filepath.Join(blobDir, h[:2], h))
		return err == nil
	}
	if resp := put("good", body, auth.PayloadHash(body)); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed PUT: %d", resp.StatusCode)
	}
	if !exists(body) {
		t.Error("the signed body is not stored under its SHA-256")
	}
	if resp := put("bad", body, auth.PayloadHash(other)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("PUT with another body's hash: %d, want 400", resp.StatusCode)
	}
	if exists(other) {
		t.Error("a body was stored under another content's hash")
	}
	if _, err := f.client.HeadObject(context.Background(), &sdks3.HeadObjectInput{Bucket: aws.String("signed"), Key: aws.String("bad")}); errCode(err) != "NotFound" {
		t.Errorf("HEAD of the refused key: %v, want NotFound", err)
	}
}
