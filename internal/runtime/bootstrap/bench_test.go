package bootstrap

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/rapi"
)

// BenchmarkStartup compares the bootstrap's time to its first GET /next
// (trivial handler) with bare interpreter start-up measured in the same run:
// "python3 -c pass" is the floor; the import line shows what the bootstrap
// avoids by not using http.client and importing logging lazily.
func BenchmarkStartup(b *testing.B) {
	py, err := exec.Command("python3", "-c", "import sys; print(sys.executable, end='')").Output()
	if err != nil {
		b.Skip("no python3")
	}
	python := string(py)
	dir := b.TempDir()
	runtimeDir, task := filepath.Join(dir, "runtime"), filepath.Join(dir, "task")
	if _, err := WriteRuntime(runtimeDir); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(task, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(task, "app.py"), []byte("def handler(e, c):\n    return e\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	timeCmd := func(args ...string) time.Duration {
		t0 := time.Now()
		if out, err := exec.Command(python, args...).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		return time.Since(t0)
	}
	// The three are interleaved in every iteration so machine load hits them
	// alike; medians are reported as custom metrics.
	var pass, imports, boot []time.Duration
	for i := 0; i < b.N; i++ {
		pass = append(pass, timeCmd("-c", "pass"))
		imports = append(imports, timeCmd("-c", "import http.client, logging, json"))
		boot = append(boot, startToReady(b, python, runtimeDir, task))
	}
	b.ReportMetric(ms(median(pass)), "pass-ms")
	b.ReportMetric(ms(median(imports)), "http.client+logging+json-ms")
	b.ReportMetric(ms(median(boot)), "bootstrap-first-next-ms")
	b.ReportMetric(float64(median(boot))/float64(median(pass)), "bootstrap/pass")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// startToReady starts one bootstrap and waits for its first /next.
func startToReady(b *testing.B, python, runtimeDir, task string) time.Duration {
	e, err := rapi.NewEndpoint()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	argv := PythonArgv(python, runtimeDir)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + e.Addr(), "_HANDLER=app.handler", "LAMBDA_TASK_ROOT=" + task, "PATH=/usr/bin:/bin"}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = e.WaitReady(ctx)
	d := time.Since(t0)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err != nil {
		b.Fatal(err)
	}
	return d
}
