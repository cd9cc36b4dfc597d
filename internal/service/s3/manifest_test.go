package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/nubo/nubo/internal/platform/store"
)

// mpFixture is a fixture whose parts may be small: parts above 1 KiB are
// blobs, smaller ones inline.
func mpFixture(t *testing.T, opts Options) *fixture {
	opts.MinPartSize, opts.InlineMax = 1<<10, 1<<10
	return newFixture(t, fixtureOpts{opts: opts})
}

// body returns n bytes that differ with seed.
func body(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7+i/251)
	}
	return b
}

func blobHash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// upload runs a multipart upload of parts (numbered from 1) and completes it
// with the part numbers in use (all when nil); it returns the completion.
func (f *fixture) upload(t *testing.T, bucket, key string, parts [][]byte, use []int32) *sdks3.CompleteMultipartUploadOutput {
	t.Helper()
	id := f.startUpload(t, bucket, key, parts)
	if use == nil {
		for i := range parts {
			use = append(use, int32(i+1))
		}
	}
	done := &types.CompletedMultipartUpload{}
	for _, n := range use {
		sum := md5.Sum(parts[n-1])
		done.Parts = append(done.Parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: aws.String(`"` + hex.EncodeToString(sum[:]) + `"`)})
	}
	out, err := f.client.CompleteMultipartUpload(context.Background(), &sdks3.CompleteMultipartUploadInput{Bucket: aws.String(bucket),
		Key: aws.String(key), UploadId: aws.String(id), MultipartUpload: done})
	if err != nil {
		t.Fatalf("complete %s/%s: %v", bucket, key, err)
	}
	return out
}

// startUpload creates an upload and uploads parts; it returns the upload id.
func (f *fixture) startUpload(t *testing.T, bucket, key string, parts [][]byte) string {
	t.Helper()
	ctx := context.Background()
	up, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range parts {
		if _, err := f.client.UploadPart(ctx, &sdks3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key),
			UploadId: up.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(up.UploadId)
}

func (f *fixture) get(t *testing.T, in *sdks3.GetObjectInput) ([]byte, *sdks3.GetObjectOutput) {
	t.Helper()
	out, err := f.client.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("get %s: %v", aws.ToString(in.Key), err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, out
}

// blobSet returns the hashes of the blob files on disk.
func (f *fixture) blobSet(t *testing.T) []string {
	t.Helper()
	var hs []string
	if err := f.svc.blobs.Walk(func(h string, _ int64) error { hs = append(hs, h); return nil }); err != nil {
		t.Fatal(err)
	}
	sort.Strings(hs)
	return hs
}

func (f *fixture) wantBlobs(t *testing.T, step string, bodies ...[]byte) {
	t.Helper()
	var want []string
	for _, b := range bodies {
		if h := blobHash(b); !slices.Contains(want, h) {
			want = append(want, h)
		}
	}
	sort.Strings(want)
	if got := f.blobSet(t); !slices.Equal(got, want) {
		t.Fatalf("%s: blobs on disk %v, want %v", step, short(got), short(want))
	}
}

func short(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h[:8]
	}
	return out
}

// storeKeys returns the store keys under prefix.
func (f *fixture) storeKeys(t *testing.T, prefix string) []string {
	t.Helper()
	var ks []string
	err := f.svc.db.Scan([]byte(prefix), store.PrefixEnd([]byte(prefix)), func(k, _ []byte) bool {
		ks = append(ks, string(k))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// wantNoBodyState checks that nothing is left of any body: no manifest,
// reference, inline body, part or pending removal.
func (f *fixture) wantNoBodyState(t *testing.T) {
	t.Helper()
	for _, p := range []string{manifestPrefix, refPrefix, inlinePrefix, partPrefix, gcPrefix} {
		if ks := f.storeKeys(t, p); len(ks) > 0 {
			t.Fatalf("keys left under %s: %q", p, ks)
		}
	}
}

func multipartETagOf(parts ...[]byte) string {
	var sums []byte
	for _, p := range parts {
		s := md5.Sum(p)
		sums = append(sums, s[:]...)
	}
	all := md5.Sum(sums)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(all[:]), len(parts))
}

func TestMultipartReadsAcrossParts(t *testing.T) {
	f := mpFixture(t, Options{})
	ctx := context.Background()
	f.mkBucket(t, "mpb")
	// Three blob parts and an inline last part; boundaries at 3000, 4500
	// and 6500.
	parts := [][]byte{body(1, 3000), body(2, 1500), body(3, 2000), body(4, 700)}
	all := bytes.Join(parts, nil)
	before := f.blobSet(t)
	id := f.startUpload(t, "mpb", "obj", parts)
	withParts := f.blobSet(t)
	done := &types.CompletedMultipartUpload{}
	for i, p := range parts {
		sum := md5.Sum(p)
		done.Parts = append(done.Parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: aws.String(hex.EncodeToString(sum[:]))})
	}
	out, err := f.client.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("obj"),
		UploadId: aws.String(id), MultipartUpload: done})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ETag) != multipartETagOf(parts...) {
		t.Fatalf("etag %s, want %s", aws.ToString(out.ETag), multipartETagOf(parts...))
	}
	if len(before) != 0 || len(withParts) != 3 || !slices.Equal(f.blobSet(t), withParts) {
		t.Fatalf("blobs before %d, with parts %d, after completion %d: completion must write none", len(before), len(withParts), len(f.blobSet(t)))
	}
	rec, err := f.svc.getVersion(ctx, "mpb", "obj", "", false)
	if err != nil || !isManifestID(rec.Blob) || rec.Inline || rec.Size != int64(len(all)) {
		t.Fatalf("record %+v, %v", rec, err)
	}

	ranges := []struct {
		header    string
		from, to  int // expected slice of all
		wantRange string
	}{
		{"", 0, 7200, ""},
		{"bytes=0-2999", 0, 3000, "bytes 0-2999/7200"},
		{"bytes=2990-3009", 2990, 3010, "bytes 2990-3009/7200"},
		{"bytes=2999-4500", 2999, 4501, "bytes 2999-4500/7200"},
		{"bytes=3000-4499", 3000, 4500, "bytes 3000-4499/7200"},
		{"bytes=4500-", 4500, 7200, "bytes 4500-7199/7200"},
		{"bytes=-800", 6400, 7200, "bytes 6400-7199/7200"},
		{"bytes=6500-6500", 6500, 6501, "bytes 6500-6500/7200"},
		{"bytes=7000-9999", 7000, 7200, "bytes 7000-7199/7200"},
		{"bytes=1-7198", 1, 7199, "bytes 1-7198/7200"},
	}
	for _, tc := range ranges {
		t.Run("range "+tc.header, func(t *testing.T) {
			in := &sdks3.GetObjectInput{Bucket: aws.String("mpb"), Key: aws.String("obj")}
			if tc.header != "" {
				in.Range = aws.String(tc.header)
			}
			got, o := f.get(t, in)
			if !bytes.Equal(got, all[tc.from:tc.to]) {
				t.Fatalf("%d bytes, want %d (bytes %d-%d)", len(got), tc.to-tc.from, tc.from, tc.to)
			}
			if aws.ToString(o.ContentRange) != tc.wantRange || aws.ToInt64(o.ContentLength) != int64(tc.to-tc.from) {
				t.Fatalf("content-range %q length %d", aws.ToString(o.ContentRange), aws.ToInt64(o.ContentLength))
			}
		})
	}
	for i, p := range parts {
		n := int32(i + 1)
		t.Run(fmt.Sprintf("part %d", n), func(t *testing.T) {
			got, o := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("mpb"), Key: aws.String("obj"), PartNumber: aws.Int32(n)})
			if !bytes.Equal(got, p) || aws.ToInt32(o.PartsCount) != 4 {
				t.Fatalf("part %d: %d bytes, parts count %d", n, len(got), aws.ToInt32(o.PartsCount))
			}
			h, err := f.client.HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("mpb"), Key: aws.String("obj"), PartNumber: aws.Int32(n)})
			if err != nil || aws.ToInt64(h.ContentLength) != int64(len(p)) || aws.ToString(h.ETag) != multipartETagOf(parts...) {
				t.Fatalf("head part %d: %+v %v", n, h, err)
			}
		})
	}
	if _, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("mpb"), Key: aws.String("obj"), PartNumber: aws.Int32(5)}); errCode(err) != "InvalidPartNumber" {
		t.Fatalf("part 5: %v", err)
	}
	// OpenObject (Lambda's access to S3 code) reads through Read, not WriteTo.
	rc, size, etag, err := f.svc.OpenObject(ctx, "mpb", "obj", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(struct{ io.Reader }{rc})
	rc.Close()
	if err != nil || size != 7200 || etag != multipartETagOf(parts...) || !bytes.Equal(got, all) {
		t.Fatalf("OpenObject: %d bytes of %d, %s, %v", len(got), size, etag, err)
	}
}

func TestMultipartCopies(t *testing.T) {
	f := mpFixture(t, Options{})
	ctx := context.Background()
	f.mkBucket(t, "mpb")
	parts := [][]byte{body(1, 3000), body(2, 1500), body(3, 700)}
	all := bytes.Join(parts, nil)
	f.upload(t, "mpb", "src", parts, nil)
	blobs := f.blobSet(t)

	// CopyObject shares the manifest; asking for another checksum reads the
	// whole body.
	cp, err := f.client.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("mpb"), Key: aws.String("copy"),
		CopySource: aws.String("mpb/src"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	var crc [4]byte
	binary.BigEndian.PutUint32(crc[:], crc32.ChecksumIEEE(all))
	if got := aws.ToString(cp.CopyObjectResult.ChecksumCRC32); got != base64.StdEncoding.EncodeToString(crc[:]) {
		t.Fatalf("copy crc32 %s", got)
	}
	if got, _ := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("mpb"), Key: aws.String("copy")}); !bytes.Equal(got, all) {
		t.Fatalf("copy: %d bytes", len(got))
	}
	if got, _ := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("mpb"), Key: aws.String("copy"), Range: aws.String("bytes=2000-4000")}); !bytes.Equal(got, all[2000:4001]) {
		t.Fatalf("copy range: %d bytes", len(got))
	}
	src, _ := f.svc.getVersion(ctx, "mpb", "src", "", false)
	dst, _ := f.svc.getVersion(ctx, "mpb", "copy", "", false)
	if n, _ := f.svc.refCount(src.Blob); dst.Blob != src.Blob || n != 2 || !slices.Equal(f.blobSet(t), blobs) {
		t.Fatalf("copy references %s (source %s, count %d); blobs %d, want %d", dst.Blob, src.Blob, n, len(f.blobSet(t)), len(blobs))
	}

	// UploadPartCopy takes byte ranges across the source's part boundaries.
	up, err := f.client.CreateMultipartUpload(ctx, &sdks3.CreateMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("assembled")})
	if err != nil {
		t.Fatal(err)
	}
	ranges := [][2]int{{2500, 4999}, {0, 5199}, {4000, 5199}}
	done := &types.CompletedMultipartUpload{}
	var want []byte
	for i, r := range ranges {
		out, err := f.client.UploadPartCopy(ctx, &sdks3.UploadPartCopyInput{Bucket: aws.String("mpb"), Key: aws.String("assembled"),
			UploadId: up.UploadId, PartNumber: aws.Int32(int32(i + 1)), CopySource: aws.String("mpb/src"),
			CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", r[0], r[1]))})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, all[r[0]:r[1]+1]...)
		done.Parts = append(done.Parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag})
	}
	whole, err := f.client.UploadPartCopy(ctx, &sdks3.UploadPartCopyInput{Bucket: aws.String("mpb"), Key: aws.String("assembled"),
		UploadId: up.UploadId, PartNumber: aws.Int32(4), CopySource: aws.String("mpb/src")})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, all...)
	done.Parts = append(done.Parts, types.CompletedPart{PartNumber: aws.Int32(4), ETag: whole.CopyPartResult.ETag})
	if _, err := f.client.CompleteMultipartUpload(ctx, &sdks3.CompleteMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("assembled"),
		UploadId: up.UploadId, MultipartUpload: done}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("mpb"), Key: aws.String("assembled")}); !bytes.Equal(got, want) {
		t.Fatalf("assembled from copied parts: %d bytes, want %d", len(got), len(want))
	}
}

// TestMultipartBlobLifetimes checks, on disk, that every blob a multipart
// object references lives exactly as long as something references it.
func TestMultipartBlobLifetimes(t *testing.T) {
	a, b, c := body(1, 3000), body(2, 2000), body(3, 1500)
	tiny := []byte("tiny inline part")
	tests := []struct {
		name string
		opts Options
		run  func(t *testing.T, f *fixture)
	}{
		{"unused parts released", Options{}, func(t *testing.T, f *fixture) {
			f.upload(t, "bkt", "k", [][]byte{a, b, c}, []int32{1, 3})
			f.wantBlobs(t, "completed with parts 1 and 3", a, c)
			got, _ := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
			if !bytes.Equal(got, append(append([]byte{}, a...), c...)) {
				t.Fatalf("body: %d bytes", len(got))
			}
			f.del(t, "k", "")
			f.wantBlobs(t, "deleted")
		}},
		{"overwrite by PutObject", Options{}, func(t *testing.T, f *fixture) {
			f.upload(t, "bkt", "k", [][]byte{a, b, tiny}, nil)
			f.wantBlobs(t, "completed", a, b)
			f.put(t, "bkt", "k", "small")
			f.wantBlobs(t, "overwritten")
			f.del(t, "k", "")
		}},
		{"overwrite by multipart sharing a part", Options{}, func(t *testing.T, f *fixture) {
			f.upload(t, "bkt", "k", [][]byte{a, b}, nil)
			f.upload(t, "bkt", "k", [][]byte{a, c}, nil)
			f.wantBlobs(t, "overwritten", a, c)
			f.del(t, "k", "")
			f.wantBlobs(t, "deleted")
		}},
		{"abort", Options{}, func(t *testing.T, f *fixture) {
			id := f.startUpload(t, "bkt", "k", [][]byte{a, b, tiny})
			f.wantBlobs(t, "uploaded", a, b)
			if _, err := f.client.AbortMultipartUpload(context.Background(), &sdks3.AbortMultipartUploadInput{Bucket: aws.String("bkt"),
				Key: aws.String("k"), UploadId: aws.String(id)}); err != nil {
				t.Fatal(err)
			}
			f.wantBlobs(t, "aborted")
		}},
		{"versioned delete", Options{}, func(t *testing.T, f *fixture) {
			f.versioning(t, types.BucketVersioningStatusEnabled)
			v1 := f.upload(t, "bkt", "k", [][]byte{a, b}, nil)
			f.put(t, "bkt", "k", "v2")
			f.wantBlobs(t, "v1 noncurrent", a, b)
			f.del(t, "k", "")
			f.wantBlobs(t, "behind a delete marker", a, b)
			f.del(t, "k", aws.ToString(v1.VersionId))
			f.wantBlobs(t, "v1 deleted")
			f.versioning(t, types.BucketVersioningStatusSuspended)
			f.upload(t, "bkt", "k", [][]byte{c, a}, nil)
			f.upload(t, "bkt", "k", [][]byte{b, a}, nil)
			f.wantBlobs(t, "null version replaced", a, b)
			f.delAll(t, "k")
			f.wantBlobs(t, "all versions deleted")
		}},
		{"copy outlives its source", Options{}, func(t *testing.T, f *fixture) {
			f.upload(t, "bkt", "k", [][]byte{a, b}, nil)
			if _, err := f.client.CopyObject(context.Background(), &sdks3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k2"),
				CopySource: aws.String("bkt/k")}); err != nil {
				t.Fatal(err)
			}
			f.del(t, "k", "")
			f.wantBlobs(t, "source deleted", a, b)
			if got, _ := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k2")}); !bytes.Equal(got, append(append([]byte{}, a...), b...)) {
				t.Fatalf("copy body: %d bytes", len(got))
			}
			f.del(t, "k2", "")
			f.wantBlobs(t, "copy deleted")
		}},
		{"empty last part", Options{}, func(t *testing.T, f *fixture) {
			f.upload(t, "bkt", "k", [][]byte{a, b, {}}, nil)
			got, o := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
			if !bytes.Equal(got, append(append([]byte{}, a...), b...)) || aws.ToString(o.ETag) != multipartETagOf(a, b, nil) {
				t.Fatalf("body: %d bytes, etag %s", len(got), aws.ToString(o.ETag))
			}
			if got, _ := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=-10")}); !bytes.Equal(got, b[len(b)-10:]) {
				t.Fatalf("last 10 bytes: %q", got)
			}
			f.wantBlobs(t, "completed", a, b)
			f.del(t, "k", "")
			f.wantBlobs(t, "deleted")
		}},
		{"same body in two parts", Options{}, func(t *testing.T, f *fixture) {
			f.upload(t, "bkt", "k", [][]byte{a, a, b}, nil)
			if n, _ := f.svc.refCount(blobHash(a)); n != 2 {
				t.Fatalf("count of the repeated part's blob: %d, want 2", n)
			}
			f.del(t, "k", "")
			f.wantBlobs(t, "deleted")
		}},
		{"blob shared with a PutObject", Options{}, func(t *testing.T, f *fixture) {
			f.put(t, "bkt", "plain", string(a))
			f.upload(t, "bkt", "k", [][]byte{a, b}, nil)
			f.del(t, "k", "")
			f.wantBlobs(t, "multipart deleted", a)
			f.del(t, "plain", "")
			f.wantBlobs(t, "plain deleted")
		}},
		{"lifecycle expiration", Options{LifecycleInterval: time.Hour}, func(t *testing.T, f *fixture) {
			if _, err := f.client.PutBucketLifecycleConfiguration(context.Background(), &sdks3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("bkt"),
				LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{ID: aws.String("all"),
					Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
					Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}}}}); err != nil {
				t.Fatal(err)
			}
			f.upload(t, "bkt", "k", [][]byte{a, b, tiny}, nil)
			if err := f.sys.Clock.Advance(3 * day); err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() bool { return len(f.blobSet(t)) == 0 })
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mpFixture(t, tc.opts)
			f.mkBucket(t, "bkt")
			tc.run(t, f)
			f.wantNoBodyState(t)
		})
	}
}

func (f *fixture) del(t *testing.T, key, versionID string) {
	t.Helper()
	in := &sdks3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	if _, err := f.client.DeleteObject(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

// delAll deletes every version and delete marker of key.
func (f *fixture) delAll(t *testing.T, key string) {
	t.Helper()
	lv, err := f.client.ListObjectVersions(context.Background(), &sdks3.ListObjectVersionsInput{Bucket: aws.String("bkt"), Prefix: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range lv.Versions {
		f.del(t, key, aws.ToString(v.VersionId))
	}
	for _, m := range lv.DeleteMarkers {
		f.del(t, key, aws.ToString(m.VersionId))
	}
}

func (f *fixture) versioning(t *testing.T, status types.BucketVersioningStatus) {
	t.Helper()
	if _, err := f.client.PutBucketVersioning(context.Background(), &sdks3.PutBucketVersioningInput{Bucket: aws.String("bkt"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: status}}); err != nil {
		t.Fatal(err)
	}
}

func TestManifestSegments(t *testing.T) {
	m := &manifest{Parts: []manifestPart{{Size: 10, Blob: "a"}, {Size: 0}, {Size: 5, Inline: true, Seq: 7}, {Size: 20, Blob: "c"}, {Size: 0}}}
	type seg struct {
		ref    string
		off, n int64
	}
	tests := []struct {
		off, length int64
		want        []seg
	}{
		{0, 35, []seg{{"a", 0, 10}, {"i7", 0, 5}, {"c", 0, 20}}},
		{0, 10, []seg{{"a", 0, 10}}},
		{9, 2, []seg{{"a", 9, 1}, {"i7", 0, 1}}},
		{10, 5, []seg{{"i7", 0, 5}}},
		{14, 2, []seg{{"i7", 4, 1}, {"c", 0, 1}}},
		{34, 1, []seg{{"c", 19, 1}}},
		{35, 0, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d+%d", tc.off, tc.length), func(t *testing.T) {
			segs, err := m.segments(35, tc.off, tc.length)
			if err != nil {
				t.Fatal(err)
			}
			var got []seg
			for _, s := range segs {
				ref := s.ref.Blob
				if s.ref.Inline {
					ref = fmt.Sprintf("i%d", s.ref.Seq)
				}
				got = append(got, seg{ref, s.off, s.n})
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("segments %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range [][3]int64{{36, 0, 1}, {35, 30, 6}, {35, -1, 2}} {
		if _, err := m.segments(bad[0], bad[1], bad[2]); err == nil {
			t.Fatalf("segments(%v) succeeded", bad)
		}
	}
}

// TestManifestShortPart checks that a part body shorter than its manifest
// says fails the read instead of ending it early, through both Read and
// WriteTo.
func TestManifestShortPart(t *testing.T) {
	f := mpFixture(t, Options{})
	ref, err := f.svc.blobs.Put(context.Background(), bytes.NewReader(body(9, 100)))
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest{Parts: []manifestPart{{Size: 150, Blob: ref.SHA256}, {Size: 10, Blob: ref.SHA256}}}
	batch := f.svc.db.NewBatch()
	batch.Set(manifestKey("m0000000000000001"), mustJSON(m))
	if err := batch.Commit(false); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func(io.Reader) ([]byte, error){
		"Read": func(r io.Reader) ([]byte, error) { return io.ReadAll(struct{ io.Reader }{r}) },
		"WriteTo": func(r io.Reader) ([]byte, error) {
			var buf bytes.Buffer
			_, err := r.(io.WriterTo).WriteTo(&buf)
			return buf.Bytes(), err
		},
	} {
		t.Run(name, func(t *testing.T) {
			rc, err := f.svc.openBody(bodyRef{Blob: "m0000000000000001", Size: 160})
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := read(rc)
			if !errors.Is(err, errShortPart) || len(got) != 100 {
				t.Fatalf("read %d bytes, %v; want 100 and a short part error", len(got), err)
			}
		})
	}
}

// TestMultipartAcrossRestart reads a multipart object and releases its parts
// after the service restarts on the same store and blob directory.
func TestMultipartAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir+"/db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	opts := Options{MinPartSize: 1 << 10, InlineMax: 1 << 10}
	f := newFixture(t, fixtureOpts{db: db, dir: dir, opts: opts})
	ctx := context.Background()
	f.mkBucket(t, "bkt")
	parts := [][]byte{body(1, 3000), body(2, 2000), []byte("end")}
	f.upload(t, "bkt", "k", parts, nil)
	f.svc.Stop(ctx)
	f.srv.Close()

	f2 := newFixture(t, fixtureOpts{db: db, dir: dir, opts: opts})
	if got, _ := f2.get(t, &sdks3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=2990-5002")}); !bytes.Equal(got, bytes.Join(parts, nil)[2990:]) {
		t.Fatalf("after restart: %d bytes", len(got))
	}
	f2.wantBlobs(t, "after restart", parts[0], parts[1])
	f2.del(t, "k", "")
	f2.wantBlobs(t, "deleted after restart")
	f2.wantNoBodyState(t)
	if strings.Contains(strings.Join(f2.storeKeys(t, "s3/"), ","), manifestPrefix) {
		t.Fatal("manifest left")
	}
}

// TestMultipartCopyRacingDelete copies a multipart object while it is
// deleted: a copy that succeeds must stay readable, one that loses the race
// fails, and once everything is deleted no blob is left.
func TestMultipartCopyRacingDelete(t *testing.T) {
	f := mpFixture(t, Options{})
	ctx := context.Background()
	f.mkBucket(t, "bkt")
	parts := [][]byte{body(1, 3000), body(2, 2000)}
	all := bytes.Join(parts, nil)
	outcomes := map[string]int{}
	for i := 0; i < 20; i++ {
		f.upload(t, "bkt", "src", parts, nil)
		dst := fmt.Sprintf("dst%d", i)
		errs := make(chan error, 1)
		go func() {
			_, err := f.client.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String(dst),
				CopySource: aws.String("bkt/src")})
			errs <- err
		}()
		f.del(t, "src", "")
		err := <-errs
		outcomes[errCode(err)]++
		switch errCode(err) {
		case "":
			if got, _ := f.get(t, &sdks3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(dst)}); !bytes.Equal(got, all) {
				t.Fatalf("copy %d: %d bytes", i, len(got))
			}
			f.del(t, dst, "")
		case "NoSuchKey", "InternalError":
		default:
			t.Fatalf("copy %d: %v", i, err)
		}
	}
	t.Logf("copy outcomes: %v", outcomes)
	f.wantBlobs(t, "all deleted")
	f.wantNoBodyState(t)
}
