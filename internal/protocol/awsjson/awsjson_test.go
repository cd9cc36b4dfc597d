package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/cloudwatchtest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/logstest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/sqstest"
)

func apis() map[string]*awsapi.Service {
	return map[string]*awsapi.Service{
		"sqs": sqstest.API(), "cloudwatch": cloudwatchtest.API(), "logs": logstest.API(),
	}
}

func ptr[T any](v T) *T { return &v }

// compactJSON renders v as JSON without null members, keys sorted.
func compactJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(dropNulls(x))
	return string(b)
}

func dropNulls(x any) any {
	switch v := x.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
			} else {
				v[k] = dropNulls(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = dropNulls(e)
		}
	}
	return x
}

// TestGoldenRequests decodes request bodies captured from botocore, the Go SDK
// and the JS SDK (reference/captures) into the generated fixture types.
func TestGoldenRequests(t *testing.T) {
	tests := []struct{ svc, op, client string }{
		{"sqs", "SendMessage", "botocore"},
		{"sqs", "SendMessage", "go"},
		{"sqs", "SendMessage", "js"},
		{"sqs", "GetQueueUrl", "botocore"},
		{"cloudwatch", "PutMetricData", "botocore"},
		{"cloudwatch", "PutMetricData", "js"},
		{"logs", "CreateLogGroup", "botocore"},
	}
	c := New()
	for _, tc := range tests {
		name := tc.svc + "-" + tc.op + "-" + tc.client
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile("testdata/" + name + ".json")
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("testdata/" + name + ".want")
			if err != nil {
				t.Fatal(err)
			}
			op := apis()[tc.svc].Operations[tc.op]
			in := op.NewInput()
			r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			if err := c.DecodeRequest(op, r, bytes.NewReader(body), in); err != nil {
				t.Fatal(err)
			}
			if got := compactJSON(t, in); got != strings.TrimSpace(string(want)) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	op := sqstest.API().Operations["SendMessage"]
	tests := []struct {
		name, body, msg string
	}{
		{"malformed", `{"QueueUrl":`, "malformed JSON"},
		{"not an object", `"x"`, "expected an object"},
		{"wrong type", `{"DelaySeconds":"5"}`, "DelaySeconds: expected an integer"},
		{"nested wrong type", `{"MessageAttributes":{"a":{"BinaryValue":5}}}`, `MessageAttributes["a"].BinaryValue`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := New().DecodeRequest(op, nil, strings.NewReader(tc.body), op.NewInput())
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != "SerializationException" || ae.Status != 400 || !strings.Contains(ae.Message, tc.msg) {
				t.Fatalf("err = %#v, want SerializationException containing %q", err, tc.msg)
			}
		})
	}
	t.Run("empty bodies", func(t *testing.T) {
		for _, body := range []string{"", "{}", " {} \n"} {
			in := &sqstest.SendMessageInput{}
			if err := New().DecodeRequest(op, nil, strings.NewReader(body), in); err != nil || in.QueueUrl != nil {
				t.Fatalf("body %q: %v", body, err)
			}
		}
	})
	t.Run("read error is passed through", func(t *testing.T) {
		boom := errors.New("boom")
		err := New().DecodeRequest(op, nil, io.MultiReader(strings.NewReader("{"), errReader{boom}), op.NewInput())
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func newRequest(svc *awsapi.Service, op, contentType string) *awsapi.Request {
	r := httptest.NewRequest("POST", "/", nil)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return &awsapi.Request{ID: "req-1", Service: svc, Operation: svc.Operations[op], HTTP: r}
}

func TestEncodeResponse(t *testing.T) {
	logs := logstest.API()
	out := &logstest.FilterLogEventsOutput{Events: []logstest.FilteredLogEvent{
		{LogStreamName: ptr("s"), Timestamp: ptr(int64(1795856475123)), Message: ptr("hello\n")}}}
	tests := []struct {
		name, ctype, wantType string
		req                   func(*awsapi.Request)
		out                   any
		status                int
		body                  string
	}{
		{"logs 1.1", "application/x-amz-json-1.1", "application/x-amz-json-1.1", nil, out, 200,
			`{"events":[{"logStreamName":"s","timestamp":1795856475123,"message":"hello\n"}]}`},
		{"model version when request type is odd", "text/plain", "application/x-amz-json-1.1", nil, out, 200,
			`{"events":[{"logStreamName":"s","timestamp":1795856475123,"message":"hello\n"}]}`},
		{"echo 1.0 with parameters", "application/x-amz-json-1.0; charset=utf-8", "application/x-amz-json-1.0", nil,
			&logstest.FilterLogEventsOutput{}, 200, `{}`},
		{"nil output", "", "application/x-amz-json-1.1", nil, nil, 200, `{}`},
		{"overrides", "", "application/x-amz-json-1.1", func(r *awsapi.Request) {
			r.Response = awsapi.ResponseMeta{Status: 202, Header: http.Header{"X-Extra": {"1"}}}
		}, nil, 202, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(logs, "FilterLogEvents", tc.ctype)
			if tc.req != nil {
				tc.req(req)
			}
			w := httptest.NewRecorder()
			if err := New().EncodeResponse(w, req, tc.out); err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.status || w.Body.String() != tc.body {
				t.Fatalf("got %d %s\nwant %d %s", w.Code, w.Body.String(), tc.status, tc.body)
			}
			if got := w.Header().Get("Content-Type"); got != tc.wantType {
				t.Fatalf("Content-Type %q want %q", got, tc.wantType)
			}
			if w.Header().Get("x-amzn-RequestId") != "req-1" {
				t.Fatalf("headers %v", w.Header())
			}
			if tc.req != nil && w.Header().Get("X-Extra") != "1" {
				t.Fatalf("override header missing: %v", w.Header())
			}
		})
	}
}

func TestEncodeError(t *testing.T) {
	sqs, cw, logs := sqstest.API(), cloudwatchtest.API(), logstest.API()
	tests := []struct {
		name       string
		svc        *awsapi.Service
		err        *awsapi.Error
		status     int
		errType    string
		queryError string
		body       string
	}{
		{"sqs legacy code from model", sqs, &awsapi.Error{Code: "QueueDoesNotExist", Message: "The specified queue does not exist."},
			400, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender",
			`{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`},
		{"sqs code given as legacy code", sqs, &awsapi.Error{Code: "AWS.SimpleQueueService.NonExistentQueue", Message: "m"},
			400, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender",
			`{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"m"}`},
		{"cloudwatch legacy code", cw, &awsapi.Error{Code: "InvalidParameterValueException", Message: "no"},
			400, "InvalidParameterValueException", "InvalidParameterValue;Sender",
			`{"__type":"com.amazonaws.monitoring#InvalidParameterValueException","message":"no"}`},
		{"cloudwatch fault status from model", cw, &awsapi.Error{Code: "InternalServiceFault", Message: "f"},
			500, "InternalServiceFault", "InternalServiceError;Receiver",
			`{"__type":"com.amazonaws.monitoring#InternalServiceFault","message":"f"}`},
		{"code not in model", cw, &awsapi.Error{Code: "ThrottlingException", Message: "slow", Status: 400},
			400, "ThrottlingException", "ThrottlingException;Sender",
			`{"__type":"com.amazonaws.monitoring#ThrottlingException","message":"slow"}`},
		{"receiver fault", sqs, &awsapi.Error{Code: "InternalFailure", Status: 500, Receiver: true, Message: "x"},
			500, "InternalFailure", "InternalFailure;Receiver",
			`{"__type":"com.amazonaws.sqs#InternalFailure","message":"x"}`},
		{"not query compatible, extra fields", logs, (&awsapi.Error{Code: "ResourceNotFoundException", Message: "gone"}).
			With("resourceName", "g").With("count", 2).With("__type", "ignored"),
			400, "ResourceNotFoundException", "",
			`{"__type":"com.amazonaws.logs#ResourceNotFoundException","message":"gone","count":2,"resourceName":"g"}`},
		{"unknown service", nil, &awsapi.Error{Code: "UnknownOperationException", Message: "?"},
			400, "UnknownOperationException", "",
			`{"__type":"UnknownOperationException","message":"?"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &awsapi.Request{ID: "req-2", Service: tc.svc}
			w := httptest.NewRecorder()
			New().EncodeError(w, req, tc.err)
			h := w.Header()
			if w.Code != tc.status || w.Body.String() != tc.body {
				t.Fatalf("got %d %s\nwant %d %s", w.Code, w.Body.String(), tc.status, tc.body)
			}
			if h.Get("X-Amzn-ErrorType") != tc.errType || h.Get("X-Amzn-Query-Error") != tc.queryError ||
				h.Get("X-Amzn-RequestId") != "req-2" {
				t.Fatalf("headers %v", h)
			}
			if _, ok := h["X-Amzn-Query-Error"]; !ok && tc.queryError != "" {
				t.Fatal("query error header missing")
			}
		})
	}
}

func TestTimestampsAndBlobs(t *testing.T) {
	cw := cloudwatchtest.API()
	op := cw.Operations["GetMetricStatistics"]
	body := `{"Namespace":"ns","MetricName":"m","StartTime":1795856475.5,"EndTime":"2026-11-28T10:01:15Z","Period":60,"Statistics":["Sum"]}`
	in := &cloudwatchtest.GetMetricStatisticsInput{}
	if err := New().DecodeRequest(op, nil, strings.NewReader(body), in); err != nil {
		t.Fatal(err)
	}
	if !in.StartTime.Equal(time.Unix(1795856475, 5e8)) || !in.EndTime.Equal(time.Unix(1795860075, 0)) {
		t.Fatalf("times %v %v", in.StartTime, in.EndTime)
	}
	out := &cloudwatchtest.GetMetricStatisticsOutput{Label: ptr("m"), Datapoints: []cloudwatchtest.Datapoint{
		{Timestamp: in.StartTime, Sum: ptr(3.5), Unit: ptr("Count")}}}
	w := httptest.NewRecorder()
	if err := New().EncodeResponse(w, newRequest(cw, "GetMetricStatistics", ""), out); err != nil {
		t.Fatal(err)
	}
	want := `{"Label":"m","Datapoints":[{"Timestamp":1795856475.5,"Sum":3.5,"Unit":"Count"}]}`
	if w.Body.String() != want {
		t.Fatalf("got  %s\nwant %s", w.Body.String(), want)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, name := range []string{"sqs-SendMessage-botocore", "cloudwatch-PutMetricData-js", "logs-CreateLogGroup-botocore"} {
		b, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"MessageAttributes":{"a":{"BinaryValue":"AAE=","DataType":"Binary"}},"DelaySeconds":1e1}`))
	op := sqstest.API().Operations["SendMessage"]
	f.Fuzz(func(t *testing.T, body []byte) {
		err := New().DecodeRequest(op, nil, bytes.NewReader(body), op.NewInput())
		var ae *awsapi.Error
		if err != nil && (!errors.As(err, &ae) || ae.Code != "SerializationException") {
			t.Fatalf("unexpected error kind %v", err)
		}
	})
}
