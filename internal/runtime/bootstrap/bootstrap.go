// Package bootstrap embeds the runtimes Nubo ships inside its binary: the
// Python runtime bootstrap (stdlib only, Python 3.8 to 3.13) that speaks the
// Lambda Runtime API to an rapi.Endpoint.
//
// The instance pool writes the files with WriteRuntime into the directory
// mounted read-only at /var/runtime in the sandbox and starts
//
//	<python> /var/runtime/bootstrap.py
//
// with AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT and the usual
// AWS_LAMBDA_* variables set (see PythonArgv).
//
// Output contract: the bootstrap writes print output as is, log records as
// "[LEVEL]\t<YYYY-MM-DDTHH:MM:SS.mmm>Z\t<request id>\t<message>\n" and an
// unhandled exception as one "[ERROR] <type>: <message>\rTraceback (most
// recent call last):\r<frames, leading spaces as U+00A0>\n" record, all on
// stdout, like AWS's Python runtime without the telemetry log fd. Everything
// an invocation wrote to stdout and stderr is flushed to the file descriptors
// before the bootstrap sends that invocation's /response or /error request
// (and init output before the first /next or /init/error). So when Invoke
// returns, the bytes belonging to the invocation are already in the pipes;
// the platform attributes to the invocation whatever it reads from the pipes
// up to the point Invoke returned (for example: after Invoke returns, read
// the pipes until they are empty, non-blocking). Output written later by
// threads or child processes the handler left running lands in the next
// invocation, as on AWS.
package bootstrap

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed python/bootstrap.py
var pythonFiles embed.FS

// PythonEntry is the bootstrap script's file name inside the runtime
// directory. It must stay "bootstrap.py": stack traces drop the runtime's
// own frames by that name, as AWS's runtime does.
const PythonEntry = "bootstrap.py"

// PythonBootstrap returns a copy of the Python bootstrap script.
func PythonBootstrap() []byte {
	b, err := pythonFiles.ReadFile("python/" + PythonEntry)
	if err != nil { // the file is embedded at build time
		panic(fmt.Sprintf("bootstrap: embedded %s missing: %v", PythonEntry, err))
	}
	return b
}

// PythonFS returns the Python runtime files (the contents of /var/runtime).
func PythonFS() fs.FS {
	sub, err := fs.Sub(pythonFiles, "python")
	if err != nil {
		panic(fmt.Sprintf("bootstrap: embedded python dir: %v", err))
	}
	return sub
}

// WriteRuntime writes the Python runtime files into dir (created if needed),
// each through a temporary file and a rename, readable by everyone. It
// returns the path of the entry script.
func WriteRuntime(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	err := fs.WalkDir(PythonFS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(PythonFS(), path)
		if err != nil {
			return err
		}
		return writeFileAtomic(filepath.Join(dir, filepath.FromSlash(path)), data)
	})
	if err != nil {
		return "", fmt.Errorf("bootstrap: write runtime to %s: %w", dir, err)
	}
	return filepath.Join(dir, PythonEntry), nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// PythonArgv returns the command line that starts the bootstrap with the
// given interpreter from runtimeDir (the path as the process sees it, e.g.
// /var/runtime). -B keeps the interpreter from trying to write .pyc files
// into the read-only code and runtime directories.
func PythonArgv(python, runtimeDir string) []string {
	return []string{python, "-B", filepath.Join(runtimeDir, PythonEntry)}
}
