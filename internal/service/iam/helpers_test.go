package iam

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/service"
)

const testAccount = "123456789012"

var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newSystem returns a System over db with a fresh virtual clock.
func newSystem(t *testing.T, db store.DB) *service.System {
	c := clock.NewVirtual()
	t.Cleanup(func() { _ = c.Close() })
	return &service.System{Region: "us-east-1", Account: testAccount, Clock: c, Store: db}
}

func newTestService(t *testing.T) *Service {
	t.Helper()
	s, err := New(newSystem(t, store.OpenMemory()))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rootCtx is a request context of the account's root user.
func rootCtx() context.Context {
	return awsapi.WithRequest(context.Background(), &awsapi.Request{
		Account: testAccount, Time: testTime,
		Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":root", UserID: testAccount, Root: true},
	})
}

// userCtx is a request context of an IAM user.
func userCtx(name string) context.Context {
	return awsapi.WithRequest(context.Background(), &awsapi.Request{
		Account: testAccount, Time: testTime,
		Caller: awsapi.Caller{Account: testAccount, ARN: "arn:aws:iam::" + testAccount + ":user/" + name, UserID: "AIDAEXAMPLE"},
	})
}

// wantErr fails unless err is an *awsapi.Error with code and status; code ""
// means no error.
func wantErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.Code != code || ae.Status != status {
		t.Fatalf("error = %s/%d (%s), want %s/%d", ae.Code, ae.Status, ae.Message, code, status)
	}
}

func sp(s string) *string { return &s }

func i32(v int32) *int32 { return &v }

const (
	lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	s3Policy    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
)
