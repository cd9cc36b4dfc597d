package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/rapi"
)

func TestPythonInitErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		handler string
		typ     string
		msg     *regexp.Regexp
		trace   *regexp.Regexp // first stackTrace entry; nil means the trace is empty
	}{
		{"import error", map[string]string{"app.py": "x = 1\n"}, "missing.handler", "Runtime.ImportModuleError",
			regexp.MustCompile(`^Unable to import module 'missing': No module named 'missing'$`), nil},
		{"import error inside module", map[string]string{"app.py": "import notthere\n"}, "app.handler", "Runtime.ImportModuleError",
			regexp.MustCompile(`^Unable to import module 'app': No module named 'notthere'$`), nil},
		{"handler not found", map[string]string{"app.py": "def other(e, c): pass\n"}, "app.nope", "Runtime.HandlerNotFound",
			regexp.MustCompile(`^Handler 'nope' missing on module 'app'$`), nil},
		{"malformed handler", map[string]string{"app.py": ""}, "nodot", "Runtime.MalformedHandlerName",
			regexp.MustCompile(`^Bad handler 'nodot': not enough values to unpack \(expected 2, got 1\)$`), nil},
		{"builtin module", nil, "sys.handler", "Runtime.BuiltInModuleConflict",
			regexp.MustCompile(`^Cannot use built-in module sys as a handler module$`), nil},
		{"syntax error", map[string]string{"bad.py": "x = 1\ndef f(:\n    pass\n"}, "bad.handler", "Runtime.UserCodeSyntaxError",
			regexp.MustCompile(`^Syntax error in module 'bad': .+ \(bad\.py, line 2\)$`),
			regexp.MustCompile(`^  File ".*/bad\.py" Line 2\n    def f\(:\n$`)},
		{"exception at import", map[string]string{"boom.py": "def g():\n    raise RuntimeError('at import')\ng()\n"}, "boom.handler", "RuntimeError",
			regexp.MustCompile(`^at import$`), regexp.MustCompile(`^  File "<frozen importlib\._bootstrap>"|^  File ".*importlib/__init__\.py"`)},
	}
	py := pythons(t)[0]
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFn(t, py, fnConfig{files: tc.files, handler: tc.handler})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var fe *rapi.FunctionError
			if err := f.e.WaitReady(ctx); !errors.As(err, &fe) {
				t.Fatalf("WaitReady = %v, want an init error; output %q", err, f.drain())
			}
			if fe.Type != tc.typ || !tc.msg.MatchString(fe.Message) {
				t.Fatalf("init error %s: %q, want %s: %v", fe.Type, fe.Message, tc.typ, tc.msg)
			}
			var doc struct {
				ErrorMessage, ErrorType, RequestID string
				StackTrace                         []string
			}
			if err := json.Unmarshal(fe.Body, &doc); err != nil || doc.ErrorType != tc.typ || doc.RequestID != "" {
				t.Fatalf("body %s (%v)", fe.Body, err)
			}
			if tc.trace == nil && len(doc.StackTrace) != 0 || tc.trace != nil && (len(doc.StackTrace) == 0 || !tc.trace.MatchString(doc.StackTrace[0])) {
				t.Errorf("stackTrace %q", doc.StackTrace)
			}
			// Invoke reports the init error; the process exits.
			res, err := f.e.Invoke(ctx, rapi.Invocation{RequestID: "r1", Deadline: time.Now().Add(time.Second)})
			if err != nil || res.Err == nil || res.Err.Type != tc.typ {
				t.Errorf("Invoke = %+v, %v", res, err)
			}
			if err := f.waitExit(30 * time.Second); err != nil {
				t.Error(err)
			}
			out := f.drain()
			first, rest, _ := strings.Cut(out, "\n")
			if !logLine.MatchString(first) || !strings.Contains(first, "\t\tLAMBDA_WARNING: Unhandled exception.") {
				t.Errorf("warning line %q", first)
			}
			wantErrLine := "[ERROR] " + tc.typ + ": " + fe.Message + "\rTraceback (most recent call last):"
			if !strings.HasPrefix(rest, wantErrLine) || !strings.HasSuffix(rest, "\n") || strings.Count(rest, "\n") != 1 {
				t.Errorf("error record %q, want prefix %q", rest, wantErrLine)
			}
		})
	}
}

// fakeBotocore is an old botocore (no configured-endpoint support) that
// reports the endpoint_url its clients get.
var fakeBotocore = map[string]string{
	"botocore/__init__.py":       "__version__ = '1.27.96'\n",
	"botocore/configprovider.py": "BOTOCORE_DEFAUT_SESSION_VARIABLES = {'region': ('region', 'AWS_DEFAULT_REGION', None, None)}\n",
	"botocore/session.py": "import botocore.configprovider\n" +
		"class Session(object):\n" +
		"    def create_client(self, service_name, region_name=None, api_version=None, use_ssl=True, verify=None, endpoint_url=None, **kw):\n" +
		"        return endpoint_url\n",
	"app.py": "import sys\n" +
		"def handler(event, context):\n" +
		"    before = 'botocore' in sys.modules\n" +
		"    import botocore.session\n" +
		"    s = botocore.session.Session()\n" +
		"    return [before, s.create_client('s3'), s.create_client('sqs', endpoint_url='http://explicit'),\n" +
		"            s.create_client('logs', 'us-east-1', None, True, None, None), s.create_client('sns', 'r', None, True, None, 'http://pos')]\n",
}

func TestPythonOldBotocoreEndpoint(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		env   []string
		want  string
	}{
		{"old botocore gets AWS_ENDPOINT_URL", fakeBotocore,
			[]string{"AWS_ENDPOINT_URL=http://nubo:4566", "AWS_ENDPOINT_URL_LOGS=http://logs:1"},
			`[false, "http://nubo:4566", "http://explicit", "http://logs:1", "http://pos"]`},
		{"no endpoint variable, no patch", fakeBotocore, nil, `[false, null, "http://explicit", null, "http://pos"]`},
		{"ignore configured endpoints", fakeBotocore,
			[]string{"AWS_ENDPOINT_URL=http://nubo:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true"},
			`[false, null, "http://explicit", null, "http://pos"]`},
		{"new botocore left alone", map[string]string{"app.py": "def handler(e, c):\n" +
			"    import botocore.session\n" +
			"    return getattr(botocore.session.Session.create_client, '_nubo_patched', False)\n"},
			[]string{"AWS_ENDPOINT_URL=http://nubo:4566"}, `false`},
	}
	py := pythons(t)[0]
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFn(t, py, fnConfig{files: tc.files, handler: "app.handler", env: tc.env})
			f.ready()
			res, out, err := f.invoke("b1", `{}`, 60*time.Second, nil)
			if err != nil || res.Err != nil || string(res.Payload) != tc.want {
				t.Fatalf("got %s %v %v, want %s (output %q)", res.Payload, res.Err, err, tc.want, out)
			}
		})
	}
}

func TestPythonSourceParsesAs38(t *testing.T) {
	py := pythons(t)[0]
	cmd := exec.Command(py, "-c", "import ast, sys; ast.parse(sys.stdin.read(), 'bootstrap.py', feature_version=(3, 8))")
	cmd.Stdin = bytes.NewReader(PythonBootstrap())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bootstrap.py is not Python 3.8 syntax: %v\n%s", err, out)
	}
}

func TestWriteRuntime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "runtime")
	path, err := WriteRuntime(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, PythonBootstrap()) || filepath.Base(path) != PythonEntry {
		t.Fatalf("WriteRuntime wrote %s (%d bytes, %v)", path, len(got), err)
	}
	if _, err := WriteRuntime(dir); err != nil { // rewriting in place works
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("runtime dir has %d entries, want 1 (no temp files left)", len(entries))
	}
}

func TestPythonLogLevel(t *testing.T) {
	app := "import logging\nlogging.getLogger().info('init info')\nlogging.getLogger().warning('init warn')\n" +
		"def handler(e, c):\n    logging.getLogger('x').info('call info')\n    logging.debug('call debug')\n    return 1\n"
	tests := []struct {
		name string
		env  []string
		want []string // "<request id>|<level>|<message>"
	}{
		{"default is WARNING", nil, []string{"|WARNING|init warn"}},
		{"AWS_LAMBDA_LOG_LEVEL=INFO", []string{"AWS_LAMBDA_LOG_LEVEL=INFO"},
			[]string{"|INFO|init info", "|WARNING|init warn", "lvl|INFO|call info"}},
	}
	py := pythons(t)[0]
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFn(t, py, fnConfig{files: map[string]string{"app.py": app}, handler: "app.handler", env: tc.env})
			f.ready()
			initOut := f.drain()
			res, out, err := f.invoke("lvl", `{}`, 30*time.Second, nil)
			if err != nil || res.Err != nil {
				t.Fatalf("%v %v", err, res.Err)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSuffix(initOut+out, "\n"), "\n") {
				if m := logLine.FindStringSubmatch(l); m != nil {
					got = append(got, m[2]+"|"+m[1]+"|"+m[3])
				} else if l != "" {
					t.Errorf("unexpected line %q", l)
				}
			}
			if strings.Join(got, ";") != strings.Join(tc.want, ";") {
				t.Errorf("log lines %q, want %q", got, tc.want)
			}
		})
	}
}
