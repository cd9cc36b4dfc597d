package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

const accountTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`

// apiCode returns the error code of an SDK error, failing the test if err is nil.
func apiCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got success")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode()
}

func TestSDKCallerIdentity(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	out, err := sts.NewFromConfig(devConfig(t, srv)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Account); got != "000000000000" {
		t.Errorf("Account = %q", got)
	}
	if got := aws.ToString(out.Arn); got != "arn:aws:iam::000000000000:root" {
		t.Errorf("Arn = %q", got)
	}
}

func TestSDKBadCredentials(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	tests := []struct {
		name, ak, sk string
		want         string
	}{
		{"wrong secret", "test", "wrong", "SignatureDoesNotMatch"},
		{"unknown key", "AKIANOSUCHKEY0000000", "x", "InvalidClientTokenId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sts.NewFromConfig(sdkConfig(t, srv.URL(), tc.ak, tc.sk, "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if got := apiCode(t, err); got != tc.want {
				t.Errorf("code = %s, want %s (%v)", got, tc.want, err)
			}
		})
	}
}

// TestSDKUserKeysAndAssumeRole walks the IAM → STS path: a user's access keys
// authenticate, AssumeRole honours the trust policy, and the temporary
// credentials sign requests until they expire on the Nubo clock.
func TestSDKUserKeysAndAssumeRole(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	root := devConfig(t, srv)
	iamc := iam.NewFromConfig(root)

	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := sdkConfig(t, srv.URL(), *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
	who, err := sts.NewFromConfig(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(who.Arn); got != "arn:aws:iam::000000000000:user/alice" {
		t.Errorf("alice Arn = %q", got)
	}

	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("lambda-only"),
		AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(root).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/lambda-only"), RoleSessionName: aws.String("s1")})
	if got := apiCode(t, err); got != "AccessDenied" {
		t.Errorf("AssumeRole of a lambda-only role: code %s", got)
	}

	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"),
		AssumeRolePolicyDocument: aws.String(accountTrust)}); err != nil {
		t.Fatal(err)
	}
	ar, err := sts.NewFromConfig(root).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/worker"), RoleSessionName: aws.String("job-1")})
	if err != nil {
		t.Fatal(err)
	}
	if exp := time.Until(*ar.Credentials.Expiration); exp < 59*time.Minute || exp > 61*time.Minute {
		t.Errorf("default expiry in %v, want ~1h", exp)
	}
	c := ar.Credentials
	temp := sdkConfig(t, srv.URL(), *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	who, err = sts.NewFromConfig(temp).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(who.Arn); got != "arn:aws:sts::000000000000:assumed-role/worker/job-1" {
		t.Errorf("assumed Arn = %q", got)
	}

	if err := srv.Advance(3601 * time.Second); err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(temp).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if got := apiCode(t, err); got != "ExpiredToken" {
		t.Errorf("expired session: code %s (%v)", got, err)
	}
}

// TestSDKNotImplemented checks that an unimplemented operation of every
// protocol family answers a clear error naming service and operation.
func TestSDKNotImplemented(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	cfg := devConfig(t, srv)
	calls := []struct {
		name string
		call func() error
		op   string
	}{
		{"dynamodb json", func() error {
			_, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		}, "dynamodb operation ListTables"},
		{"cloudwatch cbor", func() error {
			_, err := cloudwatch.NewFromConfig(cfg).ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
			return err
		}, "cloudwatch operation ListMetrics"},
		{"s3 rest-xml", func() error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).GetBucketAccelerateConfiguration(ctx,
				&s3.GetBucketAccelerateConfigurationInput{Bucket: aws.String("b")})
			return err
		}, "s3 operation GetBucketAccelerateConfiguration"},
		{"lambda rest-json", func() error {
			_, err := lambda.NewFromConfig(cfg).ListLayers(ctx, &lambda.ListLayersInput{})
			return err
		}, "lambda operation ListLayers"},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if got := apiCode(t, err); got != "NotImplemented" {
				t.Errorf("code = %s (%v)", got, err)
			}
			if !strings.Contains(err.Error(), tc.op) {
				t.Errorf("error %q does not name %q", err, tc.op)
			}
		})
	}
}
