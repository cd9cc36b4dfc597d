package query

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/iamtest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/sqstest"
	"github.com/nubo/nubo/internal/protocol/internal/testapi/ststest"
)

func ptr[T any](v T) *T { return &v }

func newReq(svc *awsapi.Service, op string) *awsapi.Request {
	return &awsapi.Request{ID: "req-1", Service: svc, Operation: svc.Operations[op], Protocol: awsapi.ProtocolQuery}
}

var created = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func encodeCases() []struct {
	name string
	req  *awsapi.Request
	out  any
} {
	sts, sqs, iam := ststest.API(), sqstest.API(), iamtest.API()
	return []struct {
		name string
		req  *awsapi.Request
		out  any
	}{
		{"sts-get-caller-identity", newReq(sts, "GetCallerIdentity"), &ststest.GetCallerIdentityOutput{
			UserId: ptr("000000000000"), Account: ptr("000000000000"), Arn: ptr("arn:aws:iam::000000000000:root")}},
		{"sts-assume-role", newReq(sts, "AssumeRole"), &ststest.AssumeRoleOutput{
			Credentials: &ststest.Credentials{AccessKeyId: ptr("ASIA"), SecretAccessKey: ptr("s"), SessionToken: ptr("t"), Expiration: &created}}},
		{"sqs-receive-message", newReq(sqs, "ReceiveMessage"), &sqstest.ReceiveMessageOutput{Messages: []sqstest.Message{
			{MessageId: ptr("m1"), Body: ptr("a<b&c"), Attributes: map[string]string{"SentTimestamp": "1", "ApproximateReceiveCount": "2"}},
			{MessageId: ptr("m2"), MessageAttributes: map[string]sqstest.MessageAttributeValue{"k": {DataType: ptr("String"), StringValue: ptr("v")}}},
		}}},
		{"sqs-delete-message", newReq(sqs, "DeleteMessage"), &sqstest.DeleteMessageOutput{}},
		{"sqs-create-queue-empty", newReq(sqs, "CreateQueue"), &sqstest.CreateQueueOutput{}},
		{"iam-get-role", newReq(iam, "GetRole"), &iamtest.GetRoleOutput{Role: &iamtest.Role{
			Path: ptr("/"), RoleName: ptr("r"), RoleId: ptr("AROA"), Arn: ptr("arn:aws:iam::000000000000:role/r"), CreateDate: &created,
			Tags: []iamtest.Tag{{Key: ptr("a"), Value: ptr("b")}}}}},
	}
}

func TestEncodeResponseGolden(t *testing.T) {
	for _, tc := range encodeCases() {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := (Codec{}).EncodeResponse(rec, tc.req, tc.out); err != nil {
				t.Fatal(err)
			}
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/xml" {
				t.Errorf("status %d, content-type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			golden(t, filepath.Join("encode", tc.name+".xml"), rec.Body.Bytes())
		})
	}
}

func TestEncodeErrorGolden(t *testing.T) {
	sqs, iam := sqstest.API(), iamtest.API()
	cases := []struct {
		name   string
		req    *awsapi.Request
		err    *awsapi.Error
		status int
	}{
		{"sqs-queue-does-not-exist", newReq(sqs, "GetQueueUrl"), &awsapi.Error{Code: "QueueDoesNotExist", Message: "The specified queue does not exist."}, 400},
		{"iam-no-such-entity", newReq(iam, "GetRole"), &awsapi.Error{Code: "NoSuchEntityException", Message: "The role with name r cannot be found."}, 404},
		{"iam-legacy-code-given", newReq(iam, "GetRole"), &awsapi.Error{Code: "NoSuchEntity", Message: "gone"}, 404},
		{"unknown-with-fields", newReq(sqs, "SendMessage"), (&awsapi.Error{Code: "InvalidParameterValue", Status: 400, Message: "x < y"}).With("ArgumentName", "DelaySeconds"), 400},
		{"internal", newReq(sqs, "SendMessage"), awsapi.AsError(errors.New("disk on fire")), 500},
		{"no-service", &awsapi.Request{ID: "r"}, &awsapi.Error{Code: "MalformedQueryString", Message: "bad"}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Codec{}.EncodeError(rec, tc.req, tc.err)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			golden(t, filepath.Join("errors", tc.name+".xml"), rec.Body.Bytes())
		})
	}
}

// serve answers query requests for svc with handle, decoding with the codec.
func serve(t *testing.T, svc *awsapi.Service, handle func(op string, in any) (any, error)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := Codec{}
		params, err := Params(r, r.Body)
		req := &awsapi.Request{ID: "req-1", Service: svc}
		if err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		op := svc.Operations[params.Get("Action")]
		if op == nil || !op.Implemented {
			c.EncodeError(w, req, awsapi.NotImplemented(svc.ID, params.Get("Action")))
			return
		}
		req.Operation = op
		in := op.NewInput()
		if err := DecodeParams(op, params, in); err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		out, err := handle(op.Name, in)
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

func sdkConfig(url string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}
}

func TestSDKSTS(t *testing.T) {
	srv := serve(t, ststest.API(), func(op string, in any) (any, error) {
		switch op {
		case "GetCallerIdentity":
			return &ststest.GetCallerIdentityOutput{Account: ptr("000000000000"), Arn: ptr("arn:aws:iam::000000000000:root"), UserId: ptr("000000000000")}, nil
		case "AssumeRole":
			ar := in.(*ststest.AssumeRoleInput)
			if ar.DurationSeconds == nil || *ar.DurationSeconds != 900 {
				return nil, &awsapi.Error{Code: "ValidationError", Message: "want 900"}
			}
			return &ststest.AssumeRoleOutput{Credentials: &ststest.Credentials{AccessKeyId: ptr("ASIA1"), SecretAccessKey: ptr("s"),
				SessionToken: ptr("tok"), Expiration: &created}}, nil
		}
		return nil, awsapi.NotImplemented("sts", op)
	})
	client := sts.NewFromConfig(sdkConfig(srv.URL))
	ctx := context.Background()
	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "000000000000" || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:root" {
		t.Errorf("GetCallerIdentity = %+v", id)
	}
	ar, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/r"),
		RoleSessionName: aws.String("s"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ar.Credentials.SessionToken) != "tok" || !ar.Credentials.Expiration.Equal(created) {
		t.Errorf("AssumeRole credentials = %+v", ar.Credentials)
	}
	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("a"), RoleSessionName: aws.String("s"), DurationSeconds: aws.Int32(901)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || ae.ErrorMessage() != "want 900" {
		t.Fatalf("AssumeRole error = %v", err)
	}
}

func TestSDKIAMTypedError(t *testing.T) {
	srv := serve(t, iamtest.API(), func(op string, in any) (any, error) {
		if op == "GetRole" {
			return nil, &awsapi.Error{Code: "NoSuchEntityException", Message: "The role with name r cannot be found."}
		}
		return &iamtest.ListRolesOutput{Roles: []iamtest.Role{{RoleName: ptr("r1"), Arn: ptr("arn:aws:iam::000000000000:role/r1"),
			Path: ptr("/"), RoleId: ptr("AROA1"), CreateDate: &created}}, IsTruncated: ptr(false)}, nil
	})
	client := iam.NewFromConfig(sdkConfig(srv.URL))
	_, err := client.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("r")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("GetRole error = %v, want NoSuchEntityException", err)
	}
	roles, err := client.ListRoles(context.Background(), &iam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(roles.Roles) != 1 || aws.ToString(roles.Roles[0].RoleName) != "r1" || !roles.Roles[0].CreateDate.Equal(created) {
		t.Errorf("ListRoles = %+v", roles.Roles)
	}
}
