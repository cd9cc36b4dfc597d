// Package e2e drives an in-process Nubo server with real AWS clients:
// aws-sdk-go-v2 in Go, boto3 1.43 (python3 on PATH) and Debian's boto3 1.26
// (/usr/bin/python3) as subprocesses, and both AWS CLIs (aws on PATH and
// /usr/bin/aws 2.9).
package e2e

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/server"
	"github.com/nubo/nubo/internal/server/servertest"
)

// TestMain lets the test binary serve as the function sandbox's init: the
// in-process server starts sandboxes by re-executing the running binary.
func TestMain(m *testing.M) {
	sandbox.MaybeRunInit()
	os.Exit(m.Run())
}

// start starts a fresh server for one test.
func start(t *testing.T) *servertest.Server {
	t.Helper()
	return servertest.Start(t, server.Config{})
}

// sdkConfig returns an aws-sdk-go-v2 config for endpoint signed with the given keys.
func sdkConfig(t *testing.T, endpoint, ak, sk, token string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(ak, sk, token)),
		config.WithBaseEndpoint(endpoint),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// devConfig is sdkConfig with the dev root credentials.
func devConfig(t *testing.T, srv *servertest.Server) aws.Config {
	return sdkConfig(t, srv.URL(), "test", "test", "")
}

// requireTool returns the path of an external client, skipping the test when it
// is absent unless NUBO_E2E_REQUIRED is set (as the test command sets it).
func requireTool(t *testing.T, path string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err != nil {
		if os.Getenv("NUBO_E2E_REQUIRED") != "" {
			t.Fatalf("%s is required (run ./scripts/test.sh, which installs it): %v", path, err)
		}
		t.Skipf("%s not installed: %v", path, err)
	}
	return p
}
