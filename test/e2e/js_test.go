package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// jsDir holds the JavaScript scripts, their package.json and node_modules.
const jsDir = "../js"

// jsGenerations are the AWS SDK for JavaScript v3 generations the scripts run
// under: the root package.json pins the current SDK (CRC32 checksums on every
// upload, aws-chunked stream bodies, SQS over AWS JSON 1.0), generations/v3-2024
// pins 3.726.1 (no default checksums, Content-MD5 where required) and
// generations/v3-2023 pins 3.445.0 (SQS over query, fast-xml-parser 4.2).
var jsGenerations = []struct{ name, dir string }{
	{"current", ""},
	{"v3-2024", "generations/v3-2024"},
	{"v3-2023", "generations/v3-2023"},
}

// runJS runs ../js/<script> against a fresh server under each SDK generation.
func runJS(t *testing.T, script string) {
	node := requireTool(t, "node")
	for _, gen := range jsGenerations {
		t.Run(gen.name, func(t *testing.T) {
			requireJSDeps(t, gen.dir)
			srv := start(t)
			cmd := exec.Command(node, filepath.Join(jsDir, script))
			cmd.Env = append(cleanEnv(), "NUBO_ENDPOINT="+srv.URL(), "NUBO_JS_SDK="+gen.name,
				"NODE_NO_WARNINGS=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("node %s (%s): %v\n%s", script, gen.name, err, out)
			}
			if !strings.Contains(string(out), "ok ") {
				t.Fatalf("script did not finish:\n%s", out)
			}
			t.Logf("%s", out)
		})
	}
}

// requireJSDeps checks that npm installed the generation's SDK packages,
// failing when NUBO_E2E_REQUIRED is set and skipping otherwise.
func requireJSDeps(t *testing.T, dir string) {
	t.Helper()
	pkg := filepath.Join(jsDir, "node_modules", "@aws-sdk", "client-s3", "package.json")
	if dir != "" {
		pkg = filepath.Join(jsDir, dir, "node_modules", "@aws-sdk", "client-s3", "package.json")
	}
	if _, err := os.Stat(pkg); err != nil {
		if os.Getenv("NUBO_E2E_REQUIRED") != "" {
			t.Fatalf("the JavaScript SDK is not installed (run ./scripts/test.sh, which runs npm ci in test/js): %v", err)
		}
		t.Skipf("the JavaScript SDK is not installed (npm ci in test/js): %v", err)
	}
}

func TestJSS3(t *testing.T) { runJS(t, "s3.mjs") }

func TestJSSQS(t *testing.T) { runJS(t, "sqs.mjs") }

func TestJSLambda(t *testing.T) { runJS(t, "lambda.mjs") }
