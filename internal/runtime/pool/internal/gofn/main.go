// Package main is a provided.al2 function built with
// github.com/aws/aws-lambda-go; the pool tests compile it into a package's
// "bootstrap" and run it in the sandbox.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// event selects what the handler does.
type event struct {
	Name string `json:"name"`
	Fail bool   `json:"fail"`
}

// reply reports what the handler saw.
type reply struct {
	Greeting  string `json:"greeting"`
	Count     int    `json:"count"`
	RequestID string `json:"requestId"`
	Function  string `json:"function"`
	TaskRoot  string `json:"taskRoot"`
}

// counter lives as long as the process (warm invocations).
type counter struct{ n int }

func (c *counter) handle(ctx context.Context, ev event) (reply, error) {
	c.n++
	if ev.Fail {
		return reply{}, errors.New("go handler failed for " + ev.Name)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	fmt.Println("go handler greeting", ev.Name)
	return reply{Greeting: "hello " + ev.Name, Count: c.n, RequestID: lc.AwsRequestID,
		Function: lambdacontext.FunctionName, TaskRoot: os.Getenv("LAMBDA_TASK_ROOT")}, nil
}

func main() {
	c := &counter{}
	lambda.Start(c.handle)
}
