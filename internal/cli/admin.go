package cli

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// adminClient talks to a running server's admin API.
type adminClient struct {
	endpoint string
	http     *http.Client
}

func adminFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	ep := fs.String("endpoint", env("ENDPOINT", "http://127.0.0.1:4566"), "Nubo endpoint (NUBO_ENDPOINT)")
	return fs, ep
}

func (c adminClient) do(method, path string, stdout io.Writer) error {
	req, err := http.NewRequest(method, c.endpoint+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(stdout, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return nil
}

func newAdminClient(ep string) adminClient {
	return adminClient{endpoint: ep, http: &http.Client{Timeout: 10 * time.Minute}}
}

func runReset(args []string, stdout, stderr io.Writer) int {
	fs, ep := adminFlags("nubo reset", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := newAdminClient(*ep).do(http.MethodPost, "/_nubo/reset", stdout); err != nil {
		fmt.Fprintf(stderr, "nubo reset: %v\n", err)
		return 1
	}
	return 0
}

func runClock(args []string, stdout, stderr io.Writer) int {
	fs, ep := adminFlags("nubo clock", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c := newAdminClient(*ep)
	rest := fs.Args()
	var err error
	switch {
	case len(rest) == 0:
		err = c.do(http.MethodGet, "/_nubo/clock", stdout)
	case len(rest) == 2 && rest[0] == "advance":
		if _, perr := strconv.ParseFloat(rest[1], 64); perr != nil {
			fmt.Fprintf(stderr, "nubo clock advance: %q is not a number of seconds\n", rest[1])
			return 2
		}
		err = c.do(http.MethodPost, "/_nubo/clock/advance?seconds="+url.QueryEscape(rest[1]), stdout)
	default:
		fmt.Fprintln(stderr, "usage: nubo clock [advance SECONDS]")
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "nubo clock: %v\n", err)
		return 1
	}
	return 0
}
