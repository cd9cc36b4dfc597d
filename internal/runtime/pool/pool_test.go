package pool

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/platform/metrics"
	"github.com/nubo/nubo/internal/service/lambda"
)

const helloCode = `
import os
count = 0
print("init ran")

def handler(event, context):
    global count
    count += 1
    print("value1 =", event.get("key1"))
    env = {k: os.environ.get(k) for k in ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
        "_HANDLER", "TZ", "LANG", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL", "GREETING"]}
    return {"value": event.get("key1"), "count": count, "pid": os.getpid(), "env": env,
            "request": context.aws_request_id, "remaining": context.get_remaining_time_in_millis()}
`

var reportRE = regexp.MustCompile(`^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d{2} ms\t)?(Status: [a-z]+(\tError Type: [A-Za-z.]+)?)?\n$`)

// reportOf returns the REPORT line of a log tail.
func reportOf(t *testing.T, tail string) string {
	t.Helper()
	i := strings.LastIndex(tail, "REPORT RequestId: ")
	if i < 0 {
		t.Fatalf("no REPORT line in tail %q", tail)
	}
	line := tail[i:]
	if !reportRE.MatchString(line) {
		t.Fatalf("REPORT line %q does not match %s", line, reportRE)
	}
	return line
}

func TestHelloWorld(t *testing.T) {
	bothPaths(t, testHelloWorld)
}

func testHelloWorld(t *testing.T, f *fixture) {
	v := f.pyVersion(t, "hello", helloCode)
	event := `{"key1":"value1","key2":"value2","key3":"value3"}`
	res := f.invoke(t, v, event)
	out := wantOK(t, res)
	if out["value"] != "value1" || out["count"] != 1.0 || res.ExecutedVersion != "$LATEST" || res.ConcurrentExecutions != 1 {
		t.Fatalf("result %v, executed %q, concurrency %d", out, res.ExecutedVersion, res.ConcurrentExecutions)
	}
	if r := out["remaining"].(float64); r <= 0 || r > 10000 {
		t.Errorf("remaining time %v ms", r)
	}
	first := reportOf(t, res.LogTail)
	if !strings.Contains(first, "Init Duration: ") || !strings.Contains(first, "Memory Size: 256 MB") {
		t.Errorf("cold REPORT %q", first)
	}
	for _, want := range []string{"init ran\n", "START RequestId: ", " Version: $LATEST\n", "value1 = value1\n", "END RequestId: "} {
		if !strings.Contains(res.LogTail, want) {
			t.Errorf("tail lacks %q:\n%s", want, res.LogTail)
		}
	}
	env := out["env"].(map[string]any)
	stream, _ := env["AWS_LAMBDA_LOG_STREAM_NAME"].(string)
	wantEnv := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "hello", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/hello",
		"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
		"LAMBDA_TASK_ROOT": "/var/task", "LAMBDA_RUNTIME_DIR": "/var/runtime", "_HANDLER": "index.handler",
		"TZ": ":UTC", "LANG": "en_US.UTF-8", "AWS_ACCESS_KEY_ID": "ASIATESTKEY", "AWS_SECRET_ACCESS_KEY": "secret/hello",
		"AWS_SESSION_TOKEN": "token-for-" + v.RoleARN, "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "GREETING": "hi"}
	for k, want := range wantEnv {
		if got := env[k]; got != want && !(k == "LAMBDA_TASK_ROOT" && f.p.Mode().Sandbox == "process") {
			t.Errorf("env %s = %v, want %q", k, got, want)
		}
	}
	if !regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`).MatchString(stream) ||
		!strings.HasPrefix(stream, f.clock.Now().UTC().Format("2006/01/02")) {
		t.Errorf("log stream name %q", stream)
	}

	res2 := f.invoke(t, v, event)
	out2 := wantOK(t, res2)
	if out2["count"] != 2.0 || out2["pid"] != out["pid"] {
		t.Fatalf("warm invoke %v after %v", out2, out)
	}
	if second := reportOf(t, res2.LogTail); strings.Contains(second, "Init Duration") || strings.Contains(res2.LogTail, "init ran") {
		t.Errorf("warm tail %q", res2.LogTail)
	}
	f.p.FlushLogs()
	msgs := f.sink.messages("/aws/lambda/hello")[stream]
	joined := strings.Join(msgs, "")
	if len(msgs) != 9 || !strings.HasPrefix(joined, "init ran\nSTART RequestId: ") || strings.Count(joined, "REPORT RequestId:") != 2 {
		t.Fatalf("stream %s events %q", stream, msgs)
	}
	if d := f.metrics.Find(metrics.Query{Namespace: "AWS/Lambda", MetricName: "UnreservedConcurrentExecutions"}); len(d) != 2 {
		t.Errorf("UnreservedConcurrentExecutions data %v", d)
	}
}

func TestGlobalsAndRetire(t *testing.T) {
	bothPaths(t, testGlobalsAndRetire)
}

func testGlobalsAndRetire(t *testing.T, f *fixture) {
	v := f.pyVersion(t, "counter", helloCode)
	for i := 1; i <= 3; i++ {
		if got := wantOK(t, f.invoke(t, v, `{}`))["count"]; got != float64(i) {
			t.Fatalf("invoke %d: count %v", i, got)
		}
	}
	f.p.Retire(v.FunctionARN, "$LATEST")
	waitFor(t, 5*time.Second, "retired instance to go", func() bool { return f.p.Stats().Instances == 0 })
	if got := wantOK(t, f.invoke(t, v, `{}`))["count"]; got != 1.0 {
		t.Fatalf("count after Retire %v, want 1", got)
	}
	// A new configuration revision gets new instances too.
	v2 := *v
	v2.RevisionID = "rev-2"
	if got := wantOK(t, f.invoke(t, &v2, `{}`))["count"]; got != 1.0 {
		t.Fatalf("count after a configuration change %v, want 1", got)
	}
	waitFor(t, 5*time.Second, "stale instance to go", func() bool { return f.p.Stats().Instances == 1 })
}

func TestVersionsHaveSeparateInstances(t *testing.T) {
	f := newFixture(t, nil)
	latest := f.pyVersion(t, "versions", helloCode)
	v1 := *latest
	v1.Version, v1.VersionARN = "1", latest.FunctionARN+":1"
	a := wantOK(t, f.invoke(t, latest, `{}`))
	b := wantOK(t, f.invoke(t, &v1, `{}`))
	if a["pid"] == b["pid"] && f.p.Mode().Sandbox == "process" || a["count"] != 1.0 || b["count"] != 1.0 {
		t.Fatalf("$LATEST %v, version 1 %v", a, b)
	}
	if s := f.p.Stats(); s.Instances != 2 || s.Functions[latest.FunctionARN].Instances != 2 {
		t.Fatalf("stats %+v", s)
	}
	env := b["env"].(map[string]any)
	if env["AWS_LAMBDA_FUNCTION_VERSION"] != "1" || !strings.Contains(env["AWS_LAMBDA_LOG_STREAM_NAME"].(string), "/[1]") {
		t.Fatalf("version 1 env %v", env)
	}
}

const sleepCode = `
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}
`

func TestConcurrencyLimits(t *testing.T) {
	tests := []struct {
		name     string
		reserved int
		account  int
		parallel int
		reason   string
	}{
		{"reserved one", 1, 0, 2, lambda.ReasonReservedFunctionConcurrentInvocationLimitExceeded},
		{"reserved zero", 0, 0, 1, lambda.ReasonReservedFunctionConcurrentInvocationLimitExceeded},
		{"account limit", -1, 1, 2, lambda.ReasonConcurrentInvocationLimitExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			v := f.pyVersion(t, "limits", sleepCode)
			v.ReservedConcurrency, v.AccountConcurrency = tc.reserved, tc.account
			var wg sync.WaitGroup
			errs := make([]error, tc.parallel)
			for i := range tc.parallel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i > 0 {
						time.Sleep(300 * time.Millisecond) // let the first one start
					}
					_, errs[i] = f.tryInvoke(v, `{"sleep": 1.5}`)
				}()
			}
			wg.Wait()
			throttled := 0
			for _, err := range errs {
				var te *lambda.ThrottleError
				if errors.As(err, &te) {
					throttled++
					if te.Reason != tc.reason {
						t.Errorf("reason %q, want %q", te.Reason, tc.reason)
					}
				} else if err != nil {
					t.Errorf("unexpected error %v", err)
				}
			}
			if throttled != 1 {
				t.Fatalf("%d of %d invocations throttled, want 1: %v", throttled, tc.parallel, errs)
			}
			if n := f.p.ConcurrentExecutions(); n != 0 {
				t.Fatalf("%d executions still counted", n)
			}
		})
	}
}

// TestReservationCarvedOut: a reservation shrinks what unreserved
// functions share.
func TestReservationCarvedOut(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AccountConcurrency = 3 })
	reserved := f.pyVersion(t, "reserved", sleepCode)
	reserved.ReservedConcurrency = 2
	other := f.pyVersion(t, "other", sleepCode)
	wantOK(t, f.invoke(t, reserved, `{}`)) // the pool learns the reservation
	done := make(chan error, 1)
	go func() {
		_, err := f.tryInvoke(other, `{"sleep": 1}`)
		done <- err
	}()
	waitFor(t, 10*time.Second, "first unreserved invocation", func() bool { return f.p.FunctionConcurrency(other.FunctionARN) == 1 })
	_, err := f.tryInvoke(other, `{}`)
	var te *lambda.ThrottleError
	if !errors.As(err, &te) || te.Reason != lambda.ReasonConcurrentInvocationLimitExceeded {
		t.Fatalf("second unreserved invocation: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestTimeoutKillsTree(t *testing.T) {
	bothPaths(t, testTimeoutKillsTree)
}

func testTimeoutKillsTree(t *testing.T, f *fixture) {
	v := f.pyVersion(t, "timeout", `
import subprocess, time
def handler(event, context):
    if event.get("hang"):
        subprocess.Popen(["/bin/sleep", "876.5"])
        print("hanging")
        time.sleep(60)
    return {"ok": True}
`)
	v.Timeout = time.Second
	start := time.Now()
	res := f.invoke(t, v, `{"hang": true}`)
	took := time.Since(start)
	wantError(t, res, ErrorTypeTimeout, "Error: Task timed out after 1.00 seconds")
	if took > 3*time.Second {
		t.Errorf("timeout took %v", took)
	}
	if !regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9a-f-]{36} Task timed out after 1\.00 seconds\n`).MatchString(res.LogTail) ||
		!strings.Contains(reportOf(t, res.LogTail), "Status: timeout") || !strings.Contains(res.LogTail, "hanging\n") {
		t.Errorf("tail %q", res.LogTail)
	}
	waitFor(t, 5*time.Second, "the handler's child to die", func() bool { return countProcs("876.5") == 0 })
	wantOK(t, f.invoke(t, v, `{}`))
}

// countProcs counts host processes whose command line contains marker.
func countProcs(marker string) int {
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), marker) {
			n++
		}
	}
	return n
}

func TestRuntimeExit(t *testing.T) {
	bothPaths(t, testRuntimeExit)
}

func testRuntimeExit(t *testing.T, f *fixture) {
	v := f.pyVersion(t, "exits", `
import os, sys
def handler(event, context):
    if event.get("fork"):
        if os.fork() == 0:
            os.setsid()
            os.execv("/bin/sleep", ["sleep", "765.4"])
        print("forked")
        sys.stdout.flush()
        os._exit(0)
    if event.get("exit"):
        print("exiting")
        sys.stdout.flush()
        os._exit(3)
    return {"ok": True}
`)
	res := f.invoke(t, v, `{"exit": true}`)
	wantError(t, res, ErrorTypeExit, "Error: Runtime exited with error: exit status 3")
	if !strings.Contains(res.LogTail, "exiting\n") || !strings.Contains(res.LogTail, "Runtime exited with error: exit status 3\nRuntime.ExitError\n") ||
		!strings.Contains(reportOf(t, res.LogTail), "Status: error\tError Type: Runtime.ExitError") {
		t.Errorf("tail %q", res.LogTail)
	}
	wantOK(t, f.invoke(t, v, `{}`))
	res = f.invoke(t, v, `{"fork": true}`)
	wantError(t, res, ErrorTypeExit, "exit status 0")
	if f.p.Mode().Sandbox == "isolated" {
		waitFor(t, 5*time.Second, "the orphan to die", func() bool { return countProcs("765.4") == 0 })
	}
	wantOK(t, f.invoke(t, v, `{}`))
}

func TestOutOfMemory(t *testing.T) {
	requireIsolated(t)
	bothPaths(t, testOutOfMemory)
}

func testOutOfMemory(t *testing.T, f *fixture) {
	v := f.pyVersion(t, "oom", `
def handler(event, context):
    if event.get("eat"):
        blocks = []
        for _ in range(300):
            blocks.append(bytearray(1 << 20))
    return {"ok": True}
`)
	v.MemorySize = 128
	res := f.invoke(t, v, `{"eat": true}`)
	wantError(t, res, ErrorTypeOutOfMemory, "Error: Runtime exited with error: signal: killed")
	if rep := reportOf(t, res.LogTail); !strings.Contains(rep, "Error Type: Runtime.OutOfMemory") {
		t.Errorf("REPORT %q", rep)
	}
	wantOK(t, f.invoke(t, v, `{}`))
}

func TestImportError(t *testing.T) {
	f := newFixture(t, nil)
	v := f.pyVersion(t, "broken", "import no_such_module_here\n")
	res := f.invoke(t, v, `{}`)
	wantError(t, res, "Runtime.ImportModuleError", "Unable to import module 'index'")
	if !strings.Contains(res.LogTail, "INIT_REPORT Init Duration: ") || !strings.Contains(res.LogTail, "[ERROR] Runtime.ImportModuleError") {
		t.Errorf("tail %q", res.LogTail)
	}
	reportOf(t, res.LogTail)
	if s := f.p.Stats(); s.Instances != 0 {
		waitFor(t, 5*time.Second, "failed instance to go", func() bool { return f.p.Stats().Instances == 0 })
	}
}

func TestIdleReaping(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.IdleTimeout = 5 * time.Minute })
	v := f.pyVersion(t, "idle", helloCode)
	wantOK(t, f.invoke(t, v, `{}`))
	if s := f.p.Stats(); s.Instances != 1 || s.IdleInstances != 1 {
		t.Fatalf("stats %+v", s)
	}
	if err := f.clock.Advance(4 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if s := f.p.Stats(); s.IdleInstances != 1 {
		t.Fatalf("reaped too early: %+v", s)
	}
	if got := wantOK(t, f.invoke(t, v, `{}`))["count"]; got != 2.0 {
		t.Fatalf("warm count %v", got)
	}
	if err := f.clock.Advance(5*time.Minute + time.Second); err != nil {
		t.Fatal(err)
	}
	if s := f.p.Stats(); s.Instances != 0 {
		t.Fatalf("not reaped after the idle timeout: %+v", s)
	}
	if got := wantOK(t, f.invoke(t, v, `{}`))["count"]; got != 1.0 {
		t.Fatalf("count after reaping %v", got)
	}
}

func TestLargeOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("prints 100 MB")
	}
	bothPaths(t, testLargeOutput)
}

func testLargeOutput(t *testing.T, f *fixture) {
	v := f.pyVersion(t, "chatty", `
import sys
def handler(event, context):
    line = "x" * 1023 + "\n"
    chunk = line * 1024
    for _ in range(event["mb"]):
        sys.stdout.write(chunk)
    sys.stdout.write("y" * 1000000 + "\n")
    print("done")
    return {"ok": True}
`)
	v.Timeout = 120 * time.Second
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if h := heapInUse(); h > peak {
					peak = h
				}
			}
		}
	}()
	res := f.invoke(t, v, `{"mb": 100}`)
	close(stop)
	<-sampled
	wantOK(t, res)
	if peak > 96<<20 {
		t.Errorf("Go heap peaked at %d MB while a function printed 100 MB", peak>>20)
	}
	if !strings.HasSuffix(res.LogTail, "\n") || !strings.Contains(res.LogTail, "done\nEND RequestId") {
		t.Errorf("tail %q", res.LogTail)
	}
	f.p.FlushLogs()
	count, bytes := f.sink.totals("/aws/lambda/chatty")
	if count < 100*1024+4 || bytes < 100<<20 {
		t.Fatalf("sink got %d events, %d bytes", count, bytes)
	}
	t.Logf("100 MB of output: %d events, %d bytes, Go heap peak %d MB", count, bytes, peak>>20)
	for _, msgs := range f.sink.messages("/aws/lambda/chatty") {
		for _, m := range msgs {
			if len(m) > MaxEventBytes+1 {
				t.Fatalf("event of %d bytes", len(m))
			}
		}
	}
}

func TestProvidedGoFunction(t *testing.T) {
	f := newFixture(t, nil)
	dir := publicTempDir(t)
	buildGo(t, dir)
	arn := "arn:aws:lambda:us-east-1:000000000000:function:gofn"
	v := &lambda.Version{FunctionName: "gofn", FunctionARN: arn, Version: "$LATEST", VersionARN: arn + ":$LATEST",
		Runtime: "provided.al2", Handler: "bootstrap", CodeSha256: "go", CodeDir: dir, MemorySize: 128,
		Timeout: 10 * time.Second, ReservedConcurrency: -1}
	for i := 1; i <= 2; i++ {
		res := f.invoke(t, v, `{"name":"nubo"}`)
		out := wantOK(t, res)
		if out["greeting"] != "hello nubo" || out["count"] != float64(i) || out["function"] != "gofn" {
			t.Fatalf("invoke %d: %v", i, out)
		}
		if !strings.Contains(res.LogTail, "go handler greeting nubo\n") {
			t.Errorf("tail %q", res.LogTail)
		}
	}
	res := f.invoke(t, v, `{"name":"x","fail":true}`)
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "go handler failed for x") {
		t.Fatalf("error result %s %s", res.FunctionError, res.Payload)
	}
}

func TestProvidedInvalidEntrypoint(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		mode  os.FileMode
	}{
		{"missing", map[string]string{"main.go": "x"}, 0},
		{"not executable", map[string]string{"bootstrap": "#!/bin/sh\necho hi\n"}, 0o644},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			v := &lambda.Version{FunctionName: "bad", FunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:bad",
				Version: "$LATEST", Runtime: "provided.al2023", Handler: "x", CodeDir: codeDir(t, tc.files),
				MemorySize: 128, Timeout: 3 * time.Second, ReservedConcurrency: -1}
			res := f.invoke(t, v, `{}`)
			wantError(t, res, ErrorTypeInvalidEntrypoint, "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
			reportOf(t, res.LogTail)
		})
	}
}

func TestUnsupportedRuntime(t *testing.T) {
	f := newFixture(t, nil)
	v := &lambda.Version{FunctionName: "n", Runtime: "nodejs20.x", ReservedConcurrency: -1}
	if _, err := f.tryInvoke(v, `{}`); err == nil || !strings.Contains(err.Error(), "unsupported runtime") {
		t.Fatalf("err %v", err)
	}
}

func TestCloseFailsLaterInvokes(t *testing.T) {
	f := newFixture(t, nil)
	v := f.pyVersion(t, "closing", helloCode)
	wantOK(t, f.invoke(t, v, `{}`))
	if err := f.p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tryInvoke(v, `{}`); !errors.Is(err, ErrClosed) {
		t.Fatalf("invoke after Close: %v", err)
	}
	if s := f.p.Stats(); s.Instances != 0 {
		t.Fatalf("instances after Close: %+v", s)
	}
	if info := f.p.Mode().String(); !strings.Contains(info, "sandbox ") {
		t.Fatalf("mode %q", info)
	}
	t.Logf("pool mode: %s", f.p.Mode())
}
