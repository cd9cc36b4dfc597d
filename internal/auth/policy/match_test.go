package policy

import (
	"testing"
	"time"
)

var globCases = []struct {
	pattern, s string
	want       bool
}{
	{"", "", true},
	{"", "a", false},
	{"*", "", true},
	{"*", "anything/at:all", true},
	{"a*", "a", true},
	{"a*c", "abc", true},
	{"a*c", "abcd", false},
	{"a*c*e", "abcdcxe", true},
	{"*b*b*", "abb", true},
	{"*b*b*", "ab", false},
	{"a?c", "abc", true},
	{"a?c", "ac", false},
	{"??", "é!", true},
	{"?", "", false},
	{"a**b", "ab", true},
	{"*.txt", "dir/file.txt", true},
	{"*.txt", "dir/file.txt.bak", false},
	{"home/*/x", "home/a/b/x", true},
	{"abc", "abc", true},
	{"abc", "abd", false},
	{"*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range globCases {
		t.Run(tc.pattern+"|"+tc.s, func(t *testing.T) {
			if got := globMatch(parseGlob(tc.pattern), tc.s); got != tc.want {
				t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
			}
			g := newGlob(tc.pattern, false)
			if got := g.match(tc.s); got != tc.want {
				t.Errorf("glob.match(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
			}
		})
	}
}

func TestArnGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k:with:colons", true},
		{"arn:aws:sqs:*:123456789012:q", "arn:aws:sqs:us-east-1:123456789012:q", true},
		{"arn:aws:sqs:*:q", "arn:aws:sqs:us-east-1:123456789012:q", true}, // fewer than six parts: whole-string glob
		{"arn:*:sqs:us-?ast-1:*:*", "arn:aws:sqs:us-east-1:123456789012:q", true},
		{"arn:aws:sqs:*:*:*", "arn:aws:sns:us-east-1:123456789012:q", false},
		{"arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:user/x", false},
		{"arn:aws:iam::*:*", "arn:aws:iam::1:2:3", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			if got := arnGlobMatch(parseGlob(tc.pattern), tc.s); got != tc.want {
				t.Errorf("arnGlobMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	ctx := map[string][]string{"aws:username": {"ann"}, "aws:PrincipalTag/team": {"red"}, "multi": {"a", "b"}}
	tests := []struct {
		raw    string
		vars   bool
		text   string
		ok     bool
		hasVar bool
	}{
		{"plain", true, "plain", true, false},
		{"home/${aws:username}/", true, "home/ann/", true, true},
		{"home/${aws:username}/", false, "home/${aws:username}/", true, false},
		{"${ aws:USERNAME }", true, "ann", true, true},
		{"${aws:PrincipalTag/team}-${aws:username}", true, "red-ann", true, true},
		{"${aws:userid}", true, "", false, true},
		{"${aws:userid, 'anonymous'}", true, "anonymous", true, true},
		{"${aws:userid,'x'}", true, "x", true, true},
		{"${aws:userid, ''}", true, "", true, true},
		{"${aws:userid, 'it''s'}", true, "it's", true, true},
		{"${aws:userid, 'bad}", true, "${aws:userid, 'bad}", true, false},
		{"${aws:userid, 'a'b'}", true, "${aws:userid, 'a'b'}", true, false}, // odd quotes: never closed
		{"${aws:userid, 'a' 'b'}", true, "", false, true},
		{"${aws:userid, x}", true, "", false, true},
		{"${aws user}", true, "", false, true},
		{"${multi}", true, "", false, true},
		{"${multi, 'd'}", true, "d", true, true},
		{"${}", true, "", false, true},
		{"${*}${?}${$}", true, "*?$", true, false},
		{"a*b?", true, "a*b?", true, false},
		{"${aws:username", true, "${aws:username", true, false},
		{"$${aws:username}}", true, "$ann}", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			tm := newTemplate(tc.raw, tc.vars)
			if tm.hasVar != tc.hasVar {
				t.Errorf("hasVar = %v, want %v", tm.hasVar, tc.hasVar)
			}
			text, ok := tm.str(ctx)
			if ok != tc.ok || (ok && text != tc.text) {
				t.Errorf("str = %q, %v; want %q, %v", text, ok, tc.text, tc.ok)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2020-04-01T00:00:00Z", time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"2020-04-01T02:00:00+02:00", time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"2020-04-01T00:00:00.5Z", time.Date(2020, 4, 1, 0, 0, 0, 5e8, time.UTC), true},
		{"2020-04-01T10:30Z", time.Date(2020, 4, 1, 10, 30, 0, 0, time.UTC), true},
		{"2020-04-01T10:30:00", time.Date(2020, 4, 1, 10, 30, 0, 0, time.UTC), true},
		{"2020-04-01", time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"2020-04", time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"2020", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"1585699200", time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"0", time.Unix(0, 0).UTC(), true},
		{"", time.Time{}, false},
		{"April 1", time.Time{}, false},
		{"99999999999999999999", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseDate(tc.in)
			if ok != tc.ok || (ok && !got.Equal(tc.want)) {
				t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParseIPRange(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"203.0.113.0/24", "203.0.113.0/24", true},
		{"203.0.113.7/24", "203.0.113.0/24", true},
		{"203.0.113.7", "203.0.113.7/32", true},
		{"2001:DB8:1234:5678::/64", "2001:db8:1234:5678::/64", true},
		{"2001:db8::1", "2001:db8::1/128", true},
		{"::ffff:10.0.0.1", "10.0.0.1/32", true},
		{"10.0.0.0/33", "", false},
		{"fe80::1%eth0", "", false},
		{"host", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseIPRange(tc.in)
			if ok != tc.ok || (ok && got.String() != tc.want) {
				t.Errorf("parseIPRange(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
