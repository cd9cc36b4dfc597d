package rapi

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// buildGoFunction compiles internal/lambdafn (aws-lambda-go's lambda.Start)
// into dir/bootstrap, as a provided.al2 package would ship it.
func buildGoFunction(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	out := filepath.Join(t.TempDir(), "bootstrap")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", out, "github.com/nubo/nubo/internal/runtime/rapi/internal/lambdafn")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// startRuntime runs bin as a plain subprocess against a new endpoint and
// reports its exit to the endpoint, as the instance pool does.
func startRuntime(t *testing.T, bin string, env ...string) (*Endpoint, *exec.Cmd) {
	t.Helper()
	e := mustEndpoint(t)
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"AWS_LAMBDA_RUNTIME_API=" + e.Addr(), "PATH=/usr/bin:/bin",
		"AWS_LAMBDA_FUNCTION_NAME=gofn", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/gofn",
		"AWS_LAMBDA_LOG_STREAM_NAME=s", "AWS_REGION=us-east-1", "_HANDLER=bootstrap"}, env...)
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { e.RuntimeExited(cmd.Wait()) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("runtime output:\n%s", stdout.String())
		}
	})
	return e, cmd
}

func invokeJSON(t *testing.T, e *Endpoint, timeout time.Duration, inv Invocation) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if inv.Deadline.IsZero() {
		inv.Deadline = time.Now().Add(timeout)
	}
	return e.Invoke(ctx, inv)
}

func TestAWSLambdaGo(t *testing.T) {
	bin := buildGoFunction(t)
	e, _ := startRuntime(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.WaitReady(ctx); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	const arn = "arn:aws:lambda:us-east-1:000000000000:function:gofn:live"

	t.Run("warm invokes", func(t *testing.T) {
		for i := 1; i <= 5; i++ {
			id := "go-req-" + string(rune('0'+i))
			dl := time.Now().Add(10 * time.Second).Truncate(time.Millisecond)
			res, err := invokeJSON(t, e, 10*time.Second, Invocation{RequestID: id, Payload: []byte(`{"value":"v"}`),
				Deadline: dl, FunctionARN: arn, ClientContext: `{"custom":{"k":"cv"}}`,
				CognitoIdentity: `{"cognitoIdentityId":"cid","cognitoIdentityPoolId":"pool"}`})
			if err != nil || res.Err != nil {
				t.Fatalf("invoke %d: %v %v", i, err, res.Err)
			}
			var r struct {
				Value, RequestID, FunctionARN, ClientCustom, CognitoID string
				Count                                                  int
				DeadlineMs                                             int64
			}
			if err := json.Unmarshal(res.Payload, &r); err != nil {
				t.Fatalf("payload %s: %v", res.Payload, err)
			}
			want := struct {
				Value, RequestID, FunctionARN, ClientCustom, CognitoID string
				Count                                                  int
				DeadlineMs                                             int64
			}{"v", id, arn, "cv", "cid", i, dl.UnixMilli()}
			if r != want {
				t.Errorf("invoke %d saw %+v, want %+v", i, r, want)
			}
		}
	})
	t.Run("error", func(t *testing.T) {
		res, err := invokeJSON(t, e, 10*time.Second, Invocation{RequestID: "go-err", Payload: []byte(`{"op":"error","value":"x"}`)})
		if err != nil || res.Err == nil {
			t.Fatalf("got %+v, %v", res, err)
		}
		var doc map[string]any
		if err := json.Unmarshal(res.Err.Body, &doc); err != nil {
			t.Fatalf("error body %s", res.Err.Body)
		}
		if res.Err.Type != "errorString" || res.Err.Message != "boom: x" || doc["errorType"] != "errorString" {
			t.Errorf("error %+v body %s", res.Err, res.Err.Body)
		}
	})
	t.Run("timeout then warm again", func(t *testing.T) {
		start := time.Now()
		_, err := invokeJSON(t, e, 200*time.Millisecond, Invocation{RequestID: "go-slow", Payload: []byte(`{"op":"sleep","sleepMs":600}`)})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		// The late answer is dropped; the runtime then serves the next event.
		res, err := invokeJSON(t, e, 10*time.Second, Invocation{RequestID: "go-after", Payload: []byte(`{"value":"after"}`)})
		if err != nil || res.Err != nil || !strings.Contains(string(res.Payload), `"value":"after"`) {
			t.Fatalf("after timeout: %+v %v", res, err)
		}
	})
	t.Run("panic", func(t *testing.T) {
		res, err := invokeJSON(t, e, 10*time.Second, Invocation{RequestID: "go-panic", Payload: []byte(`{"op":"panic","value":"p"}`)})
		if err != nil || res.Err == nil || !strings.Contains(res.Err.Message, "kaboom: p") {
			t.Fatalf("got %+v, %v", res, err)
		}
		if !strings.Contains(string(res.Err.Body), `"stackTrace"`) {
			t.Errorf("panic error has no stackTrace: %s", res.Err.Body)
		}
		// aws-lambda-go exits after a panic; the next invoke fails fast.
		start := time.Now()
		_, err = invokeJSON(t, e, 10*time.Second, Invocation{RequestID: "go-dead", Payload: []byte(`{}`)})
		if !errors.Is(err, ErrRuntimeExited) || time.Since(start) > 5*time.Second {
			t.Fatalf("after panic: %v after %v", err, time.Since(start))
		}
	})
}

func TestAWSLambdaGoResponseTooLarge(t *testing.T) {
	bin := buildGoFunction(t)
	e, _ := startRuntime(t, bin)
	res, err := invokeJSON(t, e, 30*time.Second, Invocation{RequestID: "go-big", Payload: []byte(`{"op":"big","size":7000000}`)})
	if err != nil || res.Err == nil || res.Err.Type != "Function.ResponseSizeTooLarge" {
		t.Fatalf("got %+v, %v", res.Err, err)
	}
}
