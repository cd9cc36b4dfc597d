package sqs

import (
	"bytes"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

func strAttr(typ, v string) sqsapi.MessageAttributeValue {
	return sqsapi.MessageAttributeValue{DataType: &typ, StringValue: &v}
}

// TestMD5OfAttributesKnownValues checks the attribute digest against values
// published with AWS's documentation and SDK test suites.
func TestMD5OfAttributesKnownValues(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]sqsapi.MessageAttributeValue
		want  string
	}{
		{"aws doc example", map[string]sqsapi.MessageAttributeValue{"SellerName": strAttr("String", "Example Store")}, "cd28f3b68aeee4b2eac9c66f2f694b58"},
		{"number", map[string]sqsapi.MessageAttributeValue{"timestamp": strAttr("Number", "1493147359900")}, "235c5c510d26fb653d073faed50ae77c"},
		{"two sorted", map[string]sqsapi.MessageAttributeValue{"ordinal": strAttr("Number", "1"), "category": strAttr("String", "test")}, "d21ae90c49061e927f57df5f5d72be1f"},
		{"none", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := md5OfAttributes(tc.attrs); got != tc.want {
				t.Fatalf("md5OfAttributes = %s, want %s", got, tc.want)
			}
		})
	}
	if got := md5Hex("hello"); got != "5d41402abc4b2a76b9719d911017c592" {
		t.Fatalf("md5Hex(hello) = %s", got)
	}
}

func TestValidChars(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"plain text", true},
		{"tab\tnl\ncr\r", true},
		{"emoji \U0001F600 and é", true},
		{"\uE000\uFFFD", true},
		{"nul\x00", false},
		{"bell\x07", false},
		{"\x1f", false},
		{"\uFFFE", false},
		{"\uFFFF", false},
		{string([]byte{0xed, 0xa0, 0x80}), false}, // encoded surrogate
		{string([]byte{0xff}), false},
	}
	for _, tc := range tests {
		t.Run(strings.ToValidUTF8(tc.s, "?"), func(t *testing.T) {
			if got := validChars(tc.s); got != tc.want {
				t.Fatalf("validChars(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

func TestValidNumber(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"1", true}, {"-1.5", true}, {"+3", true}, {".5", true}, {"1e10", true}, {"0", true},
		{"12345678901234567890123456789012345678", true},
		{"123456789012345678901234567890123456789", false},
		{"1e126", true}, {"1e130", false}, {"1e-127", true}, {"1e-140", false},
		{"abc", false}, {"", false}, {"1.2.3", false}, {"--1", false},
	}
	for _, tc := range tests {
		t.Run(tc.s, func(t *testing.T) {
			if got := validNumber(tc.s); got != tc.want {
				t.Fatalf("validNumber(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

var queueURLCases = []struct {
	in         string
	acct, name string
	ok         bool
}{
	{"http://localhost:4566/000000000000/q1", "000000000000", "q1", true},
	{"http://nubo.test:9999/123456789012/q.fifo", "123456789012", "q.fifo", true},
	{"https://sqs.us-east-1.amazonaws.com/123456789012/orders", "123456789012", "orders", true},
	{"https://queue.amazonaws.com/123456789012/legacy", "123456789012", "legacy", true},
	{"http://localhost:4566/queue/us-east-1/000000000000/q", "000000000000", "q", true},
	{"/000000000000/path-only", "000000000000", "path-only", true},
	{"bare-name", "111111111111", "bare-name", true},
	{"http://localhost:4566/notanaccount/q", "", "", false},
	{"http://localhost:4566/", "", "", false},
	{"", "", "", false},
}

func TestParseQueueURL(t *testing.T) {
	for _, tc := range queueURLCases {
		t.Run(tc.in, func(t *testing.T) {
			acct, name, ok := parseQueueURL(tc.in, "111111111111")
			if ok != tc.ok || acct != tc.acct || name != tc.name {
				t.Fatalf("parseQueueURL(%q) = %q, %q, %v; want %q, %q, %v", tc.in, acct, name, ok, tc.acct, tc.name, tc.ok)
			}
		})
	}
}

func FuzzParseQueueURL(f *testing.F) {
	for _, tc := range queueURLCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		acct, name, ok := parseQueueURL(s, "111111111111")
		if ok && (acct == "" || name == "" || strings.Contains(name, "/")) {
			t.Fatalf("parseQueueURL(%q) = %q, %q", s, acct, name)
		}
	})
}

// FuzzPlainURLPath checks that the fast path of urlPath agrees with url.Parse.
func FuzzPlainURLPath(f *testing.F) {
	for _, tc := range queueURLCases {
		f.Add(tc.in)
	}
	for _, s := range []string{"http://h:/000000000000/q", "https://h:99999999/a/b", "http://a.b-c:1/x/../y", "http://-/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := plainURLPath(s)
		if !ok {
			return
		}
		u, err := url.Parse(s)
		if err != nil || u.Path != p {
			t.Fatalf("plainURLPath(%q) = %q; url.Parse: %v, %v", s, p, u, err)
		}
	})
}

func sampleMessages() []*message {
	bin := "Binary"
	return []*message{
		{seq: 1, id: "6f1c5c4a-1f3e-4a8e-9a52-1b1c0e9a0001", body: "hello", sent: 1700000000000},
		{seq: 1 << 60, id: "x", body: "b\u00e9\U0001F600", trace: "Root=1-abc", sender: "AIDAEXAMPLE", group: "g1",
			dedup: "d1", delay: 1700000005000, dlqFrom: "arn:aws:sqs:us-east-1:000000000000:src", sent: 1700000000000,
			attrs: map[string]sqsapi.MessageAttributeValue{"a": strAttr("String", "v"), "n": strAttr("Number.int", "42"),
				"b": {DataType: &bin, BinaryValue: []byte{0, 1, 2, 255}}}},
	}
}

func TestMessageCodecRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		t.Run(m.id, func(t *testing.T) {
			got, err := decodeMessage(encodeMessage(m))
			if err != nil {
				t.Fatal(err)
			}
			got.heapIdx, m.heapIdx = 0, 0
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
			}
		})
	}
	r := receiveState{receives: 3, firstRecv: 1, visibleAt: 1 << 40, recvAt: 7}
	got, err := decodeReceive(encodeReceive(r))
	if err != nil || got != r {
		t.Fatalf("receive round trip = %+v, %v", got, err)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(encodeMessage(m))
	}
	f.Add([]byte{codecVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMessage(b)
		if err != nil {
			return
		}
		if again := encodeMessage(m); !bytes.Equal(again, b) {
			if _, err := decodeMessage(again); err != nil {
				t.Fatalf("re-encoded message does not decode: %v", err)
			}
		}
	})
}

func FuzzDecodeReceive(f *testing.F) {
	f.Add(encodeReceive(receiveState{receives: 3, firstRecv: 1, visibleAt: 2, recvAt: 3}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeReceive(b)
		if err == nil && !bytes.Equal(encodeReceive(r), b) {
			if r2, err := decodeReceive(encodeReceive(r)); err != nil || r2 != r {
				t.Fatalf("receive state does not round-trip: %+v", r)
			}
		}
	})
}

func FuzzParseReceipt(f *testing.F) {
	f.Add(receipt{seq: 42, gen: 1, queueID: [8]byte{1, 2, 3}}.String())
	f.Add("not-a-handle")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseReceipt(s)
		if err == nil && r.String() != s {
			t.Fatalf("handle %q re-encodes as %q", s, r.String())
		}
	})
}
