package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// LangDir is where the language runtime's prefix is mounted in the sandbox.
const LangDir = "/var/lang"

// Python describes the host's Python 3 and how to run it from LangDir.
type Python struct {
	// HostPrefix is the interpreter's installation prefix on the host
	// (sys.base_prefix); mount it read-only at LangDir.
	HostPrefix string
	// Version is the full version, for example "3.11.7".
	Version string
	// Executable is the interpreter's path inside the sandbox, for example
	// "/var/lang/bin/python3.11".
	Executable string
	// Shared reports a build with libpython as a shared library. Such
	// builds carry the host prefix in their RUNPATH, which does not exist in
	// the sandbox, so Env sets LD_LIBRARY_PATH.
	Shared bool
	// Env is what the workload's environment needs to run the interpreter
	// from LangDir (LD_LIBRARY_PATH for shared builds; may be empty).
	Env []string
	// Boto3Version is boto3's version, or "" when boto3 cannot be imported.
	Boto3Version string
	// Boto3InPrefix reports that boto3 is installed under HostPrefix and so
	// is importable inside the sandbox too.
	Boto3InPrefix bool
}

// pythonProbe prints what DetectPython needs as one JSON object.
const pythonProbe = `
import json, os, sys, sysconfig
out = {"prefix": sys.base_prefix, "version": "%d.%d.%d" % sys.version_info[:3],
       "major_minor": "%d.%d" % sys.version_info[:2],
       "shared": bool(sysconfig.get_config_var("Py_ENABLE_SHARED")),
       "libdir": sysconfig.get_config_var("LIBDIR") or "",
       "boto3": "", "boto3_file": ""}
try:
    import boto3
    out["boto3"] = boto3.__version__
    out["boto3_file"] = os.path.realpath(boto3.__file__)
except Exception:
    pass
print(json.dumps(out))
`

type pythonProbeResult struct {
	Prefix     string `json:"prefix"`
	Version    string `json:"version"`
	MajorMinor string `json:"major_minor"`
	Shared     bool   `json:"shared"`
	LibDir     string `json:"libdir"`
	Boto3      string `json:"boto3"`
	Boto3File  string `json:"boto3_file"`
}

// DetectPython runs the python3 found on PATH once and describes it. It
// takes as long as importing boto3 (a tenth of a second or so): call it at
// start-up, not per instance.
func DetectPython(ctx context.Context) (Python, error) {
	exe, err := exec.LookPath("python3")
	if err != nil {
		return Python{}, fmt.Errorf("sandbox: no python3 on PATH: %w", err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, "-c", pythonProbe)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Python{}, fmt.Errorf("sandbox: probing %s: %w: %s", exe, err, strings.TrimSpace(stderr.String()))
	}
	var r pythonProbeResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return Python{}, fmt.Errorf("sandbox: probing %s: %w", exe, err)
	}
	return pythonFromProbe(r)
}

func pythonFromProbe(r pythonProbeResult) (Python, error) {
	prefix, err := filepath.EvalSymlinks(r.Prefix)
	if err != nil {
		return Python{}, fmt.Errorf("sandbox: python prefix: %w", err)
	}
	bin := filepath.Join("bin", "python"+r.MajorMinor)
	if _, err := os.Stat(filepath.Join(prefix, bin)); err != nil {
		return Python{}, fmt.Errorf("sandbox: python prefix %s has no %s: %w", prefix, bin, err)
	}
	p := Python{
		HostPrefix: prefix, Version: r.Version, Executable: LangDir + "/" + bin,
		Shared: r.Shared, Boto3Version: r.Boto3,
		Boto3InPrefix: r.Boto3File != "" && strings.HasPrefix(r.Boto3File, prefix+"/"),
	}
	if r.Shared {
		libdir, err := filepath.EvalSymlinks(r.LibDir)
		if err == nil && strings.HasPrefix(libdir, prefix+"/") {
			p.Env = append(p.Env, "LD_LIBRARY_PATH="+LangDir+strings.TrimPrefix(libdir, prefix))
		}
	}
	return p, nil
}

// PythonRuntime returns the host prefix and version of the python3 on
// PATH; DetectPython gives the details.
func PythonRuntime() (hostPrefix string, version string, err error) {
	p, err := DetectPython(context.Background())
	if err != nil {
		return "", "", err
	}
	return p.HostPrefix, p.Version, nil
}
