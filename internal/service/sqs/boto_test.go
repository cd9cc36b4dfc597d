package sqs

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBoto3 runs testdata/boto_client.py with both boto3 generations: the
// current one (AWS JSON 1.0) and Debian's 1.26 (query).
func TestBoto3(t *testing.T) {
	if testing.Short() {
		t.Skip("boto3 subprocesses in -short mode")
	}
	tests := []struct {
		name, python, protocol string
	}{
		{"boto3 latest (json)", "python3", "json"},
		{"boto3 1.26 (query)", "/usr/bin/python3", "query"},
	}
	e := newEnv(t, nil)
	endpoint := e.startEdge()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			py, err := exec.LookPath(tc.python)
			if err != nil {
				t.Skipf("%s not installed", tc.python)
			}
			if exec.Command(py, "-c", "import boto3").Run() != nil {
				t.Skipf("boto3 missing for %s", py)
			}
			out, err := exec.Command(py, "testdata/boto_client.py", endpoint, "boto"+string(rune('a'+i))).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", py, err, out)
			}
			if !strings.HasPrefix(string(out), "OK "+tc.protocol) {
				t.Fatalf("unexpected output: %s", out)
			}
			t.Log(strings.TrimSpace(string(out)))
		})
	}
}
