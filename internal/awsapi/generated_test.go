package awsapi_test

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"testing"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/apigatewayapi"
	"github.com/nubo/nubo/internal/awsapi/cloudformationapi"
	"github.com/nubo/nubo/internal/awsapi/cloudtrailapi"
	"github.com/nubo/nubo/internal/awsapi/cloudwatchapi"
	"github.com/nubo/nubo/internal/awsapi/dynamodbapi"
	"github.com/nubo/nubo/internal/awsapi/ec2api"
	"github.com/nubo/nubo/internal/awsapi/eventsapi"
	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/awsapi/kmsapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/awsapi/stsapi"
)

// generatedPackage is one package written by tools/apigen.
type generatedPackage struct {
	id       string
	api      func() *awsapi.Service
	handlers map[string]awsapi.Handler
	// unimplemented is an operation the package must list but not implement:
	// pick one no service plans to implement soon.
	unimplemented string
	protocol      awsapi.Protocol
}

func generatedPackages() []generatedPackage {
	return []generatedPackage{
		{"iam", iamapi.API, iamapi.Bind(iamHandler{}), "CreateInstanceProfile", awsapi.ProtocolQuery},
		{"sts", stsapi.API, stsapi.Bind(stsHandler{}), "AssumeRoleWithWebIdentity", awsapi.ProtocolQuery},
		{"s3", s3api.API, s3api.Bind(nil), "GetBucketAnalyticsConfiguration", awsapi.ProtocolRestXML},
		{"sqs", sqsapi.API, sqsapi.Bind(nil), "AddPermission", awsapi.ProtocolQuery},
		{"sns", snsapi.API, snsapi.Bind(nil), "CreatePlatformApplication", awsapi.ProtocolQuery},
		{"lambda", lambdaapi.API, lambdaapi.Bind(nil), "PublishLayerVersion", awsapi.ProtocolRestJSON},
		{"logs", logsapi.API, logsapi.Bind(nil), "StartQuery", awsapi.ProtocolJSON},
		{"cloudwatch", cloudwatchapi.API, cloudwatchapi.Bind(nil), "PutMetricData", awsapi.ProtocolCBOR},
		{"events", eventsapi.API, eventsapi.Bind(nil), "PutEvents", awsapi.ProtocolJSON},
		{"apigateway", apigatewayapi.API, apigatewayapi.Bind(nil), "GetRestApis", awsapi.ProtocolRestJSON},
		{"cloudtrail", cloudtrailapi.API, cloudtrailapi.Bind(nil), "LookupEvents", awsapi.ProtocolJSON},
		{"kms", kmsapi.API, kmsapi.Bind(nil), "Encrypt", awsapi.ProtocolJSON},
		{"dynamodb", dynamodbapi.API, dynamodbapi.Bind(nil), "PutItem", awsapi.ProtocolJSON},
		{"cloudformation", cloudformationapi.API, cloudformationapi.Bind(nil), "CreateStack", awsapi.ProtocolQuery},
		{"ec2", ec2api.API, ec2api.Bind(nil), "RunInstances", awsapi.ProtocolEC2},
	}
}

// TestGeneratedPackagesLoad loads every generated model and checks that exactly
// the bound operations are implemented, with their Go types, and that the other
// operations stay listed.
func TestGeneratedPackagesLoad(t *testing.T) {
	for _, p := range generatedPackages() {
		t.Run(p.id, func(t *testing.T) {
			svc := p.api()
			if svc.ID != p.id || !svc.Speaks(p.protocol) {
				t.Fatalf("ID %q protocols %v, want %q speaking %s", svc.ID, svc.Protocols, p.id, p.protocol)
			}
			if svc != p.api() {
				t.Error("API() returned a different *Service on the second call")
			}
			var implemented []string
			for name, op := range svc.Operations {
				if !op.Implemented {
					continue
				}
				implemented = append(implemented, name)
				if op.InputType == nil || op.OutputType == nil {
					t.Errorf("%s: implemented without Go types", name)
				}
				if got := reflect.TypeOf(op.NewInput()).Elem().Name(); got != name+"Input" {
					t.Errorf("%s: NewInput type %s", name, got)
				}
			}
			var bound []string
			for name := range p.handlers {
				bound = append(bound, name)
			}
			sort.Strings(implemented)
			sort.Strings(bound)
			if !reflect.DeepEqual(implemented, bound) {
				t.Errorf("implemented %v, Bind has %v", implemented, bound)
			}
			op := svc.Operations[p.unimplemented]
			if op == nil || op.Implemented || op.HTTPMethod == "" {
				t.Errorf("operation %s: got %+v, want listed, unimplemented, with its http traits", p.unimplemented, op)
			}
		})
	}
}

// iamHandler implements iamapi.Handler's GetRole only; Bind calls methods lazily,
// so the nil embedded interface is never reached.
type iamHandler struct{ iamapi.Handler }

func (iamHandler) GetRole(_ context.Context, in *iamapi.GetRoleInput) (*iamapi.GetRoleOutput, error) {
	switch *in.RoleName {
	case "nil":
		return nil, nil
	case "fail":
		return nil, errors.New("boom")
	}
	return &iamapi.GetRoleOutput{Role: &iamapi.Role{RoleName: in.RoleName}}, nil
}

type stsHandler struct{ stsapi.Handler }

func (stsHandler) GetCallerIdentity(context.Context, *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	account := "000000000000"
	return &stsapi.GetCallerIdentityOutput{Account: &account}, nil
}

func TestBind(t *testing.T) {
	getRole := iamapi.Bind(iamHandler{})["GetRole"]
	name := func(s string) *iamapi.GetRoleInput { return &iamapi.GetRoleInput{RoleName: &s} }
	tests := []struct {
		name    string
		in      any
		want    any
		wantErr bool
	}{
		{"value", name("r1"), &iamapi.GetRoleOutput{Role: &iamapi.Role{RoleName: name("r1").RoleName}}, false},
		{"nil output becomes empty output", name("nil"), &iamapi.GetRoleOutput{}, false},
		{"error", name("fail"), nil, true},
		{"wrong input type", &iamapi.GetUserInput{}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := getRole(context.Background(), tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.want == nil {
				if out != nil {
					t.Fatalf("out = %#v, want untyped nil", out)
				}
				return
			}
			if !reflect.DeepEqual(out, tc.want) {
				t.Fatalf("out = %#v, want %#v", out, tc.want)
			}
		})
	}
	out, err := stsapi.Bind(stsHandler{})["GetCallerIdentity"](context.Background(), &stsapi.GetCallerIdentityInput{})
	if err != nil || *out.(*stsapi.GetCallerIdentityOutput).Account != "000000000000" {
		t.Fatalf("sts GetCallerIdentity = %v, %v", out, err)
	}
}

// TestSQSOverlay checks the awsQuery traits merged into the SQS model.
func TestSQSOverlay(t *testing.T) {
	svc := sqsapi.API()
	if !svc.Speaks(awsapi.ProtocolJSON) || !svc.Speaks(awsapi.ProtocolQuery) {
		t.Errorf("protocols %v, want json and query", svc.Protocols)
	}
	if svc.XMLNamespace != "http://queue.amazonaws.com/doc/2012-11-05/" {
		t.Errorf("XMLNamespace %q", svc.XMLNamespace)
	}
}
