package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/awsapi"
)

func TestSDKObjectRoundTrip(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	for _, pathStyle := range []bool{true, false} {
		t.Run(fmt.Sprintf("pathStyle=%v", pathStyle), func(t *testing.T) {
			c := f.newClient(pathStyle)
			bucket := fmt.Sprintf("round-trip-%v", pathStyle)
			if _, err := c.CreateBucket(ctx, &sdks3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatal(err)
			}
			for _, size := range []int{0, 11, DefaultInlineMax + 1, 300 << 10} {
				key := fmt.Sprintf("dir/a b+c=%d", size)
				body := bytes.Repeat([]byte("x"), size)
				put, err := c.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
					Body: bytes.NewReader(body), ContentType: aws.String("text/plain"),
					Metadata: map[string]string{"Color": "blue"}, Tagging: aws.String("a=1&b=2"),
					ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
				if err != nil {
					t.Fatalf("put %d: %v", size, err)
				}
				if aws.ToString(put.ChecksumCRC32) == "" {
					t.Errorf("put %d: no CRC32 echoed", size)
				}
				get, err := c.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
					ChecksumMode: types.ChecksumModeEnabled})
				if err != nil {
					t.Fatalf("get %d: %v", size, err)
				}
				got, err := io.ReadAll(get.Body)
				get.Body.Close()
				if err != nil || !bytes.Equal(got, body) {
					t.Fatalf("get %d: %d bytes, err %v", size, len(got), err)
				}
				if aws.ToString(get.ETag) != aws.ToString(put.ETag) || aws.ToString(get.ContentType) != "text/plain" ||
					get.Metadata["color"] != "blue" || aws.ToInt32(get.TagCount) != 2 ||
					get.ServerSideEncryption != types.ServerSideEncryptionAes256 {
					t.Errorf("get %d: etag %s/%s type %s meta %v tags %v sse %s", size, aws.ToString(get.ETag), aws.ToString(put.ETag),
						aws.ToString(get.ContentType), get.Metadata, get.TagCount, get.ServerSideEncryption)
				}
				if aws.ToString(get.ChecksumCRC32) != aws.ToString(put.ChecksumCRC32) {
					t.Errorf("get %d: checksum %s, want %s", size, aws.ToString(get.ChecksumCRC32), aws.ToString(put.ChecksumCRC32))
				}
			}
			list, err := c.ListObjectsV2(ctx, &sdks3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("dir/")})
			if err != nil || aws.ToInt32(list.KeyCount) != 4 || aws.ToString(list.Contents[0].Key) != "dir/a b+c=0" {
				t.Fatalf("list: %+v %v", list, err)
			}
			if _, err := c.DeleteBucket(ctx, &sdks3.DeleteBucketInput{Bucket: aws.String(bucket)}); errCode(err) != "BucketNotEmpty" {
				t.Fatalf("delete non-empty bucket: %v", err)
			}
			for _, o := range list.Contents {
				if _, err := c.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String(bucket), Key: list.Contents[0].Key}); errCode(err) != "NotFound" {
				t.Fatalf("head deleted: %v", err)
			}
			if _, err := c.DeleteBucket(ctx, &sdks3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatal(err)
			}
		})
	}
	n := 0
	if err := f.svc.blobs.Walk(func(string, int64) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("%d blobs left after deleting everything (%v)", n, err)
	}
}

func TestSDKBucketErrors(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "exists")
	cases := []struct {
		name, bucket, region, want string
		constraint                 types.BucketLocationConstraint
	}{
		{"too short", "ab", "", "InvalidBucketName", ""},
		{"upper case", "MyBucket", "", "InvalidBucketName", ""},
		{"ip address", "192.168.1.1", "", "InvalidBucketName", ""},
		{"double dot", "a..b", "", "InvalidBucketName", ""},
		{"underscore", "my_bucket", "", "InvalidBucketName", ""},
		{"xn prefix", "xn--abc", "", "InvalidBucketName", ""},
		{"re-create us-east-1", "exists", "", "", ""},
		{"us-east-1 constraint", "new-one", "", "InvalidLocationConstraint", "us-east-1"},
		{"constraint mismatch", "new-two", "", "IllegalLocationConstraintException", "eu-west-1"},
		{"eu bucket", "eu-bucket", "eu-west-1", "", "eu-west-1"},
		{"eu re-create", "eu-bucket", "eu-west-1", "BucketAlreadyOwnedByYou", "eu-west-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sdks3.CreateBucketInput{Bucket: aws.String(tc.bucket)}
			if tc.constraint != "" {
				in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: tc.constraint}
			}
			_, err := f.client.CreateBucket(ctx, in, func(o *sdks3.Options) {
				if tc.region != "" {
					o.Region = tc.region
				}
			})
			if errCode(err) != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
	loc, err := f.client.GetBucketLocation(ctx, &sdks3.GetBucketLocationInput{Bucket: aws.String("eu-bucket")})
	if err != nil || loc.LocationConstraint != "eu-west-1" {
		t.Fatalf("location: %+v %v", loc, err)
	}
	loc, err = f.client.GetBucketLocation(ctx, &sdks3.GetBucketLocationInput{Bucket: aws.String("exists")})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("us-east-1 location: %+v %v", loc, err)
	}
	if _, err := f.client.HeadBucket(ctx, &sdks3.HeadBucketInput{Bucket: aws.String("missing")}); errCode(err) != "NotFound" {
		t.Fatalf("head missing: %v", err)
	}
	if _, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("missing"), Key: aws.String("k")}); errCode(err) != "NoSuchBucket" {
		t.Fatalf("get from missing bucket: %v", err)
	}
	lb, err := f.client.ListBuckets(ctx, &sdks3.ListBucketsInput{MaxBuckets: aws.Int32(1)})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "eu-bucket" || lb.ContinuationToken == nil {
		t.Fatalf("list page 1: %+v %v", lb, err)
	}
	lb, err = f.client.ListBuckets(ctx, &sdks3.ListBucketsInput{MaxBuckets: aws.Int32(5), ContinuationToken: lb.ContinuationToken})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "exists" || lb.ContinuationToken != nil {
		t.Fatalf("list page 2: %+v %v", lb, err)
	}
}

func TestSDKObjectBadInput(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "bad")
	cases := []struct {
		name, key, want string
		in              func(*sdks3.PutObjectInput)
	}{
		{"1025-byte key", strings.Repeat("k", 1025), "KeyTooLongError", nil},
		{"1024-byte key", strings.Repeat("k", 1024), "", nil},
		{"dot dot slash", "../../etc/passwd", "", nil},
		{"nul byte", "a\x00b", "", nil},
		{"invalid utf-8", "bad\xff\xfekey", "InvalidArgument", nil},
		{"wrong crc32", "crc", "BadDigest", func(in *sdks3.PutObjectInput) { in.ChecksumCRC32 = aws.String("AAAAAA==") }},
		{"wrong sha256", "sha", "BadDigest", func(in *sdks3.PutObjectInput) {
			in.ChecksumSHA256 = aws.String("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
		}},
		{"wrong content-md5", "md5", "BadDigest", func(in *sdks3.PutObjectInput) { in.ContentMD5 = aws.String("1B2M2Y8AsgTpgAmY7PhCfg==") }},
		{"bad storage class", "sc", "InvalidStorageClass", func(in *sdks3.PutObjectInput) { in.StorageClass = "FANCY" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sdks3.PutObjectInput{Bucket: aws.String("bad"), Key: aws.String(tc.key), Body: strings.NewReader("payload")}
			if tc.in != nil {
				tc.in(in)
			}
			_, err := f.client.PutObject(ctx, in)
			if errCode(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tc.want != "" {
				if _, err := f.svc.getVersion(ctx, "bad", tc.key, "", false); awsapi.AsError(err).Code != "NoSuchKey" {
					t.Fatalf("failed put left an object: %v", err)
				}
				return
			}
			out, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("bad"), Key: aws.String(tc.key)})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(b) != "payload" {
				t.Fatalf("read back %q", b)
			}
		})
	}
	list, err := f.client.ListObjectsV2(ctx, &sdks3.ListObjectsV2Input{Bucket: aws.String("bad")})
	if err != nil || aws.ToInt32(list.KeyCount) != 3 {
		t.Fatalf("list: %v %v", aws.ToInt32(list.KeyCount), err)
	}
}

func TestSDKConditionalAndRange(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "cond")
	put := f.put(t, "cond", "k", "0123456789")
	etag := aws.ToString(put.ETag)
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	cases := []struct {
		name       string
		in         sdks3.GetObjectInput
		want, body string
		rangeHdr   string
	}{
		{"if-match ok", sdks3.GetObjectInput{IfMatch: aws.String(etag)}, "", "0123456789", ""},
		{"if-match fails", sdks3.GetObjectInput{IfMatch: aws.String(`"nope"`)}, "PreconditionFailed", "", ""},
		{"if-none-match hits", sdks3.GetObjectInput{IfNoneMatch: aws.String(etag)}, "NotModified", "", ""},
		{"if-modified-since future", sdks3.GetObjectInput{IfModifiedSince: aws.Time(future)}, "NotModified", "", ""},
		{"if-modified-since past", sdks3.GetObjectInput{IfModifiedSince: aws.Time(past)}, "", "0123456789", ""},
		{"if-unmodified-since past", sdks3.GetObjectInput{IfUnmodifiedSince: aws.Time(past)}, "PreconditionFailed", "", ""},
		{"range", sdks3.GetObjectInput{Range: aws.String("bytes=2-4")}, "", "234", "bytes 2-4/10"},
		{"suffix range", sdks3.GetObjectInput{Range: aws.String("bytes=-3")}, "", "789", "bytes 7-9/10"},
		{"open range", sdks3.GetObjectInput{Range: aws.String("bytes=8-")}, "", "89", "bytes 8-9/10"},
		{"range past end", sdks3.GetObjectInput{Range: aws.String("bytes=5-100")}, "", "56789", "bytes 5-9/10"},
		{"unsatisfiable", sdks3.GetObjectInput{Range: aws.String("bytes=10-")}, "InvalidRange", "", ""},
		{"part 1", sdks3.GetObjectInput{PartNumber: aws.Int32(1)}, "", "0123456789", "bytes 0-9/10"},
		{"override type", sdks3.GetObjectInput{ResponseContentType: aws.String("image/png")}, "", "0123456789", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket, in.Key = aws.String("cond"), aws.String("k")
			out, err := f.client.GetObject(ctx, &in)
			if errCode(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if err != nil {
				return
			}
			b, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(b) != tc.body || aws.ToString(out.ContentRange) != tc.rangeHdr {
				t.Fatalf("body %q range %q", b, aws.ToString(out.ContentRange))
			}
			if in.ResponseContentType != nil && aws.ToString(out.ContentType) != "image/png" {
				t.Fatalf("content type %q", aws.ToString(out.ContentType))
			}
		})
	}
	_, err := f.client.PutObject(ctx, &sdks3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"),
		Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")})
	if errCode(err) != "PreconditionFailed" {
		t.Fatalf("put if-none-match on existing: %v", err)
	}
}
