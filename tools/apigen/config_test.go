package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	ok := ServiceConfig{ID: "iam", Service: "iam", Version: "2010-05-08", Package: "iamapi", Operations: []string{"GetRole"}}
	tests := []struct {
		name string
		cfg  Config
		want string // "" means valid
	}{
		{"valid", Config{Dir: "internal/awsapi", Services: []ServiceConfig{ok}}, ""},
		{"absolute dir", Config{Dir: "/tmp", Services: []ServiceConfig{ok}}, "relative"},
		{"missing version", Config{Dir: "x", Services: []ServiceConfig{{ID: "iam", Service: "iam", Package: "iamapi"}}}, "required"},
		{"bad package", Config{Dir: "x", Services: []ServiceConfig{{ID: "iam", Service: "iam", Version: "v", Package: "IAM"}}}, "bad package"},
		{"duplicate package", Config{Dir: "x", Services: []ServiceConfig{ok, ok}}, "twice"},
		{"bad operation", Config{Dir: "x", Services: []ServiceConfig{{ID: "iam", Service: "iam", Version: "v", Package: "p", Operations: []string{"get_role"}}}}, "bad operation"},
		{"duplicate operation", Config{Dir: "x", Services: []ServiceConfig{{ID: "iam", Service: "iam", Version: "v", Package: "p", Operations: []string{"A", "A"}}}}, "twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadCommittedConfigs(t *testing.T) {
	for _, f := range configFiles {
		t.Run(f, func(t *testing.T) {
			c, err := loadConfig(filepath.Join("../..", f))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Services) == 0 {
				t.Fatal("no services")
			}
		})
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("missing config loaded")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"dir": 1}`), 0o644)
	if _, err := loadConfig(bad); err == nil {
		t.Error("malformed config loaded")
	}
}
