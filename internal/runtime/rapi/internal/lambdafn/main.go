// Package main is a Lambda function built with github.com/aws/aws-lambda-go,
// compiled by the rapi tests into a provided.al2 style "bootstrap" to prove
// the Runtime API against a real third-party runtime client.
package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// event selects the handler's behaviour.
type event struct {
	Op    string `json:"op"`
	Size  int    `json:"size"`
	Sleep int    `json:"sleepMs"`
	Value string `json:"value"`
}

// reply reports what the handler saw.
type reply struct {
	Value        string `json:"value"`
	Count        int    `json:"count"`
	RequestID    string `json:"requestId"`
	FunctionARN  string `json:"functionArn"`
	DeadlineMs   int64  `json:"deadlineMs"`
	ClientCustom string `json:"clientCustom"`
	CognitoID    string `json:"cognitoId"`
	Padding      string `json:"padding,omitempty"`
}

// server holds state that lives as long as the process (warm invokes).
type server struct{ count int }

func (s *server) handle(ctx context.Context, ev event) (reply, error) {
	s.count++
	switch ev.Op {
	case "error":
		return reply{}, errors.New("boom: " + ev.Value)
	case "panic":
		panic("kaboom: " + ev.Value)
	case "sleep":
		time.Sleep(time.Duration(ev.Sleep) * time.Millisecond)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	dl, _ := ctx.Deadline()
	r := reply{Value: ev.Value, Count: s.count, DeadlineMs: dl.UnixMilli()}
	if lc != nil {
		r.RequestID = lc.AwsRequestID
		r.FunctionARN = lc.InvokedFunctionArn
		r.ClientCustom = lc.ClientContext.Custom["k"]
		r.CognitoID = lc.Identity.CognitoIdentityID
	}
	if ev.Op == "big" {
		r.Padding = strings.Repeat("x", ev.Size)
	}
	return r, nil
}

func main() {
	s := &server{}
	lambda.Start(s.handle)
}
