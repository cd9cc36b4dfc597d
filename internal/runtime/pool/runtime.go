package pool

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/runtime/bootstrap"
	"github.com/nubo/nubo/internal/runtime/sandbox"
	"github.com/nubo/nubo/internal/service/lambda"
)

// Paths inside the sandbox.
const (
	taskRoot   = "/var/task"
	runtimeDir = "/var/runtime"
	langDir    = sandbox.LangDir
)

// Info describes how the pool runs functions, for the health report.
type Info struct {
	// Sandbox is "isolated" or "process"; SandboxReason says why.
	Sandbox       string
	SandboxReason string
	// Python is the host interpreter's version ("" when unavailable, with
	// PythonError saying why) and PythonPrefix its installation prefix.
	Python       string
	PythonPrefix string
	PythonError  string
	// Boto3 is the boto3 version functions can import ("" when none).
	Boto3 string
	// Zygote says how Python instances start: ZygoteRunning or ZygoteIdle
	// when cold starts fork from a pre-initialised interpreter (package
	// zygote), ZygoteFailed while a zygote that failed to start is waited
	// out, ZygoteDisabled when every instance starts its own interpreter
	// (sandbox.Start). ZygoteDetail gives the process, the error or the
	// reason.
	Zygote       string
	ZygoteDetail string
}

// String renders the information on one line.
func (i Info) String() string {
	s := "sandbox " + i.Sandbox
	if i.SandboxReason != "" {
		s += " (" + i.SandboxReason + ")"
	}
	if i.Python == "" {
		return s + "; python unavailable: " + i.PythonError
	}
	s += "; python " + i.Python + " at " + i.PythonPrefix
	if i.Boto3 != "" {
		s += "; boto3 " + i.Boto3
	} else {
		s += "; boto3 not available to functions"
	}
	if i.Zygote == "" {
		return s
	}
	s += "; zygote " + i.Zygote
	if i.ZygoteDetail != "" {
		s += " (" + i.ZygoteDetail + ")"
	}
	return s
}

// runtimeKind classifies a Lambda runtime identifier.
type runtimeKind int

const (
	kindUnsupported runtimeKind = iota
	kindPython
	kindProvided
)

func classify(runtime string) runtimeKind {
	switch runtime {
	case "provided", "provided.al2", "provided.al2023":
		return kindProvided
	}
	if minor, ok := strings.CutPrefix(runtime, "python3."); ok {
		if n, err := strconv.Atoi(minor); err == nil && n >= 8 && n <= 13 {
			return kindPython
		}
	}
	return kindUnsupported
}

// bootstrapProblem reports why CodeDir/bootstrap cannot start a custom
// runtime, or "" when it can.
func bootstrapProblem(codeDir string) string {
	path := filepath.Join(codeDir, "bootstrap")
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
	}
	real, err := filepath.EvalSymlinks(path)
	root, rerr := filepath.EvalSymlinks(codeDir)
	if err != nil || rerr != nil || !strings.HasPrefix(real, root+string(filepath.Separator)) {
		return "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
	}
	return ""
}

// envInput is what buildEnv needs besides the version.
type envInput struct {
	stream, runtimeAPI, endpoint string
	creds                        *auth.Credential
	pythonEnv                    []string
}

// buildEnv returns the instance environment: AWS's variables for the
// runtime, then the function's own (which may override the unreserved ones
// such as PATH or LANG), sorted for determinism.
func buildEnv(v *lambda.Version, kind runtimeKind, in envInput) []string {
	logGroup := logGroupOf(v)
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        v.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION":     v.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(v.MemorySize),
		"AWS_LAMBDA_LOG_GROUP_NAME":       logGroup,
		"AWS_LAMBDA_LOG_STREAM_NAME":      in.stream,
		"AWS_LAMBDA_RUNTIME_API":          in.runtimeAPI,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      v.Region,
		"AWS_DEFAULT_REGION":              v.Region,
		"LAMBDA_TASK_ROOT":                taskRoot,
		"LAMBDA_RUNTIME_DIR":              runtimeDir,
		"_HANDLER":                        v.Handler,
		"TZ":                              defaultTZ,
		"LANG":                            defaultLang,
		"PATH":                            basePath,
		"LD_LIBRARY_PATH":                 baseLibraryPath,
	}
	if kind == kindPython {
		env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + v.Runtime
		env["PATH"] = pythonPath
		env["LD_LIBRARY_PATH"] = pythonLibraryPath(in.pythonEnv)
	}
	if in.endpoint != "" {
		env["AWS_ENDPOINT_URL"] = in.endpoint
	}
	if c := in.creds; c != nil {
		env["AWS_ACCESS_KEY_ID"] = c.AccessKeyID
		env["AWS_SECRET_ACCESS_KEY"] = c.SecretAccessKey
		if c.SessionToken != "" {
			env["AWS_SESSION_TOKEN"] = c.SessionToken
		}
	}
	for k, val := range v.Environment {
		env[k] = val
	}
	out := make([]string, 0, len(env))
	for k, val := range env {
		out = append(out, k+"="+val)
	}
	sort.Strings(out)
	return out
}

// Default variables of the instance environment.
const (
	defaultTZ       = ":UTC"
	defaultLang     = "en_US.UTF-8"
	basePath        = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
	pythonPath      = langDir + "/bin:" + basePath
	baseLibraryPath = "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)

// pythonLibraryPath is a Python instance's default LD_LIBRARY_PATH: the
// interpreter's library directory (from pyEnv, the sandbox.Python Env)
// before the AWS directories.
func pythonLibraryPath(pyEnv []string) string {
	lib := langDir + "/lib"
	for _, kv := range pyEnv {
		if val, ok := strings.CutPrefix(kv, "LD_LIBRARY_PATH="); ok && val != "" {
			lib = val
		}
	}
	return lib + ":" + baseLibraryPath
}

// logGroupOf returns the version's log group.
func logGroupOf(v *lambda.Version) string {
	if v.LogGroup != "" {
		return v.LogGroup
	}
	return "/aws/lambda/" + v.FunctionName
}

// pythonRuntime is the host Python and the bootstrap directory.
type pythonRuntime struct {
	py         sandbox.Python
	runtimeDir string // host directory with bootstrap.py
	err        error
}

// launch returns the program and runtime mounts for kind.
func (p *Pool) launch(kind runtimeKind) (args []string, dirs map[string]string, pyEnv []string, err error) {
	switch kind {
	case kindPython:
		if p.python.err != nil {
			return nil, nil, nil, fmt.Errorf("pool: python runtime unavailable: %w", p.python.err)
		}
		py := p.python.py
		dirs = map[string]string{langDir: py.HostPrefix, runtimeDir: p.python.runtimeDir}
		return bootstrap.PythonArgv(py.Executable, runtimeDir), dirs, py.Env, nil
	case kindProvided:
		return []string{taskRoot + "/bootstrap"}, nil, nil, nil
	}
	return nil, nil, nil, fmt.Errorf("pool: unsupported runtime")
}
