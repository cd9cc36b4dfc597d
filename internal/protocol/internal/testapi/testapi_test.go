package testapi_test

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/cloudwatchtest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/iamtest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/lambdatest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/logstest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/s3test"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/snstest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/sqstest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/ststest"
)

type fixture struct {
	id       string
	api      func() *awsapi.Service
	handlers map[string]awsapi.Handler
	want     []string // implemented operations
}

func fixtures() []fixture {
	return []fixture{
		{"s3", s3test.API, s3test.Bind(s3Handler{}), []string{"ListBuckets", "CreateBucket", "PutObject", "GetObject",
			"HeadObject", "DeleteObject", "DeleteObjects", "ListObjectsV2", "ListObjects", "CreateMultipartUpload",
			"UploadPart", "CompleteMultipartUpload", "PutBucketNotificationConfiguration", "GetBucketLocation"}},
		{"sqs", sqstest.API, sqstest.Bind(nil), []string{"CreateQueue", "GetQueueUrl", "SendMessage", "ReceiveMessage",
			"DeleteMessage", "GetQueueAttributes", "SendMessageBatch", "ListQueues"}},
		{"sts", ststest.API, ststest.Bind(nil), []string{"GetCallerIdentity", "AssumeRole"}},
		{"lambda", lambdatest.API, lambdatest.Bind(nil), []string{"CreateFunction", "Invoke", "ListFunctions",
			"GetFunction", "DeleteFunction", "CreateEventSourceMapping"}},
		{"cloudwatch", cloudwatchtest.API, cloudwatchtest.Bind(nil), []string{"PutMetricData", "GetMetricStatistics",
			"DescribeAlarms", "PutMetricAlarm", "GetMetricData"}},
		{"logs", logstest.API, logstest.Bind(nil), []string{"CreateLogGroup", "PutLogEvents", "FilterLogEvents", "GetLogEvents"}},
		{"iam", iamtest.API, iamtest.Bind(nil), []string{"CreateRole", "GetRole", "ListRoles"}},
		{"sns", snstest.API, snstest.Bind(nil), []string{"CreateTopic", "Publish", "Subscribe"}},
	}
}

// TestFixturesLoad loads every fixture model and checks its implemented operations.
func TestFixturesLoad(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.id, func(t *testing.T) {
			svc := f.api()
			var implemented, bound []string
			for name, op := range svc.Operations {
				if op.Implemented {
					implemented = append(implemented, name)
				}
			}
			for name := range f.handlers {
				bound = append(bound, name)
			}
			want := append([]string(nil), f.want...)
			sort.Strings(implemented)
			sort.Strings(bound)
			sort.Strings(want)
			if !reflect.DeepEqual(implemented, want) || !reflect.DeepEqual(bound, want) {
				t.Errorf("implemented %v, bound %v, want %v", implemented, bound, want)
			}
			if len(svc.Operations) <= len(want) {
				t.Errorf("only %d operations listed; unimplemented ones are missing", len(svc.Operations))
			}
		})
	}
}

type s3Handler struct{ s3test.Handler }

func (s3Handler) HeadObject(context.Context, *s3test.HeadObjectInput) (*s3test.HeadObjectOutput, error) {
	return nil, nil
}

func TestBindNilOutput(t *testing.T) {
	out, err := s3test.Bind(s3Handler{})["HeadObject"](context.Background(), &s3test.HeadObjectInput{})
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := out.(*s3test.HeadObjectOutput); !ok || o == nil {
		t.Fatalf("out = %#v, want a non-nil *HeadObjectOutput", out)
	}
}

// TestSQSOverlay checks the awsQuery traits merged from the old SQS model.
func TestSQSOverlay(t *testing.T) {
	svc := sqstest.API()
	if !svc.Speaks(awsapi.ProtocolQuery) || svc.XMLNamespace == "" {
		t.Fatalf("protocols %v namespace %q: query traits missing", svc.Protocols, svc.XMLNamespace)
	}
	if got := svc.Operations["SendMessage"].ResultWrapper; got != "SendMessageResult" {
		t.Errorf("SendMessage resultWrapper %q", got)
	}
	attrs := svc.Shapes["SendMessageRequest"].MemberByName("MessageAttributes")
	if !attrs.IsFlattened() || attrs.LocationName != "MessageAttribute" {
		t.Errorf("MessageAttributes flattened=%v locationName=%q", attrs.IsFlattened(), attrs.LocationName)
	}
	if k := attrs.Shape.Key; k.LocationName != "Name" {
		t.Errorf("map key locationName %q", k.LocationName)
	}
	e := svc.ErrorShape("AWS.SimpleQueueService.NonExistentQueue")
	if e == nil || e.Name != "QueueDoesNotExist" || e.Error.HTTPStatus != 400 || !e.Error.SenderFault {
		t.Errorf("NonExistentQueue error shape = %+v", e)
	}
	if m := svc.Shapes["ReceiveMessageResult"].MemberByName("Messages"); !m.IsFlattened() || m.Shape.Member.LocationName != "Message" {
		t.Errorf("ReceiveMessageResult.Messages flattened=%v element %q", m.IsFlattened(), m.Shape.Member.LocationName)
	}
}

// TestStreamingPayload checks that streaming blob payloads are io.ReadCloser.
func TestStreamingPayload(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeOf(s3test.PutObjectInput{}), reflect.TypeOf(s3test.GetObjectOutput{})} {
		f, ok := typ.FieldByName("Body")
		if !ok || f.Type.String() != "io.ReadCloser" || f.Tag.Get("aws") != "Body" {
			t.Errorf("%s.Body = %v %q", typ, f.Type, f.Tag)
		}
	}
}
