// Command nubo is a self-hosted AWS-compatible serverless cloud in one binary.
// See `nubo help`.
package main

import (
	"os"

	"github.com/nubo/nubo/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
