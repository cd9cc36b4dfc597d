package edge

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
)

// hookEdge is a test edge serving the test S3 model that records every
// awsapi.RequestLog it reports.
func hookEdge(t testing.TB, hook bool) (*Server, *[]awsapi.RequestLog, *sync.Mutex) {
	t.Helper()
	api, err := awsapi.Load("s3", []byte(testS3Model), map[string]awsapi.OpTypes{
		"PutObject": {Input: reflect.TypeOf(putObjectInput{}), Output: reflect.TypeOf(putObjectOutput{})},
		"PutConfig": {Input: reflect.TypeOf(putConfigInput{}), Output: reflect.TypeOf(emptyOutput{})},
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs []awsapi.RequestLog
	cfg := Config{Region: "us-east-1", Account: "000000000000",
		Credentials: auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
			Caller: awsapi.Caller{Account: "000000000000", ARN: "arn:aws:iam::000000000000:root", Root: true}})}
	if hook {
		cfg.OnRequest = func(l awsapi.RequestLog) {
			mu.Lock()
			logs = append(logs, l)
			mu.Unlock()
		}
	}
	e := New(cfg)
	f := &fakeObjects{objects: map[string][]byte{}, configs: map[string]string{}}
	s3h, _ := f.handlers()
	e.Register(api, s3h)
	return e, &logs, &mu
}

func TestOnRequest(t *testing.T) {
	e, logs, mu := hookEdge(t, true)
	srv := httptest.NewServer(e)
	defer srv.Close()
	body := bytes.Repeat([]byte("x"), 1234)
	host := strings.TrimPrefix(srv.URL, "http://")

	pathStyle := s3Put(t, srv.URL+"/bkt/dir/a%20b.txt?x-id=PutObject", body)
	pathStyle.Header.Set("Referer", "http://ref.example/")
	virtual := s3Put(t, srv.URL+"/k1", body)
	virtual.Host = "vb.localhost"
	auth.SignV4(virtual, auth.PayloadHash(body), testCred, "us-east-1", "s3", time.Now())
	badSig := s3Put(t, srv.URL+"/bkt/bad", body)
	badSig.Header.Set("Authorization", strings.Replace(badSig.Header.Get("Authorization"), "Signature=", "Signature=00", 1))
	presigned, _ := http.NewRequest(http.MethodPut, srv.URL+"/bkt/q", bytes.NewReader(body))
	presignedURL := auth.PresignV4(presigned, "", testCred, "us-east-1", "s3", time.Now(), time.Hour)
	presigned, _ = http.NewRequest(http.MethodPut, presignedURL, bytes.NewReader(body))

	tests := []struct {
		name                     string
		req                      *http.Request
		status                   int
		code, bucket, key, op    string
		sig, authType, uri, host string
		sentBody                 bool
	}{
		{"path style", pathStyle, 200, "", "bkt", "dir/a b.txt", "PutObject", "SigV4", "AuthHeader",
			"/bkt/dir/a%20b.txt?x-id=PutObject", host, false},
		{"virtual host", virtual, 200, "", "vb", "k1", "PutObject", "SigV4", "AuthHeader", "/k1", "vb.localhost", false},
		{"bad signature", badSig, 403, "SignatureDoesNotMatch", "bkt", "bad", "", "SigV4", "AuthHeader", "/bkt/bad", host, true},
		{"presigned", presigned, 200, "", "bkt", "q", "PutObject", "SigV4", "QueryString", "", host, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			*logs = nil
			mu.Unlock()
			resp, err := http.DefaultClient.Do(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			if len(*logs) != 1 {
				t.Fatalf("%d hook calls, want 1", len(*logs))
			}
			l := (*logs)[0]
			if l.Status != tc.status || l.Status != resp.StatusCode || l.ErrorCode != tc.code {
				t.Errorf("status %d code %q, want %d %q (client saw %d)", l.Status, l.ErrorCode, tc.status, tc.code, resp.StatusCode)
			}
			if l.Bucket != tc.bucket || l.Key != tc.key {
				t.Errorf("bucket/key %q/%q, want %q/%q", l.Bucket, l.Key, tc.bucket, tc.key)
			}
			if op := l.Request.Operation; tc.op != "" && (op == nil || op.Name != tc.op) {
				t.Errorf("operation %v, want %s", op, tc.op)
			}
			if l.Request.SignatureVersion != tc.sig || l.Request.AuthType != tc.authType {
				t.Errorf("auth %q %q, want %q %q", l.Request.SignatureVersion, l.Request.AuthType, tc.sig, tc.authType)
			}
			if tc.uri != "" && l.URI != tc.uri {
				t.Errorf("URI %q, want %q", l.URI, tc.uri)
			}
			if l.Host != tc.host || l.Method != http.MethodPut || l.Proto != "HTTP/1.1" {
				t.Errorf("host/method/proto %q %q %q", l.Host, l.Method, l.Proto)
			}
			if l.BytesSent != int64(len(got)) || (len(got) > 0) != tc.sentBody {
				t.Errorf("BytesSent %d, client read %d", l.BytesSent, len(got))
			}
			if tc.status == 200 && l.BodyBytes != int64(len(body)) {
				t.Errorf("BodyBytes %d, want %d", l.BodyBytes, len(body))
			}
			if l.Request.ID == "" || l.Request.SourceIP != "127.0.0.1" || l.Request.UserAgent == "" ||
				l.TotalTime <= 0 || l.TurnAround > l.TotalTime || l.Start.IsZero() || l.TLSVersion != "" {
				t.Errorf("request fields: %+v", l)
			}
			if tc.status == 200 && l.Request.Caller.ARN != "arn:aws:iam::000000000000:root" {
				t.Errorf("caller %+v", l.Request.Caller)
			}
			if tc.name == "path style" && l.Referer != "http://ref.example/" {
				t.Errorf("referer %q", l.Referer)
			}
		})
	}
}

func TestOnRequestSkipsAdmin(t *testing.T) {
	e, logs, mu := hookEdge(t, true)
	e.cfg.Admin = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/_nubo/health", nil))
	mu.Lock()
	defer mu.Unlock()
	if w.Code != 204 || len(*logs) != 0 {
		t.Fatalf("admin request: status %d, %d hook calls", w.Code, len(*logs))
	}
}

// flushRecorder is a ResponseWriter that implements io.ReaderFrom.
type flushRecorder struct {
	*httptest.ResponseRecorder
	readFrom int64
}

func (f *flushRecorder) ReadFrom(r io.Reader) (int64, error) {
	n, err := io.Copy(f.ResponseRecorder, r)
	f.readFrom += n
	return n, err
}

func TestCountingWriter(t *testing.T) {
	rec := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	w := &countingWriter{ResponseWriter: rec}
	var rw http.ResponseWriter = w
	if _, err := rw.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(rw, io.LimitReader(strings.NewReader("defgh"), 5)); err != nil {
		t.Fatal(err)
	}
	if err := http.NewResponseController(rw).Flush(); err != nil {
		t.Fatal(err)
	}
	if w.status != 200 || w.bytes != 8 || rec.readFrom != 5 || !rec.Flushed || rec.Body.String() != "abcdefgh" {
		t.Fatalf("status %d bytes %d readFrom %d flushed %v body %q", w.status, w.bytes, rec.readFrom, rec.Flushed, rec.Body)
	}
	d := &countingWriter{ResponseWriter: discardWriter{}}
	p := []byte("x")
	if n := testing.AllocsPerRun(100, func() { _, _ = d.Write(p) }); n != 0 {
		t.Errorf("Write allocates %v times", n)
	}
}

// TestNoHookNoCost checks that without a hook the edge builds nothing for it:
// a request allocates less than with one installed.
func TestNoHookNoCost(t *testing.T) {
	run := func(hook bool) float64 {
		e, _, _ := hookEdge(t, hook)
		body := []byte("payload")
		br := newBenchRequest(http.MethodPut, "/bkt/key", body, nil, "s3")
		br.tmpl.Header.Set("X-Amz-Content-Sha256", auth.PayloadHash(body))
		auth.SignV4(br.tmpl, auth.PayloadHash(body), testCred, "us-east-1", "s3", time.Now())
		return testing.AllocsPerRun(50, func() {
			w := httptest.NewRecorder()
			e.ServeHTTP(w, br.next())
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
		})
	}
	without, with := run(false), run(true)
	if without >= with {
		t.Fatalf("allocations without hook %v, with hook %v", without, with)
	}
}

// discardWriter is a ResponseWriter that drops what it is given.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}

// TestHookDoesNotDesyncConnections sends a body larger than the edge reads,
// then a second request on the same keep-alive connection: with a hook
// installed the second request must still be parsed as itself (a wrapper on
// r.Body once made net/http keep the connection and read the rest of the
// first body as the next request).
func TestHookDoesNotDesyncConnections(t *testing.T) {
	e := New(Config{Region: "us-east-1", Admin: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), OnRequest: func(awsapi.RequestLog) {}})
	srv := httptest.NewServer(e)
	defer srv.Close()
	body := "Action=GetCallerIdentity&Version=2011-06-15&Pad=" + strings.Repeat("a", DefaultMaxBody+(1<<20))
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(r)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized body: %s", resp.Status)
		}
	}
	resp, err = http.Get(srv.URL + "/_nubo/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("request after an oversized body: %s", resp.Status)
	}
}
