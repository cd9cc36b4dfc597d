package xmlvalue

import (
	"bytes"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// listObjectsOutput returns a ListObjectsV2 page of n objects as the S3
// service builds it.
func listObjectsOutput(n int) *s3api.ListObjectsV2Output {
	name, prefix, sc := "bench-bucket", "logs/", "STANDARD"
	truncated, maxKeys, count := false, int32(n), int32(n)
	out := &s3api.ListObjectsV2Output{Name: &name, Prefix: &prefix, IsTruncated: &truncated,
		MaxKeys: &maxKeys, KeyCount: &count, Contents: make([]s3api.Object, n)}
	mod := time.Date(2026, 11, 28, 9, 1, 15, 0, time.UTC)
	for i := range out.Contents {
		key := "logs/2026/11/28/object-" + strconv.Itoa(i) + ".json"
		etag := `"9b2cf535f27731c974343645a3985328"`
		size := int64(4096 + i)
		m := mod.Add(time.Duration(i) * time.Second)
		out.Contents[i] = s3api.Object{Key: &key, ETag: &etag, Size: &size, LastModified: &m, StorageClass: &sc}
	}
	return out
}

func BenchmarkEncodeListObjectsV2(b *testing.B) {
	op := s3api.API().Operations["ListObjectsV2"]
	out := reflect.ValueOf(listObjectsOutput(1000))
	ns := &awsapi.XMLNamespace{URI: "http://s3.amazonaws.com/doc/2006-03-01/"}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := EncodeElement(&buf, "ListBucketResult", ns, op.Output, out, Options{BodyOnly: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
