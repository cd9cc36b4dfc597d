package iam

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdkiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/query"
)

// serveQuery answers query requests with the service's handlers through the
// query codec, as the root caller (no signature checks: that is the edge's).
func serveQuery(t *testing.T, api *awsapi.Service, handlers map[string]awsapi.Handler, caller awsapi.Caller) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := query.Codec{}
		req := &awsapi.Request{ID: "req-1", Service: api, Protocol: awsapi.ProtocolQuery, Account: testAccount, Time: testTime, Caller: caller}
		params, err := query.Params(r, r.Body)
		if err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		op := api.Operations[params.Get("Action")]
		h := handlers[params.Get("Action")]
		if op == nil || h == nil {
			c.EncodeError(w, req, awsapi.NotImplemented(api.ID, params.Get("Action")))
			return
		}
		req.Operation = op
		in := op.NewInput()
		if err := query.DecodeParams(op, params, in); err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		out, err := h(awsapi.WithRequest(r.Context(), req), in)
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

// TestSDKClient drives the service with aws-sdk-go-v2 over the query codec.
func TestSDKClient(t *testing.T) {
	s := newTestService(t)
	root := awsapi.RequestFrom(rootCtx()).Caller
	srv := serveQuery(t, s.API(), s.Handlers(), root)
	client := sdkiam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	ctx := context.Background()

	_, err := client.CreateRole(ctx, &sdkiam.CreateRoleInput{RoleName: aws.String("fn"), AssumeRolePolicyDocument: aws.String(lambdaTrust),
		Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateRole(ctx, &sdkiam.CreateRoleInput{RoleName: aws.String("fn"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	var exists *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate CreateRole error = %v", err)
	}
	got, err := client.GetRole(ctx, &sdkiam.GetRoleInput{RoleName: aws.String("fn")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
	if doc != lambdaTrust || len(got.Role.Tags) != 1 || !got.Role.CreateDate.Equal(testTime) {
		t.Fatalf("GetRole = %+v (doc %s)", got.Role, doc)
	}
	_, err = client.GetRole(ctx, &sdkiam.GetRoleInput{RoleName: aws.String("none")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("GetRole error = %v", err)
	}

	_, err = client.AttachRolePolicy(ctx, &sdkiam.AttachRolePolicyInput{RoleName: aws.String("fn"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteRole(ctx, &sdkiam.DeleteRoleInput{RoleName: aws.String("fn")})
	var conflict *iamtypes.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("DeleteRole error = %v", err)
	}

	// Page through every policy with the SDK paginator.
	pager := sdkiam.NewListPoliciesPaginator(client, &sdkiam.ListPoliciesInput{MaxItems: aws.Int32(7)})
	n, pages := 0, 0
	for pager.HasMorePages() {
		out, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Policies)
		pages++
	}
	if n != 19 || pages != 3 {
		t.Fatalf("listed %d policies in %d pages", n, pages)
	}
	v, err := client.GetPolicyVersion(ctx, &sdkiam.GetPolicyVersionInput{
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), VersionId: aws.String("v3")})
	if err != nil {
		t.Fatal(err)
	}
	if !v.PolicyVersion.IsDefaultVersion || v.PolicyVersion.Document == nil {
		t.Fatalf("GetPolicyVersion = %+v", v.PolicyVersion)
	}
}
