package rapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rt is a minimal hand-written runtime client for protocol tests.
type rt struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newRT(t *testing.T, e *Endpoint) *rt {
	return &rt{t: t, base: "http://" + e.Addr() + "/2018-06-01/runtime/", c: &http.Client{}}
}

// do sends a request and returns status, headers and body.
func (r *rt) do(method, path string, body []byte, hdr map[string]string) (int, http.Header, []byte) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.base+path, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := r.c.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func mustEndpoint(t *testing.T) *Endpoint {
	t.Helper()
	e, err := NewEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// invokeAsync runs Invoke in a goroutine.
func invokeAsync(e *Endpoint, ctx context.Context, inv Invocation) <-chan struct {
	Result
	error
} {
	ch := make(chan struct {
		Result
		error
	}, 1)
	go func() {
		r, err := e.Invoke(ctx, inv)
		ch <- struct {
			Result
			error
		}{r, err}
	}()
	return ch
}

func TestNextHeadersAndResponse(t *testing.T) {
	e := mustEndpoint(t)
	r := newRT(t, e)
	dl := time.Now().Add(3 * time.Second).Truncate(time.Millisecond)
	inv := Invocation{RequestID: "req-1", Payload: []byte(`{"a":1}`), Deadline: dl,
		FunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:f", TraceID: "Root=1-x",
		ClientContext: `{"custom":{"k":"v"}}`, CognitoIdentity: `{"cognitoIdentityId":"id"}`}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := invokeAsync(e, ctx, inv)
	status, h, body := r.do("GET", "invocation/next", nil, nil)
	checks := []struct{ name, got, want string }{
		{"status", strconv.Itoa(status), "200"},
		{"body", string(body), `{"a":1}`},
		{"id", h.Get(HeaderRequestID), "req-1"},
		{"deadline", h.Get(HeaderDeadlineMs), strconv.FormatInt(dl.UnixMilli(), 10)},
		{"arn", h.Get(HeaderFunctionARN), inv.FunctionARN},
		{"trace", h.Get(HeaderTraceID), "Root=1-x"},
		{"client context", h.Get(HeaderClientContext), inv.ClientContext},
		{"cognito", h.Get(HeaderCognitoIdentity), inv.CognitoIdentity},
		{"content type", h.Get("Content-Type"), "application/json"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	status, _, body = r.do("POST", "invocation/req-1/response", []byte(`"ok"`), nil)
	if status != 202 || strings.TrimSpace(string(body)) != `{"status":"OK"}` {
		t.Fatalf("response: %d %s", status, body)
	}
	res := <-done
	if res.error != nil || string(res.Payload) != `"ok"` || res.Err != nil {
		t.Fatalf("Invoke = %+v, %v", res.Result, res.error)
	}
	// A second answer for the same id is a state error; an unknown id is 400.
	if status, _, _ := r.do("POST", "invocation/req-1/response", []byte(`1`), nil); status != 403 {
		t.Errorf("second answer status %d, want 403", status)
	}
	if status, _, _ := r.do("POST", "invocation/nope/error", []byte(`{}`), nil); status != 400 {
		t.Errorf("unknown id status %d, want 400", status)
	}
}

// oneInvoke runs an invocation whose runtime side is answer.
func oneInvoke(t *testing.T, answer func(r *rt, id string)) (Result, error) {
	t.Helper()
	e := mustEndpoint(t)
	r := newRT(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := invokeAsync(e, ctx, Invocation{RequestID: "id-9", Payload: []byte("{}"), Deadline: time.Now().Add(time.Second)})
	if status, _, _ := r.do("GET", "invocation/next", nil, nil); status != 200 {
		t.Fatalf("next status %d", status)
	}
	answer(r, "id-9")
	res := <-done
	return res.Result, res.error
}

func TestAnswers(t *testing.T) {
	tests := []struct {
		name       string
		answer     func(r *rt, id string) (int, []byte)
		wantStatus int
		wantType   string // "" means success
		wantMsg    string
	}{
		{"error with header", func(r *rt, id string) (int, []byte) {
			s, _, b := r.do("POST", "invocation/"+id+"/error", []byte(`{"errorMessage":"bad","errorType":"ValueError","stackTrace":[]}`),
				map[string]string{HeaderErrorType: "Function.ValueError"})
			return s, b
		}, 202, "Function.ValueError", "bad"},
		{"error type from body", func(r *rt, id string) (int, []byte) {
			s, _, b := r.do("POST", "invocation/"+id+"/error", []byte(`{"errorMessage":"m","errorType":"errorString"}`), nil)
			return s, b
		}, 202, "errorString", "m"},
		{"error not json", func(r *rt, id string) (int, []byte) {
			s, _, b := r.do("POST", "invocation/"+id+"/error", []byte(`oops`), nil)
			return s, b
		}, 202, "Runtime.Unknown", "oops"},
		{"too large", func(r *rt, id string) (int, []byte) {
			s, _, b := r.do("POST", "invocation/"+id+"/response", bytes.Repeat([]byte("a"), MaxResponseSize+1), nil)
			return s, b
		}, 413, "Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes)."},
		{"streaming rejected", func(r *rt, id string) (int, []byte) {
			s, _, b := r.do("POST", "invocation/"+id+"/response", []byte(`x`), map[string]string{HeaderResponseMode: "streaming"})
			return s, b
		}, 400, "Runtime.ResponseStreamingNotSupported", ""},
		{"exactly the limit", func(r *rt, id string) (int, []byte) {
			s, _, b := r.do("POST", "invocation/"+id+"/response", bytes.Repeat([]byte("a"), MaxResponseSize), nil)
			return s, b
		}, 202, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var status int
			var body []byte
			res, err := oneInvoke(t, func(r *rt, id string) { status, body = tc.answer(r, id) })
			if err != nil {
				t.Fatal(err)
			}
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d (%s)", status, tc.wantStatus, body)
			}
			if status != 202 && !json.Valid(body) {
				t.Errorf("error body is not JSON: %s", body)
			}
			if status == 413 && !strings.Contains(string(body), `"errorType":"RequestEntityTooLarge"`) {
				t.Errorf("413 body %s", body)
			}
			if tc.wantType == "" {
				if res.Err != nil || len(res.Payload) != MaxResponseSize {
					t.Fatalf("want success, got err %v payload %d", res.Err, len(res.Payload))
				}
				return
			}
			if res.Err == nil || res.Err.Type != tc.wantType {
				t.Fatalf("Err = %+v, want type %s", res.Err, tc.wantType)
			}
			if tc.wantMsg != "" && res.Err.Message != tc.wantMsg {
				t.Errorf("message %q, want %q", res.Err.Message, tc.wantMsg)
			}
			if !json.Valid(res.Err.Body) {
				t.Errorf("error body not JSON: %s", res.Err.Body)
			}
		})
	}
}

func TestInitError(t *testing.T) {
	e := mustEndpoint(t)
	r := newRT(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := invokeAsync(e, ctx, Invocation{RequestID: "a", Deadline: time.Now().Add(time.Second)})
	body := `{"errorMessage":"Unable to import module 'x': No module named 'x'","errorType":"Runtime.ImportModuleError","requestId":"","stackTrace":[]}`
	status, _, _ := r.do("POST", "init/error", []byte(body), map[string]string{HeaderErrorType: "Runtime.ImportModuleError"})
	if status != 202 {
		t.Fatalf("init error status %d", status)
	}
	res := <-done
	if res.error != nil || res.Err == nil || res.Err.Type != "Runtime.ImportModuleError" || string(res.Err.Body) != body {
		t.Fatalf("Invoke = %+v, %v", res.Result, res.error)
	}
	var fe *FunctionError
	if err := e.WaitReady(ctx); !errors.As(err, &fe) || fe.Type != "Runtime.ImportModuleError" {
		t.Fatalf("WaitReady = %v", err)
	}
	if e.InitError() == nil {
		t.Fatal("InitError is nil")
	}
	// Later invokes fail the same way, at once.
	if res, err := e.Invoke(ctx, Invocation{RequestID: "b", Deadline: time.Now().Add(time.Second)}); err != nil || res.Err == nil {
		t.Fatalf("later Invoke = %+v, %v", res, err)
	}
	if status, _, _ := r.do("GET", "invocation/next", nil, nil); status != 403 {
		t.Errorf("next after init error: %d, want 403", status)
	}
}

func TestInitErrorAfterReadyIsRejected(t *testing.T) {
	e := mustEndpoint(t)
	r := newRT(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := invokeAsync(e, ctx, Invocation{RequestID: "a", Deadline: time.Now().Add(time.Second)})
	r.do("GET", "invocation/next", nil, nil)
	if err := e.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := r.do("POST", "init/error", []byte(`{}`), nil); status != 403 {
		t.Errorf("late init error: %d, want 403", status)
	}
	r.do("POST", "invocation/a/response", []byte(`1`), nil)
	if res := <-done; res.error != nil || string(res.Payload) != "1" {
		t.Fatalf("Invoke = %+v", res)
	}
}

func TestInvokeNeverHangs(t *testing.T) {
	tests := []struct {
		name    string
		act     func(e *Endpoint, r *rt)
		wantErr error
	}{
		{"runtime never polls", func(*Endpoint, *rt) {}, context.DeadlineExceeded},
		{"runtime never answers", func(_ *Endpoint, r *rt) { r.do("GET", "invocation/next", nil, nil) }, context.DeadlineExceeded},
		{"runtime exits", func(e *Endpoint, r *rt) {
			r.do("GET", "invocation/next", nil, nil)
			e.RuntimeExited(errors.New("exit status 1"))
		}, ErrRuntimeExited},
		{"endpoint closed", func(e *Endpoint, r *rt) { _ = e.Close() }, ErrClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustEndpoint(t)
			r := newRT(t, e)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			done := invokeAsync(e, ctx, Invocation{RequestID: "x", Deadline: time.Now().Add(time.Second)})
			tc.act(e, r)
			res := <-done
			if !errors.Is(res.error, tc.wantErr) {
				t.Fatalf("err = %v, want %v", res.error, tc.wantErr)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Invoke took %v", d)
			}
		})
	}
}

func TestBusyAndBadInvocation(t *testing.T) {
	e := mustEndpoint(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	first := invokeAsync(e, ctx, Invocation{RequestID: "one", Deadline: time.Now().Add(time.Second)})
	r := newRT(t, e)
	r.do("GET", "invocation/next", nil, nil) // the first call is now in flight
	if _, err := e.Invoke(ctx, Invocation{RequestID: "two", Deadline: time.Now().Add(time.Second)}); !errors.Is(err, ErrBusy) {
		t.Errorf("concurrent Invoke err = %v, want ErrBusy", err)
	}
	for _, bad := range []Invocation{{RequestID: ""}, {RequestID: "a/b"}, {RequestID: "ok"}} {
		if _, err := e.Invoke(context.Background(), bad); err == nil {
			t.Errorf("Invoke(%+v) accepted", bad)
		}
	}
	r.do("POST", "invocation/one/response", []byte(`{}`), nil)
	if res := <-first; res.error != nil {
		t.Fatal(res.error)
	}
}

func TestNextWithoutAnswerFailsCurrent(t *testing.T) {
	e := mustEndpoint(t)
	r := newRT(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	done := invokeAsync(e, ctx, Invocation{RequestID: "q", Deadline: time.Now().Add(time.Second)})
	r.do("GET", "invocation/next", nil, nil)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", r.base+"invocation/next", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	res := <-done
	if res.error != nil || res.Err == nil || res.Err.Type != "Runtime.Unknown" {
		t.Fatalf("Invoke = %+v, %v", res.Result, res.error)
	}
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/2018-06-01/runtime/invocation/nope", 404},
		{"GET", "/", 404},
		{"GET", "/2018-06-01/runtime/invocation//response", 404},
		{"POST", "/2018-06-01/runtime/invocation/next", 405},
		{"GET", "/2018-06-01/runtime/init/error", 405},
		{"GET", "/2018-06-01/runtime/invocation/x/response", 405},
		{"POST", "/2018-06-01/runtime/invocation/x/response", 400},
		{"POST", "/2018-06-01/runtime/invocation/x/error", 400},
		{"POST", "/2018-06-01/runtime/invocation/x/y/response", 404},
		{"POST", "/2015-03-31/functions/function/invocations", 404},
	}
	e := newEndpoint()
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := newRecorder()
			req, err := http.NewRequest(tc.method, "http://x"+tc.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			e.ServeHTTP(w, req)
			if w.status != tc.want {
				t.Errorf("status %d, want %d", w.status, tc.want)
			}
			if !json.Valid(w.body.Bytes()) {
				t.Errorf("body not JSON: %q", w.body.String())
			}
		})
	}
}

// recorder is a tiny http.ResponseWriter for handler tests.
type recorder struct {
	hdr    http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{hdr: http.Header{}} }

func (r *recorder) Header() http.Header { return r.hdr }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}

func TestNewTraceID(t *testing.T) {
	a, b := NewTraceID(time.Unix(0x5bef4de7, 0)), NewTraceID(time.Unix(0x5bef4de7, 0))
	if a == b || !strings.HasPrefix(a, "Root=1-5bef4de7-") || len(a) != len("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0") {
		t.Fatalf("trace ids %q %q", a, b)
	}
}
