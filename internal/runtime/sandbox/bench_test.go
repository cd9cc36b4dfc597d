package sandbox

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// benchStart measures Start plus Wait and Close of one instance per
// iteration (ns/op) and reports the median and 90th percentile of Start
// alone, which returns once the workload has been executed.
func benchStart(b *testing.B, cfg Config) {
	ctx := context.Background()
	var starts []time.Duration
	for b.Loop() {
		c := cfg
		c.ID = newID("bench")
		t0 := time.Now()
		inst, err := Start(ctx, c)
		starts = append(starts, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if st, err := inst.Wait(); err != nil || st.Code != 0 {
			b.Fatalf("status %v, %v", st, err)
		}
		if err := inst.Close(); err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(starts)
	b.ReportMetric(float64(starts[len(starts)/2])/1e6, "start-p50-ms")
	b.ReportMetric(float64(starts[len(starts)*9/10])/1e6, "start-p90-ms")
}

// benchPlain is the baseline: the same program through os/exec.
func benchPlain(b *testing.B, env []string, args ...string) {
	for b.Loop() {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = env
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStartTrue(b *testing.B) {
	requireIsolated(b)
	benchStart(b, Config{CodeDir: codeDir(b, nil), MemoryMB: 128, Args: []string{"/bin/true"}})
}

func BenchmarkPlainExecTrue(b *testing.B) {
	benchPlain(b, nil, "/bin/true")
}

func BenchmarkStartPython(b *testing.B) {
	e := pythonEnv(b, nil)
	benchStart(b, e.config("bench", "-c", "pass"))
}

func BenchmarkPlainExecPython(b *testing.B) {
	e := pythonEnv(b, nil)
	benchPlain(b, os.Environ(), e.py.HostPrefix+"/bin/python3", "-c", "pass")
}
