package cbor

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/cloudwatchtest"
)

// fakeCloudWatch is a minimal server: it decodes each request with the codec,
// records the input, and answers with canned outputs or errors.
type fakeCloudWatch struct {
	t       *testing.T
	mu      sync.Mutex
	inputs  map[string]any
	bodies  map[string][]byte
	outputs map[string]any
	errs    map[string]*awsapi.Error
}

func (f *fakeCloudWatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	svc := cloudwatchtest.API()
	name := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	op := svc.Operations[name]
	req := &awsapi.Request{ID: "rid-" + name, Service: svc, Operation: op, HTTP: r}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			New().EncodeError(w, req, SerializationError("bad gzip"))
			return
		}
		body = zr
	}
	raw, _ := io.ReadAll(body)
	in := op.NewInput()
	if err := New().DecodeRequest(op, r, bytes.NewReader(raw), in); err != nil {
		New().EncodeError(w, req, awsapi.AsError(err))
		return
	}
	f.mu.Lock()
	f.inputs[name], f.bodies[name] = in, raw
	out, apiErr := f.outputs[name], f.errs[name]
	f.mu.Unlock()
	if apiErr != nil {
		New().EncodeError(w, req, apiErr)
		return
	}
	if err := New().EncodeResponse(w, req, out); err != nil {
		f.t.Errorf("EncodeResponse: %v", err)
	}
}

func newClient(t *testing.T) (*cloudwatch.Client, *fakeCloudWatch) {
	f := &fakeCloudWatch{t: t, inputs: map[string]any{}, bodies: map[string][]byte{},
		outputs: map[string]any{}, errs: map[string]*awsapi.Error{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := cloudwatch.New(cloudwatch.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
	return client, f
}

var t0 = time.Date(2026, 11, 28, 9, 1, 15, 0, time.UTC)

// TestInteropPutMetricData decodes the CBOR the real Go SDK sends.
func TestInteropPutMetricData(t *testing.T) {
	client, f := newClient(t)
	_, err := client.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("ns"),
		MetricData: []cwtypes.MetricDatum{{
			MetricName: aws.String("m"), Value: aws.Float64(1.5), Unit: cwtypes.StandardUnitCount,
			Timestamp:  aws.Time(t0.Add(250 * time.Millisecond)),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("fn"), Value: aws.String("f1")}},
			Values:     []float64{1, 2.5}, Counts: []float64{3, 4},
			StorageResolution: aws.Int32(1),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := f.inputs["PutMetricData"].(*cloudwatchtest.PutMetricDataInput)
	if *in.Namespace != "ns" || len(in.MetricData) != 1 {
		t.Fatalf("input %+v", in)
	}
	d := in.MetricData[0]
	if *d.MetricName != "m" || *d.Value != 1.5 || *d.Unit != "Count" || !d.Timestamp.Equal(t0.Add(250*time.Millisecond)) ||
		len(d.Dimensions) != 1 || *d.Dimensions[0].Value != "f1" || len(d.Values) != 2 || d.Values[1] != 2.5 ||
		d.Counts[0] != 3 || *d.StorageResolution != 1 {
		t.Fatalf("datum %s", compactJSON(t, d))
	}
	// The captured body must also decode standalone (golden input for the fuzzer).
	if len(f.bodies["PutMetricData"]) == 0 {
		t.Fatal("no body captured")
	}
}

// TestInteropGetMetricStatistics checks the SDK accepts the responses we encode.
func TestInteropGetMetricStatistics(t *testing.T) {
	client, f := newClient(t)
	f.outputs["GetMetricStatistics"] = &cloudwatchtest.GetMetricStatisticsOutput{
		Label: aws.String("m"),
		Datapoints: []cloudwatchtest.Datapoint{
			{Timestamp: &t0, Sum: aws.Float64(3), SampleCount: aws.Float64(2), Unit: aws.String("Count")},
			{Timestamp: aws.Time(t0.Add(60500 * time.Millisecond)), Maximum: aws.Float64(-0.25),
				ExtendedStatistics: map[string]float64{"p99": 9.5}},
		},
	}
	out, err := client.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("ns"), MetricName: aws.String("m"),
		StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(time.Hour)), Period: aws.Int32(60),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticSum, cwtypes.StatisticMaximum},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Label) != "m" || len(out.Datapoints) != 2 {
		t.Fatalf("output %+v", out)
	}
	d0, d1 := out.Datapoints[0], out.Datapoints[1]
	if !d0.Timestamp.Equal(t0) || *d0.Sum != 3 || *d0.SampleCount != 2 || d0.Unit != cwtypes.StandardUnitCount {
		t.Fatalf("datapoint 0 %+v", d0)
	}
	if !d1.Timestamp.Equal(t0.Add(60500*time.Millisecond)) || *d1.Maximum != -0.25 || d1.ExtendedStatistics["p99"] != 9.5 {
		t.Fatalf("datapoint 1 %+v", d1)
	}
	in := f.inputs["GetMetricStatistics"].(*cloudwatchtest.GetMetricStatisticsInput)
	if !in.StartTime.Equal(t0) || *in.Period != 60 || len(in.Statistics) != 2 || in.Statistics[1] != "Maximum" {
		t.Fatalf("input %s", compactJSON(t, in))
	}
}

// TestInteropErrors checks the SDK reads our error envelope and query error code.
func TestInteropErrors(t *testing.T) {
	client, f := newClient(t)
	f.errs["DescribeAlarms"] = &awsapi.Error{Code: "InvalidNextToken", Message: "bad token"}
	_, err := client.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{NextToken: aws.String("x")})
	var typed *cwtypes.InvalidNextToken
	if !errors.As(err, &typed) {
		t.Fatalf("err = %v, want *types.InvalidNextToken", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidNextToken" || ae.ErrorMessage() != "bad token" {
		t.Fatalf("api error %v", err)
	}
	f.errs["PutMetricAlarm"] = &awsapi.Error{Code: "LimitExceededFault", Message: "too many"}
	_, err = client.PutMetricAlarm(context.Background(), &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("a")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "LimitExceeded" {
		t.Fatalf("query-compatible code: %v", err)
	}
}
