package logs

import (
	"testing"
)

// patternCases are filter patterns with messages they must and must not
// match, mostly the examples of AWS's filter pattern syntax documentation.
var patternCases = []struct {
	name    string
	pattern string
	msg     string
	want    bool
}{
	{"empty matches all", "", "anything", true},
	{"blank phrase matches all", `" "`, "nospace", true},
	{"single term", "ERROR", "[ERROR 400] BAD REQUEST", true},
	{"single term absent", "ERROR", "[INFO] fine", false},
	{"case sensitive", "ERROR", "error here", false},
	{"whole word", "ERROR", "ERRORS happened", false},
	{"all terms", "ERROR ARGUMENTS", "[ERROR] bad ARGUMENTS given", true},
	{"all terms one missing", "ERROR ARGUMENTS", "[ERROR] bad input", false},
	{"or terms", "?ERROR ?ARGUMENTS", "[WARN] ARGUMENTS missing", true},
	{"or terms none", "?ERROR ?ARGUMENTS", "[WARN] fine", false},
	{"exact phrase", `"INTERNAL SERVER ERROR"`, "[ERROR 500] INTERNAL SERVER ERROR", true},
	{"exact phrase split", `"INTERNAL SERVER ERROR"`, "INTERNAL ERROR SERVER", false},
	{"include exclude", "ERROR -ARGUMENTS", "[ERROR 401] UNAUTHORIZED REQUEST", true},
	{"include exclude excluded", "ERROR -ARGUMENTS", "[ERROR] bad ARGUMENTS", false},
	{"quoted exclude", `"ERROR" -"Exiting"`, "ERROR Exiting now", false},
	{"quoted term with symbols", `"Task timed out"`, "2024-01-01 Task timed out after 1.00 seconds", true},
	{"regex", "%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", true},
	{"regex alternation", "%[Ee]rror|[Ff]ail%", "it will fail", true},
	{"regex no match", "%^abc%", "xabc", false},
	{"json string", `{ $.eventType = "UpdateTrail" }`, `{"eventType":"UpdateTrail"}`, true},
	{"json string other", `{ $.eventType = "UpdateTrail" }`, `{"eventType":"DeleteTrail"}`, false},
	{"json not json", `{ $.eventType = "UpdateTrail" }`, `eventType UpdateTrail`, false},
	{"json wildcard", `{ $.sourceIPAddress != 123.123.* }`, `{"sourceIPAddress":"10.0.0.1"}`, true},
	{"json wildcard eq", `{ $.sourceIPAddress = 123.123.* }`, `{"sourceIPAddress":"123.123.4.5"}`, true},
	{"json quoted wildcard", `{ $.eventName = "Delete*" }`, `{"eventName":"DeleteBucket"}`, true},
	{"json array index", `{ $.arrayKey[0] = "value" }`, `{"arrayKey":["value","other"]}`, true},
	{"json array index miss", `{ $.arrayKey[1] = "value" }`, `{"arrayKey":["value","other"]}`, false},
	{"json object in array", `{ $.objectList[1].id = 2 }`, `{"objectList":[{"id":1},{"id":2}]}`, true},
	{"json is null", `{ $.SomeObject IS NULL }`, `{"SomeObject":null}`, true},
	{"json is null absent", `{ $.SomeObject IS NULL }`, `{}`, false},
	{"json not exists", `{ $.SomeOtherObject NOT EXISTS }`, `{"a":1}`, true},
	{"json not exists present", `{ $.SomeOtherObject NOT EXISTS }`, `{"SomeOtherObject":null}`, false},
	{"json is true", `{ $.ThisFlag IS TRUE }`, `{"ThisFlag":true}`, true},
	{"json is false", `{ $.ThisFlag IS FALSE }`, `{"ThisFlag":true}`, false},
	{"json gt", `{ $.bandwidth > 75 }`, `{"bandwidth":76}`, true},
	{"json lt", `{ $.latency < 50 }`, `{"latency":50}`, false},
	{"json ge", `{ $.refreshRate >= 60 }`, `{"refreshRate":60}`, true},
	{"json le", `{ $.responseTime <= 5 }`, `{"responseTime":5.5}`, false},
	{"json eq number", `{ $.errorCode = 400 }`, `{"errorCode":400}`, true},
	{"json ne number", `{ $.errorCode != 500 }`, `{"errorCode":400}`, true},
	{"json fraction", `{ $.fractionalNumber = 1.5 }`, `{"fractionalNumber":1.50}`, true},
	{"json exponent", `{ $.number[0] = 1e10 }`, `{"number":[10000000000]}`, true},
	{"json and", `{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }`,
		`{"user":{"id":1},"users":[{"email":"John.Doe@example.com"}]}`, true},
	{"json and fails", `{ $.user.id = 1 && $.users[0].email = "x" }`,
		`{"user":{"id":1},"users":[{"email":"John.Doe@example.com"}]}`, false},
	{"json or with parens", `{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }`,
		`{"user":{"id":1},"actions":["PUT","POST","GET"]}`, true},
	{"json regex", `{ $.message = %timed out% }`, `{"message":"Task timed out after 3s"}`, true},
	{"json level", `{ $.level = "ERROR" }`, `{"level":"ERROR","msg":"boom"}`, true},
	{"json array wildcard", `{ $.tags[*] = "prod" }`, `{"tags":["dev","prod"]}`, true},
	{"delimited all", `[ip, user, username, timestamp, request, status_code, bytes]`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`, true},
	{"delimited wrong count", `[ip, user, username]`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`, false},
	{"delimited status glob", `[ip, user, username, timestamp, request, status_code = 4*, bytes]`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /x HTTP/1.0" 404 1534`, true},
	{"delimited status glob miss", `[ip, user, username, timestamp, request, status_code = 4*, bytes]`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /x HTTP/1.0" 200 1534`, false},
	{"delimited request glob", `[ip, user, username, timestamp, request = "*html*", status_code, bytes]`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 200 1534`, true},
	{"delimited ellipsis", `[ip, user, ..., status_code = 4*, bytes > 1000]`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /x HTTP/1.0" 404 1534`, true},
	{"delimited ellipsis bytes small", `[ip, user, ..., status_code = 4*, bytes > 1000]`,
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /x HTTP/1.0" 404 999`, false},
	{"delimited leading ellipsis", `[..., status_code = 404, bytes]`, `a b c 404 12`, true},
	{"delimited or", `[w1 = ERROR || w1 = WARN, ...]`, `WARN something odd`, true},
	{"delimited and", `[w1, w2 != 200 && w2 != 201, ...]`, `GET 201 /x`, false},
	{"delimited report", `[r=REPORT, ...]`, "REPORT RequestId: abc Duration: 1.00 ms", true},
	{"delimited regex", `[ip=%127\.0\.0\.[1-9]%, ...]`, `127.0.0.1 - -`, true},
}

func TestFilterPatterns(t *testing.T) {
	for _, tc := range patternCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseFilterPattern(tc.pattern)
			if err != nil {
				t.Fatalf("parse %q: %v", tc.pattern, err)
			}
			if got := p.Match(tc.msg); got != tc.want {
				t.Fatalf("%q on %q = %v, want %v", tc.pattern, tc.msg, got, tc.want)
			}
		})
	}
}

var badPatterns = []string{
	`"unterminated`,
	`{ $.a = "x" `,
	`{ a = 1 }`,
	`{ $.a ~ 1 }`,
	`{ $.a > "x" }`,
	`{ $.a IS MAYBE }`,
	`{ $.a NOT THERE }`,
	`{ ($.a = 1 }`,
	`{ $.a[x] = 1 }`,
	`{ $.a = 1 } trailing`,
	`[a, b`,
	`[]`,
	`[a, b > x]`,
	`[a = 1 && c = 2]`,
	`%a(b)%`,
	`{ $.a = %x(y)% }`,
	`ab"c`,
	`?`,
	`-`,
	`"quoted"next`,
}

func TestFilterPatternErrors(t *testing.T) {
	for _, src := range badPatterns {
		t.Run(src, func(t *testing.T) {
			_, err := ParseFilterPattern(src)
			if err == nil {
				t.Fatalf("%q parsed", src)
			}
			if _, ok := err.(*PatternError); !ok {
				t.Fatalf("error %T, want *PatternError", err)
			}
		})
	}
}

func FuzzParseFilterPattern(f *testing.F) {
	for _, tc := range patternCases {
		f.Add(tc.pattern, tc.msg)
	}
	for _, src := range badPatterns {
		f.Add(src, "x")
	}
	f.Fuzz(func(t *testing.T, src, msg string) {
		p, err := ParseFilterPattern(src)
		if err != nil {
			if _, ok := err.(*PatternError); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		a, b := p.Match(msg), p.Match(msg)
		if a != b {
			t.Fatal("Match is not deterministic")
		}
		if p.String() != src {
			t.Fatal("String lost the source")
		}
	})
}
