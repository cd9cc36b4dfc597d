package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestSDKUploadManager(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "mpu")
	data := make([]byte, 12<<20+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	up := manager.NewUploader(f.client, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	res, err := up.Upload(ctx, &sdks3.PutObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big file"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	var md5s []byte
	for off := 0; off < len(data); off += 5 << 20 {
		sum := md5.Sum(data[off:min(off+5<<20, len(data))])
		md5s = append(md5s, sum[:]...)
	}
	all := md5.Sum(md5s)
	want := fmt.Sprintf(`"%s-3"`, hex.EncodeToString(all[:]))
	if aws.ToString(res.ETag) != want {
		t.Fatalf("etag %s, want %s", aws.ToString(res.ETag), want)
	}
	dl := manager.NewDownloader(f.client, func(d *manager.Downloader) { d.PartSize = 4 << 20 })
	buf := manager.NewWriteAtBuffer(nil)
	n, err := dl.Download(ctx, buf, &sdks3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big file")})
	if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
	h, err := f.client.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big file"), PartNumber: aws.Int32(2)})
	if err != nil || aws.ToInt64(h.ContentLength) != 5<<20 || aws.ToInt32(h.PartsCount) != 3 {
		t.Fatalf("head part 2: %+v %v", h, err)
	}
	uploads, _ := f.client.ListMultipartUploads(ctx, &sdks3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if len(uploads.Uploads) != 0 {
		t.Fatalf("uploads left: %d", len(uploads.Uploads))
	}
}

func TestSDKMultipartErrors(t *testing.T) {
	f := newFixture(t, fixtureOpts{opts: Options{MinPartSize: 1 << 10}})
	ctx := context.Background()
	c := f.client
	f.mkBucket(t, "mpe")
	create, err := c.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("mpe"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	id := create.UploadId
	parts := map[int32]string{}
	for n, size := range map[int32]int{1: 2 << 10, 2: 100, 3: 2 << 10, 4: 10} {
		out, err := c.UploadPart(ctx, &sdks3.UploadPartInput{Bucket: aws.String("mpe"), Key: aws.String("obj"), UploadId: id,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(bytes.Repeat([]byte{byte('a' + n)}, size))})
		if err != nil {
			t.Fatal(err)
		}
		parts[n] = aws.ToString(out.ETag)
	}
	cp := func(ns ...int32) *types.CompletedMultipartUpload {
		u := &types.CompletedMultipartUpload{}
		for _, n := range ns {
			etag := parts[n]
			if etag == "" {
				etag = `"00000000000000000000000000000000"`
			}
			u.Parts = append(u.Parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: aws.String(etag)})
		}
		return u
	}
	cases := []struct {
		name string
		mpu  *types.CompletedMultipartUpload
		id   *string
		want string
	}{
		{"out of order", cp(3, 1), id, "InvalidPartOrder"},
		{"duplicate", cp(1, 1), id, "InvalidPartOrder"},
		{"missing part", cp(1, 5), id, "InvalidPart"},
		{"wrong etag", &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(`"abc"`)}}}, id, "InvalidPart"},
		{"too small", cp(1, 2, 3), id, "EntityTooSmall"},
		{"no parts", &types.CompletedMultipartUpload{}, id, "MalformedXML"},
		{"unknown upload", cp(1), aws.String("nope"), "NoSuchUpload"},
		{"ok", cp(1, 3, 4), id, ""},
		{"retried after success", cp(1, 3, 4), id, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("mpe"), Key: aws.String("obj"),
				UploadId: tc.id, MultipartUpload: tc.mpu})
			if errCode(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	out, err := c.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("mpe"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	want := append(append(bytes.Repeat([]byte{'b'}, 2<<10), bytes.Repeat([]byte{'d'}, 2<<10)...), bytes.Repeat([]byte{'e'}, 10)...)
	if !bytes.Equal(b, want) {
		t.Fatalf("assembled %d bytes", len(b))
	}
	// Abort discards parts; ListParts and copy parts work.
	create, _ = c.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("mpe"), Key: aws.String("obj2")})
	pc, err := c.UploadPartCopy(ctx, &sdks3.UploadPartCopyInput{Bucket: aws.String("mpe"), Key: aws.String("obj2"), UploadId: create.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String("mpe/obj"), CopySourceRange: aws.String("bytes=0-1023")})
	if err != nil || pc.CopyPartResult == nil {
		t.Fatalf("upload part copy: %v", err)
	}
	// A copy range is never shortened: one past the source's end is InvalidRange.
	for rng, code := range map[string]string{"bytes=0-4106": "InvalidRange", "bytes=4000-9999": "InvalidRange", "bytes=4100-4105": ""} {
		_, err := c.UploadPartCopy(ctx, &sdks3.UploadPartCopyInput{Bucket: aws.String("mpe"), Key: aws.String("obj2"), UploadId: create.UploadId,
			PartNumber: aws.Int32(2), CopySource: aws.String("mpe/obj"), CopySourceRange: aws.String(rng)})
		if errCode(err) != code {
			t.Fatalf("copy range %s: %v, want %q", rng, err, code)
		}
	}
	lp, err := c.ListParts(ctx, &sdks3.ListPartsInput{Bucket: aws.String("mpe"), Key: aws.String("obj2"), UploadId: create.UploadId})
	if err != nil || len(lp.Parts) != 2 || aws.ToInt64(lp.Parts[0].Size) != 1024 || aws.ToInt64(lp.Parts[1].Size) != 6 {
		t.Fatalf("list parts: %+v %v", lp, err)
	}
	lu, err := c.ListMultipartUploads(ctx, &sdks3.ListMultipartUploadsInput{Bucket: aws.String("mpe")})
	if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(create.UploadId) {
		t.Fatalf("list uploads: %+v %v", lu, err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &sdks3.AbortMultipartUploadInput{Bucket: aws.String("mpe"), Key: aws.String("obj2"), UploadId: create.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListParts(ctx, &sdks3.ListPartsInput{Bucket: aws.String("mpe"), Key: aws.String("obj2"), UploadId: create.UploadId}); errCode(err) != "NoSuchUpload" {
		t.Fatalf("list parts after abort: %v", err)
	}
	_, err = c.UploadPart(ctx, &sdks3.UploadPartInput{Bucket: aws.String("mpe"), Key: aws.String("obj"), UploadId: id,
		PartNumber: aws.Int32(10001), Body: bytes.NewReader([]byte("x"))})
	if errCode(err) != "InvalidArgument" {
		t.Fatalf("part 10001: %v", err)
	}
	// A retry is answered only while the upload's version is current.
	head, err := c.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("mpe"), Key: aws.String("obj")})
	if err != nil || !strings.HasSuffix(aws.ToString(head.ETag), `-3"`) {
		t.Fatalf("completed object: %+v %v", head, err)
	}
	f.put(t, "mpe", "obj", "overwritten")
	_, err = c.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("mpe"), Key: aws.String("obj"),
		UploadId: id, MultipartUpload: cp(1, 3, 4)})
	if errCode(err) != "NoSuchUpload" {
		t.Fatalf("retry after overwrite: %v", err)
	}
}
