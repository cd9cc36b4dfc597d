package restxml

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// BenchmarkEncodeListObjectsV2 writes a whole 1,000-object ListObjectsV2
// response, headers and XML body, with the real S3 model.
func BenchmarkEncodeListObjectsV2(b *testing.B) {
	api := s3api.API()
	req := &awsapi.Request{ID: "5fea7756-0ea4-451a-a703-a558b933e274", Service: api,
		Operation: api.Operations["ListObjectsV2"], HTTP: httptest.NewRequest(http.MethodGet, "/bucket?list-type=2", nil)}
	name, prefix, sc := "bench-bucket", "logs/", "STANDARD"
	truncated, maxKeys, count := false, int32(1000), int32(1000)
	out := &s3api.ListObjectsV2Output{Name: &name, Prefix: &prefix, IsTruncated: &truncated,
		MaxKeys: &maxKeys, KeyCount: &count, Contents: make([]s3api.Object, 1000)}
	mod := time.Date(2026, 11, 28, 9, 1, 15, 0, time.UTC)
	for i := range out.Contents {
		key := "logs/2026/11/28/object-" + strconv.Itoa(i) + ".json"
		etag := `"9b2cf535f27731c974343645a3985328"`
		size := int64(4096 + i)
		m := mod.Add(time.Duration(i) * time.Second)
		out.Contents[i] = s3api.Object{Key: &key, ETag: &etag, Size: &size, LastModified: &m, StorageClass: &sc}
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		if err := (Codec{}).EncodeResponse(w, req, out); err != nil {
			b.Fatal(err)
		}
	}
}
