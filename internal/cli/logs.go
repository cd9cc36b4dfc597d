package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// runLogs implements `nubo logs <function|log group> [--follow] [--since D]
// [--filter PATTERN]`: it prints the function's log events and, with --follow,
// keeps polling for new ones until interrupted.
func runLogs(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nubo logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	follow := fs.Bool("follow", false, "keep printing new events")
	since := fs.Duration("since", time.Hour, "how far back to start")
	filter := fs.String("filter", "", "CloudWatch Logs filter pattern")
	interval := fs.Duration("interval", time.Second, "poll interval with --follow")
	client := clientFlags(fs)
	name, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if name == "" {
		fmt.Fprintln(stderr, "usage: nubo logs <function|/log/group> [--follow] [--since 1h] [--filter PATTERN]")
		return 2
	}
	group := name
	if !strings.HasPrefix(group, "/") {
		group = "/aws/lambda/" + name
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t := &tailer{c: client(), group: group, filter: *filter, seen: map[string]bool{},
		start: time.Now().Add(-*since).UnixMilli(), out: stdout}
	for {
		if err := t.poll(); err != nil {
			fmt.Fprintf(stderr, "nubo logs: %v\n", err)
			return 1
		}
		if !*follow {
			return 0
		}
		select {
		case <-ctx.Done():
			return 0
		case <-time.After(*interval):
		}
	}
}

// tailer prints new events of a log group with FilterLogEvents.
type tailer struct {
	c      *apiClient
	group  string
	filter string
	start  int64
	seen   map[string]bool
	out    io.Writer
}

type filteredEvent struct {
	EventID       string `json:"eventId"`
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
}

// poll prints every event since the last one printed. Events are de-duplicated
// by id because FilterLogEvents' time window is inclusive.
func (t *tailer) poll() error {
	token := ""
	for {
		in := map[string]any{"logGroupName": t.group, "startTime": t.start, "interleaved": true}
		if t.filter != "" {
			in["filterPattern"] = t.filter
		}
		if token != "" {
			in["nextToken"] = token
		}
		var out struct {
			Events    []filteredEvent `json:"events"`
			NextToken string          `json:"nextToken"`
		}
		if err := t.c.jsonCall("logs", "Logs_20140328.FilterLogEvents", in, &out); err != nil {
			return err
		}
		for _, e := range out.Events {
			if t.seen[e.EventID] {
				continue
			}
			t.seen[e.EventID] = true
			ts := time.UnixMilli(e.Timestamp).UTC().Format("2006-01-02T15:04:05.000Z")
			fmt.Fprintf(t.out, "%s %s %s\n", ts, e.LogStreamName, strings.TrimRight(e.Message, "\n"))
			if e.Timestamp > t.start {
				t.start = e.Timestamp
			}
		}
		if out.NextToken == "" || out.NextToken == token {
			return nil
		}
		token = out.NextToken
	}
}
