package sqs

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/edge"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

const testAccount = "000000000000"

// env is a service under test with its clock and store.
type env struct {
	t     testing.TB
	svc   *Service
	clock *clock.Virtual
	db    store.DB
	rec   *metrics.Recorder
}

// newEnv returns a service over db (a fresh memory store when nil).
func newEnv(t testing.TB, db store.DB) *env {
	t.Helper()
	if db == nil {
		db = store.OpenMemory()
	}
	c := clock.NewVirtual()
	t.Cleanup(func() { _ = c.Close() })
	return openEnv(t, db, c)
}

// openEnv creates the service over an existing store and clock.
func openEnv(t testing.TB, db store.DB, c *clock.Virtual) *env {
	t.Helper()
	rec := metrics.NewRecorder(0, c.Now)
	svc, err := New(&service.System{Region: "us-east-1", Account: testAccount, Endpoint: "http://nubo.test:4566",
		Clock: c, Store: db, Metrics: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	return &env{t: t, svc: svc, clock: c, db: db, rec: rec}
}

// ctx is a request context of the account's root user.
func (e *env) ctx() context.Context {
	return awsapi.WithRequest(context.Background(), &awsapi.Request{
		Account: testAccount, Endpoint: "http://nubo.test:4566", Time: e.clock.Now(),
		Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", UserID: testAccount, Root: true},
	})
}

// create creates a queue and returns its URL.
func (e *env) create(name string, attrs map[string]string) string {
	e.t.Helper()
	out, err := e.svc.CreateQueue(e.ctx(), &sqsapi.CreateQueueInput{QueueName: &name, Attributes: attrs})
	if err != nil {
		e.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return *out.QueueUrl
}

// send sends body and returns the message id.
func (e *env) send(url, body string, mod ...func(*sqsapi.SendMessageInput)) string {
	e.t.Helper()
	in := &sqsapi.SendMessageInput{QueueUrl: &url, MessageBody: &body}
	for _, f := range mod {
		f(in)
	}
	out, err := e.svc.SendMessage(e.ctx(), in)
	if err != nil {
		e.t.Fatalf("SendMessage: %v", err)
	}
	return *out.MessageId
}

// receive receives up to max messages without waiting.
func (e *env) receive(url string, max int32, vis *int32) []sqsapi.Message {
	e.t.Helper()
	out, err := e.svc.ReceiveMessage(e.ctx(), &sqsapi.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: &max,
		VisibilityTimeout: vis, AttributeNames: []string{"All"}, MessageAttributeNames: []string{"All"}})
	if err != nil {
		e.t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

// advance moves the Nubo clock.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	if err := e.clock.Advance(d); err != nil {
		e.t.Fatal(err)
	}
}

// attr returns one queue attribute.
func (e *env) attr(url, name string) string {
	e.t.Helper()
	out, err := e.svc.GetQueueAttributes(e.ctx(), &sqsapi.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []string{name}})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Attributes[name]
}

// wantCode fails unless err is an *awsapi.Error with code ("" = no error).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

// startEdge serves the service through the real edge (signature checks,
// codecs) and returns its URL.
func (e *env) startEdge() string {
	e.t.Helper()
	ed := edge.New(edge.Config{Region: "us-east-1", Account: testAccount,
		Credentials: auth.NewStaticCredentials(auth.Credential{AccessKeyID: "test", SecretAccessKey: "test",
			Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", Root: true, AccessKeyID: "test"}}),
		Now: e.clock.Now})
	ed.Register(sqsapi.API(), e.svc.Handlers())
	srv := httptest.NewServer(ed)
	e.t.Cleanup(srv.Close)
	return srv.URL
}

// sdkClient returns an aws-sdk-go-v2 SQS client (AWS JSON) for endpoint.
func sdkClient(endpoint string) *sdksqs.Client {
	return sdksqs.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

func sp(s string) *string { return &s }

func i32(v int32) *int32 { return &v }
