package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// allAttributes selects every attribute GetObjectAttributes knows.
var allAttributes = []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesChecksum,
	types.ObjectAttributesObjectParts, types.ObjectAttributesStorageClass, types.ObjectAttributesObjectSize}

// attrsCall is one GetObjectAttributes request of a table.
type attrsCall struct {
	name      string
	key       string
	versionID string // "@first" names the first version put
	attrs     []types.ObjectAttributes
	ssec      *testKey
	wantCode  string
	wantCheck func(t *testing.T, out *sdks3.GetObjectAttributesOutput)
}

func (f *fixture) getAttributes(bucket string, c attrsCall, first string) (*sdks3.GetObjectAttributesOutput, error) {
	in := &sdks3.GetObjectAttributesInput{Bucket: aws.String(bucket), Key: aws.String(c.key), ObjectAttributes: c.attrs}
	if in.ObjectAttributes == nil {
		in.ObjectAttributes = allAttributes
	}
	switch c.versionID {
	case "":
	case "@first":
		in.VersionId = aws.String(first)
	default:
		in.VersionId = aws.String(c.versionID)
	}
	if c.ssec != nil {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(c.ssec.b64), aws.String(c.ssec.md5)
	}
	return f.client.GetObjectAttributes(context.Background(), in)
}

func runAttrsCalls(t *testing.T, f *fixture, bucket, first string, calls []attrsCall) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			out, err := f.getAttributes(bucket, c, first)
			if errCode(err) != c.wantCode {
				t.Fatalf("err = %v, want %q", err, c.wantCode)
			}
			if c.wantCheck != nil {
				c.wantCheck(t, out)
			}
		})
	}
}

func TestGetObjectAttributesSingleObject(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "attrs-b")
	put := f.put(t, "attrs-b", "obj", "foo")
	etag := strings.Trim(aws.ToString(put.ETag), `"`)
	sum := sha256.Sum256([]byte("body with checksum"))
	sha := base64.StdEncoding.EncodeToString(sum[:])
	if _, err := f.client.PutObject(context.Background(), &sdks3.PutObjectInput{Bucket: aws.String("attrs-b"), Key: aws.String("sum"),
		Body: strings.NewReader("body with checksum"), ChecksumAlgorithm: types.ChecksumAlgorithmSha256}); err != nil {
		t.Fatal(err)
	}
	runAttrsCalls(t, f, "attrs-b", "", []attrsCall{
		{name: "all attributes", key: "obj", wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
			if aws.ToString(out.ETag) != etag || aws.ToInt64(out.ObjectSize) != 3 || out.StorageClass != types.StorageClassStandard {
				t.Fatalf("ETag %q size %d class %q, want %q 3 STANDARD", aws.ToString(out.ETag), aws.ToInt64(out.ObjectSize), out.StorageClass, etag)
			}
			if out.VersionId != nil || out.DeleteMarker != nil || out.ObjectParts != nil || out.Checksum != nil {
				t.Fatalf("unexpected fields: version %v marker %v parts %+v checksum %+v", out.VersionId, out.DeleteMarker, out.ObjectParts, out.Checksum)
			}
			if out.LastModified == nil || out.LastModified.IsZero() {
				t.Fatal("no Last-Modified")
			}
		}},
		{name: "only the size", key: "obj", attrs: []types.ObjectAttributes{types.ObjectAttributesObjectSize},
			wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
				if out.ETag != nil || out.StorageClass != "" || aws.ToInt64(out.ObjectSize) != 3 {
					t.Fatalf("ETag %v class %q size %v: only ObjectSize was asked for", out.ETag, out.StorageClass, out.ObjectSize)
				}
			}},
		{name: "checksum", key: "sum", wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
			if out.Checksum == nil || aws.ToString(out.Checksum.ChecksumSHA256) != sha || out.Checksum.ChecksumType != types.ChecksumTypeFullObject {
				t.Fatalf("checksum %+v, want SHA256 %s FULL_OBJECT", out.Checksum, sha)
			}
			if out.Checksum.ChecksumCRC32 != nil || out.Checksum.ChecksumCRC64NVME != nil {
				t.Fatalf("checksums not recorded are reported: %+v", out.Checksum)
			}
		}},
		{name: "unknown attribute", key: "obj", attrs: []types.ObjectAttributes{"Colour"}, wantCode: "InvalidArgument"},
		{name: "missing key", key: "nope", wantCode: "NoSuchKey"},
		{name: "version id in an unversioned bucket", key: "obj", versionID: "null", wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
			if aws.ToInt64(out.ObjectSize) != 3 {
				t.Fatalf("size %v", out.ObjectSize)
			}
		}},
	})
}

func TestGetObjectAttributesVersioned(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "attrs-v")
	if _, err := f.client.PutBucketVersioning(context.Background(), &sdks3.PutBucketVersioningInput{Bucket: aws.String("attrs-v"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	first := f.put(t, "attrs-v", "k", "first")
	second := f.put(t, "attrs-v", "k", "second!")
	f.put(t, "attrs-v", "gone", "x")
	del, err := f.client.DeleteObject(context.Background(), &sdks3.DeleteObjectInput{Bucket: aws.String("attrs-v"), Key: aws.String("gone")})
	if err != nil {
		t.Fatal(err)
	}
	runAttrsCalls(t, f, "attrs-v", aws.ToString(first.VersionId), []attrsCall{
		{name: "current", key: "k", wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
			if aws.ToString(out.VersionId) != aws.ToString(second.VersionId) || aws.ToInt64(out.ObjectSize) != 7 {
				t.Fatalf("version %v size %v, want %s 7", out.VersionId, out.ObjectSize, aws.ToString(second.VersionId))
			}
		}},
		{name: "older version", key: "k", versionID: "@first", wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
			if aws.ToString(out.VersionId) != aws.ToString(first.VersionId) || aws.ToInt64(out.ObjectSize) != 5 ||
				aws.ToString(out.ETag) != strings.Trim(aws.ToString(first.ETag), `"`) || out.DeleteMarker != nil {
				t.Fatalf("got %+v, want the first version", out)
			}
		}},
		{name: "unknown version", key: "k", versionID: "null", wantCode: "NoSuchVersion"},
		{name: "delete marker current", key: "gone", wantCode: "NoSuchKey"},
		{name: "delete marker by id", key: "gone", versionID: aws.ToString(del.VersionId), wantCode: "MethodNotAllowed"},
	})
	_, err = f.getAttributes("attrs-v", attrsCall{key: "gone"}, "")
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound || re.Response.Header.Get("x-amz-delete-marker") != "true" {
		t.Fatalf("delete marker answer %v, want 404 with x-amz-delete-marker: true", err)
	}
}

func TestGetObjectAttributesMultipart(t *testing.T) {
	f := mpFixture(t, Options{})
	f.mkBucket(t, "attrs-m")
	parts := [][]byte{body(1, 2048), body(2, 2048), body(3, 100)}
	done := f.upload(t, "attrs-m", "mp", parts, nil)
	f.upload(t, "attrs-m", "one", [][]byte{body(4, 300)}, nil)
	runAttrsCalls(t, f, "attrs-m", "", []attrsCall{
		{name: "three parts", key: "mp", wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
			if aws.ToString(out.ETag) != strings.Trim(aws.ToString(done.ETag), `"`) || aws.ToInt64(out.ObjectSize) != 4196 {
				t.Fatalf("ETag %v size %v", out.ETag, out.ObjectSize)
			}
			// Without an additional checksum AWS reports only the count.
			if out.ObjectParts == nil || aws.ToInt32(out.ObjectParts.TotalPartsCount) != 3 || len(out.ObjectParts.Parts) != 0 {
				t.Fatalf("ObjectParts %+v, want a count of 3 and no parts", out.ObjectParts)
			}
		}},
		{name: "one part", key: "one", wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
			if out.ObjectParts == nil || aws.ToInt32(out.ObjectParts.TotalPartsCount) != 1 {
				t.Fatalf("ObjectParts %+v, want a count of 1", out.ObjectParts)
			}
		}},
		{name: "parts not asked for", key: "mp", attrs: []types.ObjectAttributes{types.ObjectAttributesEtag},
			wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
				if out.ObjectParts != nil {
					t.Fatalf("ObjectParts %+v not asked for", out.ObjectParts)
				}
			}},
	})
}

func TestGetObjectAttributesPartPages(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	rec := &objectRecord{Parts: 6, PartSizes: []int64{5, 5, 5, 5, 5, 3}, ChecksumAlg: "SHA256", ChecksumType: "COMPOSITE"}
	cases := []struct {
		name            string
		marker, max     *int32
		wantParts       []int32
		wantNext        int32
		wantMax         int32
		wantTruncated   bool
		wantMarkerEcho  int32
		wantLastPartLen int64
	}{
		{"first page", nil, nil, []int32{1, 2, 3, 4, 5, 6}, 6, 1000, false, 0, 3},
		{"one after three", ptr(int32(3)), ptr(int32(1)), []int32{4}, 4, 1, true, 3, 5},
		{"rest after four", ptr(int32(4)), ptr(int32(10)), []int32{5, 6}, 6, 10, false, 4, 3},
		{"exactly the rest", ptr(int32(4)), ptr(int32(2)), []int32{5, 6}, 6, 2, false, 4, 3},
		{"past the end", ptr(int32(6)), ptr(int32(2)), nil, 0, 2, false, 6, 0},
		{"max above the limit", nil, ptr(int32(5000)), []int32{1, 2, 3, 4, 5, 6}, 6, 1000, false, 0, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.svc.objectParts(rec, tc.marker, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			var got []int32
			for _, p := range out.Parts {
				got = append(got, aws.ToInt32(p.PartNumber))
			}
			if !equalInt32s(got, tc.wantParts) || aws.ToInt32(out.TotalPartsCount) != 6 || aws.ToInt32(out.MaxParts) != tc.wantMax ||
				aws.ToBool(out.IsTruncated) != tc.wantTruncated || aws.ToInt32(out.PartNumberMarker) != tc.wantMarkerEcho ||
				out.NextPartNumberMarker == nil || *out.NextPartNumberMarker != tc.wantNext {
				t.Fatalf("parts %v count %v max %v truncated %v marker %v next %v", got, out.TotalPartsCount, out.MaxParts,
					out.IsTruncated, out.PartNumberMarker, out.NextPartNumberMarker)
			}
			if n := len(out.Parts); n > 0 && aws.ToInt64(out.Parts[n-1].Size) != tc.wantLastPartLen {
				t.Fatalf("last part size %v, want %d", out.Parts[n-1].Size, tc.wantLastPartLen)
			}
		})
	}
}

// sha256B64 returns the base64 SHA-256 of b.
func sha256B64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// compositeSHA256 returns S3's checksum of checksums of parts.
func compositeSHA256(parts [][]byte) string {
	h := sha256.New()
	for _, p := range parts {
		sum := sha256.Sum256(p)
		h.Write(sum[:])
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts))
}

// uploadSHA256 runs a multipart upload of parts with SHA256 checksums and
// returns its completion and the completing request.
func (f *fixture) uploadSHA256(t *testing.T, bucket, key string, parts [][]byte) (*sdks3.CompleteMultipartUploadOutput, *sdks3.CompleteMultipartUploadInput) {
	t.Helper()
	up := f.startChecksumUpload(t, bucket, key, types.ChecksumAlgorithmSha256, "", parts)
	in := &sdks3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.id, MultipartUpload: up.parts}
	out, err := f.client.CompleteMultipartUpload(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out, in
}

func TestGetObjectAttributesCompositeChecksum(t *testing.T) {
	f := mpFixture(t, Options{})
	f.mkBucket(t, "attrs-c")
	parts := [][]byte{body(1, 2048), body(2, 2048), body(3, 2048), body(4, 100)}
	done, in := f.uploadSHA256(t, "attrs-c", "mp", parts)
	if want := compositeSHA256(parts); aws.ToString(done.ChecksumSHA256) != want || done.ChecksumType != types.ChecksumTypeComposite {
		t.Fatalf("completion checksum %v %q, want %s COMPOSITE", done.ChecksumSHA256, done.ChecksumType, want)
	}
	retry, err := f.client.CompleteMultipartUpload(context.Background(), in)
	if err != nil || aws.ToString(retry.ChecksumSHA256) != aws.ToString(done.ChecksumSHA256) {
		t.Fatalf("retried completion: %v checksum %v, want %v", err, retry, aws.ToString(done.ChecksumSHA256))
	}
	one := [][]byte{body(5, 300)}
	f.uploadSHA256(t, "attrs-c", "one", one)
	composite := strings.TrimSuffix(compositeSHA256(parts), "-4")
	partsOf := func(out *sdks3.GetObjectAttributesOutput) []string {
		var got []string
		for _, p := range out.ObjectParts.Parts {
			got = append(got, strconv.Itoa(int(aws.ToInt32(p.PartNumber)))+":"+strconv.Itoa(int(aws.ToInt64(p.Size)))+":"+aws.ToString(p.ChecksumSHA256))
		}
		return got
	}
	part := func(n int, b []byte) string { return strconv.Itoa(n) + ":" + strconv.Itoa(len(b)) + ":" + sha256B64(b) }
	calls := []struct {
		name          string
		key           string
		marker        *string
		max           *int32
		wantParts     []string
		wantTruncated bool
		wantChecksum  string
	}{
		{"all parts", "mp", nil, nil, []string{part(1, parts[0]), part(2, parts[1]), part(3, parts[2]), part(4, parts[3])}, false, composite},
		{"one after two", "mp", aws.String("2"), aws.Int32(1), []string{part(3, parts[2])}, true, composite},
		{"the rest after three", "mp", aws.String("3"), aws.Int32(10), []string{part(4, parts[3])}, false, composite},
		{"single part", "one", nil, nil, []string{part(1, one[0])}, false, strings.TrimSuffix(compositeSHA256(one), "-1")},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			out, err := f.client.GetObjectAttributes(context.Background(), &sdks3.GetObjectAttributesInput{Bucket: aws.String("attrs-c"),
				Key: aws.String(c.key), ObjectAttributes: allAttributes, PartNumberMarker: c.marker, MaxParts: c.max})
			if err != nil {
				t.Fatal(err)
			}
			if out.Checksum == nil || aws.ToString(out.Checksum.ChecksumSHA256) != c.wantChecksum || out.Checksum.ChecksumType != types.ChecksumTypeComposite {
				t.Fatalf("checksum %+v, want %s COMPOSITE", out.Checksum, c.wantChecksum)
			}
			if out.ObjectParts == nil {
				t.Fatal("no ObjectParts")
			}
			if got := partsOf(out); strings.Join(got, " ") != strings.Join(c.wantParts, " ") || aws.ToBool(out.ObjectParts.IsTruncated) != c.wantTruncated {
				t.Fatalf("parts %v truncated %v, want %v %v", got, aws.ToBool(out.ObjectParts.IsTruncated), c.wantParts, c.wantTruncated)
			}
		})
	}
}

func TestGetObjectAttributesSSEC(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.mkBucket(t, "attrs-s")
	if _, err := f.client.PutObject(context.Background(), &sdks3.PutObjectInput{Bucket: aws.String("attrs-s"), Key: aws.String("enc"),
		Body: strings.NewReader(strings.Repeat("A", 1000)), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(keyA.b64), SSECustomerKeyMD5: aws.String(keyA.md5)}); err != nil {
		t.Fatal(err)
	}
	f.put(t, "attrs-s", "plain", "p")
	runAttrsCalls(t, f, "attrs-s", "", []attrsCall{
		{name: "no key", key: "enc", wantCode: "InvalidRequest"},
		{name: "another key", key: "enc", ssec: &keyB, wantCode: "AccessDenied"},
		{name: "the key", key: "enc", ssec: &keyA, wantCheck: func(t *testing.T, out *sdks3.GetObjectAttributesOutput) {
			if aws.ToInt64(out.ObjectSize) != 1000 || out.VersionId != nil || out.ObjectParts != nil {
				t.Fatalf("got %+v", out)
			}
		}},
		{name: "key for a plain object", key: "plain", ssec: &keyA, wantCode: "InvalidRequest"},
	})
	_, err := f.getAttributes("attrs-s", attrsCall{key: "enc"}, "")
	if httpStatus(err) != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", httpStatus(err))
	}
}

func equalInt32s(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGetObjectAttributesPolicy(t *testing.T) {
	cases := []struct {
		name, deny, want string
	}{
		{"no deny", "", ""},
		{"deny GetObjectAttributes", "s3:GetObjectAttributes", "AccessDenied"},
		{"deny GetObject", "s3:GetObject", "AccessDenied"},
		{"deny another action", "s3:PutObject", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{})
			f.mkBucket(t, "attrs-p")
			f.put(t, "attrs-p", "k", "v")
			if tc.deny != "" {
				doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"` + tc.deny +
					`","Resource":"arn:aws:s3:::attrs-p/*"}]}`
				if _, err := f.client.PutBucketPolicy(context.Background(), &sdks3.PutBucketPolicyInput{Bucket: aws.String("attrs-p"),
					Policy: aws.String(doc)}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := f.getAttributes("attrs-p", attrsCall{key: "k"}, "")
			if errCode(err) != tc.want {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// TestCompleteChecksPartChecksums checks CompleteMultipartUpload compares the part
// checksums it lists with the parts' own, as it does their ETags.
func TestCompleteChecksPartChecksums(t *testing.T) {
	f := mpFixture(t, Options{})
	f.mkBucket(t, "mp-ck")
	ctx := context.Background()
	up, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("mp-ck"), Key: aws.String("k"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	data := body(7, 1000)
	part, err := f.client.UploadPart(ctx, &sdks3.UploadPartInput{Bucket: aws.String("mp-ck"), Key: aws.String("k"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(data), ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		checksum *string
		wantCode string
	}{
		{"another part's checksum", aws.String(sha256B64([]byte("something else"))), "InvalidPart"},
		{"the part's checksum", part.ChecksumSHA256, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.client.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("mp-ck"), Key: aws.String("k"),
				UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
					{PartNumber: aws.Int32(1), ETag: part.ETag, ChecksumSHA256: tc.checksum}}}})
			if got := errCode(err); got != tc.wantCode {
				t.Fatalf("CompleteMultipartUpload = %v (%q), want %q", err, got, tc.wantCode)
			}
		})
	}
}
