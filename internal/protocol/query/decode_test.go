package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/cloudwatchtest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/iamtest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/snstest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/sqstest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/ststest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, rewriting it under -update.
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

func services() map[string]*awsapi.Service {
	return map[string]*awsapi.Service{
		"sqs": sqstest.API(), "sns": snstest.API(), "sts": ststest.API(),
		"iam": iamtest.API(), "cloudwatch": cloudwatchtest.API(),
	}
}

// decodeCases are query request bodies; the first five are the captures of
// botocore 1.29.27 (captures/botocore-1.29.27.txt), the rest exercise lists,
// maps, timestamps and blobs the way botocore's query serializer writes them.
var decodeCases = []struct {
	name, svc, op, body string
}{
	{"sqs-send-message-capture", "sqs", "SendMessage", "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F000000000000%2Fq1&MessageBody=hi"},
	{"sqs-get-queue-url-capture", "sqs", "GetQueueUrl", "Action=GetQueueUrl&Version=2012-11-05&QueueName=q1"},
	{"sns-publish-capture", "sns", "Publish", "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Message=hi"},
	{"cloudwatch-put-metric-data-capture", "cloudwatch", "PutMetricData", "Action=PutMetricData&Version=2010-08-01&Namespace=ns&MetricData.member.1.MetricName=m&MetricData.member.1.Value=1.0"},
	{"sts-get-caller-identity-capture", "sts", "GetCallerIdentity", "Action=GetCallerIdentity&Version=2011-06-15"},
	{"iam-list-roles-capture", "iam", "ListRoles", "Action=ListRoles&Version=2010-05-08"},
	{"sqs-receive-message", "sqs", "ReceiveMessage", "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=u&AttributeName.1=All&MessageAttributeName.2=b&MessageAttributeName.1=a&MaxNumberOfMessages=10&WaitTimeSeconds=20"},
	{"sqs-create-queue", "sqs", "CreateQueue", "Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=30&Attribute.2.Name=DelaySeconds&Attribute.2.Value=5&Tag.1.Key=env&Tag.1.Value=dev"},
	{"sqs-send-message-attributes", "sqs", "SendMessage", "Action=SendMessage&QueueUrl=u&MessageBody=b&MessageAttribute.1.Name=k&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v&MessageAttribute.2.Name=bin&MessageAttribute.2.Value.DataType=Binary&MessageAttribute.2.Value.BinaryValue=aGVsbG8%3D"},
	{"sqs-send-message-batch", "sqs", "SendMessageBatch", "Action=SendMessageBatch&QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=y&SendMessageBatchRequestEntry.2.DelaySeconds=3"},
	{"sqs-sparse-index", "sqs", "ReceiveMessage", "Action=ReceiveMessage&QueueUrl=u&AttributeName.1000000000=late&AttributeName.7=early&AttributeName.x=ignored&AttributeName.0=ignored"},
	{"sns-publish-attributes", "sns", "Publish", "Action=Publish&TopicArn=t&Message=m&MessageAttributes.entry.1.Name=color&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=red"},
	{"sns-create-topic-attributes", "sns", "CreateTopic", "Action=CreateTopic&Name=t&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=T&Tags.member.1.Key=a&Tags.member.1.Value=b"},
	{"cloudwatch-put-metric-data-full", "cloudwatch", "PutMetricData", "Action=PutMetricData&Namespace=ns&MetricData.member.1.MetricName=m&MetricData.member.1.Timestamp=2026-11-28T09%3A00%3A26.123Z&MetricData.member.1.Dimensions.member.1.Name=fn&MetricData.member.1.Dimensions.member.1.Value=f1&MetricData.member.1.Values.member.1=1.5&MetricData.member.1.Values.member.2=2&MetricData.member.2.MetricName=n&MetricData.member.2.Timestamp=1795770026&MetricData.member.2.StatisticValues.SampleCount=3&MetricData.member.2.StatisticValues.Sum=6&MetricData.member.2.StatisticValues.Minimum=1&MetricData.member.2.StatisticValues.Maximum=3&StrictEntityValidation=true"},
	{"cloudwatch-empty-list", "cloudwatch", "PutMetricData", "Action=PutMetricData&Namespace=ns&MetricData="},
	{"sts-assume-role", "sts", "AssumeRole", "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Fp&Tags.member.1.Key=k&Tags.member.1.Value=v&TransitiveTagKeys.member.1=k"},
	{"iam-create-role", "iam", "CreateRole", "Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D&MaxSessionDuration=3600&Tags.member.1.Key=a&Tags.member.1.Value=b"},
}

func decodeForm(t testing.TB, svcName, opName, body string) (any, error) {
	svc := services()[svcName]
	op := svc.Operations[opName]
	if op == nil || !op.Implemented {
		t.Fatalf("%s has no implemented %s", svcName, opName)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	in := op.NewInput()
	err := Codec{}.DecodeRequest(op, r, r.Body, in)
	return in, err
}

func TestDecodeGolden(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := decodeForm(t, tc.svc, tc.op, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(in, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("decode", tc.name+".json"), append(got, '\n'))
		})
	}
}

func TestDecodeValues(t *testing.T) {
	in, err := decodeForm(t, "cloudwatch", "PutMetricData", decodeCases[13].body)
	if err != nil {
		t.Fatal(err)
	}
	pm := in.(*cloudwatchtest.PutMetricDataInput)
	if len(pm.MetricData) != 2 {
		t.Fatalf("MetricData has %d entries, want 2", len(pm.MetricData))
	}
	want0 := time.Date(2026, 11, 28, 9, 0, 26, 123e6, time.UTC)
	if ts := pm.MetricData[0].Timestamp; ts == nil || !ts.Equal(want0) {
		t.Errorf("iso timestamp = %v, want %v", ts, want0)
	}
	if ts := pm.MetricData[1].Timestamp; ts == nil || ts.Unix() != 1795770026 {
		t.Errorf("epoch timestamp = %v", ts)
	}
	if v := pm.MetricData[0].Values; len(v) != 2 || v[0] != 1.5 || v[1] != 2 {
		t.Errorf("Values = %v", v)
	}
	if pm.StrictEntityValidation == nil || !*pm.StrictEntityValidation {
		t.Error("StrictEntityValidation not true")
	}
	in, err = decodeForm(t, "cloudwatch", "PutMetricData", "Namespace=ns&MetricData=")
	if err != nil {
		t.Fatal(err)
	}
	if md := in.(*cloudwatchtest.PutMetricDataInput).MetricData; md == nil || len(md) != 0 {
		t.Errorf("empty list = %#v, want empty non-nil", md)
	}
	in, err = decodeForm(t, "sqs", "ReceiveMessage", decodeCases[10].body)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.(*sqstest.ReceiveMessageInput).AttributeNames; strings.Join(got, ",") != "early,late" {
		t.Errorf("sparse list = %v, want [early late]", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, svc, op, body, code string
	}{
		{"bad int", "sqs", "ReceiveMessage", "QueueUrl=u&MaxNumberOfMessages=ten", "InvalidParameterValue"},
		{"int overflow", "sqs", "ReceiveMessage", "QueueUrl=u&MaxNumberOfMessages=99999999999", "InvalidParameterValue"},
		{"bad bool", "cloudwatch", "PutMetricData", "Namespace=n&StrictEntityValidation=maybe", "InvalidParameterValue"},
		{"bad timestamp", "cloudwatch", "PutMetricData", "Namespace=n&MetricData.member.1.Timestamp=yesterday", "InvalidParameterValue"},
		{"bad base64", "sqs", "SendMessage", "QueueUrl=u&MessageAttribute.1.Name=k&MessageAttribute.1.Value.BinaryValue=%21%21", "InvalidParameterValue"},
		{"map without key", "sqs", "CreateQueue", "QueueName=q&Attribute.1.Value=30", "InvalidParameterValue"},
		{"bad escape", "sqs", "GetQueueUrl", "QueueName=%zz", "MalformedQueryString"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeForm(t, tc.svc, tc.op, tc.body)
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Status != http.StatusBadRequest {
				t.Fatalf("err = %v, want %s 400", err, tc.code)
			}
		})
	}
}

func TestDecodeGET(t *testing.T) {
	op := ststest.API().Operations["AssumeRole"]
	r := httptest.NewRequest(http.MethodGet, "/?Action=AssumeRole&Version=2011-06-15&RoleArn=arn&RoleSessionName=s", nil)
	in := op.NewInput()
	if err := (Codec{}).DecodeRequest(op, r, http.NoBody, in); err != nil {
		t.Fatal(err)
	}
	ar := in.(*ststest.AssumeRoleInput)
	if ar.RoleArn == nil || *ar.RoleArn != "arn" || ar.RoleSessionName == nil || *ar.RoleSessionName != "s" {
		t.Fatalf("got %+v", ar)
	}
}

// fuzzOps lists the implemented operations of the fixtures in a fixed order.
func fuzzOps() []*awsapi.Operation {
	var ops []*awsapi.Operation
	for _, name := range []string{"sqs", "sns", "sts", "iam", "cloudwatch"} {
		svc := services()[name]
		var names []string
		for n, op := range svc.Operations {
			if op.Implemented {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			ops = append(ops, svc.Operations[n])
		}
	}
	return ops
}

func FuzzDecode(f *testing.F) {
	ops := fuzzOps()
	for _, tc := range decodeCases {
		for i, op := range ops {
			if op.Name == tc.op && services()[tc.svc].Operations[tc.op] == op {
				f.Add(uint8(i), tc.body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, body string) {
		op := ops[int(i)%len(ops)]
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		in := op.NewInput()
		err := Codec{}.DecodeRequest(op, r, r.Body, in)
		var ae *awsapi.Error
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("non-AWS error %v", err)
		}
	})
}
