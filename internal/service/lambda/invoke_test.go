package lambda

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/platform/metrics"
)

func TestCodeDownloadURL(t *testing.T) {
	e := newEnv(t, Options{})
	z := helloZip(t)
	if _, err := call[lambdaapi.CreateFunctionOutput](e, "CreateFunction", createInput("dl", z)); err != nil {
		t.Fatal(err)
	}
	g, err := call[lambdaapi.GetFunctionOutput](e, "GetFunction", &lambdaapi.GetFunctionInput{FunctionName: ptr("dl")})
	if err != nil {
		t.Fatal(err)
	}
	if deref(g.Code.RepositoryType) != "S3" {
		t.Fatalf("repository type %q", deref(g.Code.RepositoryType))
	}
	loc := deref(g.Code.Location)
	mux := http.NewServeMux()
	for _, r := range e.svc.RawRoutes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	fetch := func(url string) (int, []byte) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		body, _ := io.ReadAll(rec.Result().Body)
		return rec.Code, body
	}
	cases := []struct {
		name    string
		url     string
		advance time.Duration
		status  int
	}{
		{"valid", loc, 0, http.StatusOK},
		{"tampered", loc[:len(loc)-2] + "xx", 0, http.StatusForbidden},
		{"other hash", strings.Replace(loc, "/code/", "/code/0", 1), 0, http.StatusForbidden},
		{"still valid at 9 min", loc, 9 * time.Minute, http.StatusOK},
		{"expired after 10 min", loc, 2 * time.Minute, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.advance > 0 {
				_ = e.sys.Clock.Advance(tc.advance)
			}
			status, body := fetch(tc.url)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%s)", status, tc.status, body)
			}
			if status == http.StatusOK && !bytes.Equal(body, z) {
				t.Fatal("downloaded bytes differ from the uploaded zip")
			}
		})
	}
}

func TestVersionsAndAliases(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("va")
	pub := func() string {
		t.Helper()
		v, err := call[lambdaapi.PublishVersionOutput](e, "PublishVersion", &lambdaapi.PublishVersionInput{FunctionName: ptr("va")})
		if err != nil {
			t.Fatal(err)
		}
		return deref(v.Version)
	}
	if v := pub(); v != "1" {
		t.Fatalf("first version %s", v)
	}
	if v := pub(); v != "1" {
		t.Fatalf("publishing without changes made version %s", v)
	}
	z2 := makeZip(t, zipEntry{name: "app.py", body: "def handler(e, c):\n    return 2\n"})
	up, err := call[lambdaapi.UpdateFunctionCodeOutput](e, "UpdateFunctionCode", &lambdaapi.UpdateFunctionCodeInput{FunctionName: ptr("va"), ZipFile: z2, Publish: ptr(true)})
	if err != nil || deref(up.Version) != "2" {
		t.Fatalf("update+publish: %v %v", deref(up.Version), err)
	}
	_, err = call[lambdaapi.PublishVersionOutput](e, "PublishVersion", &lambdaapi.PublishVersionInput{FunctionName: ptr("va"), CodeSha256: ptr("AAAA")})
	wantCode(t, err, "InvalidParameterValueException", 400)
	_, err = call[lambdaapi.PublishVersionOutput](e, "PublishVersion", &lambdaapi.PublishVersionInput{FunctionName: ptr("va"), RevisionId: ptr("stale")})
	wantCode(t, err, "PreconditionFailedException", 412)

	aliasCases := []struct {
		name, alias, version string
		weights              map[string]float64
		code                 string
	}{
		{"numeric name", "123", "1", nil, "ValidationException"},
		{"missing version", "live", "9", nil, "ResourceNotFoundException"},
		{"weight too big", "live", "1", map[string]float64{"2": 1.5}, "ValidationException"},
		{"two extra versions", "live", "1", map[string]float64{"2": 0.1, "3": 0.1}, "InvalidParameterValueException"},
		{"latest weighted", "live", "$LATEST", map[string]float64{"2": 0.1}, "InvalidParameterValueException"},
		{"same version", "live", "1", map[string]float64{"1": 0.1}, "InvalidParameterValueException"},
		{"ok", "live", "1", map[string]float64{"2": 0.5}, ""},
		{"exists", "live", "1", nil, "ResourceConflictException"},
	}
	for _, tc := range aliasCases {
		t.Run(tc.name, func(t *testing.T) {
			in := &lambdaapi.CreateAliasInput{FunctionName: ptr("va"), Name: ptr(tc.alias), FunctionVersion: ptr(tc.version)}
			if tc.weights != nil {
				in.RoutingConfig = &lambdaapi.AliasRoutingConfiguration{AdditionalVersionWeights: tc.weights}
			}
			_, err := call[lambdaapi.CreateAliasOutput](e, "CreateAlias", in)
			wantCode(t, err, tc.code, 0)
		})
	}
	seen := map[string]int{}
	for i := 0; i < 200; i++ {
		out, err := call[lambdaapi.InvokeOutput](e, "Invoke", &lambdaapi.InvokeInput{FunctionName: ptr("va:live"), Payload: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		seen[deref(out.ExecutedVersion)]++
	}
	if seen["1"] < 50 || seen["2"] < 50 || seen["1"]+seen["2"] != 200 {
		t.Fatalf("weighted routing executed %v", seen)
	}
	calls := e.exec.snapshot()
	if c := calls[len(calls)-1]; c.Inv.InvokedARN != "arn:aws:lambda:us-east-1:123456789012:function:va:live" {
		t.Fatalf("invoked ARN %s", c.Inv.InvokedARN)
	}
	_, err = call[lambdaapi.DeleteFunctionOutput](e, "DeleteFunction", &lambdaapi.DeleteFunctionInput{FunctionName: ptr("va"), Qualifier: ptr("2")})
	wantCode(t, err, "ResourceConflictException", 409)
	_, err = call[lambdaapi.DeleteFunctionOutput](e, "DeleteFunction", &lambdaapi.DeleteFunctionInput{FunctionName: ptr("va"), Qualifier: ptr("$LATEST")})
	wantCode(t, err, "InvalidParameterValueException", 400)
	if _, err := call[lambdaapi.UpdateAliasOutput](e, "UpdateAlias", &lambdaapi.UpdateAliasInput{FunctionName: ptr("va"), Name: ptr("live"),
		FunctionVersion: ptr("2"), RoutingConfig: &lambdaapi.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := call[lambdaapi.DeleteFunctionOutput](e, "DeleteFunction", &lambdaapi.DeleteFunctionInput{FunctionName: ptr("va"), Qualifier: ptr("1")}); err != nil {
		t.Fatal(err)
	}
	vs, err := call[lambdaapi.ListVersionsByFunctionOutput](e, "ListVersionsByFunction", &lambdaapi.ListVersionsByFunctionInput{FunctionName: ptr("va")})
	if err != nil || len(vs.Versions) != 2 || deref(vs.Versions[1].Version) != "2" {
		t.Fatalf("versions after delete: %v", err)
	}
}

func TestInvokeSync(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("echo")
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	cases := []struct {
		name     string
		in       lambdaapi.InvokeInput
		code     string
		status   int
		funcErr  string
		wantBody string
	}{
		{"echo", lambdaapi.InvokeInput{Payload: []byte(`{"key1":"value1"}`)}, "", 200, "", `{"key1":"value1"}`},
		{"empty payload", lambdaapi.InvokeInput{}, "", 200, "", `{}`},
		{"function error", lambdaapi.InvokeInput{Payload: []byte(`{"fail":true}`)}, "", 200, "Unhandled", `{"errorMessage":"boom","errorType":"Exception","stackTrace":[]}`},
		{"dry run", lambdaapi.InvokeInput{InvocationType: ptr("DryRun")}, "", 204, "", ""},
		{"not json", lambdaapi.InvokeInput{Payload: []byte(`abc`)}, "InvalidRequestContentException", 400, "", ""},
		{"too large", lambdaapi.InvokeInput{Payload: bytes.Repeat([]byte(" "), MaxSyncPayload+1)}, "RequestTooLargeException", 413, "", ""},
		{"async too large", lambdaapi.InvokeInput{InvocationType: ptr("Event"), Payload: bytes.Repeat([]byte(" "), MaxAsyncPayload+1)}, "RequestTooLargeException", 413, "", ""},
		{"client context", lambdaapi.InvokeInput{ClientContext: ptr(cc)}, "", 200, "", `{}`},
		{"bad client context", lambdaapi.InvokeInput{ClientContext: ptr("!!")}, "InvalidRequestContentException", 400, "", ""},
		{"bad invocation type", lambdaapi.InvokeInput{InvocationType: ptr("Later")}, "ValidationException", 400, "", ""},
		{"unknown version", lambdaapi.InvokeInput{Qualifier: ptr("3")}, "ResourceNotFoundException", 404, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.FunctionName = ptr("echo")
			out, req, err := callReq[lambdaapi.InvokeOutput](e, "Invoke", &in)
			wantCode(t, err, tc.code, tc.status)
			if err != nil {
				return
			}
			if int(deref(out.StatusCode)) != tc.status || (tc.status != 200 && req.Response.Status != tc.status) {
				t.Fatalf("status %d / %d, want %d", deref(out.StatusCode), req.Response.Status, tc.status)
			}
			if deref(out.FunctionError) != tc.funcErr || string(out.Payload) != tc.wantBody {
				t.Fatalf("function error %q body %s", deref(out.FunctionError), out.Payload)
			}
			if tc.status == 200 && deref(out.ExecutedVersion) != "$LATEST" {
				t.Fatalf("executed version %q", deref(out.ExecutedVersion))
			}
		})
	}
	calls := e.exec.snapshot()
	if got := calls[len(calls)-1].Inv.ClientContext; got != `{"custom":{"k":"v"}}` {
		t.Fatalf("client context %q", got)
	}
	if calls[0].Inv.RequestID != "req-Invoke" || calls[0].Version.CodeDir == "" || calls[0].Version.Timeout != 3*time.Second {
		t.Fatalf("invocation %+v version %+v", calls[0].Inv, calls[0].Version)
	}
}

func TestInvokeTailThrottleAndMetrics(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("t")
	out, _, err := callReq[lambdaapi.InvokeOutput](e, "Invoke", &lambdaapi.InvokeInput{FunctionName: ptr("t"), LogType: ptr("Tail")})
	if err != nil {
		t.Fatal(err)
	}
	tail, err := base64.StdEncoding.DecodeString(deref(out.LogResult))
	if err != nil || len(tail) != logTailBytes || !strings.HasSuffix(string(tail), "END RequestId: req-Invoke\n") {
		t.Fatalf("tail %d bytes: %v", len(tail), err)
	}
	sum := func(name string, dims ...metrics.Dimension) float64 {
		return e.metrics.Sum(metrics.Query{Namespace: "AWS/Lambda", MetricName: name, Dimensions: dims,
			Start: time.Unix(0, 0), End: e.sys.Clock.Now().Add(time.Hour)})
	}
	if n := sum("Invocations", metrics.Dimension{Name: "FunctionName", Value: "t"}); n != 1 {
		t.Fatalf("Invocations %v", n)
	}
	if d := sum("Duration", metrics.Dimension{Name: "FunctionName", Value: "t"}); d != 2 {
		t.Fatalf("Duration %v", d)
	}

	if _, err := call[lambdaapi.PutFunctionConcurrencyOutput](e, "PutFunctionConcurrency", &lambdaapi.PutFunctionConcurrencyInput{FunctionName: ptr("t"), ReservedConcurrentExecutions: ptr(int32(0))}); err != nil {
		t.Fatal(err)
	}
	_, err = call[lambdaapi.InvokeOutput](e, "Invoke", &lambdaapi.InvokeInput{FunctionName: ptr("t")})
	wantCode(t, err, "TooManyRequestsException", 429)
	if r := awsErr(err).Fields["Reason"]; r != ReasonReservedFunctionConcurrentInvocationLimitExceeded {
		t.Fatalf("reason %v", r)
	}
	if _, err := call[lambdaapi.DeleteFunctionConcurrencyOutput](e, "DeleteFunctionConcurrency", &lambdaapi.DeleteFunctionConcurrencyInput{FunctionName: ptr("t")}); err != nil {
		t.Fatal(err)
	}
	e.exec.mu.Lock()
	e.exec.throttle = true
	e.exec.mu.Unlock()
	_, err = call[lambdaapi.InvokeOutput](e, "Invoke", &lambdaapi.InvokeInput{FunctionName: ptr("t")})
	wantCode(t, err, "TooManyRequestsException", 429)
	if ae := awsErr(err); ae.Fields["Reason"] != ReasonConcurrentInvocationLimitExceeded || ae.Header.Get("Retry-After") != "2" {
		t.Fatalf("throttle error %+v", ae)
	}
	if n := sum("Throttles", metrics.Dimension{Name: "FunctionName", Value: "t"}); n != 2 {
		t.Fatalf("Throttles %v", n)
	}
	e.svc.SetExecutor(nil)
	_, err = call[lambdaapi.InvokeOutput](e, "Invoke", &lambdaapi.InvokeInput{FunctionName: ptr("t")})
	wantCode(t, err, "ServiceException", 500)
}
