package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// configFiles are the generation tables, relative to the repository root.
var configFiles = []string{"tools/apigen/services.json", "tools/apigen/fixtures.json"}

// options are the command-line settings.
type options struct {
	botocore, overlay, root, out string
}

// run generates every package of every configuration table.
func run(o options) error {
	var err error
	if o.root == "" {
		if o.root, err = findRoot(); err != nil {
			return err
		}
	}
	if o.botocore == "" {
		if o.botocore, err = findBotocore(); err != nil {
			return err
		}
	}
	if o.out == "" {
		o.out = o.root
	}
	for _, cf := range configFiles {
		cfg, err := loadConfig(filepath.Join(o.root, cf))
		if err != nil {
			return err
		}
		for _, sc := range cfg.Services {
			files, err := generatePackage(cfg, sc, o)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.Package, err)
			}
			if err := writeFiles(filepath.Join(o.out, cfg.Dir, sc.Package), files); err != nil {
				return err
			}
		}
	}
	return nil
}

// generatedFile is one output file.
type generatedFile struct {
	name string
	data []byte
}

// generatePackage produces model.json, api.go and doc.go for one service.
func generatePackage(cfg *Config, sc ServiceConfig, o options) ([]generatedFile, error) {
	full, err := readModel(o.botocore, sc.Service, sc.Version)
	if err != nil {
		return nil, err
	}
	model, err := trimModel(full, sc.Operations)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", sc.Service, sc.Version, err)
	}
	if sc.Overlay != nil {
		dir := sc.Overlay.Botocore
		if o.overlay != "" {
			dir = o.overlay
		}
		version := sc.Overlay.Version
		if version == "" {
			version = sc.Version
		}
		old, err := readModel(dir, sc.Service, version)
		if err != nil {
			return nil, fmt.Errorf("overlay (install python3-botocore or pass -overlay): %w", err)
		}
		mergeOverlay(model, old)
	}
	modelJSON, err := model.marshalIndent()
	if err != nil {
		return nil, err
	}
	api, err := newGenerator(sc, model).apiFile()
	if err != nil {
		return nil, err
	}
	doc, err := docFile(cfg, sc, model)
	if err != nil {
		return nil, err
	}
	return []generatedFile{{"model.json", modelJSON}, {"api.go", api}, {"doc.go", doc}}, nil
}

// readModel reads data/<service>/<version>/service-2.json(.gz) under botocore.
func readModel(botocore, service, version string) (*node, error) {
	base := filepath.Join(botocore, "data", service, version, "service-2.json")
	data, err := os.ReadFile(base)
	if errors.Is(err, os.ErrNotExist) {
		data, err = readGzip(base + ".gz")
	}
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	n, err := parseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", base, err)
	}
	return n, nil
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return io.ReadAll(zr)
}

// writeFiles writes files into dir, leaving unchanged files untouched.
func writeFiles(dir string, files []generatedFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.data) {
			continue
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// findRoot returns the nearest directory at or above the working directory that
// holds go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; pass -root")
		}
		dir = parent
	}
}

// findBotocore asks python3 where botocore is installed.
func findBotocore() (string, error) {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return "", fmt.Errorf("locate botocore with python3 (pass -botocore): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
