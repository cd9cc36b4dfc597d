package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// testKey is an SSE-C key: its base64 form and the base64 of its MD5.
type testKey struct{ b64, md5 string }

func newTestKey(fill byte) testKey {
	k := []byte(strings.Repeat(string(rune(fill)), 32))
	sum := md5.Sum(k)
	return testKey{base64.StdEncoding.EncodeToString(k), base64.StdEncoding.EncodeToString(sum[:])}
}

var (
	keyA = newTestKey('a')
	keyB = newTestKey('b')
)

func (k testKey) headers() ssecHeaders {
	return ssecHeaders{alg: ptr("AES256"), key: ptr(k.b64), md5: ptr(k.md5)}
}

func TestSSECHeadersParse(t *testing.T) {
	short := base64.StdEncoding.EncodeToString([]byte("short"))
	cases := []struct {
		name string
		h    ssecHeaders
		want string
	}{
		{"none", ssecHeaders{}, ""},
		{"valid", keyA.headers(), ""},
		{"no algorithm", ssecHeaders{key: ptr(keyA.b64), md5: ptr(keyA.md5)}, "InvalidArgument"},
		{"bad algorithm", ssecHeaders{alg: ptr("AES192"), key: ptr(keyA.b64), md5: ptr(keyA.md5)}, "InvalidEncryptionAlgorithmError"},
		{"no key", ssecHeaders{alg: ptr("AES256"), md5: ptr(keyA.md5)}, "InvalidArgument"},
		{"short key", ssecHeaders{alg: ptr("AES256"), key: ptr(short), md5: ptr(keyA.md5)}, "InvalidArgument"},
		{"key not base64", ssecHeaders{alg: ptr("AES256"), key: ptr("!!not base64!!"), md5: ptr(keyA.md5)}, "InvalidArgument"},
		{"no md5", ssecHeaders{alg: ptr("AES256"), key: ptr(keyA.b64)}, "InvalidArgument"},
		{"md5 of another key", ssecHeaders{alg: ptr("AES256"), key: ptr(keyA.b64), md5: ptr(keyB.md5)}, "InvalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := tc.h.parse()
			if errorCode(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tc.want == "" && tc.h.present() && (k == nil || k.md5 != keyA.md5 || len(k.key) != 32) {
				t.Fatalf("parsed key %+v", k)
			}
		})
	}
}

func TestSSECRecordKeepsNoKey(t *testing.T) {
	ka, _ := keyA.headers().parse()
	kb, _ := keyB.headers().parse()
	r1, r2 := newSSECRecord(ka), newSSECRecord(ka)
	if !r1.matches(ka) || !r2.matches(ka) {
		t.Fatal("record does not match its own key")
	}
	if r1.matches(kb) {
		t.Fatal("record matches another key")
	}
	if string(r1.MAC) == string(r2.MAC) {
		t.Fatal("two records of one key share a MAC: not salted")
	}
	js := string(mustJSON(r1))
	raw := base64.StdEncoding.EncodeToString(ka.key)
	if strings.Contains(js, raw) || strings.Contains(js, string(ka.key)) {
		t.Fatalf("stored record holds the key: %s", js)
	}
	var back ssecRecord
	if err := json.Unmarshal([]byte(js), &back); err != nil || !back.matches(ka) || back.KeyMD5 != keyA.md5 {
		t.Fatalf("record does not survive JSON: %v", err)
	}
}

// httpStatus returns the HTTP status of an SDK error (0 if none).
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func readAll(t *testing.T, rc io.ReadCloser) string {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ssecGet(k *testKey, rng string, part int32) *sdks3.GetObjectInput {
	in := &sdks3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("obj")}
	if k != nil {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k.b64), aws.String(k.md5)
	}
	if rng != "" {
		in.Range = aws.String(rng)
	}
	if part > 0 {
		in.PartNumber = aws.Int32(part)
	}
	return in
}

func TestSDKSSECObject(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "enc")
	put, err := f.client.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("obj"),
		Body: strings.NewReader("hello, sse-c"), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.SSECustomerAlgorithm) != "AES256" || aws.ToString(put.SSECustomerKeyMD5) != keyA.md5 || put.ServerSideEncryption != "" {
		t.Fatalf("put echo: %q %q %q", aws.ToString(put.SSECustomerAlgorithm), aws.ToString(put.SSECustomerKeyMD5), put.ServerSideEncryption)
	}
	cases := []struct {
		name       string
		in         *sdks3.GetObjectInput
		wantCode   string
		wantStatus int
		wantBody   string
	}{
		{"right key", ssecGet(&keyA, "", 0), "", 200, "hello, sse-c"},
		{"range with key", ssecGet(&keyA, "bytes=7-11", 0), "", 206, "sse-c"},
		{"part 1 with key", ssecGet(&keyA, "", 1), "", 206, "hello, sse-c"},
		{"no key", ssecGet(nil, "", 0), "InvalidRequest", 400, ""},
		{"range without key", ssecGet(nil, "bytes=0-1", 0), "InvalidRequest", 400, ""},
		{"part without key", ssecGet(nil, "", 1), "InvalidRequest", 400, ""},
		{"other key", ssecGet(&keyB, "", 0), "AccessDenied", 403, ""},
		{"range with other key", ssecGet(&keyB, "bytes=0-1", 0), "AccessDenied", 403, ""},
	}
	for _, tc := range cases {
		t.Run("get "+tc.name, func(t *testing.T) {
			out, err := f.client.GetObject(ctx, tc.in)
			if errCode(err) != tc.wantCode {
				t.Fatalf("got %v, want %q", err, tc.wantCode)
			}
			if err != nil {
				if httpStatus(err) != tc.wantStatus {
					t.Fatalf("status %d, want %d", httpStatus(err), tc.wantStatus)
				}
				return
			}
			if body := readAll(t, out.Body); body != tc.wantBody {
				t.Fatalf("body %q, want %q", body, tc.wantBody)
			}
			if aws.ToString(out.SSECustomerAlgorithm) != "AES256" || aws.ToString(out.SSECustomerKeyMD5) != keyA.md5 {
				t.Fatalf("get echo: %q %q", aws.ToString(out.SSECustomerAlgorithm), aws.ToString(out.SSECustomerKeyMD5))
			}
			if aws.ToString(out.ETag) != aws.ToString(put.ETag) {
				t.Fatalf("etag %s, put said %s", aws.ToString(out.ETag), aws.ToString(put.ETag))
			}
		})
	}
	heads := []struct {
		name string
		k    *testKey
		want int
	}{{"right key", &keyA, 200}, {"no key", nil, 400}, {"other key", &keyB, 403}}
	for _, tc := range heads {
		t.Run("head "+tc.name, func(t *testing.T) {
			in := &sdks3.HeadObjectInput{Bucket: aws.String("enc"), Key: aws.String("obj")}
			if tc.k != nil {
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(tc.k.b64), aws.String(tc.k.md5)
			}
			out, err := f.client.HeadObject(ctx, in)
			if tc.want != 200 {
				if httpStatus(err) != tc.want {
					t.Fatalf("got %v, want status %d", err, tc.want)
				}
				return
			}
			if err != nil || aws.ToString(out.SSECustomerKeyMD5) != keyA.md5 {
				t.Fatalf("head: %v", err)
			}
		})
	}
}

func TestSDKSSECWriteErrors(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "enc")
	f.put(t, "enc", "plain", "not encrypted")
	cases := []struct {
		name string
		in   func(*sdks3.PutObjectInput)
		want string
	}{
		{"bad md5", func(in *sdks3.PutObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(keyA.b64), aws.String(keyB.md5)
		}, "InvalidArgument"},
		{"bad algorithm", func(in *sdks3.PutObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES192"), aws.String(keyA.b64), aws.String(keyA.md5)
		}, "InvalidEncryptionAlgorithmError"},
		{"algorithm without key", func(in *sdks3.PutObjectInput) { in.SSECustomerAlgorithm = aws.String("AES256") }, "InvalidArgument"},
		{"sse-c with sse-s3", func(in *sdks3.PutObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(keyA.b64), aws.String(keyA.md5)
			in.ServerSideEncryption = types.ServerSideEncryptionAes256
		}, "InvalidArgument"},
		{"kms key with sse-s3", func(in *sdks3.PutObjectInput) {
			in.ServerSideEncryption, in.SSEKMSKeyId = types.ServerSideEncryptionAes256, aws.String("some-key")
		}, "InvalidArgument"},
		{"kms key alone", func(in *sdks3.PutObjectInput) { in.SSEKMSKeyId = aws.String("some-key") }, "InvalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sdks3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("bad"), Body: strings.NewReader("x")}
			tc.in(in)
			_, err := f.client.PutObject(ctx, in)
			if errCode(err) != tc.want || httpStatus(err) != http.StatusBadRequest {
				t.Fatalf("got %v, want %q (400)", err, tc.want)
			}
		})
	}
	t.Run("key for a plain object", func(t *testing.T) {
		_, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("plain"),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)})
		if errCode(err) != "InvalidRequest" {
			t.Fatalf("got %v", err)
		}
	})
	for _, h := range []string{"x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"} {
		t.Run("get with "+h, func(t *testing.T) {
			_, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("plain")},
				sdks3.WithAPIOptions(smithyhttp.AddHeaderValue(h, "AES256")))
			if errCode(err) != "InvalidArgument" {
				t.Fatalf("got %v", err)
			}
			_, err = f.client.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("enc"), Key: aws.String("plain")},
				sdks3.WithAPIOptions(smithyhttp.AddHeaderValue(h, "AES256")))
			if httpStatus(err) != http.StatusBadRequest {
				t.Fatalf("head got %v", err)
			}
		})
	}
}

func TestSDKSSECCopy(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "enc")
	if _, err := f.client.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("src"),
		Body: strings.NewReader("secret body"), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)}); err != nil {
		t.Fatal(err)
	}
	srcKey := func(in *sdks3.CopyObjectInput, k testKey) {
		in.CopySourceSSECustomerAlgorithm, in.CopySourceSSECustomerKey, in.CopySourceSSECustomerKeyMD5 =
			aws.String("AES256"), aws.String(k.b64), aws.String(k.md5)
	}
	cases := []struct {
		name, dst string
		in        func(*sdks3.CopyObjectInput)
		wantCode  string
		read      *testKey // key to read the copy with
		wantSSE   types.ServerSideEncryption
	}{
		{"no source key", "d1", func(in *sdks3.CopyObjectInput) {}, "InvalidRequest", nil, ""},
		{"wrong source key", "d2", func(in *sdks3.CopyObjectInput) { srcKey(in, keyB) }, "AccessDenied", nil, ""},
		{"to sse-c with a new key", "d3", func(in *sdks3.CopyObjectInput) {
			srcKey(in, keyA)
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(keyB.b64), aws.String(keyB.md5)
		}, "", &keyB, ""},
		{"to sse-s3", "d4", func(in *sdks3.CopyObjectInput) {
			srcKey(in, keyA)
			in.ServerSideEncryption = types.ServerSideEncryptionAes256
		}, "", nil, types.ServerSideEncryptionAes256},
		{"to sse-kms", "d5", func(in *sdks3.CopyObjectInput) {
			srcKey(in, keyA)
			in.ServerSideEncryption, in.SSEKMSKeyId = types.ServerSideEncryptionAwsKms, aws.String("my-key")
		}, "", nil, types.ServerSideEncryptionAwsKms},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sdks3.CopyObjectInput{Bucket: aws.String("enc"), Key: aws.String(tc.dst), CopySource: aws.String("enc/src")}
			tc.in(in)
			out, err := f.client.CopyObject(ctx, in)
			if errCode(err) != tc.wantCode {
				t.Fatalf("got %v, want %q", err, tc.wantCode)
			}
			if err != nil {
				return
			}
			get := &sdks3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String(tc.dst)}
			if tc.read != nil {
				if aws.ToString(out.SSECustomerKeyMD5) != tc.read.md5 {
					t.Fatalf("copy echo md5 %q", aws.ToString(out.SSECustomerKeyMD5))
				}
				get.SSECustomerAlgorithm, get.SSECustomerKey, get.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(tc.read.b64), aws.String(tc.read.md5)
				if _, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String(tc.dst),
					SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyA.b64),
					SSECustomerKeyMD5: aws.String(keyA.md5)}); errCode(err) != "AccessDenied" {
					t.Fatalf("copy readable with the source key: %v", err)
				}
			}
			g, err := f.client.GetObject(ctx, get)
			if err != nil {
				t.Fatal(err)
			}
			if body := readAll(t, g.Body); body != "secret body" || g.ServerSideEncryption != tc.wantSSE {
				t.Fatalf("copy read %q sse %q", body, g.ServerSideEncryption)
			}
		})
	}
}

func TestSDKSSECMultipart(t *testing.T) {
	f := newFixture(t, fixtureOpts{opts: Options{MinPartSize: 1}})
	ctx := context.Background()
	f.mkBucket(t, "enc")
	f.put(t, "enc", "plain", "-copied")
	cr, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("enc"), Key: aws.String("mp"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cr.SSECustomerKeyMD5) != keyA.md5 {
		t.Fatalf("create echo %q", aws.ToString(cr.SSECustomerKeyMD5))
	}
	part := func(k *testKey) (*sdks3.UploadPartOutput, error) {
		in := &sdks3.UploadPartInput{Bucket: aws.String("enc"), Key: aws.String("mp"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("part one")}
		if k != nil {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k.b64), aws.String(k.md5)
		}
		return f.client.UploadPart(ctx, in)
	}
	for _, tc := range []struct {
		name string
		k    *testKey
	}{{"part without key", nil}, {"part with another key", &keyB}} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := part(tc.k); errCode(err) != "InvalidRequest" || httpStatus(err) != http.StatusBadRequest {
				t.Fatalf("got %v, want InvalidRequest", err)
			}
		})
	}
	p1, err := part(&keyA)
	if err != nil || aws.ToString(p1.SSECustomerKeyMD5) != keyA.md5 {
		t.Fatalf("part with the upload's key: %v", err)
	}
	copyPart := &sdks3.UploadPartCopyInput{Bucket: aws.String("enc"), Key: aws.String("mp"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(2), CopySource: aws.String("enc/plain")}
	if _, err := f.client.UploadPartCopy(ctx, copyPart); errCode(err) != "InvalidRequest" {
		t.Fatalf("part copy without the upload's key: %v", err)
	}
	copyPart.SSECustomerAlgorithm, copyPart.SSECustomerKey, copyPart.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(keyA.b64), aws.String(keyA.md5)
	p2, err := f.client.UploadPartCopy(ctx, copyPart)
	if err != nil {
		t.Fatal(err)
	}
	parts := &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p1.ETag},
		{PartNumber: aws.Int32(2), ETag: p2.CopyPartResult.ETag}}}
	complete := &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("enc"), Key: aws.String("mp"), UploadId: cr.UploadId,
		MultipartUpload: parts, SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyB.b64),
		SSECustomerKeyMD5: aws.String(keyB.md5)}
	if _, err := f.client.CompleteMultipartUpload(ctx, complete); errCode(err) != "InvalidRequest" {
		t.Fatalf("complete with another key: %v", err)
	}
	complete.SSECustomerKey, complete.SSECustomerKeyMD5 = aws.String(keyA.b64), aws.String(keyA.md5)
	if _, err := f.client.CompleteMultipartUpload(ctx, complete); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("mp")}); errCode(err) != "InvalidRequest" {
		t.Fatalf("get without key: %v", err)
	}
	g, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("mp"), PartNumber: aws.Int32(2),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)})
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, g.Body); body != "-copied" || aws.ToString(g.SSECustomerKeyMD5) != keyA.md5 {
		t.Fatalf("part 2 %q", body)
	}
}

func TestSDKSSECBlockedByBucket(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "noc")
	b := aws.String("noc")
	putC := func(key string) error {
		_, err := f.client.PutObject(ctx, &sdks3.PutObjectInput{Bucket: b, Key: aws.String(key), Body: strings.NewReader("secret"),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)})
		return err
	}
	block := func(blocked ...string) error {
		_, err := f.client.PutBucketEncryption(ctx, &sdks3.PutBucketEncryptionInput{Bucket: b,
			ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256},
				BlockedEncryptionTypes:             &types.BlockedEncryptionTypes{EncryptionType: toEncryptionTypes(blocked)}}}}})
		return err
	}
	if err := putC("before"); err != nil {
		t.Fatalf("SSE-C before blocking: %v", err)
	}
	if err := block("SSE-C"); err != nil {
		t.Fatal(err)
	}
	enc, err := f.client.GetBucketEncryption(ctx, &sdks3.GetBucketEncryptionInput{Bucket: b})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].BlockedEncryptionTypes == nil ||
		len(enc.ServerSideEncryptionConfiguration.Rules[0].BlockedEncryptionTypes.EncryptionType) != 1 {
		t.Fatalf("encryption configuration read back: %v %+v", err, enc)
	}
	if err := putC("after"); errCode(err) != "AccessDenied" {
		t.Fatalf("SSE-C PUT on a blocking bucket: %v, want AccessDenied", err)
	}
	if _, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)}); errCode(err) != "AccessDenied" {
		t.Fatalf("SSE-C multipart upload on a blocking bucket: %v, want AccessDenied", err)
	}
	if _, err := f.client.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("noc/before"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(keyA.b64), CopySourceSSECustomerKeyMD5: aws.String(keyA.md5),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)}); errCode(err) != "AccessDenied" {
		t.Fatalf("SSE-C copy into a blocking bucket: %v, want AccessDenied", err)
	}
	got, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: b, Key: aws.String("before"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)})
	if err != nil || readAll(t, got.Body) != "secret" {
		t.Fatalf("existing SSE-C object unreadable after blocking: %v", err)
	}
	if _, err := f.client.PutObject(ctx, &sdks3.PutObjectInput{Bucket: b, Key: aws.String("plain"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("plain PUT on a blocking bucket: %v", err)
	}
	if err := block("TRIPLE-DES"); errCode(err) != "MalformedXML" {
		t.Fatalf("unknown blocked type: %v, want MalformedXML", err)
	}
	if err := block("NONE"); err != nil {
		t.Fatal(err)
	}
	if err := putC("unblocked"); err != nil {
		t.Fatalf("SSE-C after unblocking: %v", err)
	}
}

func toEncryptionTypes(s []string) []types.EncryptionType {
	out := make([]types.EncryptionType, len(s))
	for i, v := range s {
		out[i] = types.EncryptionType(v)
	}
	return out
}
