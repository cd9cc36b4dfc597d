// Package cli implements the nubo command: `nubo server` starts everything;
// `nubo version`, `nubo reset` and `nubo clock advance` talk to a running server.
// Options come from flags, then NUBO_* environment variables, then defaults.
package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
)

// Version is the release version, set at build time with
// -ldflags "-X github.com/nubo/nubo/internal/cli.Version=v1.2.3".
var Version = ""

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"server", "start the Nubo server", runServer},
		{"invoke", "invoke a function and print its result and log tail", runInvoke},
		{"logs", "print a function's logs (--follow keeps tailing)", runLogs},
		{"reset", "drop all state of a running server", runReset},
		{"clock", "show or advance a running server's clock (clock advance SECONDS)", runClock},
		{"version", "print the version", runVersion},
	}
}

// Main runs the nubo command with args (without the program name) and returns
// the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "nubo: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Nubo: a self-hosted AWS-compatible serverless cloud in one binary.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: nubo <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'nubo <command> -h' for the flags of a command.")
}

// version returns the build's version: Version if set, else the module version
// or VCS revision recorded by the Go toolchain.
func version() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}

func runVersion(_ []string, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "nubo %s\n", version())
	return 0
}

// env returns the environment variable NUBO_<name>, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv("NUBO_" + name); ok {
		return v
	}
	return def
}

// defaultDataDir is $XDG_DATA_HOME/nubo, else ~/.local/share/nubo.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "nubo")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "nubo")
	}
	return filepath.Join(home, ".local", "share", "nubo")
}
