package rest

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi"
)

const botocoreData = "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore/data"

// loadBotocore loads a full botocore model, skipping the test when absent.
func loadBotocore(t testing.TB, id, dir string) *awsapi.Service {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(botocoreData, dir, "*", "service-2.json.gz"))
	if len(matches) == 0 {
		t.Skipf("botocore model %s not installed", dir)
	}
	sort.Strings(matches)
	f, err := os.Open(matches[len(matches)-1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := awsapi.Load(id, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// samplePath renders a request for op from its template: labels get sample
// values, literal and required query keys and required headers are present.
func sampleRequest(t *testing.T, op *awsapi.Operation) (*http.Request, map[string]string) {
	t.Helper()
	path, q, _ := strings.Cut(op.RequestURI, "?")
	want := map[string]string{}
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if i := strings.IndexByte(s, '{'); i >= 0 {
			j := strings.IndexByte(s, '}')
			label := s[i+1 : j]
			val := "v:" + label + " x"
			if strings.HasSuffix(label, "+") {
				label = strings.TrimSuffix(label, "+")
				val = "dir/sub/" + label + " k.txt"
				want[label] = val
				segs = append(segs, s[:i]+strings.ReplaceAll(url.PathEscape(val), "%2F", "/")+s[j+1:])
				continue
			}
			want[label] = val
			segs = append(segs, s[:i]+url.PathEscape(val)+s[j+1:])
			continue
		}
		segs = append(segs, s)
	}
	query := url.Values{}
	for _, part := range strings.Split(q, "&") {
		if part != "" {
			k, v, _ := strings.Cut(part, "=")
			query.Set(k, v)
		}
	}
	r, err := http.NewRequest(op.HTTPMethod, "http://localhost"+strings.Join(segs, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if op.Input != nil {
		for _, m := range op.Input.Members {
			if m.Required && m.Location == LocationQuery && m.Shape.Type != awsapi.TypeMap && !query.Has(m.WireName()) {
				query.Set(m.WireName(), "1")
			}
			if m.Required && m.Location == LocationHeader {
				r.Header.Set(m.WireName(), "1")
			}
		}
	}
	r.URL.RawQuery = query.Encode()
	return r, want
}

// indistinguishable lists operations no request can tell from a preferred one.
var indistinguishable = map[string]string{
	"GetBucketLifecycle":    "GetBucketLifecycleConfiguration",
	"PutBucketLifecycle":    "PutBucketLifecycleConfiguration",
	"GetBucketNotification": "GetBucketNotificationConfiguration",
	"PutBucketNotification": "PutBucketNotificationConfiguration",
	"ListDirectoryBuckets":  "ListBuckets",
}

func TestRouterRoutesEveryOperation(t *testing.T) {
	for _, tc := range []struct{ id, dir string }{{"s3", "s3"}, {"lambda", "lambda"}, {"apigateway", "apigateway"}} {
		t.Run(tc.id, func(t *testing.T) {
			svc := loadBotocore(t, tc.id, tc.dir)
			rt, err := NewRouterStrict(svc)
			if err != nil {
				t.Fatal(err)
			}
			for name, op := range svc.Operations {
				r, want := sampleRequest(t, op)
				got, labels, ok := rt.MatchLabels(r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header)
				expect := name
				if alt, ok := indistinguishable[name]; ok && tc.id == "s3" {
					expect = alt
				}
				if !ok || got.Name != expect {
					gotName := "<none>"
					if got != nil {
						gotName = got.Name
					}
					t.Errorf("%s %s (%s): routed to %s, want %s", r.Method, r.URL, op.RequestURI, gotName, expect)
					continue
				}
				for k, v := range want {
					if labels[k] != v {
						t.Errorf("%s: label %s = %q, want %q", name, k, labels[k], v)
					}
				}
			}
		})
	}
}

func TestRouterCases(t *testing.T) {
	s3 := loadBotocore(t, "s3", "s3")
	lambda := loadBotocore(t, "lambda", "lambda")
	cases := []struct {
		name   string
		svc    *awsapi.Service
		method string
		url    string
		header map[string]string
		want   string
		labels map[string]string
	}{
		{"lambda list old slash", lambda, "GET", "/2015-03-31/functions/", nil, "ListFunctions", nil},
		{"lambda list new", lambda, "GET", "/2015-03-31/functions", nil, "ListFunctions", nil},
		{"lambda esm old slash", lambda, "POST", "/2015-03-31/event-source-mappings/", nil, "CreateEventSourceMapping", nil},
		{"lambda esm new", lambda, "POST", "/2015-03-31/event-source-mappings", nil, "CreateEventSourceMapping", nil},
		{"lambda invoke arn", lambda, "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af1/invocations", nil, "Invoke",
			map[string]string{"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:f1"}},
		{"lambda get", lambda, "GET", "/2015-03-31/functions/f1", nil, "GetFunction", map[string]string{"FunctionName": "f1"}},
		{"lambda get config", lambda, "GET", "/2015-03-31/functions/f1/configuration", nil, "GetFunctionConfiguration", nil},
		{"s3 list buckets", s3, "GET", "/", nil, "ListBuckets", nil},
		{"s3 create bucket", s3, "PUT", "/my-bucket", nil, "CreateBucket", map[string]string{"Bucket": "my-bucket"}},
		{"s3 create bucket slash", s3, "PUT", "/my-bucket/", nil, "CreateBucket", nil},
		{"s3 put object", s3, "PUT", "/my-bucket/a/b.txt?x-id=PutObject", nil, "PutObject", map[string]string{"Bucket": "my-bucket", "Key": "a/b.txt"}},
		{"s3 put folder object", s3, "PUT", "/my-bucket/dir/", nil, "PutObject", map[string]string{"Key": "dir/"}},
		{"s3 put object botocore", s3, "PUT", "/my-bucket/a/b.txt", nil, "PutObject", nil},
		{"s3 copy object", s3, "PUT", "/b/k", map[string]string{"x-amz-copy-source": "/b/src"}, "CopyObject", nil},
		{"s3 upload part", s3, "PUT", "/my-bucket/k?uploadId=u1&partNumber=1", nil, "UploadPart", nil},
		{"s3 upload part copy", s3, "PUT", "/my-bucket/k?uploadId=u1&partNumber=1", map[string]string{"x-amz-copy-source": "/b/src"}, "UploadPartCopy", nil},
		{"s3 get object", s3, "GET", "/my-bucket/k", nil, "GetObject", nil},
		{"s3 get object escaped", s3, "GET", "/my-bucket/a%2Fb%20c", nil, "GetObject", map[string]string{"Key": "a/b c"}},
		{"s3 list parts", s3, "GET", "/my-bucket/k?uploadId=u1", nil, "ListParts", nil},
		{"s3 abort mpu", s3, "DELETE", "/my-bucket/k?uploadId=u1", nil, "AbortMultipartUpload", nil},
		{"s3 delete object", s3, "DELETE", "/my-bucket/k", nil, "DeleteObject", nil},
		{"s3 create mpu", s3, "POST", "/my-bucket/k?uploads", nil, "CreateMultipartUpload", nil},
		{"s3 complete mpu", s3, "POST", "/my-bucket/k?uploadId=u1", nil, "CompleteMultipartUpload", nil},
		{"s3 delete objects go", s3, "POST", "/my-bucket?delete=", nil, "DeleteObjects", nil},
		{"s3 delete objects js", s3, "POST", "/my-bucket/?delete=", nil, "DeleteObjects", map[string]string{"Bucket": "my-bucket"}},
		{"s3 list v2", s3, "GET", "/my-bucket?list-type=2&encoding-type=url", nil, "ListObjectsV2", nil},
		{"s3 list v1", s3, "GET", "/my-bucket", nil, "ListObjects", nil},
		{"s3 location", s3, "GET", "/my-bucket?location", nil, "GetBucketLocation", nil},
		{"s3 head object", s3, "HEAD", "/my-bucket/k", nil, "HeadObject", nil},
		{"s3 head bucket", s3, "HEAD", "/my-bucket", nil, "HeadBucket", nil},
		{"s3 notification", s3, "PUT", "/my-bucket?notification", nil, "PutBucketNotificationConfiguration", nil},
		{"s3 object acl", s3, "GET", "/my-bucket/k?acl", nil, "GetObjectAcl", nil},
		{"s3 bucket acl", s3, "GET", "/my-bucket?acl", nil, "GetBucketAcl", nil},
	}
	routers := map[*awsapi.Service]*Router{s3: NewRouter(s3), lambda: NewRouter(lambda)}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(tc.method, "http://localhost"+tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			op, labels, ok := routers[tc.svc].MatchLabels(r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header)
			if !ok || op.Name != tc.want {
				t.Fatalf("got %v (ok=%v), want %s", op, ok, tc.want)
			}
			for k, v := range tc.labels {
				if labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, labels[k], v)
				}
			}
		})
	}
}

func TestRouterNoMatch(t *testing.T) {
	lambda := loadBotocore(t, "lambda", "lambda")
	rt := NewRouter(lambda)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/nope"}, {"PATCH", "/2015-03-31/functions"}, {"GET", "/2015-03-31/functions/f1/unknown/x/y"},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			if op, ok := rt.Match(tc.method, tc.path, nil); ok {
				t.Fatalf("matched %s", op.Name)
			}
		})
	}
}
