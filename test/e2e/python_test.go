package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// interpreters are the Python generations the end-to-end scripts run under.
var interpreters = []struct{ name, path string }{
	{"boto3-latest", "python3"},
	{"boto3-1.26", "/usr/bin/python3"},
}

// runPython runs testdata/<script> against srv with each interpreter.
func runPython(t *testing.T, script string) {
	for _, py := range interpreters {
		t.Run(py.name, func(t *testing.T) {
			path := requireTool(t, py.path)
			if out, err := exec.Command(path, "-c", "import boto3").CombinedOutput(); err != nil {
				if os.Getenv("NUBO_E2E_REQUIRED") != "" {
					t.Fatalf("%s has no boto3: %s", path, out)
				}
				t.Skipf("%s has no boto3", path)
			}
			srv := start(t)
			cmd := exec.Command(path, filepath.Join("testdata", script))
			cmd.Env = append(cleanEnv(), "NUBO_ENDPOINT="+srv.URL())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", py.path, script, err, out)
			}
			if !strings.Contains(string(out), "ok") {
				t.Fatalf("script did not finish:\n%s", out)
			}
			t.Logf("%s", out)
		})
	}
}

// cleanEnv is the environment without AWS settings that could redirect clients.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null")
}

func TestPythonIAMSTS(t *testing.T) { runPython(t, "iam_sts.py") }

func TestPythonLambdaBook(t *testing.T) { runPython(t, "lambda_book.py") }

func TestPythonSNSToLambda(t *testing.T) { runPython(t, "sns_lambda.py") }

func TestPythonS3ToLambda(t *testing.T) { runPython(t, "s3_lambda.py") }

func TestPythonMessaging(t *testing.T) { runPython(t, "messaging.py") }

func TestPythonSQSToLambda(t *testing.T) { runPython(t, "sqs_lambda.py") }

// clis are the AWS CLI generations: v1 on PATH (botocore latest) and Debian's 2.9.
var clis = []struct{ name, path string }{
	{"aws-cli-v1", "aws"},
	{"aws-cli-2.9", "/usr/bin/aws"},
}

func TestCLI(t *testing.T) {
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			path := requireTool(t, c.path)
			srv := start(t)
			run := func(args ...string) (string, error) {
				cmd := exec.Command(path, append([]string{"--endpoint-url", srv.URL(), "--output", "json"}, args...)...)
				cmd.Env = append(cleanEnv(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
					"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=")
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			out, err := run("sts", "get-caller-identity")
			if err != nil || !strings.Contains(out, `"arn:aws:iam::000000000000:root"`) {
				t.Fatalf("get-caller-identity: %v\n%s", err, out)
			}
			out, err = run("iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", lambdaTrust)
			if err != nil || !strings.Contains(out, "arn:aws:iam::000000000000:role/cli-role") {
				t.Fatalf("create-role: %v\n%s", err, out)
			}
			out, err = run("iam", "list-roles")
			if err != nil || !strings.Contains(out, "cli-role") {
				t.Fatalf("list-roles: %v\n%s", err, out)
			}
			out, err = run("iam", "get-role", "--role-name", "missing")
			if err == nil || !strings.Contains(out, "NoSuchEntity") {
				t.Fatalf("get-role of a missing role: %v\n%s", err, out)
			}
			out, err = run("sqs", "create-queue", "--queue-name", "cli-q")
			if err != nil || !strings.Contains(out, "/000000000000/cli-q") {
				t.Fatalf("sqs create-queue: %v\n%s", err, out)
			}
			qurl := srv.URL() + "/000000000000/cli-q"
			if out, err = run("sqs", "send-message", "--queue-url", qurl, "--message-body", "from the cli"); err != nil ||
				!strings.Contains(out, "MD5OfMessageBody") {
				t.Fatalf("sqs send-message: %v\n%s", err, out)
			}
			if out, err = run("sqs", "receive-message", "--queue-url", qurl); err != nil || !strings.Contains(out, "from the cli") {
				t.Fatalf("sqs receive-message: %v\n%s", err, out)
			}
			file := filepath.Join(t.TempDir(), "hello.txt")
			os.WriteFile(file, []byte("hello s3"), 0o644)
			if out, err = run("s3", "mb", "s3://cli-bucket"); err != nil {
				t.Fatalf("s3 mb: %v\n%s", err, out)
			}
			if out, err = run("s3", "cp", file, "s3://cli-bucket/dir/hello.txt"); err != nil {
				t.Fatalf("s3 cp: %v\n%s", err, out)
			}
			if out, err = run("s3", "ls", "s3://cli-bucket/dir/"); err != nil || !strings.Contains(out, "hello.txt") {
				t.Fatalf("s3 ls: %v\n%s", err, out)
			}
			out, err = run("cloudformation", "list-stacks")
			if err == nil || !strings.Contains(out, "NotImplemented") || !strings.Contains(out, "ListStacks") {
				t.Fatalf("cloudformation list-stacks: %v\n%s", err, out)
			}
		})
	}
}
