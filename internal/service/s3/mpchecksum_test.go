package s3

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/protocol/checksum"
)

// checksumUpload is a multipart upload whose parts were sent with a checksum
// algorithm, ready to complete.
type checksumUpload struct {
	id    *string
	parts *types.CompletedMultipartUpload
	typ   types.ChecksumType
}

// startChecksumUpload creates an upload of key with alg (and typ, when not empty)
// and uploads parts with alg checksums.
func (f *fixture) startChecksumUpload(t *testing.T, bucket, key string, alg types.ChecksumAlgorithm, typ types.ChecksumType, parts [][]byte) checksumUpload {
	t.Helper()
	ctx := context.Background()
	up, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
		ChecksumAlgorithm: alg, ChecksumType: typ})
	if err != nil {
		t.Fatal(err)
	}
	done := &types.CompletedMultipartUpload{}
	for i, p := range parts {
		n := aws.Int32(int32(i + 1))
		out, err := f.client.UploadPart(ctx, &sdks3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key),
			UploadId: up.UploadId, PartNumber: n, Body: bytes.NewReader(p), ChecksumAlgorithm: alg})
		if err != nil {
			t.Fatal(err)
		}
		done.Parts = append(done.Parts, types.CompletedPart{PartNumber: n, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32,
			ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME, ChecksumSHA1: out.ChecksumSHA1,
			ChecksumSHA256: out.ChecksumSHA256})
	}
	return checksumUpload{id: up.UploadId, parts: done, typ: up.ChecksumType}
}

// completeWith completes u, sending the object checksum v of algorithm alg
// when v is not empty.
func (f *fixture) completeWith(bucket, key string, u checksumUpload, alg checksum.Algorithm, v string) (*sdks3.CompleteMultipartUploadOutput, error) {
	in := &sdks3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: u.id, MultipartUpload: u.parts}
	if v != "" {
		checksumSet{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}.set(string(alg), v)
	}
	return f.client.CompleteMultipartUpload(context.Background(), in)
}

func TestFullObjectMultipartChecksum(t *testing.T) {
	f := mpFixture(t, Options{})
	ctx := context.Background()
	f.mkBucket(t, "full")
	parts := [][]byte{body(1, 2048), body(2, 4096), body(3, 100)}
	whole := bytes.Join(parts, nil)
	for _, tc := range []struct {
		alg     types.ChecksumAlgorithm
		typ     types.ChecksumType // as asked; FULL_OBJECT is CRC64NVME's default
		sendSum bool
	}{
		{types.ChecksumAlgorithmCrc64nvme, "", true},
		{types.ChecksumAlgorithmCrc32, types.ChecksumTypeFullObject, true},
		{types.ChecksumAlgorithmCrc32c, types.ChecksumTypeFullObject, false},
	} {
		t.Run(string(tc.alg), func(t *testing.T) {
			alg := checksum.Algorithm(tc.alg)
			want, err := checksum.Sum(alg, whole)
			if err != nil {
				t.Fatal(err)
			}
			key := "obj-" + string(tc.alg)
			up := f.startChecksumUpload(t, "full", key, tc.alg, tc.typ, parts)
			if up.typ != types.ChecksumTypeFullObject {
				t.Fatalf("upload checksum type %q", up.typ)
			}
			sent := ""
			if tc.sendSum {
				sent = want
			}
			out, err := f.completeWith("full", key, up, alg, sent)
			if err != nil {
				t.Fatal(err)
			}
			got := checksumOf(alg, out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME)
			if got != want || out.ChecksumType != types.ChecksumTypeFullObject {
				t.Fatalf("completion checksum %q %q, want %q FULL_OBJECT", got, out.ChecksumType, want)
			}
			// The SDK checks the body against a FULL_OBJECT checksum.
			obj, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("full"), Key: aws.String(key),
				ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(obj.Body)
			obj.Body.Close()
			if err != nil || !bytes.Equal(data, whole) {
				t.Fatalf("read back: %v (%d bytes)", err, len(data))
			}
			if got := checksumOf(alg, obj.ChecksumCRC32, obj.ChecksumCRC32C, obj.ChecksumCRC64NVME); got != want || obj.ChecksumType != types.ChecksumTypeFullObject {
				t.Fatalf("GET checksum %q %q, want %q FULL_OBJECT", got, obj.ChecksumType, want)
			}
		})
	}
}

func TestCompleteMultipartUploadChecks(t *testing.T) {
	f := mpFixture(t, Options{})
	ctx := context.Background()
	f.mkBucket(t, "mperr")
	create := func(alg types.ChecksumAlgorithm, typ types.ChecksumType) error {
		_, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("k"),
			ChecksumAlgorithm: alg, ChecksumType: typ})
		return err
	}
	for _, tc := range []struct {
		name string
		alg  types.ChecksumAlgorithm
		typ  types.ChecksumType
	}{
		{"full object sha256", types.ChecksumAlgorithmSha256, types.ChecksumTypeFullObject},
		{"full object sha1", types.ChecksumAlgorithmSha1, types.ChecksumTypeFullObject},
		{"composite crc64nvme", types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeComposite},
		{"type without algorithm", "", types.ChecksumTypeFullObject},
		{"unknown type", types.ChecksumAlgorithmCrc32, "PARTIAL"},
	} {
		if err := create(tc.alg, tc.typ); errCode(err) != "InvalidRequest" {
			t.Errorf("%s: %v, want InvalidRequest", tc.name, err)
		}
	}

	parts := [][]byte{body(7, 2048), body(8, 300)}
	whole := bytes.Join(parts, nil)
	wrong, _ := checksum.Sum(checksum.CRC32, []byte("other content"))
	right, _ := checksum.Sum(checksum.CRC32, whole)
	up := f.startChecksumUpload(t, "mperr", "full", types.ChecksumAlgorithmCrc32, types.ChecksumTypeFullObject, parts)
	if _, err := f.completeWith("mperr", "full", up, checksum.CRC32, wrong); errCode(err) != "BadDigest" {
		t.Fatalf("wrong full object checksum: %v, want BadDigest", err)
	}
	if _, err := f.client.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("mperr"), Key: aws.String("full")}); err == nil {
		t.Fatal("object visible after a refused completion")
	}
	if _, err := f.completeWith("mperr", "full", up, checksum.CRC32C, right); errCode(err) != "InvalidRequest" {
		t.Fatalf("checksum of another algorithm: %v, want InvalidRequest", err)
	}
	if _, err := f.completeWith("mperr", "full", up, checksum.CRC32, right); err != nil {
		t.Fatalf("right checksum after refusals: %v", err)
	}

	sized := f.startChecksumUpload(t, "mperr", "sized", types.ChecksumAlgorithmCrc32, "", parts)
	complete := func(size int64) error {
		_, err := f.client.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("sized"),
			UploadId: sized.id, MultipartUpload: sized.parts, MpuObjectSize: aws.Int64(size)})
		return err
	}
	if err := complete(int64(len(whole)) + 1); errCode(err) != "InvalidRequest" {
		t.Fatalf("wrong x-amz-mp-object-size: %v, want InvalidRequest", err)
	}
	if err := complete(int64(len(whole))); err != nil {
		t.Fatalf("right x-amz-mp-object-size: %v", err)
	}

	comp := f.startChecksumUpload(t, "mperr", "comp", types.ChecksumAlgorithmCrc32, "", parts)
	if comp.typ != types.ChecksumTypeComposite {
		t.Fatalf("CRC32 default type %q", comp.typ)
	}
	if _, err := f.completeWith("mperr", "comp", comp, checksum.CRC32, right); errCode(err) != "BadDigest" {
		t.Fatalf("whole-object CRC for a composite upload: %v, want BadDigest", err)
	}
	out, err := f.completeWith("mperr", "comp", comp, checksum.CRC32, "")
	if err != nil || !strings.HasSuffix(aws.ToString(out.ChecksumCRC32), "-2") {
		t.Fatalf("composite completion: %v %v", err, out)
	}
	again := f.startChecksumUpload(t, "mperr", "comp2", types.ChecksumAlgorithmCrc32, "", parts)
	if _, err := f.completeWith("mperr", "comp2", again, checksum.CRC32, strings.TrimSuffix(aws.ToString(out.ChecksumCRC32), "-2")); err != nil {
		t.Fatalf("composite checksum without its suffix: %v", err)
	}
}

// checksumOf picks the CRC field of alg.
func checksumOf(alg checksum.Algorithm, crc32, crc32c, crc64 *string) string {
	switch alg {
	case checksum.CRC32:
		return aws.ToString(crc32)
	case checksum.CRC32C:
		return aws.ToString(crc32c)
	}
	return aws.ToString(crc64)
}
