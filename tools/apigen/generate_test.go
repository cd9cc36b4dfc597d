package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// botocoreDir returns the installed botocore directory or skips the test.
func botocoreDir(t *testing.T) string {
	t.Helper()
	dir, err := findBotocore()
	if err != nil {
		t.Skipf("botocore not installed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		t.Skipf("botocore data not found: %v", err)
	}
	return dir
}

// TestGeneratedUpToDate regenerates every package into a temporary directory and
// compares it with the committed files, which proves that the generator is
// deterministic and the committed output current.
func TestGeneratedUpToDate(t *testing.T) {
	botocore := botocoreDir(t)
	if _, err := os.Stat("/usr/lib/python3/dist-packages/botocore/data/sqs"); err != nil {
		t.Skip("overlay botocore (python3-botocore) not installed")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := run(options{botocore: botocore, root: root, out: out}); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		t.Run(rel, func(t *testing.T) {
			got, _ := os.ReadFile(path)
			committed, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				t.Fatalf("not committed: %v (run go run ./tools/apigen)", err)
			}
			if !bytes.Equal(got, committed) {
				t.Errorf("%s is stale: run go run ./tools/apigen", rel)
			}
		})
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3*(15+8) {
		t.Errorf("generated %d files, want %d", n, 3*(15+8))
	}
}

func TestReadModelGzip(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(demoDir, "data/demo/2020-01-01/service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "data", "demo", "2020-01-01")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(filepath.Join(target, "service-2.json.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := readModel(dir, "demo", "2020-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if n.get("metadata").getStr("endpointPrefix") != "demo" {
		t.Error("gzip model not read")
	}
	if _, err := readModel(dir, "demo", "1999-01-01"); err == nil {
		t.Error("missing model read without error")
	}
}
