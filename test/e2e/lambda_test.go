package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

const helloWorld = `print('Loading function')


def lambda_handler(event, context):
    print("value1 = " + event['key1'])
    print("value2 = " + event['key2'])
    print("value3 = " + event['key3'])
    return event['key1']
`

const helloEvent = `{"key1":"value1","key2":"value2","key3":"value3"}`

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lambdaRole creates an execution role that trusts Lambda and returns its ARN.
func lambdaRole(t *testing.T, cfg aws.Config) string {
	t.Helper()
	out, err := iam.NewFromConfig(cfg).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String("lambda-exec"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Role.Arn
}

// TestSDKLambda drives the function lifecycle with aws-sdk-go-v2: create, wait,
// invoke with a log tail, download the code, version and alias, and read the
// REPORT lines back through CloudWatch Logs.
func TestSDKLambda(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	cfg := devConfig(t, srv)
	lc := lambda.NewFromConfig(cfg)
	code := zipOf(t, map[string]string{"lambda_function.py": helloWorld})
	_, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("hello"), Runtime: types.RuntimePython311, Role: aws.String(lambdaRole(t, cfg)),
		Handler: aws.String("lambda_function.lambda_handler"), Code: &types.FunctionCode{ZipFile: code},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := lambda.NewFunctionActiveV2Waiter(lc).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("hello")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("hello"), Payload: []byte(helloEvent),
		LogType: types.LogTypeTail})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Payload) != `"value1"` || out.FunctionError != nil {
		t.Fatalf("payload %s, function error %v", out.Payload, aws.ToString(out.FunctionError))
	}
	tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !strings.Contains(string(tail), "value2 = value2") || !strings.Contains(string(tail), "REPORT RequestId:") {
		t.Errorf("log tail: %s", tail)
	}

	got, err := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("hello")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(aws.ToString(got.Code.Location))
	if err != nil {
		t.Fatal(err)
	}
	downloaded, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(downloaded, code) {
		t.Errorf("Code.Location served %d bytes (status %d), want the %d-byte zip", len(downloaded), resp.StatusCode, len(code))
	}

	v, err := lc.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("hello")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("hello"),
		Name: aws.String("prod"), FunctionVersion: v.Version}); err != nil {
		t.Fatal(err)
	}
	out, err = lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("hello"), Qualifier: aws.String("prod"),
		Payload: []byte(helloEvent)})
	if err != nil || aws.ToString(out.ExecutedVersion) != "1" {
		t.Fatalf("alias invoke: %v, executed %q", err, aws.ToString(out.ExecutedVersion))
	}

	// Log events are shipped to CloudWatch Logs asynchronously: poll.
	lg := cloudwatchlogs.NewFromConfig(cfg)
	var ev *cloudwatchlogs.FilterLogEventsOutput
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ev, err = lg.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String("/aws/lambda/hello"), FilterPattern: aws.String("REPORT")})
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Events) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if len(ev.Events) != 2 {
		t.Fatalf("%d REPORT events, want 2 (one per invoke)", len(ev.Events))
	}
	for _, e := range ev.Events {
		if !strings.Contains(aws.ToString(e.Message), "\tBilled Duration: ") {
			t.Errorf("REPORT line: %q", aws.ToString(e.Message))
		}
	}
}

// TestCLILambda deploys and invokes the hello-world function with both AWS CLIs
// and with nubo's own invoke and logs commands.
func TestCLILambda(t *testing.T) {
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "hello.zip")
	if err := os.WriteFile(zipPath, zipOf(t, map[string]string{"lambda_function.py": helloWorld}), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			path := requireTool(t, c.path)
			srv := start(t)
			role := lambdaRole(t, devConfig(t, srv))
			run := func(args ...string) string {
				t.Helper()
				cmd := exec.Command(path, append([]string{"--endpoint-url", srv.URL(), "--output", "json"}, args...)...)
				cmd.Env = append(cleanEnv(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
					"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			run("lambda", "create-function", "--function-name", "hello", "--runtime", "python3.11",
				"--role", role, "--handler", "lambda_function.lambda_handler", "--zip-file", "fileb://"+zipPath)
			run("lambda", "wait", "function-active-v2", "--function-name", "hello")
			result := filepath.Join(dir, c.name+".json")
			args := []string{"lambda", "invoke", "--function-name", "hello", "--payload", helloEvent, result}
			if strings.Contains(c.path, "/usr/bin") { // CLI v2 reads --payload as base64 unless told otherwise
				args = append(args, "--cli-binary-format", "raw-in-base64-out")
			}
			if out := run(args...); !strings.Contains(out, `"StatusCode": 200`) {
				t.Fatalf("invoke: %s", out)
			}
			if b, _ := os.ReadFile(result); string(b) != `"value1"` {
				t.Fatalf("result file %q", b)
			}
			// Log events reach CloudWatch Logs asynchronously: poll.
			out := ""
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if out = run("logs", "filter-log-events", "--log-group-name", "/aws/lambda/hello",
					"--filter-pattern", `"value3 = value3"`); strings.Contains(out, "value3 = value3") {
					break
				}
			}
			if !strings.Contains(out, "value3 = value3") {
				t.Fatalf("filter-log-events: %s", out)
			}
		})
	}
	t.Run("nubo", func(t *testing.T) {
		srv := start(t)
		role := lambdaRole(t, devConfig(t, srv))
		lc := lambda.NewFromConfig(devConfig(t, srv))
		code, _ := os.ReadFile(zipPath)
		if _, err := lc.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
			FunctionName: aws.String("hello"), Runtime: types.RuntimePython311, Role: aws.String(role),
			Handler: aws.String("lambda_function.lambda_handler"), Code: &types.FunctionCode{ZipFile: code},
		}); err != nil {
			t.Fatal(err)
		}
		nubo := func(args ...string) (string, string) {
			t.Helper()
			cmd := exec.Command(nuboBinary(t), append(args, "--endpoint", srv.URL())...)
			cmd.Env = cleanEnv()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("nubo %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
			}
			return stdout.String(), stderr.String()
		}
		out, tail := nubo("invoke", "hello", "--payload", helloEvent)
		if strings.TrimSpace(out) != `"value1"` || !strings.Contains(tail, "REPORT RequestId:") {
			t.Fatalf("nubo invoke: %q / %q", out, tail)
		}
		logs := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if logs, _ = nubo("logs", "hello"); strings.Contains(logs, "REPORT RequestId:") {
				break
			}
		}
		if !strings.Contains(logs, "value2 = value2") || !strings.Contains(logs, "REPORT RequestId:") {
			t.Fatalf("nubo logs: %s", logs)
		}
	})
}

// TestLambdaErrorsAndLimits covers bad input a function or its caller can send.
func TestLambdaErrorsAndLimits(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	cfg := devConfig(t, srv)
	lc := lambda.NewFromConfig(cfg)
	role := lambdaRole(t, cfg)
	create := func(name, handler string, files map[string]string, timeout int32) {
		t.Helper()
		if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name),
			Runtime: types.RuntimePython311, Role: aws.String(role), Handler: aws.String(handler),
			Timeout: aws.Int32(timeout), Code: &types.FunctionCode{ZipFile: zipOf(t, files)}}); err != nil {
			t.Fatal(err)
		}
	}
	invoke := func(name, payload string) (*lambda.InvokeOutput, map[string]any) {
		t.Helper()
		out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)})
		if err != nil {
			t.Fatalf("invoke %s: %v", name, err)
		}
		var body map[string]any
		json.Unmarshal(out.Payload, &body)
		return out, body
	}
	create("nohandler", "missing.handler", map[string]string{"other.py": "x = 1\n"}, 3)
	create("syntax", "bad.handler", map[string]string{"bad.py": "def handler(event, context)\n  return 1\n"}, 3)
	create("sleepy", "s.handler", map[string]string{"s.py": "import time\ndef handler(e, c):\n    time.sleep(30)\n"}, 1)
	create("exits", "x.handler", map[string]string{"x.py": "import os\ndef handler(e, c):\n    os._exit(3)\n"}, 3)
	create("notjson", "n.handler", map[string]string{"n.py": "def handler(e, c):\n    return object()\n"}, 3)
	create("echo", "e.handler", map[string]string{"e.py": "def handler(e, c):\n    return e\n"}, 3)
	tests := []struct {
		fn, payload, errorType string
	}{
		{"nohandler", "{}", "Runtime.ImportModuleError"},
		{"syntax", "{}", "Runtime.UserCodeSyntaxError"},
		{"sleepy", "{}", "Sandbox.Timedout"},
		{"exits", "{}", "Runtime.ExitError"},
		{"notjson", "{}", "Runtime.MarshalError"},
	}
	for _, tc := range tests {
		t.Run(tc.fn, func(t *testing.T) {
			start := time.Now()
			out, body := invoke(tc.fn, tc.payload)
			if aws.ToString(out.FunctionError) != "Unhandled" || body["errorType"] != tc.errorType {
				t.Errorf("function error %q, body %v; want errorType %s", aws.ToString(out.FunctionError), body, tc.errorType)
			}
			if tc.fn == "sleepy" && time.Since(start) > 10*time.Second {
				t.Errorf("a 1 s timeout took %v", time.Since(start))
			}
			// The platform and other functions are unaffected.
			if out, _ := invoke("echo", `{"ok":true}`); string(out.Payload) != `{"ok": true}` && string(out.Payload) != `{"ok":true}` {
				t.Errorf("echo after %s: %s", tc.fn, out.Payload)
			}
		})
	}
	_, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte("not json")})
	if got := apiCode(t, err); got != "InvalidRequestContentException" {
		t.Errorf("non-JSON payload: %s", got)
	}
	_, err = lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("notzip"),
		Runtime: types.RuntimePython311, Role: aws.String(role), Handler: aws.String("a.b"),
		Code: &types.FunctionCode{ZipFile: []byte("this is not a zip")}})
	if got := apiCode(t, err); got != "InvalidParameterValueException" {
		t.Errorf("non-zip package: %s", got)
	}
}
