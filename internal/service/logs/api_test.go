package logs

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/platform/store"
)

func TestEnsureStreamAndAppend(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	group, stream := "/aws/lambda/fn", "2026/11/28/[$LATEST]0123456789abcdef0123456789abcdef"
	for range 2 { // idempotent
		if err := f.s.EnsureStream(ctx, group, stream); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var got []string
	cancel := f.s.Subscribe(func(g, s string, evs []Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range evs {
			got = append(got, g+"|"+s+"|"+e.Message)
		}
	})
	base := f.clk.Now().Add(-time.Hour)
	// Out of order input, old timestamps, an oversize message: all accepted.
	err := f.s.Append(ctx, group, stream, []Event{
		{Timestamp: base.Add(2 * time.Millisecond), Message: "second"},
		{Timestamp: base, Message: "first"},
		{Timestamp: base.Add(-30 * 24 * time.Hour), Message: "ancient"},
		{Timestamp: base.Add(3 * time.Millisecond), Message: strings.Repeat("é", maxEventBytes)},
	})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := f.s.Append(ctx, group, stream, []Event{{Timestamp: base, Message: "unseen"}}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(got) != 4 || got[0] != group+"|"+stream+"|ancient" || got[1] != group+"|"+stream+"|first" {
		t.Fatalf("subscriber got %d events: %.80v", len(got), got)
	}
	mu.Unlock()
	out := must[logsapi.GetLogEventsOutput](f, "GetLogEvents", &logsapi.GetLogEventsInput{LogGroupName: ptr(group), LogStreamName: ptr(stream), StartFromHead: ptr(true)})
	msgs := messages(out.Events, func(e logsapi.OutputLogEvent) *string { return e.Message })
	// The 1 MB event does not fit in the same 1 MB response.
	if len(msgs) != 4 || msgs[0] != "ancient" || msgs[1] != "first" || msgs[2] != "unseen" || msgs[3] != "second" {
		t.Fatalf("events = %.60v", msgs)
	}
	out = must[logsapi.GetLogEventsOutput](f, "GetLogEvents", &logsapi.GetLogEventsInput{LogGroupName: ptr(group), LogStreamName: ptr(stream), Limit: ptr(int32(1))})
	if l := len(*out.Events[0].Message); l > maxEventBytes || l < maxEventBytes-1 {
		t.Fatalf("oversize message stored with %d bytes", l)
	}
	if err := f.s.Append(ctx, group, "missing", []Event{{Timestamp: base, Message: "x"}}); !isCode(err, "ResourceNotFoundException") {
		t.Fatalf("append to missing stream: %v", err)
	}
	if err := f.s.EnsureStream(ctx, "bad name", "s"); !isCode(err, "InvalidParameterException") {
		t.Fatalf("bad group name: %v", err)
	}
}

func TestConcurrentAppends(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := string(rune('a' + w))
			if err := f.s.EnsureStream(ctx, "g", stream); err != nil {
				t.Error(err)
				return
			}
			for i := range 50 {
				if err := f.s.Append(ctx, "g", stream, []Event{{Timestamp: f.clk.Now(), Message: "m"}}); err != nil {
					t.Error(err)
				}
				if i%10 == 0 {
					_, _ = f.call("DescribeLogStreams", &logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g")})
				}
			}
		}()
	}
	wg.Wait()
	if n := countEvents(f, "g"); n != 200 {
		t.Fatalf("%d events, want 200", n)
	}
}

func TestPersistenceAcrossRecreation(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, db, nil)
	f.group("g")
	f.stream("g", "s")
	must[logsapi.PutRetentionPolicyOutput](f, "PutRetentionPolicy", &logsapi.PutRetentionPolicyInput{LogGroupName: ptr("g"), RetentionInDays: ptr(int32(30))})
	now := f.nowMS()
	f.put("g", "s", now-10, 1, 3, "a%d")
	if err := f.s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db2.Close() })
	f2 := newFixtureOn(t, db2, f.clk)
	f2.put("g", "s", now-10, 1, 2, "b%d") // same timestamps: must not overwrite
	out := must[logsapi.GetLogEventsOutput](f2, "GetLogEvents", &logsapi.GetLogEventsInput{LogGroupName: ptr("g"), LogStreamName: ptr("s"), StartFromHead: ptr(true)})
	got := strings.Join(messages(out.Events, func(e logsapi.OutputLogEvent) *string { return e.Message }), ",")
	if got != "a0,b0,a1,b1,a2" {
		t.Fatalf("events after reopen = %s", got)
	}
	groups := must[logsapi.DescribeLogGroupsOutput](f2, "DescribeLogGroups", &logsapi.DescribeLogGroupsInput{})
	if len(groups.LogGroups) != 1 || deref(groups.LogGroups[0].RetentionInDays) != 30 || *groups.LogGroups[0].StoredBytes != 10 {
		t.Fatalf("groups after reopen = %+v", groups.LogGroups)
	}
	// Ids keep counting: a new group's events do not collide with old ones.
	f2.group("h")
	f2.stream("h", "s")
	if n := countEvents(f2, "h"); n != 0 {
		t.Fatalf("new group sees %d events", n)
	}
}
