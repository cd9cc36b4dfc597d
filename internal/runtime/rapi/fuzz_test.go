package rapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzServeHTTP drives the handlers with arbitrary methods, paths, headers
// and bodies while an invocation is in flight: every reply must be a known
// status with a JSON body, and the in-flight Invoke must still end.
func FuzzServeHTTP(f *testing.F) {
	seeds := []struct{ method, path, errType, body string }{
		{"GET", "/2018-06-01/runtime/invocation/next", "", ""},
		{"POST", "/2018-06-01/runtime/invocation/fz/response", "", `{"ok":true}`},
		{"POST", "/2018-06-01/runtime/invocation/fz/error", "Function.X", `{"errorMessage":"m","errorType":"T"}`},
		{"POST", "/2018-06-01/runtime/invocation/fz/error", "", `not json`},
		{"POST", "/2018-06-01/runtime/init/error", "Runtime.ImportModuleError", `{"errorType":"x"}`},
		{"POST", "/2018-06-01/runtime/invocation/other/response", "", `1`},
		{"DELETE", "/2018-06-01/runtime/invocation/next", "", ""},
		{"POST", "/2018-06-01/runtime/invocation/fz/response/extra", "", ""},
		{"GET", "/", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.errType, []byte(s.body))
	}
	known := map[int]bool{200: true, 202: true, 400: true, 403: true, 404: true, 405: true, 413: true}
	f.Fuzz(func(t *testing.T, method, path, errType string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		e := newEndpoint()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		done := invokeAsync(e, ctx, Invocation{RequestID: "fz", Payload: []byte(`{}`), Deadline: time.Now().Add(time.Second)})
		next := newRecorder()
		e.ServeHTTP(next, mustReq(t, "GET", "/2018-06-01/runtime/invocation/next", nil, ""))
		req, err := http.NewRequest(method, "http://h"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		if errType != "" && !strings.ContainsAny(errType, "\r\n\x00") {
			req.Header.Set(HeaderErrorType, errType)
		}
		rctx, rcancel := context.WithTimeout(ctx, 50*time.Millisecond) // bounds a /next long-poll
		defer rcancel()
		w := newRecorder()
		e.ServeHTTP(w, req.WithContext(rctx))
		if w.status != 0 && !known[w.status] {
			t.Fatalf("%s %s: status %d", method, path, w.status)
		}
		if w.status != 200 && w.status != 0 && !json.Valid(w.body.Bytes()) {
			t.Fatalf("%s %s: body not JSON: %q", method, path, w.body.String())
		}
		e.RuntimeExited(nil)
		<-done
	})
}

func mustReq(t *testing.T, method, path string, body []byte, _ string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://h"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// FuzzParseFunctionError checks that any posted error yields a type and a
// valid JSON body.
func FuzzParseFunctionError(f *testing.F) {
	f.Add("", []byte(`{"errorMessage":"m","errorType":"T","stackTrace":[]}`))
	f.Add("Runtime.X", []byte(`garbage`))
	f.Add("", []byte(``))
	f.Add("", []byte(`[1,2]`))
	f.Add("", []byte(`{"errorType":5}`))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		fe := parseFunctionError(header, body)
		if fe.Type == "" || !json.Valid(fe.Body) {
			t.Fatalf("parseFunctionError(%q, %q) = %+v", header, body, fe)
		}
	})
}

// FuzzParseRoute checks that accepted routes are well formed.
func FuzzParseRoute(f *testing.F) {
	for _, p := range []string{"/2018-06-01/runtime/invocation/next", "/2018-06-01/runtime/init/error",
		"/2018-06-01/runtime/invocation/abc/response", "/2018-06-01/runtime/invocation/abc/error", "/x"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		rt, ok := parseRoute(p)
		if !ok {
			return
		}
		if (rt.kind == "response" || rt.kind == "error") && (rt.id == "" || strings.Contains(rt.id, "/")) {
			t.Fatalf("parseRoute(%q) = %+v", p, rt)
		}
	})
}
