package lambda

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

func TestPermissions(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("p")
	add := func(sid, principal, rev string) (*lambdaapi.AddPermissionOutput, error) {
		in := &lambdaapi.AddPermissionInput{FunctionName: ptr("p"), StatementId: ptr(sid), Action: ptr("lambda:InvokeFunction"),
			Principal: ptr(principal), SourceArn: ptr("arn:aws:s3:::bucket")}
		if rev != "" {
			in.RevisionId = ptr(rev)
		}
		return call[lambdaapi.AddPermissionOutput](e, "AddPermission", in)
	}
	_, err := call[lambdaapi.GetPolicyOutput](e, "GetPolicy", &lambdaapi.GetPolicyInput{FunctionName: ptr("p")})
	wantCode(t, err, "ResourceNotFoundException", 404)
	cases := []struct {
		name, sid, principal, rev, code string
	}{
		{"s3", "s3invoke", "s3.amazonaws.com", "", ""},
		{"duplicate sid", "s3invoke", "s3.amazonaws.com", "", "ResourceConflictException"},
		{"stale revision", "other", "123456789012", "stale", "PreconditionFailedException"},
		{"account", "acct", "123456789012", "", ""},
		{"bad sid", "bad sid", "s3.amazonaws.com", "", "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := add(tc.sid, tc.principal, tc.rev)
			wantCode(t, err, tc.code, 0)
			if err == nil && !json.Valid([]byte(deref(out.Statement))) {
				t.Fatalf("statement %q", deref(out.Statement))
			}
		})
	}
	pol, err := call[lambdaapi.GetPolicyOutput](e, "GetPolicy", &lambdaapi.GetPolicyInput{FunctionName: ptr("p")})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Id        string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(deref(pol.Policy)), &doc); err != nil || doc.Version != "2012-10-17" || doc.Id != "default" || len(doc.Statement) != 2 {
		t.Fatalf("policy %s", deref(pol.Policy))
	}
	st := doc.Statement[0]
	if st["Resource"] != "arn:aws:lambda:us-east-1:123456789012:function:p" || st["Effect"] != "Allow" ||
		st["Principal"].(map[string]any)["Service"] != "s3.amazonaws.com" ||
		st["Condition"].(map[string]any)["ArnLike"].(map[string]any)["AWS:SourceArn"] != "arn:aws:s3:::bucket" {
		t.Fatalf("statement %v", st)
	}
	if p := doc.Statement[1]["Principal"].(map[string]any)["AWS"]; p != "arn:aws:iam::123456789012:root" {
		t.Fatalf("account principal %v", p)
	}
	_, err = call[lambdaapi.RemovePermissionOutput](e, "RemovePermission", &lambdaapi.RemovePermissionInput{FunctionName: ptr("p"), StatementId: ptr("nope")})
	wantCode(t, err, "ResourceNotFoundException", 404)
	if _, err := call[lambdaapi.RemovePermissionOutput](e, "RemovePermission", &lambdaapi.RemovePermissionInput{FunctionName: ptr("p"), StatementId: ptr("s3invoke"), RevisionId: pol.RevisionId}); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrencyAndAccountSettings(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("c1")
	e.create("c2")
	put := func(name string, n int32) error {
		_, err := call[lambdaapi.PutFunctionConcurrencyOutput](e, "PutFunctionConcurrency", &lambdaapi.PutFunctionConcurrencyInput{FunctionName: ptr(name), ReservedConcurrentExecutions: ptr(n)})
		return err
	}
	cases := []struct {
		name string
		fn   string
		n    int32
		code string
	}{
		{"too much", "c1", 901, "InvalidParameterValueException"},
		{"negative", "c1", -1, "ValidationException"},
		{"ok", "c1", 800, ""},
		{"sum too much", "c2", 101, "InvalidParameterValueException"},
		{"sum ok", "c2", 100, ""},
		{"missing", "zz", 1, "ResourceNotFoundException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, put(tc.fn, tc.n), tc.code, 0) })
	}
	s, err := call[lambdaapi.GetAccountSettingsOutput](e, "GetAccountSettings", &lambdaapi.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if deref(s.AccountLimit.ConcurrentExecutions) != 1000 || deref(s.AccountLimit.UnreservedConcurrentExecutions) != 100 || deref(s.AccountUsage.FunctionCount) != 2 {
		t.Fatalf("settings %+v %+v", s.AccountLimit, s.AccountUsage)
	}
	g, err := call[lambdaapi.GetFunctionOutput](e, "GetFunction", &lambdaapi.GetFunctionInput{FunctionName: ptr("c1")})
	if err != nil || g.Concurrency == nil || deref(g.Concurrency.ReservedConcurrentExecutions) != 800 {
		t.Fatalf("GetFunction concurrency: %v", err)
	}
}

func TestEventInvokeConfig(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("ev")
	cases := []struct {
		name       string
		retry, age *int32
		dest       string
		code       string
	}{
		{"retry too high", ptr(int32(3)), nil, "", "ValidationException"},
		{"age too low", nil, ptr(int32(59)), "", "ValidationException"},
		{"age too high", nil, ptr(int32(21601)), "", "ValidationException"},
		{"self destination", nil, nil, "arn:aws:lambda:us-east-1:123456789012:function:ev", "InvalidParameterValueException"},
		{"bad destination", nil, nil, "arn:aws:dynamodb:us-east-1:123456789012:table/t", "InvalidParameterValueException"},
		{"ok", ptr(int32(1)), ptr(int32(3600)), "arn:aws:sqs:us-east-1:123456789012:q", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &lambdaapi.PutFunctionEventInvokeConfigInput{FunctionName: ptr("ev"), MaximumRetryAttempts: tc.retry, MaximumEventAgeInSeconds: tc.age}
			if tc.dest != "" {
				in.DestinationConfig = &lambdaapi.DestinationConfig{OnFailure: &lambdaapi.OnFailure{Destination: ptr(tc.dest)}}
			}
			_, err := call[lambdaapi.PutFunctionEventInvokeConfigOutput](e, "PutFunctionEventInvokeConfig", in)
			wantCode(t, err, tc.code, 0)
		})
	}
	up, err := call[lambdaapi.UpdateFunctionEventInvokeConfigOutput](e, "UpdateFunctionEventInvokeConfig", &lambdaapi.UpdateFunctionEventInvokeConfigInput{FunctionName: ptr("ev"), MaximumRetryAttempts: ptr(int32(0))})
	if err != nil || deref(up.MaximumRetryAttempts) != 0 || deref(up.MaximumEventAgeInSeconds) != 3600 ||
		deref(up.DestinationConfig.OnFailure.Destination) != "arn:aws:sqs:us-east-1:123456789012:q" || !strings.HasSuffix(deref(up.FunctionArn), ":$LATEST") {
		t.Fatalf("update merged %+v %v", up, err)
	}
	l, err := call[lambdaapi.ListFunctionEventInvokeConfigsOutput](e, "ListFunctionEventInvokeConfigs", &lambdaapi.ListFunctionEventInvokeConfigsInput{FunctionName: ptr("ev")})
	if err != nil || len(l.FunctionEventInvokeConfigs) != 1 {
		t.Fatalf("list: %v", err)
	}
	if _, err := call[lambdaapi.DeleteFunctionEventInvokeConfigOutput](e, "DeleteFunctionEventInvokeConfig", &lambdaapi.DeleteFunctionEventInvokeConfigInput{FunctionName: ptr("ev")}); err != nil {
		t.Fatal(err)
	}
	_, err = call[lambdaapi.GetFunctionEventInvokeConfigOutput](e, "GetFunctionEventInvokeConfig", &lambdaapi.GetFunctionEventInvokeConfigInput{FunctionName: ptr("ev")})
	wantCode(t, err, "ResourceNotFoundException", 404)
}

func TestTags(t *testing.T) {
	e := newEnv(t, Options{})
	in := createInput("tg", helloZip(t))
	in.Tags = map[string]string{"a": "1"}
	if _, err := call[lambdaapi.CreateFunctionOutput](e, "CreateFunction", in); err != nil {
		t.Fatal(err)
	}
	arnStr := "arn:aws:lambda:us-east-1:123456789012:function:tg"
	if _, err := call[lambdaapi.TagResourceOutput](e, "TagResource", &lambdaapi.TagResourceInput{Resource: ptr(arnStr), Tags: map[string]string{"b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := call[lambdaapi.UntagResourceOutput](e, "UntagResource", &lambdaapi.UntagResourceInput{Resource: ptr(arnStr), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	l, err := call[lambdaapi.ListTagsOutput](e, "ListTags", &lambdaapi.ListTagsInput{Resource: ptr(arnStr)})
	if err != nil || len(l.Tags) != 1 || l.Tags["b"] != "2" {
		t.Fatalf("tags %v %v", l, err)
	}
	_, err = call[lambdaapi.ListTagsOutput](e, "ListTags", &lambdaapi.ListTagsInput{Resource: ptr(arnStr + "x")})
	wantCode(t, err, "ResourceNotFoundException", 404)
}
