package restjson

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/lambdatest"
	"github.com/nubo/nubo/internal/protocol/rest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", path, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func readRequest(t testing.TB, raw []byte) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// dump renders a decoded input as indented JSON without absent members.
func dump(t *testing.T, op string, in any) []byte {
	t.Helper()
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	keep := map[string]any{"Operation": op}
	for k, m := range fields {
		if string(m) != "null" {
			keep[k] = m
		}
	}
	out, err := json.MarshalIndent(keep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// TestDecodeGolden routes and decodes Lambda requests (captured from
// botocore 1.29.27, botocore latest and aws-sdk-go-v2, plus hand-written ones)
// into the lambdatest types and compares them with testdata/decode/*.json.
func TestDecodeGolden(t *testing.T) {
	svc := lambdatest.API()
	router := rest.NewRouter(svc)
	files, _ := filepath.Glob(filepath.Join("testdata", "requests", "*.http"))
	if len(files) == 0 {
		t.Fatal("no request files")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".http")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r := readRequest(t, raw)
			op, ok := router.MatchRequest(r)
			if !ok || !op.Implemented {
				t.Fatalf("no implemented route for %s %s (%v)", r.Method, r.URL, op)
			}
			in := op.NewInput()
			if err := (Codec{Service: "lambda"}).DecodeRequest(op, r, r.Body, in); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("decode", name+".json"), dump(t, op.Name, in))
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	svc := lambdatest.API()
	cases := []struct {
		name, service, op, raw, code string
		status                       int
	}{
		{"lambda bad json", "lambda", "CreateFunction", "POST /2015-03-31/functions HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n{\"a\":", "InvalidRequestContentException", 400},
		{"lambda wrong type", "lambda", "CreateFunction", "POST /2015-03-31/functions HTTP/1.1\r\nHost: h\r\nContent-Length: 15\r\n\r\n{\"Timeout\":\"x\"}", "InvalidRequestContentException", 400},
		{"apigateway bad json", "apigateway", "CreateFunction", "POST /2015-03-31/functions HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n[", "BadRequestException", 400},
		{"generic bad json", "", "CreateFunction", "POST /2015-03-31/functions HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n[", "SerializationException", 400},
		{"bad query int", "lambda", "ListFunctions", "GET /2015-03-31/functions?MaxItems=lots HTTP/1.1\r\nHost: h\r\n\r\n", "InvalidParameterValueException", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := readRequest(t, []byte(tc.raw))
			op := svc.Operations[tc.op]
			err := Codec{Service: tc.service}.DecodeRequest(op, r, r.Body, op.NewInput())
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Status != tc.status {
				t.Fatalf("err = %v, want %s %d", err, tc.code, tc.status)
			}
		})
	}
}

func TestDecodeServiceFromContext(t *testing.T) {
	svc := lambdatest.API()
	op := svc.Operations["CreateFunction"]
	r := readRequest(t, []byte("POST /2015-03-31/functions HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n{"))
	r = r.WithContext(awsapi.WithRequest(r.Context(), &awsapi.Request{Service: svc}))
	err := Codec{}.DecodeRequest(op, r, r.Body, op.NewInput())
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Code != "InvalidRequestContentException" {
		t.Fatalf("err = %v", err)
	}
}

func lambdaReq(op string) *awsapi.Request {
	svc := lambdatest.API()
	return &awsapi.Request{ID: "req-1", Service: svc, Operation: svc.Operations[op], Protocol: awsapi.ProtocolRestJSON}
}

func render(rec *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n", rec.Code)
	keys := make([]string, 0, len(rec.Header()))
	for k := range rec.Header() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(rec.Header()[k], ", "))
	}
	b.WriteString("\n")
	b.Write(rec.Body.Bytes())
	b.WriteString("\n")
	return b.Bytes()
}

func TestEncodeResponseGolden(t *testing.T) {
	created := lambdaReq("CreateFunction")
	created.Response.Status = 201
	cases := []struct {
		name   string
		req    *awsapi.Request
		out    any
		status int
	}{
		{"list-functions", lambdaReq("ListFunctions"), &lambdatest.ListFunctionsOutput{Functions: []lambdatest.FunctionConfiguration{
			{FunctionName: ptr("f1"), FunctionArn: ptr("arn:aws:lambda:us-east-1:000000000000:function:f1"), Runtime: ptr("python3.12"),
				MemorySize: ptr(int32(128)), LastModified: ptr("2026-11-28T09:00:00.000+0000"), Architectures: []string{"x86_64"}}}}, 200},
		{"list-functions-empty", lambdaReq("ListFunctions"), &lambdatest.ListFunctionsOutput{Functions: []lambdatest.FunctionConfiguration{}}, 200},
		{"invoke-sync", lambdaReq("Invoke"), &lambdatest.InvokeOutput{StatusCode: ptr(int32(200)), Payload: []byte(`{"ok":true}`), ExecutedVersion: ptr("$LATEST")}, 200},
		{"invoke-function-error", lambdaReq("Invoke"), &lambdatest.InvokeOutput{StatusCode: ptr(int32(200)), FunctionError: ptr("Unhandled"),
			LogResult: ptr("bG9n"), Payload: []byte(`{"errorMessage":"boom"}`)}, 200},
		{"invoke-event", lambdaReq("Invoke"), &lambdatest.InvokeOutput{StatusCode: ptr(int32(202))}, 202},
		{"invoke-dry-run", lambdaReq("Invoke"), &lambdatest.InvokeOutput{StatusCode: ptr(int32(204))}, 204},
		{"create-function-201", created, &lambdatest.CreateFunctionOutput{FunctionName: ptr("f1"), State: ptr("Active")}, 201},
		{"delete-function", lambdaReq("DeleteFunction"), &lambdatest.DeleteFunctionOutput{}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := (Codec{}).EncodeResponse(rec, tc.req, tc.out); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			golden(t, filepath.Join("encode", tc.name+".txt"), render(rec))
		})
	}
}

func TestEncodeErrorGolden(t *testing.T) {
	cases := []struct {
		name   string
		req    *awsapi.Request
		err    *awsapi.Error
		status int
	}{
		{"lambda-not-found", lambdaReq("GetFunction"), &awsapi.Error{Code: "ResourceNotFoundException",
			Message: "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f1"}, 404},
		{"lambda-internal", lambdaReq("GetFunction"), awsapi.AsError(errors.New("secret detail")), 500},
		{"lambda-fields", lambdaReq("CreateFunction"), (&awsapi.Error{Code: "InvalidParameterValueException", Status: 400, Message: "bad"}).With("Reason", "x"), 400},
		{"no-service", &awsapi.Request{ID: "r"}, &awsapi.Error{Code: "NotFoundException", Status: 404, Message: "Invalid API identifier specified"}, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Codec{}.EncodeError(rec, tc.req, tc.err)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			golden(t, filepath.Join("errors", tc.name+".txt"), render(rec))
		})
	}
}

func serveLambda(t *testing.T, handle func(in any) (any, error)) *httptest.Server {
	svc := lambdatest.API()
	router := rest.NewRouter(svc)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := Codec{}
		req := &awsapi.Request{ID: "req-1", Service: svc, HTTP: r}
		r = r.WithContext(awsapi.WithRequest(r.Context(), req))
		op, ok := router.MatchRequest(r)
		if !ok {
			c.EncodeError(w, req, &awsapi.Error{Code: "UnknownOperationException", Status: 404})
			return
		}
		req.Operation = op
		if !op.Implemented {
			c.EncodeError(w, req, awsapi.NotImplemented("lambda", op.Name))
			return
		}
		in := op.NewInput()
		if err := c.DecodeRequest(op, r, r.Body, in); err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		out, err := handle(in)
		if err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		if err := c.EncodeResponse(w, req, out); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSDKLambda(t *testing.T) {
	srv := serveLambda(t, func(in any) (any, error) {
		switch in := in.(type) {
		case *lambdatest.InvokeInput:
			if aws.ToString(in.InvocationType) == "Event" {
				return &lambdatest.InvokeOutput{StatusCode: ptr(int32(202))}, nil
			}
			return &lambdatest.InvokeOutput{StatusCode: ptr(int32(200)), FunctionError: ptr("Unhandled"),
				ExecutedVersion: ptr("$LATEST"), Payload: append([]byte("echo:"), in.Payload...)}, nil
		case *lambdatest.ListFunctionsInput:
			return &lambdatest.ListFunctionsOutput{Functions: []lambdatest.FunctionConfiguration{{FunctionName: ptr("f1"), MemorySize: ptr(int32(128))}}}, nil
		case *lambdatest.GetFunctionInput:
			return nil, &awsapi.Error{Code: "ResourceNotFoundException", Message: "Function not found: " + aws.ToString(in.FunctionName)}
		}
		return nil, errors.New("unexpected")
	})
	client := lambda.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	ctx := context.Background()
	out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f1"), Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.StatusCode != 200 || string(out.Payload) != "echo:{}" || aws.ToString(out.FunctionError) != "Unhandled" || aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Errorf("Invoke = %d %q %q", out.StatusCode, out.Payload, aws.ToString(out.FunctionError))
	}
	ev, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f1"), InvocationType: lambdatypes.InvocationTypeEvent})
	if err != nil {
		t.Fatal(err)
	}
	if ev.StatusCode != 202 {
		t.Errorf("Event invoke status = %d", ev.StatusCode)
	}
	lf, err := client.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lf.Functions) != 1 || aws.ToString(lf.Functions[0].FunctionName) != "f1" || aws.ToInt32(lf.Functions[0].MemorySize) != 128 {
		t.Errorf("ListFunctions = %+v", lf.Functions)
	}
	_, err = client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("nope")})
	var rnf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &rnf) || !strings.Contains(aws.ToString(rnf.Message), "nope") || aws.ToString(rnf.Type) != "User" {
		t.Errorf("GetFunction = %v, want ResourceNotFoundException", err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "requests", "*.http"))
	for _, file := range files {
		if raw, err := os.ReadFile(file); err == nil {
			f.Add(raw)
		}
	}
	svc := lambdatest.API()
	router := rest.NewRouter(svc)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		op, ok := router.MatchRequest(r)
		if !ok || !op.Implemented {
			return
		}
		err = Codec{Service: "lambda"}.DecodeRequest(op, r, r.Body, op.NewInput())
		var ae *awsapi.Error
		if err != nil && !errors.As(err, &ae) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("non-AWS error %v", err)
		}
	})
}
