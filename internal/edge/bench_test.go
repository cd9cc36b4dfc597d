package edge

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/awsapi/stsapi"
)

// The benchmarks drive one signed request at a time through Server.ServeHTTP
// against the real generated models and trivial handlers, so that what they
// measure is the edge and codec cost per request.

var benchCred = auth.Credential{AccessKeyID: "AKIDBENCH", SecretAccessKey: "benchsecret",
	Caller: awsapi.Caller{Account: "000000000000", ARN: "arn:aws:iam::000000000000:root", UserID: "000000000000", Root: true}}

func benchServer(b *testing.B, api *awsapi.Service, handlers map[string]awsapi.Handler) *Server {
	b.Helper()
	s := New(Config{Region: "us-east-1", Account: "000000000000",
		Credentials: auth.NewStaticCredentials(benchCred)})
	s.Register(api, handlers)
	return s
}

// benchRequest is a signed request template; next returns a fresh copy with its
// own body, as net/http would hand the server.
type benchRequest struct {
	tmpl *http.Request
	body []byte
}

func newBenchRequest(method, target string, body []byte, header http.Header, service string) *benchRequest {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, vs := range header {
		r.Header[k] = vs
	}
	r.RequestURI = r.URL.RequestURI() // as net/http sets it for an origin-form target
	auth.SignV4(r, auth.PayloadHash(body), benchCred, "us-east-1", service, time.Now())
	return &benchRequest{tmpl: r, body: body}
}

func (br *benchRequest) next() *http.Request {
	r := br.tmpl.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(br.body))
	return r
}

func runEdgeBench(b *testing.B, s *Server, br *benchRequest, wantStatus int) {
	b.Helper()
	b.ReportAllocs()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, br.next())
	if w.Code != wantStatus {
		b.Fatalf("status %d, want %d: %s", w.Code, wantStatus, w.Body.String())
	}
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, br.next())
		if w.Code != wantStatus {
			b.Fatalf("status %d", w.Code)
		}
	}
}

type benchSTS struct{ stsapi.Handler }

func (benchSTS) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	c := awsapi.RequestFrom(ctx).Caller
	return &stsapi.GetCallerIdentityOutput{Account: &c.Account, Arn: &c.ARN, UserId: &c.UserID}, nil
}

func BenchmarkEdgeQuerySTS(b *testing.B) {
	s := benchServer(b, stsapi.API(), stsapi.Bind(benchSTS{}))
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	br := newBenchRequest(http.MethodPost, "http://localhost:4566/", body,
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "sts")
	runEdgeBench(b, s, br, http.StatusOK)
}

type benchSQS struct{ sqsapi.Handler }

func (benchSQS) SendMessage(_ context.Context, in *sqsapi.SendMessageInput) (*sqsapi.SendMessageOutput, error) {
	id, md5 := "5fea7756-0ea4-451a-a703-a558b933e274", "fafb00f5732ab283681e124bf8747ed1"
	return &sqsapi.SendMessageOutput{MessageId: &id, MD5OfMessageBody: &md5}, nil
}

func BenchmarkEdgeJSONSQS(b *testing.B) {
	s := benchServer(b, sqsapi.API(), sqsapi.Bind(benchSQS{}))
	body := []byte(`{"QueueUrl":"http://localhost:4566/000000000000/q","MessageBody":"hello world",` +
		`"MessageAttributes":{"a":{"DataType":"String","StringValue":"v"}}}`)
	br := newBenchRequest(http.MethodPost, "http://localhost:4566/", body, http.Header{
		"Content-Type": {"application/x-amz-json-1.0"}, "X-Amz-Target": {"AmazonSQS.SendMessage"}}, "sqs")
	runEdgeBench(b, s, br, http.StatusOK)
}

type benchS3 struct {
	s3api.Handler
	data []byte
}

func (h benchS3) GetObject(_ context.Context, in *s3api.GetObjectInput) (*s3api.GetObjectOutput, error) {
	n := int64(len(h.data))
	etag := `"d41d8cd98f00b204e9800998ecf8427e"`
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ct := "application/octet-stream"
	return &s3api.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(h.data)), ContentLength: &n,
		ETag: &etag, LastModified: &mod, ContentType: &ct, Metadata: map[string]string{"owner": "bench"}}, nil
}

func BenchmarkEdgeRestXMLGetObject(b *testing.B) {
	s := benchServer(b, s3api.API(), s3api.Bind(benchS3{data: bytes.Repeat([]byte("x"), 4096)}))
	br := newBenchRequest(http.MethodGet, "http://localhost:4566/bucket/some/key.txt", nil,
		http.Header{"X-Amz-Content-Sha256": {auth.PayloadHash(nil)}}, "s3")
	runEdgeBench(b, s, br, http.StatusOK)
}

type benchLambda struct{ lambdaapi.Handler }

func (benchLambda) Invoke(_ context.Context, in *lambdaapi.InvokeInput) (*lambdaapi.InvokeOutput, error) {
	code, ver := int32(200), "$LATEST"
	return &lambdaapi.InvokeOutput{StatusCode: &code, Payload: in.Payload, ExecutedVersion: &ver}, nil
}

func BenchmarkEdgeRestJSONInvoke(b *testing.B) {
	s := benchServer(b, lambdaapi.API(), lambdaapi.Bind(benchLambda{}))
	body := []byte(`{"key1":"value1","key2":"value2","n":[1,2,3]}`)
	br := newBenchRequest(http.MethodPost, "http://localhost:4566/2015-03-31/functions/my-fn/invocations", body,
		http.Header{"Content-Type": {"application/json"}, "X-Amz-Invocation-Type": {"RequestResponse"}}, "lambda")
	runEdgeBench(b, s, br, http.StatusOK)
}
