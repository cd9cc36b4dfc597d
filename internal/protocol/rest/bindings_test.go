package rest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

// testModel is a small botocore-format model exercising every binding.
const testModel = `{
  "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": "demo", "protocol": "rest-json"},
  "operations": {
    "Put": {"name": "Put", "http": {"method": "PUT", "requestUri": "/things/{Name}/{Path+}?mode=x", "responseCode": 201},
            "input": {"shape": "PutInput"}, "output": {"shape": "PutOutput"}},
    "Get": {"name": "Get", "http": {"method": "GET", "requestUri": "/things/{Name}"},
            "input": {"shape": "GetInput"}, "output": {"shape": "GetOutput"}}
  },
  "shapes": {
    "PutInput": {"type": "structure", "required": ["Name"], "payload": "Body", "members": {
      "Name": {"shape": "S", "location": "uri", "locationName": "Name"},
      "Path": {"shape": "S", "location": "uri", "locationName": "Path"},
      "Count": {"shape": "I", "location": "querystring", "locationName": "count"},
      "Tags": {"shape": "SL", "location": "querystring", "locationName": "tag"},
      "Extra": {"shape": "SM", "location": "querystring"},
      "When": {"shape": "T", "location": "header", "locationName": "X-When"},
      "WhenISO": {"shape": "T", "location": "header", "locationName": "X-When-Iso", "timestampFormat": "iso8601"},
      "Flag": {"shape": "B", "location": "header", "locationName": "X-Flag"},
      "Items": {"shape": "SL", "location": "header", "locationName": "X-Items"},
      "Dates": {"shape": "TL", "location": "header", "locationName": "X-Dates"},
      "Doc": {"shape": "S", "location": "header", "locationName": "X-Doc", "jsonvalue": true},
      "Meta": {"shape": "SM", "location": "headers", "locationName": "x-amz-meta-"},
      "Body": {"shape": "Stream"}
    }},
    "PutOutput": {"type": "structure", "payload": "Data", "members": {
      "Status": {"shape": "I", "location": "statusCode"},
      "Length": {"shape": "L", "location": "header", "locationName": "Content-Length"},
      "When": {"shape": "T", "location": "header", "locationName": "Last-Modified"},
      "Items": {"shape": "SL", "location": "header", "locationName": "X-Items"},
      "Doc": {"shape": "S", "location": "header", "locationName": "X-Doc", "jsonvalue": true},
      "Meta": {"shape": "SM", "location": "headers", "locationName": "x-amz-meta-"},
      "Data": {"shape": "Blob"}
    }},
    "GetInput": {"type": "structure", "members": {"Name": {"shape": "S", "location": "uri", "locationName": "Name"}}},
    "GetOutput": {"type": "structure", "members": {}},
    "S": {"type": "string"}, "I": {"type": "integer"}, "L": {"type": "long"}, "B": {"type": "boolean"},
    "T": {"type": "timestamp"}, "Blob": {"type": "blob"}, "Stream": {"type": "blob", "streaming": true},
    "SL": {"type": "list", "member": {"shape": "S"}}, "TL": {"type": "list", "member": {"shape": "T"}},
    "SM": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}}
  }
}`

type putInput struct {
	Name    *string           `aws:"Name"`
	Path    *string           `aws:"Path"`
	Count   *int32            `aws:"Count"`
	Tags    []string          `aws:"Tags"`
	Extra   map[string]string `aws:"Extra"`
	When    *time.Time        `aws:"When"`
	WhenISO *time.Time        `aws:"WhenISO"`
	Flag    *bool             `aws:"Flag"`
	Items   []string          `aws:"Items"`
	Dates   []time.Time       `aws:"Dates"`
	Doc     *string           `aws:"Doc"`
	Meta    map[string]string `aws:"Meta"`
	Body    io.ReadCloser     `aws:"Body"`
}

type putOutput struct {
	Status *int32            `aws:"Status"`
	Length *int64            `aws:"Length"`
	When   *time.Time        `aws:"When"`
	Items  []string          `aws:"Items"`
	Doc    *string           `aws:"Doc"`
	Meta   map[string]string `aws:"Meta"`
	Data   []byte            `aws:"Data"`
}

type getInput struct {
	Name *string `aws:"Name"`
}
type getOutput struct{}

func testService(t testing.TB) *awsapi.Service {
	t.Helper()
	svc, err := awsapi.Load("demo", []byte(testModel), map[string]awsapi.OpTypes{
		"Put": {Input: reflect.TypeOf(putInput{}), Output: reflect.TypeOf(putOutput{})},
		"Get": {Input: reflect.TypeOf(getInput{}), Output: reflect.TypeOf(getOutput{})},
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

const putRequest = "PUT /things/a%2Fb/dir/x%20y.txt?mode=x&count=3&tag=t1&tag=t2&other=o&more=m HTTP/1.1\r\n" +
	"Host: h\r\nX-When: Sat, 28 Nov 2026 09:00:00 GMT\r\nX-When-Iso: 2026-11-28T09:00:00.5Z\r\nX-Flag: true\r\n" +
	"X-Items: a, \"b,c\" ,d\r\nX-Dates: Sat, 28 Nov 2026 09:00:00 GMT, Sun, 29 Nov 2026 09:00:00 GMT\r\n" +
	"X-Doc: eyJhIjoxfQ==\r\nx-amz-meta-Color: red\r\nContent-Length: 4\r\n\r\nbody"

func TestDecodeBindings(t *testing.T) {
	svc := testService(t)
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(putRequest)))
	if err != nil {
		t.Fatal(err)
	}
	op, ok := NewRouter(svc).MatchRequest(r)
	if !ok || op.Name != "Put" {
		t.Fatalf("routed to %v", op)
	}
	var in putInput
	if err := DecodeBindings(op, r, &in); err != nil {
		t.Fatal(err)
	}
	if err := DecodeRawPayload(op.Input.PayloadMember(), &in, r.Body, 0); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(in.Body)
	when := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	checks := []struct {
		name      string
		got, want any
	}{
		{"uri label decoded", *in.Name, "a/b"},
		{"greedy label", *in.Path, "dir/x y.txt"},
		{"query int", *in.Count, int32(3)},
		{"query list", in.Tags, []string{"t1", "t2"}},
		{"query map rest", in.Extra, map[string]string{"other": "o", "more": "m", "mode": "x"}},
		{"rfc822 header", in.When.Equal(when), true},
		{"iso header", in.WhenISO.Equal(when.Add(500 * time.Millisecond)), true},
		{"bool header", *in.Flag, true},
		{"list header", in.Items, []string{"a", "b,c", "d"}},
		{"date list header", len(in.Dates) == 2 && in.Dates[1].Equal(when.Add(24*time.Hour)), true},
		{"jsonvalue header", *in.Doc, `{"a":1}`},
		{"prefix headers", in.Meta, map[string]string{"color": "red"}},
		{"streaming body", string(body), "body"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("got %#v, want %#v", c.got, c.want)
			}
		})
	}
}

func TestDecodeBindingErrors(t *testing.T) {
	svc := testService(t)
	op := svc.Operations["Put"]
	cases := []struct{ name, target, header, value string }{
		{"bad int", "/things/a/b?mode=x&count=x", "", ""},
		{"bad bool", "/things/a/b?mode=x", "X-Flag", "yes"},
		{"bad date", "/things/a/b?mode=x", "X-When", "tomorrow"},
		{"bad jsonvalue", "/things/a/b?mode=x", "X-Doc", "%%%"},
		{"bad path", "/other", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("PUT", tc.target, nil)
			if tc.header != "" {
				r.Header.Set(tc.header, tc.value)
			}
			err := DecodeBindings(op, r, &putInput{})
			if !IsBindingError(err) {
				t.Fatalf("err = %v, want a BindingError", err)
			}
		})
	}
}

func TestEncodeBindings(t *testing.T) {
	svc := testService(t)
	op := svc.Operations["Put"]
	when := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	out := &putOutput{Status: ptr(int32(202)), Length: ptr(int64(4)), When: &when, Items: []string{"a", "b,c"},
		Doc: ptr(`{"a":1}`), Meta: map[string]string{"color": "red"}, Data: []byte("data")}
	rec := httptest.NewRecorder()
	status, err := EncodeBindings(op.Output, out, rec.Header())
	if err != nil {
		t.Fatal(err)
	}
	if status != 202 {
		t.Errorf("status = %d", status)
	}
	want := map[string]string{
		"Content-Length": "4", "Last-Modified": "Sat, 28 Nov 2026 09:00:00 GMT", "X-Items": `a, "b,c"`,
		"X-Doc": base64.StdEncoding.EncodeToString([]byte(`{"a":1}`)),
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	// User metadata keeps S3's lower-case header names (clients keep the case).
	if got := rec.Header()["x-amz-meta-color"]; len(got) != 1 || got[0] != "red" {
		t.Errorf("x-amz-meta-color = %q, want [red] under the lower-case name", got)
	}
	if err := WriteRawPayload(rec, status, op.Output.PayloadMember(), out); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 202 || rec.Body.String() != "data" {
		t.Errorf("payload = %d %q", rec.Code, rec.Body.String())
	}
	bad := &putOutput{Doc: ptr("x"), Items: []string{"a\r\nInjected: 1"}}
	if _, err := EncodeBindings(op.Output, bad, http.Header{}); err == nil {
		t.Error("header with a line break was accepted")
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestWriteStreamingPayloadCloses(t *testing.T) {
	type streamOut struct {
		Body io.ReadCloser `aws:"Body"`
	}
	m := &awsapi.Member{Name: "Body", Shape: &awsapi.Shape{Name: "Stream", Type: awsapi.TypeBlob, Streaming: true}}
	rc := &closeRecorder{Reader: strings.NewReader("streamed")}
	rec := httptest.NewRecorder()
	if err := WriteRawPayload(rec, 200, m, &streamOut{Body: rc}); err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != "streamed" || !rc.closed {
		t.Errorf("body %q, closed %v", rec.Body.String(), rc.closed)
	}
}

func TestReadBodyLimit(t *testing.T) {
	if _, err := ReadBody(strings.NewReader("12345"), 4); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("err = %v, want ErrBodyTooLarge", err)
	}
	if b, err := ReadBody(strings.NewReader("1234"), 4); err != nil || string(b) != "1234" {
		t.Errorf("got %q, %v", b, err)
	}
}

func TestParseTimestamp(t *testing.T) {
	want := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for _, s := range []string{"2026-11-28T09:00:00Z", "2026-11-28T09:00:00.000Z", "2026-11-28T10:00:00+01:00",
		"2026-11-28T09:00:00", "Sat, 28 Nov 2026 09:00:00 GMT", "1795856400", "1795856400.0"} {
		t.Run(s, func(t *testing.T) {
			got, err := ParseTimestamp(s)
			if err != nil || !got.Equal(want) {
				t.Errorf("got %v, %v", got, err)
			}
		})
	}
	for _, s := range []string{"", "x", "NaN", "1e300", "2026-13-01T00:00:00Z"} {
		if _, err := ParseTimestamp(s); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func FuzzDecodeBindings(f *testing.F) {
	f.Add([]byte(putRequest))
	f.Add([]byte("GET /things/x HTTP/1.1\r\nHost: h\r\n\r\n"))
	svc := testService(f)
	router := NewRouter(svc)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		op, ok := router.MatchRequest(r)
		if !ok {
			return
		}
		in := op.NewInput()
		if err := DecodeBindings(op, r, in); err != nil && !IsBindingError(err) {
			t.Fatalf("unexpected error type %v", err)
		}
	})
}

func FuzzRouterMatch(f *testing.F) {
	f.Add("GET", "/my-bucket/a/b.txt", "x-id=GetObject")
	f.Add("PUT", "/my-bucket/k", "uploadId=u&partNumber=1")
	f.Add("POST", "/my-bucket/", "delete=")
	f.Add("GET", "/2015-03-31/functions/", "")
	f.Add("GET", "/%zz/%2F//", "list-type=2&list-type=3")
	s3 := loadBotocore(f, "s3", "s3")
	router := NewRouter(s3)
	f.Fuzz(func(t *testing.T, method, path, query string) {
		q, _ := url.ParseQuery(query)
		op, labels, ok := router.MatchLabels(method, path, q, nil)
		if ok && (op == nil || len(labels) > 2) {
			t.Fatalf("bad match %v %v", op, labels)
		}
	})
}
