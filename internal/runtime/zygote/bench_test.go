package zygote

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/runtime/bootstrap"
	"github.com/nubo/nubo/internal/runtime/rapi"
	"github.com/nubo/nubo/internal/runtime/sandbox"
)

// boto3Handler imports boto3 at module level, as the cold-start figure
// of the issue specifies.
const boto3Handler = "import boto3\n\ndef handler(event, context):\n    return {'boto3': boto3.__version__}\n"

// coldTiming splits one zygote cold start into its steps.
type coldTiming struct {
	total, fork, hello, cgroup, setup, ready, invoke time.Duration
}

// coldZygote spawns an instance of app.handler from code dir name and
// invokes it once; it returns the time from Spawn to the invocation's
// result and its parts.
func coldZygote(b *testing.B, f *fixture, name string) coldTiming {
	e, err := rapi.NewEndpoint()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	inst, err := f.z.Spawn(ctx, SpawnConfig{ID: "zt-" + randHex(4), CodeDir: name, Env: fnEnv(e, "app.handler", f.py), MemoryMB: 256})
	if err != nil {
		b.Fatal(err)
	}
	defer inst.Close()
	go func() {
		st, _ := inst.Wait()
		e.RuntimeExited(fmt.Errorf("%v", st))
	}()
	if err := e.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	ready := time.Now()
	res, err := e.Invoke(ctx, rapi.Invocation{RequestID: "bench-" + randHex(4), Payload: []byte(`{}`)})
	if err != nil || res.Err != nil {
		b.Fatalf("invoke: %v %v", err, res.Err)
	}
	end := time.Now()
	p := inst.phases
	return coldTiming{
		total: end.Sub(t0), fork: p.forked.Sub(p.begin), hello: p.hello.Sub(p.forked),
		cgroup: p.moved.Sub(p.hello), setup: p.started.Sub(p.moved), ready: ready.Sub(p.started),
		invoke: end.Sub(ready),
	}
}

// coldSandbox starts the bootstrap with sandbox.Start over the host code
// dir and invokes it once.
func coldSandbox(b *testing.B, f *fixture, name string) time.Duration {
	e, err := rapi.NewEndpoint()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	inst, err := sandbox.Start(ctx, sandbox.Config{
		ID: "zt-" + randHex(4), CodeDir: filepath.Join(f.codeRoot, name), MemoryMB: 256,
		RuntimeDirs: map[string]string{sandbox.LangDir: f.py.HostPrefix, RuntimeMount: f.runtime},
		Env:         fnEnv(e, "app.handler", f.py),
		Args:        bootstrap.PythonArgv(f.py.Executable, RuntimeMount),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer inst.Close()
	go func() {
		st, _ := inst.Wait()
		e.RuntimeExited(fmt.Errorf("%v", st))
	}()
	res, err := e.Invoke(ctx, rapi.Invocation{RequestID: "bench-" + randHex(4), Payload: []byte(`{}`)})
	if err != nil || res.Err != nil {
		b.Fatalf("invoke: %v %v", err, res.Err)
	}
	return time.Since(t0)
}

// importBoto3 runs `python3 -c "import boto3"` as a separate process: the
// interpreter itself, not a pyenv shim in front of it.
func importBoto3(b *testing.B, py sandbox.Python) time.Duration {
	t0 := time.Now()
	cmd := exec.Command(filepath.Join(py.HostPrefix, "bin", "python3"), "-c", "import boto3")
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	return time.Since(t0)
}

func BenchmarkColdStartZygoteBoto3(b *testing.B) {
	f := shared(b)
	name := f.code(b, map[string]string{"app.py": boto3Handler})
	var ds []time.Duration
	for b.Loop() {
		ds = append(ds, coldZygote(b, f, name).total)
	}
	b.ReportMetric(ms(median(ds)), "p50-ms")
}

func BenchmarkColdStartSandboxBoto3(b *testing.B) {
	f := shared(b)
	name := f.code(b, map[string]string{"app.py": boto3Handler})
	var ds []time.Duration
	for b.Loop() {
		ds = append(ds, coldSandbox(b, f, name))
	}
	b.ReportMetric(ms(median(ds)), "p50-ms")
}

func BenchmarkPythonImportBoto3(b *testing.B) {
	f := shared(b)
	var ds []time.Duration
	for b.Loop() {
		ds = append(ds, importBoto3(b, f.py))
	}
	b.ReportMetric(ms(median(ds)), "p50-ms")
}

// BenchmarkColdStartCompare interleaves the three in every iteration, so
// that load on the shared machine hits them alike, and reports medians,
// the ratio the issue sets (zygote / import ≤ 0.5) and where the zygote's
// time goes.
func BenchmarkColdStartCompare(b *testing.B) {
	f := shared(b)
	name := f.code(b, map[string]string{"app.py": boto3Handler})
	var zs []coldTiming
	var imports, sandboxes []time.Duration
	for b.Loop() {
		imports = append(imports, importBoto3(b, f.py))
		zs = append(zs, coldZygote(b, f, name))
		sandboxes = append(sandboxes, coldSandbox(b, f, name))
	}
	pick := func(get func(coldTiming) time.Duration) time.Duration {
		ds := make([]time.Duration, len(zs))
		for i, z := range zs {
			ds[i] = get(z)
		}
		return median(ds)
	}
	zyg, imp, sbx := pick(func(c coldTiming) time.Duration { return c.total }), median(imports), median(sandboxes)
	b.ReportMetric(ms(imp), "import-boto3-p50-ms")
	b.ReportMetric(ms(zyg), "zygote-cold-p50-ms")
	b.ReportMetric(ms(sbx), "sandbox-cold-p50-ms")
	b.ReportMetric(float64(zyg)/float64(imp), "zygote/import")
	b.ReportMetric(float64(sbx)/float64(imp), "sandbox/import")
	b.ReportMetric(ms(pick(func(c coldTiming) time.Duration { return c.fork })), "z-fork-ms")
	b.ReportMetric(ms(pick(func(c coldTiming) time.Duration { return c.hello })), "z-hello-ms")
	b.ReportMetric(ms(pick(func(c coldTiming) time.Duration { return c.cgroup })), "z-cgroup-ms")
	b.ReportMetric(ms(pick(func(c coldTiming) time.Duration { return c.setup })), "z-ns-setup-ms")
	b.ReportMetric(ms(pick(func(c coldTiming) time.Duration { return c.ready })), "z-to-first-next-ms")
	b.ReportMetric(ms(pick(func(c coldTiming) time.Duration { return c.invoke })), "z-invoke-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
