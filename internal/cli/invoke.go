package cli

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// runInvoke implements `nubo invoke <function> [--payload JSON]`: it invokes the
// function synchronously and prints the result and the tail of its log.
func runInvoke(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nubo invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	payload := fs.String("payload", "{}", "event JSON")
	qualifier := fs.String("qualifier", "", "version or alias")
	async := fs.Bool("async", false, "invoke asynchronously (InvocationType Event)")
	client := clientFlags(fs)
	fn, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if fn == "" && fs.NArg() > 0 {
		fn = fs.Arg(0)
	}
	if fn == "" {
		fmt.Fprintln(stderr, "usage: nubo invoke <function> [--payload JSON] [--qualifier Q] [--async]")
		return 2
	}
	c := client()
	u := c.endpoint + "/2015-03-31/functions/" + url.PathEscape(fn) + "/invocations"
	if *qualifier != "" {
		u += "?Qualifier=" + url.QueryEscape(*qualifier)
	}
	body := []byte(*payload)
	r, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(stderr, "nubo invoke: %v\n", err)
		return 1
	}
	if *async {
		r.Header.Set("X-Amz-Invocation-Type", "Event")
	} else {
		r.Header.Set("X-Amz-Log-Type", "Tail")
	}
	resp, out, err := c.do(r, body, "lambda")
	if err != nil {
		fmt.Fprintf(stderr, "nubo invoke: %v\n", err)
		return 1
	}
	if *async {
		fmt.Fprintf(stdout, "queued (HTTP %d)\n", resp.StatusCode)
		return 0
	}
	if tail := resp.Header.Get("X-Amz-Log-Result"); tail != "" {
		if logs, err := base64.StdEncoding.DecodeString(tail); err == nil {
			fmt.Fprintln(stderr, strings.TrimRight(string(logs), "\n"))
		}
	}
	fmt.Fprintln(stdout, string(out))
	if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		fmt.Fprintf(stderr, "function error: %s\n", fe)
		return 1
	}
	return 0
}

// splitPositional lets a leading positional argument come before the flags
// (`nubo invoke fn --payload …`), which the flag package would otherwise stop at.
func splitPositional(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}
