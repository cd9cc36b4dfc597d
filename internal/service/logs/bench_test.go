package logs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// benchGroup fills a group with n events over 10 streams on db.
func benchGroup(b *testing.B, db store.DB, n int) *Service {
	b.Helper()
	f := newFixtureOn(b, db, nil)
	ctx := context.Background()
	base := f.clk.Now().Add(-time.Hour)
	for s := range 10 {
		stream := fmt.Sprint("stream-", s)
		if err := f.s.EnsureStream(ctx, "/bench", stream); err != nil {
			b.Fatal(err)
		}
		for off := 0; off < n/10; off += 1000 {
			evs := make([]Event, 1000)
			for i := range evs {
				level := "INFO"
				if (off+i)%100 == 0 {
					level = "ERROR"
				}
				evs[i] = Event{Timestamp: base.Add(time.Duration(off+i) * time.Millisecond),
					Message: fmt.Sprintf(`{"level":"%s","requestId":"%08d","msg":"handled request in %d ms"}`, level, off+i, i%97)}
			}
			if err := f.s.Append(ctx, "/bench", stream, evs); err != nil {
				b.Fatal(err)
			}
		}
	}
	return f.s
}

// BenchmarkFilterLogEvents searches 100k events (10 streams) on Pebble.
func BenchmarkFilterLogEvents(b *testing.B) {
	db, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := benchGroup(b, db, 100000)
	for _, bc := range []struct{ name, pattern string }{
		{"terms", "ERROR"},
		{"json", `{ $.level = "ERROR" }`},
		{"all-limit-100", ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in := &logsapi.FilterLogEventsInput{LogGroupName: ptr("/bench"), FilterPattern: ptr(bc.pattern)}
			if bc.pattern == "" {
				in.Limit = ptr(int32(100))
			}
			var n int
			for b.Loop() {
				out, err := s.FilterLogEvents(context.Background(), in)
				if err != nil {
					b.Fatal(err)
				}
				n = len(out.Events)
			}
			b.ReportMetric(float64(n), "events/op")
		})
	}
}

// BenchmarkPutLogEvents writes batches of 100 events durably.
func BenchmarkPutLogEvents(b *testing.B) {
	db, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	f := newFixtureOn(b, db, nil)
	if err := f.s.EnsureStream(context.Background(), "g", "s"); err != nil {
		b.Fatal(err)
	}
	evs := make([]logsapi.InputLogEvent, 100)
	for b.Loop() {
		now := f.clk.Now().UnixMilli()
		for i := range evs {
			evs[i] = logsapi.InputLogEvent{Timestamp: ptr(now), Message: ptr("a typical log line of about sixty bytes, give or take some")}
		}
		if _, err := f.s.PutLogEvents(context.Background(), &logsapi.PutLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr("s"), LogEvents: evs}); err != nil {
			b.Fatal(err)
		}
	}
}
