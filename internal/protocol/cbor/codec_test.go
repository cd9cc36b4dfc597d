package cbor

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/cloudwatchtest"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Hand-assembled request bodies for GetMetricStatistics.
var decodeCases = []struct {
	name string
	body string // hex
	want string // compact JSON of the decoded input
}{
	{"empty map", "a0", `{}`},
	{"definite", "a2 69 4e616d657370616365 62 6e73 66 506572696f64 18 3c",
		`{"Namespace":"ns","Period":60}`},
	{"indefinite map, string and array", "bf 69 4e616d657370616365 7f 61 6e 61 73 ff 6a 53746174697374696373 9f 63 53756d ff ff",
		`{"Namespace":"ns","Statistics":["Sum"]}`},
	{"tag 1 integer", "a1 69 537461727454696d65 c1 1a 6b0a985b", `{"StartTime":"2026-11-28T09:01:15Z"}`},
	{"tag 1 double", "a1 69 537461727454696d65 c1 fb 41dac2a616e00000", `{"StartTime":"2026-11-28T09:01:15.5Z"}`},
	{"tag 1 single float", "a1 69 537461727454696d65 c1 fa 4e800000", `{"StartTime":"2004-01-10T13:37:04Z"}`},
	{"null is absent", "a2 69 4e616d657370616365 f6 66 506572696f64 f7", `{}`},
	{"unknown members ignored", "a2 63 787878 a1 61 61 01 66 506572696f64 01", `{"Period":1}`},
}

func TestDecodeRequest(t *testing.T) {
	op := cloudwatchtest.API().Operations["GetMetricStatistics"]
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			in := &cloudwatchtest.GetMetricStatisticsInput{}
			if err := New().DecodeRequest(op, nil, bytes.NewReader(mustHex(tc.body)), in); err != nil {
				t.Fatal(err)
			}
			if got := compactJSON(t, in); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestDecodeFloats(t *testing.T) {
	op := cloudwatchtest.API().Operations["PutMetricData"]
	// {"MetricData":[{"Value": half 1.5, "Values":[single 2.5, double NaN, half -Inf, int 3]}]}
	body := "a1 6a 4d657472696344617461 81 a2 65 56616c7565 f9 3e00 66 56616c756573 84 fa 40200000 fb 7ff8000000000000 f9 fc00 03"
	in := &cloudwatchtest.PutMetricDataInput{}
	if err := New().DecodeRequest(op, nil, bytes.NewReader(mustHex(body)), in); err != nil {
		t.Fatal(err)
	}
	d := in.MetricData[0]
	if *d.Value != 1.5 || d.Values[0] != 2.5 || !math.IsNaN(d.Values[1]) || !math.IsInf(d.Values[2], -1) || d.Values[3] != 3 {
		t.Fatalf("got %v %v", *d.Value, d.Values)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	op := cloudwatchtest.API().Operations["GetMetricStatistics"]
	tests := []struct{ name, body, msg string }{
		{"truncated", "a1 69 4e616d65", "malformed CBOR"},
		{"trailing bytes", "a0 a0", "malformed CBOR"},
		{"not a map", "83 01 02 03", "expected a map"},
		{"wrong type", "a1 66 506572696f64 63 616263", "Period: expected an integer"},
		{"overflow", "a1 66 506572696f64 1b 0000000100000000", "Period: integer 4294967296 overflows"},
		{"bad timestamp", "a1 69 537461727454696d65 63 616263", "StartTime: expected a timestamp"},
		{"deep", strings.Repeat("81", 100) + "01", "malformed CBOR"},
		{"huge length", "9b 7fffffffffffffff", "malformed CBOR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := New().DecodeRequest(op, nil, bytes.NewReader(mustHex(tc.body)), &cloudwatchtest.GetMetricStatisticsInput{})
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != "SerializationException" || ae.Status != 400 || !strings.Contains(ae.Message, tc.msg) {
				t.Fatalf("err = %v; want SerializationException containing %q", err, tc.msg)
			}
		})
	}
}

// TestGoldenGoCapture decodes the gzip CBOR body captured from aws-sdk-go-v2.
func TestGoldenGoCapture(t *testing.T) {
	quoted, err := os.ReadFile("testdata/go-latest-PutMetricData.gz.quoted")
	if err != nil {
		t.Fatal(err)
	}
	gz, err := strconv.Unquote(strings.TrimSpace(string(quoted)))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(strings.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	op := cloudwatchtest.API().Operations["PutMetricData"]
	in := &cloudwatchtest.PutMetricDataInput{}
	if err := New().DecodeRequest(op, nil, bytes.NewReader(raw), in); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/go-latest-PutMetricData.want")
	if err != nil {
		t.Fatal(err)
	}
	if got := compactJSON(t, in); got != strings.TrimSpace(string(want)) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestEncodeResponseAndError(t *testing.T) {
	svc := cloudwatchtest.API()
	req := &awsapi.Request{ID: "r1", Service: svc, Operation: svc.Operations["PutMetricData"]}
	w := httptest.NewRecorder()
	if err := New().EncodeResponse(w, req, nil); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), []byte{0xa0}) || w.Header().Get("Content-Type") != "application/cbor" ||
		w.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" || w.Header().Get("X-Amzn-RequestId") != "r1" {
		t.Fatalf("unit response %d %x %v", w.Code, w.Body.Bytes(), w.Header())
	}
	w = httptest.NewRecorder()
	New().EncodeError(w, req, &awsapi.Error{Code: "InvalidParameterValueException", Message: "bad"})
	// {"__type": "com.amazonaws.monitoring#InvalidParameterValueException", "message": "bad"}, keys sorted bytewise.
	want := "a2 66 5f5f74797065 78 37 " + hex.EncodeToString([]byte("com.amazonaws.monitoring#InvalidParameterValueException")) +
		" 67 6d657373616765 63 626164"
	if w.Code != 400 || !bytes.Equal(w.Body.Bytes(), mustHex(want)) ||
		w.Header().Get("X-Amzn-Query-Error") != "InvalidParameterValue;Sender" {
		t.Fatalf("error response %d %x %v", w.Code, w.Body.Bytes(), w.Header())
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	svc := cloudwatchtest.API()
	op := svc.Operations["GetMetricStatistics"]
	ts := time.Date(2026, 11, 28, 9, 1, 15, 125e6, time.UTC)
	in := &cloudwatchtest.GetMetricStatisticsInput{Namespace: ptr("ns"), StartTime: &ts, EndTime: ptr(ts.Truncate(time.Second)),
		Period: ptr(int32(60)), Statistics: []string{}, Dimensions: []cloudwatchtest.Dimension{{Name: ptr("a"), Value: ptr("")}}}
	b, err := Marshal(op.Input, in)
	if err != nil {
		t.Fatal(err)
	}
	got := &cloudwatchtest.GetMetricStatisticsInput{}
	if err := New().DecodeRequest(op, nil, bytes.NewReader(b), got); err != nil {
		t.Fatal(err)
	}
	if compactJSON(t, got) != compactJSON(t, in) {
		t.Fatalf("got  %s\nwant %s", compactJSON(t, got), compactJSON(t, in))
	}
}

func ptr[T any](v T) *T { return &v }

func FuzzDecodeRequest(f *testing.F) {
	for _, tc := range decodeCases {
		f.Add(mustHex(tc.body))
	}
	f.Add(mustHex("bf 69 4e616d657370616365 7f 61 6e ff 6a 53746174697374696373 9f ff ff"))
	op := cloudwatchtest.API().Operations["GetMetricStatistics"]
	f.Fuzz(func(t *testing.T, body []byte) {
		in := &cloudwatchtest.GetMetricStatisticsInput{}
		err := New().DecodeRequest(op, nil, bytes.NewReader(body), in)
		var ae *awsapi.Error
		if err != nil && (!errors.As(err, &ae) || ae.Code != "SerializationException") {
			t.Fatalf("unexpected error kind %v", err)
		}
		if err == nil {
			if _, err := Marshal(op.Input, in); err != nil {
				t.Fatalf("re-encode: %v", err)
			}
		}
	})
}
