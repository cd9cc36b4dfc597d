package edge

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/apigatewayapi"
	"github.com/nubo/nubo/internal/awsapi/cloudtrailapi"
	"github.com/nubo/nubo/internal/awsapi/cloudwatchapi"
	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/awsapi/stsapi"
)

func testServer() *Server {
	s := New(Config{Region: "us-east-1", Account: "000000000000"})
	for _, api := range []*awsapi.Service{apigatewayapi.API(), cloudtrailapi.API(), cloudwatchapi.API(),
		lambdaapi.API(), logsapi.API(), s3api.API(), sqsapi.API(), stsapi.API()} {
		s.Register(api, nil)
	}
	return s
}

func TestIdentify(t *testing.T) {
	s := testServer()
	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		scope        string
		form         url.Values
		wantSvc      string
		wantProto    awsapi.Protocol
		wantOp       string
	}{
		{"cbor cloudwatch", "POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData",
			map[string]string{"Smithy-Protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}, "monitoring", nil,
			"cloudwatch", awsapi.ProtocolCBOR, "PutMetricData"},
		{"json sqs", "POST", "/", map[string]string{"X-Amz-Target": "AmazonSQS.SendMessage",
			"Content-Type": "application/x-amz-json-1.0"}, "sqs", nil, "sqs", awsapi.ProtocolJSON, "SendMessage"},
		{"json cloudwatch", "POST", "/", map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics",
			"Content-Type": "application/x-amz-json-1.0"}, "monitoring", nil, "cloudwatch", awsapi.ProtocolJSON, "ListMetrics"},
		{"cloudtrail botocore target", "POST", "/", map[string]string{
			"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
			"Content-Type": "application/x-amz-json-1.1"}, "cloudtrail", nil, "cloudtrail", awsapi.ProtocolJSON, "LookupEvents"},
		{"cloudtrail sdk target", "POST", "/", map[string]string{"X-Amz-Target": "CloudTrail_20131101.LookupEvents",
			"Content-Type": "application/x-amz-json-1.1"}, "cloudtrail", nil, "cloudtrail", awsapi.ProtocolJSON, "LookupEvents"},
		{"query sqs old", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "sqs",
			url.Values{"Action": {"SendMessage"}, "Version": {"2012-11-05"}}, "sqs", awsapi.ProtocolQuery, "SendMessage"},
		{"unsigned query by version", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "",
			url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}}, "sts", awsapi.ProtocolQuery, "AssumeRoleWithWebIdentity"},
		{"lambda by scope", "GET", "/2015-03-31/functions", nil, "lambda", nil, "lambda", awsapi.ProtocolRestJSON, ""},
		{"lambda by path", "GET", "/2015-03-31/functions/", nil, "", nil, "lambda", awsapi.ProtocolRestJSON, ""},
		{"apigateway by scope", "GET", "/restapis", nil, "apigateway", nil, "apigateway", awsapi.ProtocolRestJSON, ""},
		{"bucket named like a lambda path", "GET", "/2015-03-31/functions", nil, "s3", nil, "s3", awsapi.ProtocolRestXML, ""},
		{"bucket named restapis", "GET", "/restapis", nil, "s3", nil, "s3", awsapi.ProtocolRestXML, ""},
		{"anonymous s3", "GET", "/bucket/key", nil, "", nil, "s3", awsapi.ProtocolRestXML, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(""))
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			rt := s.identify(r, tc.scope, formParams(tc.form))
			if rt.svc == nil || rt.svc.api.ID != tc.wantSvc {
				t.Fatalf("service = %v, want %s", rt.svc, tc.wantSvc)
			}
			if rt.protocol != tc.wantProto || rt.opName != tc.wantOp {
				t.Errorf("protocol, op = %s, %q; want %s, %q", rt.protocol, rt.opName, tc.wantProto, tc.wantOp)
			}
		})
	}
}

func TestIdentifyUnknown(t *testing.T) {
	s := testServer()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "Nope_2099.Do")
	if rt := s.identify(r, "nope", nil); rt.svc != nil || rt.protocol != awsapi.ProtocolJSON {
		t.Errorf("unknown target: %+v", rt)
	}
}

func TestVirtualBucket(t *testing.T) {
	s := New(Config{Region: "eu-west-1", Hostnames: []string{"nubo.test"}})
	tests := map[string]string{
		"localhost:4566":                    "",
		"127.0.0.1:4566":                    "",
		"my-bucket.localhost:4566":          "my-bucket",
		"my-bucket.s3.localhost":            "my-bucket",
		"s3.localhost:4566":                 "",
		"a.b.c.localhost":                   "a.b.c",
		"photos.nubo.test:4566":             "photos",
		"photos.s3.amazonaws.com":           "photos",
		"photos.s3.eu-west-1.amazonaws.com": "photos",
		"nubo.test":                         "",
		"example.com":                       "",
	}
	for host, want := range tests {
		if got := s.virtualBucket(host); got != want {
			t.Errorf("virtualBucket(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestSplitTarget(t *testing.T) {
	tests := map[string][2]string{
		"AmazonSQS.SendMessage": {"AmazonSQS", "SendMessage"},
		"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents": {"CloudTrail_20131101", "LookupEvents"},
		"NoDot": {"", "NoDot"},
	}
	for in, want := range tests {
		p, op := splitTarget(in)
		if p != want[0] || op != want[1] {
			t.Errorf("splitTarget(%q) = %q, %q", in, p, op)
		}
	}
}
