package edge

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/checksum"
	"github.com/nubo/nubo/internal/protocol/chunked"
)

// The edge is exercised against small test models so that every protocol path
// (streaming S3 bodies, JSON, CBOR, gzip) runs through real handlers.

const testS3Model = `{
 "metadata": {"apiVersion": "2006-03-01", "endpointPrefix": "s3", "protocol": "rest-xml", "protocols": ["rest-xml"]},
 "operations": {
  "PutObject": {"name": "PutObject", "http": {"method": "PUT", "requestUri": "/{Bucket}/{Key+}"},
   "input": {"shape": "PutObjectRequest"}, "output": {"shape": "PutObjectOutput"}},
  "PutConfig": {"name": "PutConfig", "http": {"method": "PUT", "requestUri": "/{Bucket}?config"},
   "input": {"shape": "PutConfigRequest"}},
  "DeleteBucket": {"name": "DeleteBucket", "http": {"method": "DELETE", "requestUri": "/{Bucket}", "responseCode": 204}}
 },
 "shapes": {
  "S": {"type": "string"},
  "Body": {"type": "blob", "streaming": true},
  "PutObjectRequest": {"type": "structure", "required": ["Bucket", "Key"], "payload": "Body", "members": {
   "Body": {"shape": "Body"},
   "Bucket": {"shape": "S", "location": "uri", "locationName": "Bucket"},
   "Key": {"shape": "S", "location": "uri", "locationName": "Key"}}},
  "PutObjectOutput": {"type": "structure", "members": {"ETag": {"shape": "S", "location": "header", "locationName": "ETag"}}},
  "PutConfigRequest": {"type": "structure", "payload": "Config", "members": {
   "Bucket": {"shape": "S", "location": "uri", "locationName": "Bucket"},
   "Config": {"shape": "Config", "locationName": "Config", "xmlNamespace": {"uri": "http://s3.amazonaws.com/doc/2006-03-01/"}}}},
  "Config": {"type": "structure", "members": {"Name": {"shape": "S"}}}
 }
}`

type putObjectInput struct {
	Body   io.ReadCloser `aws:"Body"`
	Bucket *string       `aws:"Bucket"`
	Key    *string       `aws:"Key"`
}

type putObjectOutput struct {
	ETag *string `aws:"ETag"`
}

type putConfigInput struct {
	Bucket *string     `aws:"Bucket"`
	Config *testConfig `aws:"Config"`
}

type testConfig struct {
	Name *string `aws:"Name"`
}

type emptyOutput struct{}

const testJSONModel = `{
 "metadata": {"apiVersion": "2010-08-01", "endpointPrefix": "monitoring", "jsonVersion": "1.0",
  "protocol": "smithy-rpc-v2-cbor", "protocols": ["smithy-rpc-v2-cbor", "json"],
  "targetPrefix": "GraniteServiceVersion20100801", "awsQueryCompatible": {}},
 "operations": {
  "PutMetricData": {"name": "PutMetricData", "http": {"method": "POST", "requestUri": "/"},
   "input": {"shape": "PutMetricDataInput"}, "requestcompression": {"encodings": ["gzip"]}},
  "ListMetrics": {"name": "ListMetrics", "http": {"method": "POST", "requestUri": "/"}}
 },
 "shapes": {
  "S": {"type": "string"},
  "PutMetricDataInput": {"type": "structure", "members": {"Namespace": {"shape": "S"}}}
 }
}`

type putMetricDataInput struct {
	Namespace *string `aws:"Namespace"`
}

// fakeObjects is a stand-in object store that publishes a body only after
// reading it to the end without error, like a real service must.
type fakeObjects struct {
	mu      sync.Mutex
	objects map[string][]byte
	configs map[string]string
	metrics []string
}

func (f *fakeObjects) handlers() (s3h, cwh map[string]awsapi.Handler) {
	s3h = map[string]awsapi.Handler{
		"PutObject": func(_ context.Context, in any) (any, error) {
			p := in.(*putObjectInput)
			b, err := io.ReadAll(p.Body)
			if err != nil {
				return nil, err
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			f.objects[*p.Bucket+"/"+*p.Key] = b
			return &putObjectOutput{ETag: new(string)}, nil
		},
		"PutConfig": func(_ context.Context, in any) (any, error) {
			p := in.(*putConfigInput)
			f.mu.Lock()
			defer f.mu.Unlock()
			f.configs[*p.Bucket] = *p.Config.Name
			return &emptyOutput{}, nil
		},
	}
	cwh = map[string]awsapi.Handler{
		"PutMetricData": func(_ context.Context, in any) (any, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.metrics = append(f.metrics, *in.(*putMetricDataInput).Namespace)
			return &emptyOutput{}, nil
		},
	}
	return s3h, cwh
}

func (f *fakeObjects) object(k string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[k]
	return b, ok
}

func newTestEdge(t *testing.T) (*httptest.Server, *fakeObjects) {
	t.Helper()
	s3api, err := awsapi.Load("s3", []byte(testS3Model), map[string]awsapi.OpTypes{
		"PutObject": {Input: reflect.TypeOf(putObjectInput{}), Output: reflect.TypeOf(putObjectOutput{})},
		"PutConfig": {Input: reflect.TypeOf(putConfigInput{}), Output: reflect.TypeOf(emptyOutput{})},
	})
	if err != nil {
		t.Fatal(err)
	}
	cwapi, err := awsapi.Load("cloudwatch", []byte(testJSONModel), map[string]awsapi.OpTypes{
		"PutMetricData": {Input: reflect.TypeOf(putMetricDataInput{}), Output: reflect.TypeOf(emptyOutput{})},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeObjects{objects: map[string][]byte{}, configs: map[string]string{}}
	e := New(Config{Region: "us-east-1", Account: "000000000000",
		Credentials: auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
			Caller: awsapi.Caller{Account: "000000000000", ARN: "arn:aws:iam::000000000000:root", Root: true}})})
	s3h, cwh := f.handlers()
	e.Register(s3api, s3h)
	e.Register(cwapi, cwh)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv, f
}

var testCred = auth.Credential{AccessKeyID: "test", SecretAccessKey: "test"}

func s3Put(t *testing.T, url string, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Content-Sha256", auth.PayloadHash(body))
	auth.SignV4(r, auth.PayloadHash(body), testCred, "us-east-1", "s3", time.Now())
	return r
}

func roundTrip(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStreamingBodies(t *testing.T) {
	srv, f := newTestEdge(t)
	data := bytes.Repeat([]byte("hello world "), 3000)

	// chunked signs data as an aws-chunked upload of key, then lets mutate
	// damage the encoded body.
	chunked := func(key string, mutate func(body []byte) []byte) *http.Request {
		r, _ := http.NewRequest(http.MethodPut, srv.URL+"/"+key, nil)
		if err := auth.SignV4Chunked(r, data, 8192, checksum.CRC32, testCred, "us-east-1", "s3", time.Now()); err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		if mutate != nil {
			body = mutate(body)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		return r
	}
	tests := []struct {
		name       string
		key        string
		req        func(key string) *http.Request
		wantStatus int
		wantCode   string
	}{
		{"signed body", "b/plain", func(k string) *http.Request { return s3Put(t, srv.URL+"/"+k, data) }, 200, ""},
		{"body does not match signed hash", "b/tampered", func(k string) *http.Request {
			r := s3Put(t, srv.URL+"/"+k, data)
			r.Body = io.NopCloser(bytes.NewReader(append([]byte("X"), data[1:]...)))
			return r
		}, 400, "XAmzContentSHA256Mismatch"},
		{"aws-chunked with trailer", "b/chunked", func(k string) *http.Request { return chunked(k, nil) }, 200, ""},
		{"truncated aws-chunked", "b/truncated", func(k string) *http.Request {
			return chunked(k, func(b []byte) []byte { return b[:len(b)/2] })
		}, 400, ""},
		{"final chunk signature cut off", "b/cut", func(k string) *http.Request {
			return chunked(k, func(b []byte) []byte { return b[:len(b)-40] })
		}, 403, "SignatureDoesNotMatch"},
		{"unsigned trailer", "b/unsigned", func(k string) *http.Request { return unsignedTrailer(t, srv.URL, k, data, false) }, 200, ""},
		{"wrong trailing checksum", "b/badsum", func(k string) *http.Request { return unsignedTrailer(t, srv.URL, k, data, true) }, 400, "BadDigest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := roundTrip(t, tc.req(tc.key))
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tc.wantStatus, body)
			}
			if tc.wantCode != "" && !strings.Contains(body, "<Code>"+tc.wantCode+"</Code>") {
				t.Errorf("body lacks code %s: %s", tc.wantCode, body)
			}
			got, stored := f.object(tc.key)
			if tc.wantStatus == 200 && (!stored || !bytes.Equal(got, data)) {
				t.Errorf("object %s not stored intact (stored=%v, %d bytes)", tc.key, stored, len(got))
			}
			if tc.wantStatus != 200 && stored {
				t.Errorf("failed request stored object %s", tc.key)
			}
		})
	}
}

// unsignedTrailer builds the upload today's SDKs send over HTTPS: an
// aws-chunked body with unsigned chunks and a trailing CRC32, optionally wrong.
func unsignedTrailer(t *testing.T, base, key string, data []byte, corrupt bool) *http.Request {
	t.Helper()
	sum, _ := checksum.Sum(checksum.CRC32, data)
	if corrupt {
		sum, _ = checksum.Sum(checksum.CRC32, append([]byte("x"), data...))
	}
	body := chunked.Encode(data, 8192, nil, []chunked.Trailer{{Name: "x-amz-checksum-crc32", Value: sum}})
	r, _ := http.NewRequest(http.MethodPut, base+"/"+key, bytes.NewReader(body))
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	r.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	auth.SignV4(r, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", testCred, "us-east-1", "s3", time.Now())
	return r
}

func TestVirtualHostAddressing(t *testing.T) {
	srv, f := newTestEdge(t)
	data := []byte("virtual")
	r := s3Put(t, srv.URL+"/dir/key.txt", data)
	r.Host = "photos.localhost"
	// Re-sign with the Host header the request will carry.
	r.Header.Del("Authorization")
	auth.SignV4(r, auth.PayloadHash(data), testCred, "us-east-1", "s3", time.Now())
	if status, body := roundTrip(t, r); status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if got, ok := f.object("photos/dir/key.txt"); !ok || string(got) != "virtual" {
		t.Fatalf("virtual-host put stored %q, %v", got, ok)
	}
}

func TestMalformedBodies(t *testing.T) {
	srv, f := newTestEdge(t)
	xmlReq := func(body string) *http.Request {
		r, _ := http.NewRequest(http.MethodPut, srv.URL+"/b?config", strings.NewReader(body))
		r.Header.Set("X-Amz-Content-Sha256", auth.PayloadHash([]byte(body)))
		auth.SignV4(r, auth.PayloadHash([]byte(body)), testCred, "us-east-1", "s3", time.Now())
		return r
	}
	jsonReq := func(body []byte, hdr map[string]string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.0")
		r.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData")
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		auth.SignV4(r, auth.PayloadHash(body), testCred, "us-east-1", "monitoring", time.Now())
		return r
	}
	cborReq := func(op string, body []byte) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/service/GraniteServiceVersion20100801/operation/"+op, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/cbor")
		r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		r.Header.Set("X-Amzn-Query-Mode", "true")
		auth.SignV4(r, auth.PayloadHash(body), testCred, "us-east-1", "monitoring", time.Now())
		return r
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"Namespace":"zipped"}`))
	zw.Close()
	goodCBOR, _ := cbor.Marshal(map[string]any{"Namespace": "cbor-ns"})

	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		want       []string
	}{
		{"valid xml", xmlReq(`<Config xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>n</Name></Config>`), 200, nil},
		{"malformed xml", xmlReq(`<Config><Name>n</Nam`), 400, []string{"<Code>MalformedXML</Code>"}},
		{"not implemented s3", func() *http.Request {
			r, _ := http.NewRequest(http.MethodDelete, srv.URL+"/b", nil)
			r.Header.Set("X-Amz-Content-Sha256", auth.PayloadHash(nil))
			auth.SignV4(r, auth.PayloadHash(nil), testCred, "us-east-1", "s3", time.Now())
			return r
		}(), 501, []string{"<Code>NotImplemented</Code>", "DeleteBucket"}},
		{"valid json", jsonReq([]byte(`{"Namespace":"plain"}`), nil), 200, nil},
		{"malformed json", jsonReq([]byte(`{"Namespace":`), nil), 400, []string{"SerializationException"}},
		{"gzip json", jsonReq(gz.Bytes(), map[string]string{"Content-Encoding": "gzip"}), 200, nil},
		{"broken gzip", jsonReq([]byte("not gzip"), map[string]string{"Content-Encoding": "gzip"}), 400, []string{"SerializationException"}},
		{"valid cbor", cborReq("PutMetricData", goodCBOR), 200, nil},
		{"malformed cbor", cborReq("PutMetricData", []byte{0xbf, 0x61}), 400, []string{"SerializationException"}},
		{"not implemented cbor", cborReq("ListMetrics", nil), 501, []string{"NotImplemented", "ListMetrics"}},
		{"unknown cbor op", cborReq("Nope", nil), 400, []string{"UnknownOperationException"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := roundTrip(t, tc.req)
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %q", status, tc.wantStatus, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q: %q", w, body)
				}
			}
		})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.configs["b"] != "n" {
		t.Errorf("configs = %v", f.configs)
	}
	if strings.Join(f.metrics, ",") != "plain,zipped,cbor-ns" {
		t.Errorf("metrics = %v", f.metrics)
	}
}
