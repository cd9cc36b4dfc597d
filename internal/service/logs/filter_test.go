package logs

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

func TestFilterLogEvents(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	now := f.nowMS()
	// Three streams whose events interleave in time.
	for i, s := range []string{"s1", "s2", "s3"} {
		f.stream("g", s)
		evs := make([]logsapi.InputLogEvent, 10)
		for j := range evs {
			level := "INFO"
			if j%3 == 0 {
				level = "ERROR"
			}
			evs[j] = logsapi.InputLogEvent{Timestamp: ptr(now - 1000 + int64(j*3+i)), Message: ptr(fmt.Sprintf(`{"level":"%s","stream":"%s","n":%d}`, level, s, j))}
		}
		must[logsapi.PutLogEventsOutput](f, "PutLogEvents", &logsapi.PutLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr(s), LogEvents: evs})
	}
	f.stream("g", "empty")
	filter := func(in logsapi.FilterLogEventsInput) *logsapi.FilterLogEventsOutput {
		if in.LogGroupIdentifier == nil {
			in.LogGroupName = ptr("g")
		}
		return must[logsapi.FilterLogEventsOutput](f, "FilterLogEvents", &in)
	}
	cases := []struct {
		name string
		in   logsapi.FilterLogEventsInput
		want int
	}{
		{"all", logsapi.FilterLogEventsInput{}, 30},
		{"json pattern", logsapi.FilterLogEventsInput{FilterPattern: ptr(`{ $.level = "ERROR" }`)}, 12},
		{"json and number", logsapi.FilterLogEventsInput{FilterPattern: ptr(`{ $.level = "ERROR" && $.n > 3 }`)}, 6},
		{"stream names", logsapi.FilterLogEventsInput{LogStreamNames: []string{"s1", "s3", "missing"}}, 20},
		{"stream prefix", logsapi.FilterLogEventsInput{LogStreamNamePrefix: ptr("s2")}, 10},
		{"time range", logsapi.FilterLogEventsInput{StartTime: ptr(now - 1000), EndTime: ptr(now - 1000 + 9)}, 9},
		{"identifier arn", logsapi.FilterLogEventsInput{LogGroupIdentifier: ptr("arn:aws:logs:us-east-1:123456789012:log-group:g:*"), FilterPattern: ptr("s1")}, 10},
		{"exclude", logsapi.FilterLogEventsInput{FilterPattern: ptr(`-ERROR`)}, 18},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filter(tc.in)
			if len(out.Events) != tc.want {
				t.Fatalf("%d events, want %d", len(out.Events), tc.want)
			}
			if !sort.SliceIsSorted(out.Events, func(i, j int) bool { return *out.Events[i].Timestamp < *out.Events[j].Timestamp }) {
				t.Fatal("events not interleaved in time order")
			}
		})
	}
	t.Run("fields", func(t *testing.T) {
		out := filter(logsapi.FilterLogEventsInput{Limit: ptr(int32(2))})
		e := out.Events[0]
		if *e.LogStreamName != "s1" || !strings.Contains(*e.Message, `"n":0`) || *e.IngestionTime <= 0 ||
			len(*e.EventId) != 56 || *out.Events[1].LogStreamName != "s2" {
			t.Fatalf("events = %+v", out.Events)
		}
		if len(out.SearchedLogStreams) != 4 {
			t.Fatalf("searched = %d streams", len(out.SearchedLogStreams))
		}
	})
	t.Run("pagination", func(t *testing.T) {
		seen := map[string]bool{}
		var order []int64
		var tok *string
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
			out := filter(logsapi.FilterLogEventsInput{Limit: ptr(int32(4)), NextToken: tok, FilterPattern: ptr("INFO")})
			for _, e := range out.Events {
				if seen[*e.EventId] {
					t.Fatalf("event %s returned twice", *e.EventId)
				}
				seen[*e.EventId] = true
				order = append(order, *e.Timestamp)
			}
			if tok = out.NextToken; tok == nil {
				break
			}
		}
		if len(seen) != 18 || !sort.SliceIsSorted(order, func(i, j int) bool { return order[i] < order[j] }) {
			t.Fatalf("paged %d events, sorted=%v", len(seen), order)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			in   logsapi.FilterLogEventsInput
			code string
		}{
			{logsapi.FilterLogEventsInput{LogGroupName: ptr("g"), FilterPattern: ptr(`{ $.x = `)}, "InvalidParameterException"},
			{logsapi.FilterLogEventsInput{LogGroupName: ptr("g"), LogStreamNames: []string{"s1"}, LogStreamNamePrefix: ptr("s")}, "InvalidParameterException"},
			{logsapi.FilterLogEventsInput{LogGroupName: ptr("nope")}, "ResourceNotFoundException"},
			{logsapi.FilterLogEventsInput{}, "InvalidParameterException"},
			{logsapi.FilterLogEventsInput{LogGroupName: ptr("g"), NextToken: ptr("zz")}, "InvalidParameterException"},
		} {
			_, err := f.call("FilterLogEvents", &tc.in)
			wantCode(t, err, tc.code)
		}
	})
}
