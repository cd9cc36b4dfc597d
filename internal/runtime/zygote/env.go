package zygote

import (
	"errors"
	"fmt"
	"strings"
)

// ErrIncompatible is returned (wrapped) by Compatible and Spawn for a
// function environment that only a freshly started interpreter honours:
// start such instances with sandbox.Start.
var ErrIncompatible = errors.New("zygote: the environment needs a fresh interpreter")

// runtimePythonVars are PYTHON* variables an instance honours although the
// interpreter is already running: PYTHONPATH and PYTHONUNBUFFERED are
// applied by the instance, the others are read after start-up anyway.
func runtimePythonVars() []string {
	return []string{"PYTHONPATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONBREAKPOINT",
		"PYTHONASYNCIODEBUG", "PYTHONSTARTUP", "PYTHONINSPECT"}
}

// Compatible reports whether a function with environment env behaves in a
// forked instance as in a fresh interpreter. Variables read only at
// interpreter or dynamic linker start-up (PYTHONHOME, PYTHONHASHSEED,
// PYTHONOPTIMIZE, PYTHONWARNINGS, PYTHONIOENCODING, LD_PRELOAD,
// LD_LIBRARY_PATH, ...) must be absent or equal to the zygote's own
// (Config.Env), and a locale variable must not name a non-UTF-8 character
// set. The error wraps ErrIncompatible.
func (z *Zygote) Compatible(env []string) error {
	return compatible(env, z.cfg.Env)
}

func compatible(env, base []string) error {
	fn, zy := envMap(env), envMap(base)
	for _, m := range []map[string]string{fn, zy} {
		for k := range m {
			if !startupVar(k) {
				continue
			}
			fv, fok := fn[k]
			zv, zok := zy[k]
			if fok != zok || fv != zv {
				return fmt.Errorf("%w: %s is read at start-up (function %q, zygote %q)", ErrIncompatible, k, fv, zv)
			}
		}
	}
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v, ok := fn[k]; ok && !utf8Locale(v) {
			return fmt.Errorf("%w: %s=%s is not a UTF-8 locale", ErrIncompatible, k, v)
		}
	}
	return nil
}

// startupVar reports a variable the interpreter or the dynamic linker reads
// only when the process starts.
func startupVar(k string) bool {
	if strings.HasPrefix(k, "LD_") {
		return true
	}
	if !strings.HasPrefix(k, "PYTHON") {
		return false
	}
	for _, ok := range runtimePythonVars() {
		if k == ok {
			return false
		}
	}
	return true
}

// utf8Locale reports a locale whose character set is UTF-8, or one Python
// coerces to UTF-8 (C, POSIX, empty).
func utf8Locale(v string) bool {
	switch v {
	case "", "C", "POSIX":
		return true
	}
	_, charset, ok := strings.Cut(v, ".")
	if !ok {
		return false
	}
	charset, _, _ = strings.Cut(charset, "@")
	c := strings.ToLower(strings.ReplaceAll(charset, "-", ""))
	return c == "utf8"
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
