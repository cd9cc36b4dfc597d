package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Config is one table of packages to generate (services.json or fixtures.json).
type Config struct {
	// Dir is the output root relative to the repository root; each package is
	// written to Dir/<package>.
	Dir string `json:"dir"`
	// Fixture marks codec-test fixtures (changes the package documentation).
	Fixture bool `json:"fixture"`
	// Services lists the packages to generate.
	Services []ServiceConfig `json:"services"`
}

// ServiceConfig describes one generated package.
type ServiceConfig struct {
	// ID is Nubo's name for the service, passed to awsapi.Load.
	ID string `json:"id"`
	// Service and Version locate the botocore model: data/<Service>/<Version>.
	Service string `json:"service"`
	Version string `json:"version"`
	// Package is the Go package name, also the output directory name.
	Package string `json:"package"`
	// Overlay, when set, merges awsQuery traits from an older botocore model.
	Overlay *OverlayConfig `json:"overlay,omitempty"`
	// Operations lists the operations Nubo implements (one per line in the file).
	Operations []string `json:"operations"`
}

// OverlayConfig locates an older botocore model to merge query traits from.
type OverlayConfig struct {
	// Botocore is the botocore package directory holding data/ (a -overlay flag
	// overrides it).
	Botocore string `json:"botocore"`
	// Version is the model version; it defaults to the service's.
	Version string `json:"version,omitempty"`
}

var (
	goPackageName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	operationName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// loadConfig reads and validates a configuration table.
func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) validate() error {
	if c.Dir == "" || filepath.IsAbs(c.Dir) {
		return fmt.Errorf("dir must be a relative path, got %q", c.Dir)
	}
	pkgs := make(map[string]bool)
	for _, s := range c.Services {
		if s.ID == "" || s.Service == "" || s.Version == "" {
			return fmt.Errorf("package %q: id, service and version are required", s.Package)
		}
		if !goPackageName.MatchString(s.Package) {
			return fmt.Errorf("service %s: bad package name %q", s.ID, s.Package)
		}
		if pkgs[s.Package] {
			return fmt.Errorf("package %s listed twice", s.Package)
		}
		pkgs[s.Package] = true
		seen := make(map[string]bool)
		for _, op := range s.Operations {
			if !operationName.MatchString(op) {
				return fmt.Errorf("service %s: bad operation name %q", s.ID, op)
			}
			if seen[op] {
				return fmt.Errorf("service %s: operation %s listed twice", s.ID, op)
			}
			seen[op] = true
		}
	}
	return nil
}
