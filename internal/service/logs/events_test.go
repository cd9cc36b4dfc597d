package logs

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

func TestLogStreams(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	now := f.nowMS()
	for i, n := range []string{"c", "a", "b", "d"} {
		f.stream("g", n)
		if n != "d" {
			f.put("g", n, now-int64(10-i)*1000, 1, 1, "x%d")
		}
	}
	cases := []struct {
		name string
		in   logsapi.DescribeLogStreamsInput
		want []string
		code string
	}{
		{"by name", logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g")}, []string{"a", "b", "c", "d"}, ""},
		{"by name desc", logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g"), Descending: ptr(true)}, []string{"d", "c", "b", "a"}, ""},
		{"prefix", logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g"), LogStreamNamePrefix: ptr("b")}, []string{"b"}, ""},
		{"by last event time", logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g"), OrderBy: ptr("LastEventTime")}, []string{"d", "c", "a", "b"}, ""},
		{"by last event time desc", logsapi.DescribeLogStreamsInput{LogGroupIdentifier: ptr("g"), OrderBy: ptr("LastEventTime"), Descending: ptr(true)}, []string{"b", "a", "c", "d"}, ""},
		{"time order with prefix", logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g"), OrderBy: ptr("LastEventTime"), LogStreamNamePrefix: ptr("a")}, nil, "InvalidParameterException"},
		{"bad order", logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g"), OrderBy: ptr("Size")}, nil, "InvalidParameterException"},
		{"no group", logsapi.DescribeLogStreamsInput{LogGroupName: ptr("nope")}, nil, "ResourceNotFoundException"},
		{"name and identifier", logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g"), LogGroupIdentifier: ptr("g")}, nil, "InvalidParameterException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.call("DescribeLogStreams", &tc.in)
			wantCode(t, err, tc.code)
			if tc.code != "" {
				return
			}
			got := messages(out.(*logsapi.DescribeLogStreamsOutput).LogStreams, func(s logsapi.LogStream) *string { return s.LogStreamName })
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("streams = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("pagination", func(t *testing.T) {
		for _, order := range []string{"LogStreamName", "LastEventTime"} {
			for _, desc := range []bool{false, true} {
				var got []string
				var tok *string
				for range 10 {
					out := must[logsapi.DescribeLogStreamsOutput](f, "DescribeLogStreams", &logsapi.DescribeLogStreamsInput{
						LogGroupName: ptr("g"), OrderBy: ptr(order), Descending: ptr(desc), Limit: ptr(int32(3)), NextToken: tok})
					got = append(got, messages(out.LogStreams, func(s logsapi.LogStream) *string { return s.LogStreamName })...)
					if tok = out.NextToken; tok == nil {
						break
					}
				}
				all := must[logsapi.DescribeLogStreamsOutput](f, "DescribeLogStreams", &logsapi.DescribeLogStreamsInput{
					LogGroupName: ptr("g"), OrderBy: ptr(order), Descending: ptr(desc)})
				want := messages(all.LogStreams, func(s logsapi.LogStream) *string { return s.LogStreamName })
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s desc=%v: paged %v, want %v", order, desc, got, want)
				}
			}
		}
	})
	t.Run("fields", func(t *testing.T) {
		out := must[logsapi.DescribeLogStreamsOutput](f, "DescribeLogStreams", &logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g"), LogStreamNamePrefix: ptr("a")})
		s := out.LogStreams[0]
		if s.FirstEventTimestamp == nil || *s.FirstEventTimestamp != now-9000 || *s.LastEventTimestamp != now-9000 ||
			s.LastIngestionTime == nil || *s.Arn != "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:a" ||
			*s.StoredBytes != 0 || len(*s.UploadSequenceToken) != 56 {
			t.Fatalf("stream = %+v", s)
		}
		out = must[logsapi.DescribeLogStreamsOutput](f, "DescribeLogStreams", &logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g"), LogStreamNamePrefix: ptr("d")})
		if out.LogStreams[0].FirstEventTimestamp != nil {
			t.Fatalf("empty stream has a first event: %+v", out.LogStreams[0])
		}
	})
	t.Run("create and delete errors", func(t *testing.T) {
		_, err := f.call("CreateLogStream", &logsapi.CreateLogStreamInput{LogGroupName: ptr("g"), LogStreamName: ptr("a")})
		wantCode(t, err, "ResourceAlreadyExistsException")
		_, err = f.call("CreateLogStream", &logsapi.CreateLogStreamInput{LogGroupName: ptr("g"), LogStreamName: ptr("a:b")})
		wantCode(t, err, "InvalidParameterException")
		_, err = f.call("CreateLogStream", &logsapi.CreateLogStreamInput{LogGroupName: ptr("nope"), LogStreamName: ptr("a")})
		wantCode(t, err, "ResourceNotFoundException")
		must[logsapi.DeleteLogStreamOutput](f, "DeleteLogStream", &logsapi.DeleteLogStreamInput{LogGroupName: ptr("g"), LogStreamName: ptr("a")})
		_, err = f.call("DeleteLogStream", &logsapi.DeleteLogStreamInput{LogGroupName: ptr("g"), LogStreamName: ptr("a")})
		wantCode(t, err, "ResourceNotFoundException")
	})
}

func TestPutLogEvents(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	f.stream("g", "s")
	f.group("r")
	f.stream("r", "s")
	must[logsapi.PutRetentionPolicyOutput](f, "PutRetentionPolicy", &logsapi.PutRetentionPolicyInput{LogGroupName: ptr("r"), RetentionInDays: ptr(int32(1))})
	now := f.nowMS()
	ev := func(ts int64, msg string) logsapi.InputLogEvent {
		return logsapi.InputLogEvent{Timestamp: ptr(ts), Message: ptr(msg)}
	}
	hour := int64(time.Hour / time.Millisecond)
	many := make([]logsapi.InputLogEvent, 10001)
	for i := range many {
		many[i] = ev(now, "m")
	}
	big := []logsapi.InputLogEvent{ev(now, strings.Repeat("x", 600000)), ev(now, strings.Repeat("y", 600000))}
	cases := []struct {
		name     string
		group    string
		events   []logsapi.InputLogEvent
		code     string
		rejected *logsapi.RejectedLogEventsInfo
		stored   int
	}{
		{"ok", "g", []logsapi.InputLogEvent{ev(now, "a"), ev(now, "b"), ev(now+1, "c")}, "", nil, 3},
		{"out of order", "g", []logsapi.InputLogEvent{ev(now, "a"), ev(now-1, "b")}, "InvalidParameterException", nil, 0},
		{"empty batch", "g", []logsapi.InputLogEvent{}, "InvalidParameterException", nil, 0},
		{"too many events", "g", many, "InvalidParameterException", nil, 0},
		{"too many bytes", "g", big, "InvalidParameterException", nil, 0},
		{"empty message", "g", []logsapi.InputLogEvent{ev(now, "")}, "InvalidParameterException", nil, 0},
		{"span over 24h", "g", []logsapi.InputLogEvent{ev(now-25*hour, "a"), ev(now, "b")}, "InvalidParameterException", nil, 0},
		{"too old and too new", "g", []logsapi.InputLogEvent{ev(now-15*24*hour, "old"), ev(now-15*24*hour, "old"), ev(now, "ok"), ev(now+3*hour, "new")}, "",
			&logsapi.RejectedLogEventsInfo{TooOldLogEventEndIndex: ptr(int32(1)), TooNewLogEventStartIndex: ptr(int32(3))}, 1},
		{"expired by retention", "r", []logsapi.InputLogEvent{ev(now-2*24*hour, "exp"), ev(now, "ok")}, "",
			&logsapi.RejectedLogEventsInfo{ExpiredLogEventEndIndex: ptr(int32(0))}, 1},
		{"no group", "nope", []logsapi.InputLogEvent{ev(now, "a")}, "ResourceNotFoundException", nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := countEvents(f, tc.group)
			out, err := f.call("PutLogEvents", &logsapi.PutLogEventsInput{LogGroupName: ptr(tc.group), LogStreamName: ptr("s"),
				LogEvents: tc.events, SequenceToken: ptr("ignored")})
			wantCode(t, err, tc.code)
			if tc.code != "" {
				if tc.group != "nope" && countEvents(f, tc.group) != before {
					t.Fatal("a failed batch stored events")
				}
				return
			}
			o := out.(*logsapi.PutLogEventsOutput)
			if o.NextSequenceToken == nil || !reflect.DeepEqual(o.RejectedLogEventsInfo, tc.rejected) {
				t.Fatalf("out = %+v rejected=%+v", o, o.RejectedLogEventsInfo)
			}
			if got := countEvents(f, tc.group) - before; got != tc.stored {
				t.Fatalf("stored %d events, want %d", got, tc.stored)
			}
		})
	}
	_, err := f.call("PutLogEvents", &logsapi.PutLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr("nope"), LogEvents: []logsapi.InputLogEvent{ev(now, "a")}})
	wantCode(t, err, "ResourceNotFoundException")
}

func countEvents(f *fixture, group string) int {
	out, err := f.call("FilterLogEvents", &logsapi.FilterLogEventsInput{LogGroupName: ptr(group)})
	if err != nil {
		return -1
	}
	return len(out.(*logsapi.FilterLogEventsOutput).Events)
}

func TestGetLogEventsTokens(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	f.stream("g", "s")
	now := f.nowMS()
	f.put("g", "s", now-25, 1, 25, "e%02d")
	get := func(in logsapi.GetLogEventsInput) *logsapi.GetLogEventsOutput {
		in.LogGroupName, in.LogStreamName = ptr("g"), ptr("s")
		return must[logsapi.GetLogEventsOutput](f, "GetLogEvents", &in)
	}
	msgs := func(o *logsapi.GetLogEventsOutput) string {
		return strings.Join(messages(o.Events, func(e logsapi.OutputLogEvent) *string { return e.Message }), ",")
	}
	// Default: the latest events, in ascending order.
	tail := get(logsapi.GetLogEventsInput{Limit: ptr(int32(3))})
	if msgs(tail) != "e22,e23,e24" {
		t.Fatalf("tail = %s", msgs(tail))
	}
	if !strings.HasPrefix(*tail.NextForwardToken, "f/") || !strings.HasPrefix(*tail.NextBackwardToken, "b/") {
		t.Fatalf("tokens = %s %s", *tail.NextForwardToken, *tail.NextBackwardToken)
	}
	back := get(logsapi.GetLogEventsInput{Limit: ptr(int32(3)), NextToken: tail.NextBackwardToken})
	if msgs(back) != "e19,e20,e21" {
		t.Fatalf("backward page = %s", msgs(back))
	}
	// At the end, the forward token comes back unchanged.
	end := get(logsapi.GetLogEventsInput{Limit: ptr(int32(3)), NextToken: tail.NextForwardToken})
	if len(end.Events) != 0 || *end.NextForwardToken != *tail.NextForwardToken {
		t.Fatalf("end page = %s token %s want %s", msgs(end), *end.NextForwardToken, *tail.NextForwardToken)
	}
	// New events appear after the forward token.
	f.put("g", "s", now, 1, 2, "n%d")
	next := get(logsapi.GetLogEventsInput{NextToken: end.NextForwardToken})
	if msgs(next) != "n0,n1" {
		t.Fatalf("after new events = %s", msgs(next))
	}
	// From the head, forward pages cover everything once.
	var all []string
	page := get(logsapi.GetLogEventsInput{StartFromHead: ptr(true), Limit: ptr(int32(10))})
	for range 10 {
		all = append(all, messages(page.Events, func(e logsapi.OutputLogEvent) *string { return e.Message })...)
		nxt := get(logsapi.GetLogEventsInput{NextToken: page.NextForwardToken, Limit: ptr(int32(10))})
		if len(nxt.Events) == 0 {
			if *nxt.NextForwardToken != *page.NextForwardToken {
				t.Fatal("forward token changed at the end")
			}
			break
		}
		page = nxt
	}
	if len(all) != 27 || all[0] != "e00" || all[26] != "n1" {
		t.Fatalf("head pages = %v", all)
	}
	// Backward from the head returns the same backward token.
	head := get(logsapi.GetLogEventsInput{StartFromHead: ptr(true), Limit: ptr(int32(2))})
	before := get(logsapi.GetLogEventsInput{NextToken: head.NextBackwardToken})
	if len(before.Events) != 0 || *before.NextBackwardToken != *head.NextBackwardToken {
		t.Fatalf("before head = %s", msgs(before))
	}
	// Time range: [start, end).
	rng := get(logsapi.GetLogEventsInput{StartTime: ptr(now - 20), EndTime: ptr(now - 17), StartFromHead: ptr(true)})
	if msgs(rng) != "e05,e06,e07" {
		t.Fatalf("range = %s", msgs(rng))
	}
	_, err := f.call("GetLogEvents", &logsapi.GetLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr("s"), NextToken: ptr("f/bogus")})
	wantCode(t, err, "InvalidParameterException")
	_, err = f.call("GetLogEvents", &logsapi.GetLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr("x")})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = f.call("GetLogEvents", &logsapi.GetLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr("s"), Limit: ptr(int32(10001))})
	wantCode(t, err, "InvalidParameterException")
}
