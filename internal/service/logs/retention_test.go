package logs

import (
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

func TestRetentionExpiresOnClockAdvance(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	f.group("keep")
	for _, g := range []string{"g", "keep"} {
		f.stream(g, "s")
	}
	now := f.nowMS()
	hour := int64(time.Hour / time.Millisecond)
	// Events 10 h old and fresh ones, in both groups.
	f.put("g", "s", now-10*hour, 1, 3, "old%d")
	f.put("g", "s", now, 1, 2, "new%d")
	f.put("keep", "s", now-10*hour, 1, 3, "old%d")
	must[logsapi.PutRetentionPolicyOutput](f, "PutRetentionPolicy", &logsapi.PutRetentionPolicyInput{LogGroupName: ptr("g"), RetentionInDays: ptr(int32(1))})
	if n := countEvents(f, "g"); n != 5 {
		t.Fatalf("before advance: %d events", n)
	}
	// 15 h later the old events (now 25 h old) have expired, the new ones not.
	if err := f.clk.Advance(15 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(f, "g"); n != 2 {
		t.Fatalf("after 15h: %d events, want 2", n)
	}
	if n := countEvents(f, "keep"); n != 3 {
		t.Fatalf("group without retention lost events: %d", n)
	}
	out := must[logsapi.DescribeLogStreamsOutput](f, "DescribeLogStreams", &logsapi.DescribeLogStreamsInput{LogGroupName: ptr("g")})
	if *out.LogStreams[0].FirstEventTimestamp != now {
		t.Fatalf("first event = %d, want %d", *out.LogStreams[0].FirstEventTimestamp, now)
	}
	groups := must[logsapi.DescribeLogGroupsOutput](f, "DescribeLogGroups", &logsapi.DescribeLogGroupsInput{LogGroupNamePrefix: ptr("g")})
	if *groups.LogGroups[0].StoredBytes != int64(len("new0")*2) {
		t.Fatalf("storedBytes = %d", *groups.LogGroups[0].StoredBytes)
	}
	// Events written later expire a day after their timestamp.
	f.put("g", "s", f.nowMS(), 1, 1, "later%d")
	if err := f.clk.Advance(24*time.Hour + time.Second); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(f, "g"); n != 0 {
		t.Fatalf("after another day: %d events", n)
	}
}

func TestRetentionAppliedAtPolicyTime(t *testing.T) {
	f := newFixture(t)
	f.group("g")
	f.stream("g", "s")
	f.put("g", "s", f.nowMS()-4*24*3600*1000, 1, 2, "m%d")
	must[logsapi.PutRetentionPolicyOutput](f, "PutRetentionPolicy", &logsapi.PutRetentionPolicyInput{LogGroupName: ptr("g"), RetentionInDays: ptr(int32(3))})
	if n := countEvents(f, "g"); n != 0 {
		t.Fatalf("%d events older than the new retention remain", n)
	}
}
