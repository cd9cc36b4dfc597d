package s3

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestBoto3Clients drives the service with the installed boto3 generations
// (botocore 1.29 sends Content-MD5, the latest sends CRC32 checksums and
// presigns with SigV2). It is skipped where they are not installed.
func TestBoto3Clients(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python clients")
	}
	f := newFixture(t, fixtureOpts{})
	_, port, _ := net.SplitHostPort(f.srv.Listener.Addr().String())
	pythons := map[string]string{"latest": "/root/.pyenv/versions/3.11.7/bin/python", "1.29": "/usr/bin/python3"}
	for name, py := range pythons {
		for _, style := range []string{"path", "virtual"} {
			t.Run(name+"/"+style, func(t *testing.T) {
				if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
					t.Skipf("%s has no boto3", py)
				}
				endpoint := f.srv.URL
				if style == "virtual" {
					endpoint = "http://localhost.localtest.me:" + port
					if _, err := net.LookupHost("bucket.localhost.localtest.me"); err != nil {
						t.Skip("no wildcard DNS for virtual-host addressing")
					}
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, py, "testdata/boto3_client.py", endpoint, style)
				cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
				out, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(out), "OK") {
					t.Fatalf("%v\n%s", err, out)
				}
			})
		}
	}
}

// TestAWSCLI drives the service with the installed AWS CLI (cp, sync, ls,
// presign, rm, rb). It is skipped where there is none.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI")
	}
	bins := map[string]bool{}
	if bin, err := exec.LookPath("aws"); err == nil {
		bins[bin] = true
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		bins["/usr/bin/aws"] = true
	}
	if len(bins) == 0 {
		t.Skip("no aws CLI")
	}
	f := newFixture(t, fixtureOpts{})
	for bin := range bins {
		t.Run(bin, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "sh", "testdata/awscli.sh", bin, f.srv.URL, t.TempDir()).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "OK") {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}
