// Command nubo is a self-hosted AWS-compatible serverless cloud in one binary.
// See `nubo help`.
package main

import (
	"os"

	"github.com/nubo/nubo/internal/cli"
	"github.com/nubo/nubo/internal/runtime/sandbox"
)

func main() {
	// A function sandbox re-executes this binary as its namespace init; that
	// role never returns from MaybeRunInit.
	sandbox.MaybeRunInit()
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
