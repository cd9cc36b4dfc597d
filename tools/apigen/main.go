// Command apigen generates Nubo's API packages from the botocore service models
// installed on the machine.
//
// Regenerate everything from the repository root with
//
//	go run ./tools/apigen
//
// or `go generate ./tools/apigen`. The tables tools/apigen/services.json (the
// packages internal/awsapi/<pkg>) and tools/apigen/fixtures.json (codec-test
// fixtures in internal/protocol/internal/testapi/<pkg>) list, per package, the
// botocore service and version, the Go package name and the implemented operations,
// one per line: implementing an operation means adding a line and re-running.
//
// For each package apigen writes:
//
//   - model.json: the botocore model trimmed to its metadata, every operation
//     (name, http, input, output, errors, checksum, compression and auth traits) and
//     only the shapes reachable from implemented operations, without documentation.
//     Key order, and so member order, follows the botocore document.
//   - api.go: the Go types of the implemented operations (conventions in the
//     internal/awsapi package comment), the Handler interface, API and Bind.
//   - doc.go: the package comment.
//
// A service may name an overlay: an older botocore model (for SQS, the awsQuery
// model of Debian's python3-botocore) whose query traits are merged where the
// newer model lacks them.
//
// Flags:
//
//	-botocore dir   botocore package directory (default: asked from python3)
//	-overlay dir    botocore directory for overlays (default: each service's config)
//	-root dir       repository root (default: the directory holding go.mod)
//	-out dir        write under dir instead of the repository root
//
// The output is deterministic; TestGeneratedUpToDate checks that the committed
// files match a fresh run.
package main

//go:generate go run .

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var o options
	flag.StringVar(&o.botocore, "botocore", "", "botocore package `dir` (holding data/); default: located with python3")
	flag.StringVar(&o.overlay, "overlay", "", "botocore `dir` for overlay models; default: per service config")
	flag.StringVar(&o.root, "root", "", "repository root `dir`; default: the nearest parent holding go.mod")
	flag.StringVar(&o.out, "out", "", "write output under `dir` instead of the repository root")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "apigen:", err)
		os.Exit(1)
	}
}
