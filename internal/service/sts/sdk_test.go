package sts

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdksts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/query"
)

// serveQuery answers STS query requests through the codec as caller.
func serveQuery(t *testing.T, s *Service, caller awsapi.Caller, now time.Time) *httptest.Server {
	t.Helper()
	api, handlers := s.API(), s.Handlers()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := query.Codec{}
		req := &awsapi.Request{ID: "req-1", Service: api, Protocol: awsapi.ProtocolQuery, Account: acct, Time: now, Caller: caller}
		params, err := query.Params(r, r.Body)
		if err != nil {
			c.EncodeError(w, req, awsapi.AsError(err))
			return
		}
		op, h := api.Operations[params.Get("Action")], handlers[params.Get("Action")]
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

func TestSDKClient(t *testing.T) {
	f := newFixture(t)
	role := f.createRole(t, "r", trustAWS(acct), 0)
	fn := f.createRole(t, "fn", lambdaTrust, 0)
	root, err := f.sts.LookupAccessKey(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	srv := serveQuery(t, f.sts, root.Caller, f.now)
	client := sdksts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	ctx := context.Background()
	id, err := client.GetCallerIdentity(ctx, &sdksts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:iam::"+acct+":root" || aws.ToString(id.Account) != acct {
		t.Fatalf("identity = %+v", id)
	}
	out, err := client.AssumeRole(ctx, &sdksts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("sdk"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::"+acct+":assumed-role/r/sdk" || out.PackedPolicySize == nil ||
		!out.Credentials.Expiration.Equal(f.now.Add(time.Hour)) {
		t.Fatalf("AssumeRole = %+v %+v", out.AssumedRoleUser, out.Credentials)
	}
	_, err = client.AssumeRole(ctx, &sdksts.AssumeRoleInput{RoleArn: aws.String(fn), RoleSessionName: aws.String("sdk")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("untrusted AssumeRole error = %v", err)
	}
}
