package bootstrap

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/rapi"
)

// appPy is a function exercising the runtime; op selects the behaviour.
const appPy = `import json, sys
print("module init")
COUNT = 0

def inner(v):
    raise ValueError("bad value " + v)

def handler(event, context):
    global COUNT
    COUNT += 1
    op = event.get("op") if isinstance(event, dict) else None
    if op == "count":
        return {"count": COUNT}
    if op == "modules":
        return {m: m in sys.modules for m in ("logging", "http.client", "boto3", "botocore", "traceback")}
    if op == "log":
        import logging
        print("hello from print")
        print("two\nlines")
        root = logging.getLogger()
        root.warning("warn %s", "msg")
        root.info("info hidden")
        root.setLevel(logging.INFO)
        logging.getLogger("child").info("info shown")
        root.setLevel(logging.WARNING)
        return None
    if op == "context":
        cc = context.client_context
        return {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "cognito_identity_id": context.identity.cognito_identity_id,
            "cognito_identity_pool_id": context.identity.cognito_identity_pool_id,
            "custom": cc.custom if cc else None,
            "app_title": cc.client.app_title if cc and cc.client else None,
            "remaining": context.get_remaining_time_in_millis(),
            "trace": __import__("os").environ.get("_X_AMZN_TRACE_ID"),
        }
    if op == "raise":
        inner("x")
    if op == "set":
        return {1, 2}
    if op == "decimal":
        import decimal
        return {"d": decimal.Decimal("1.10"), "n": [decimal.Decimal("-0.000001"), 2.5], "s": "\u00e9"}
    if op == "bytes":
        return b"raw\x00bytes"
    if op == "sleep":
        import time
        time.sleep(event["s"])
        return "woke"
    if op == "exit":
        import os
        print("about to exit", flush=True)
        os._exit(3)
    return {"ok": True, "event": event}
`

var logLine = regexp.MustCompile(`^\[(WARNING|INFO|ERROR)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t([^\t]*)\t(.*)$`)

func TestPythonInvocations(t *testing.T) {
	for _, py := range pythons(t) {
		t.Run(py, func(t *testing.T) { testInvocations(t, py) })
	}
}

func testInvocations(t *testing.T, py string) {
	f := startFn(t, py, fnConfig{files: map[string]string{"src/app.py": appPy}, handler: "src/app.handler"})
	f.ready()
	if out := f.drain(); out != "module init\n" {
		t.Errorf("init output %q", out)
	}
	tests := []struct {
		name, payload string
		check         func(t *testing.T, id string, res rapi.Result, out string)
	}{
		{"trivial", `{"a":1}`, func(t *testing.T, _ string, res rapi.Result, out string) {
			wantPayload(t, res, `{"ok": true, "event": {"a": 1}}`)
		}},
		{"lazy imports", `{"op":"modules"}`, func(t *testing.T, _ string, res rapi.Result, _ string) {
			wantPayload(t, res, `{"logging": false, "http.client": false, "boto3": false, "botocore": false, "traceback": false}`)
		}},
		{"globals persist", `{"op":"count"}`, func(t *testing.T, _ string, res rapi.Result, _ string) {
			wantPayload(t, res, `{"count": 3}`)
		}},
		{"print and logging", `{"op":"log"}`, func(t *testing.T, id string, res rapi.Result, out string) {
			wantPayload(t, res, `null`)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			want := []string{"hello from print", "two", "lines", "WARNING|warn msg", "INFO|info shown"}
			if len(lines) != len(want) {
				t.Fatalf("output %q", out)
			}
			for i, w := range want {
				level, msg, isLog := strings.Cut(w, "|")
				if !isLog {
					if lines[i] != w {
						t.Errorf("line %d = %q, want %q", i, lines[i], w)
					}
					continue
				}
				m := logLine.FindStringSubmatch(lines[i])
				if m == nil || m[1] != level || m[2] != id || m[3] != msg {
					t.Errorf("log line %q, want level %s id %s msg %q", lines[i], level, id, msg)
				}
			}
		}},
		{"context", `{"op":"context"}`, func(t *testing.T, id string, res rapi.Result, _ string) {
			var got map[string]any
			if err := json.Unmarshal(res.Payload, &got); err != nil {
				t.Fatalf("payload %s", res.Payload)
			}
			rem, _ := got["remaining"].(float64)
			if rem <= 0 || rem > 20000 {
				t.Errorf("remaining %v", got["remaining"])
			}
			delete(got, "remaining")
			want := map[string]any{"aws_request_id": id, "function_name": "pyfn", "function_version": "$LATEST",
				"invoked_function_arn": "arn:aws:lambda:us-east-1:000000000000:function:pyfn:prod",
				"memory_limit_in_mb":   "256", "log_group_name": "/aws/lambda/pyfn",
				"log_stream_name":     "2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef",
				"cognito_identity_id": "cid", "cognito_identity_pool_id": "pool",
				"custom": map[string]any{"k": "v"}, "app_title": "app", "trace": "Root=1-abc;Sampled=0"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("context\n got %v\nwant %v", got, want)
			}
		}},
		{"exception", `{"op":"raise"}`, func(t *testing.T, id string, res rapi.Result, out string) {
			if res.Err == nil || res.Err.Type != "ValueError" || res.Err.Message != "bad value x" {
				t.Fatalf("err %+v", res.Err)
			}
			var doc struct {
				ErrorMessage, ErrorType, RequestID string
				StackTrace                         []string
			}
			if err := json.Unmarshal(res.Err.Body, &doc); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(res.Err.Body), `{"errorMessage": "bad value x", "errorType": "ValueError", "requestId": "`+id+`", "stackTrace": [`) {
				t.Errorf("body %s", res.Err.Body)
			}
			file := f.task + "/src/app.py"
			line := lineOf(appPy, `        inner("x")`)
			wantTrace := []string{
				fmt.Sprintf("  File \"%s\", line %d, in handler\n    inner(\"x\")\n", file, line),
				fmt.Sprintf("  File \"%s\", line 6, in inner\n    raise ValueError(\"bad value \" + v)\n", file),
			}
			if fmt.Sprint(doc.StackTrace) != fmt.Sprint(wantTrace) {
				t.Errorf("stackTrace %q\nwant %q", doc.StackTrace, wantTrace)
			}
			wantLog := "[ERROR] ValueError: bad value x\rTraceback (most recent call last):\r" +
				"\u00a0\u00a0File \"" + file + "\", line " + fmt.Sprint(line) + ", in handler\r\u00a0\u00a0\u00a0\u00a0inner(\"x\")\r" +
				"\u00a0\u00a0File \"" + file + "\", line 6, in inner\r\u00a0\u00a0\u00a0\u00a0raise ValueError(\"bad value \" + v)\n"
			if out != wantLog {
				t.Errorf("error log %q\nwant %q", out, wantLog)
			}
		}},
		{"marshal error", `{"op":"set"}`, func(t *testing.T, id string, res rapi.Result, _ string) {
			wantErr(t, res, "Runtime.MarshalError", "Unable to marshal response: Object of type set is not JSON serializable")
			want := `{"errorMessage": "Unable to marshal response: Object of type set is not JSON serializable", "errorType": "Runtime.MarshalError", "requestId": "` + id + `", "stackTrace": []}`
			if string(res.Err.Body) != want {
				t.Errorf("body %s", res.Err.Body)
			}
		}},
		{"unmarshal error", `{not json`, func(t *testing.T, _ string, res rapi.Result, _ string) {
			wantErr(t, res, "Runtime.UnmarshalError", "Unable to unmarshal input: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")
		}},
		{"decimal", `{"op":"decimal"}`, func(t *testing.T, _ string, res rapi.Result, _ string) {
			wantPayload(t, res, `{"d": 1.10, "n": [-0.000001, 2.5], "s": "\u00e9"}`)
		}},
		{"bytes", `{"op":"bytes"}`, func(t *testing.T, _ string, res rapi.Result, _ string) {
			if string(res.Payload) != "raw\x00bytes" || res.ContentType != "application/unknown" {
				t.Errorf("payload %q type %q", res.Payload, res.ContentType)
			}
		}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("req-%d-%s", i, strings.ReplaceAll(tc.name, " ", "-"))
			res, out, err := f.invoke(id, tc.payload, 20*time.Second, func(inv *rapi.Invocation) {
				inv.FunctionARN += ":prod"
				inv.TraceID = "Root=1-abc;Sampled=0"
				inv.ClientContext = `{"custom":{"k":"v"},"client":{"app_title":"app"},"env":{}}`
				inv.CognitoIdentity = `{"cognitoIdentityId":"cid","cognitoIdentityPoolId":"pool"}`
			})
			if err != nil {
				t.Fatalf("Invoke: %v (output %q)", err, out)
			}
			tc.check(t, id, res, out)
		})
	}
	t.Run("sleep past deadline", func(t *testing.T) {
		start := time.Now()
		_, _, err := f.invoke("req-sleep", `{"op":"sleep","s":30}`, 500*time.Millisecond, nil)
		if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || time.Since(start) > 5*time.Second {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
	})
}

// lineOf returns the 1-based number of the line of src equal to line.
func lineOf(src, line string) int {
	for i, l := range strings.Split(src, "\n") {
		if l == line {
			return i + 1
		}
	}
	return -1
}

func wantPayload(t *testing.T, res rapi.Result, want string) {
	t.Helper()
	if res.Err != nil || string(res.Payload) != want {
		t.Errorf("payload %s (err %v), want %s", res.Payload, res.Err, want)
	}
}

func wantErr(t *testing.T, res rapi.Result, typ, msg string) {
	t.Helper()
	if res.Err == nil || res.Err.Type != typ || res.Err.Message != msg {
		t.Fatalf("err %+v, want %s: %s", res.Err, typ, msg)
	}
}

func TestPythonProcessDeath(t *testing.T) {
	py := pythons(t)[0]
	f := startFn(t, py, fnConfig{files: map[string]string{"app.py": appPy}, handler: "app.handler"})
	f.ready()
	start := time.Now()
	_, out, err := f.invoke("req-exit", `{"op":"exit"}`, 30*time.Second, nil)
	if !errors.Is(err, rapi.ErrRuntimeExited) || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if !strings.Contains(out, "about to exit\n") {
		t.Errorf("output %q", out)
	}
}
