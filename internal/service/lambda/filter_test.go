package lambda

import (
	"encoding/json"
	"testing"
)

var filterCases = []struct {
	name    string
	pattern string
	body    string
	want    bool
}{
	{"exact string", `{"body":{"kind":["a","b"]}}`, `{"kind":"b"}`, true},
	{"exact string miss", `{"body":{"kind":["a"]}}`, `{"kind":"c"}`, false},
	{"number equal", `{"body":{"n":[5]}}`, `{"n":5.0}`, true},
	{"bool and null", `{"body":{"ok":[true],"x":[null]}}`, `{"ok":true,"x":null}`, true},
	{"missing field", `{"body":{"kind":["a"]}}`, `{"other":1}`, false},
	{"nested", `{"body":{"a":{"b":["c"]}}}`, `{"a":{"b":"c"}}`, true},
	{"nested on scalar", `{"body":{"a":{"b":["c"]}}}`, `{"a":"c"}`, false},
	{"array value", `{"body":{"tags":["x"]}}`, `{"tags":["y","x"]}`, true},
	{"prefix", `{"body":{"id":[{"prefix":"ord-"}]}}`, `{"id":"ord-1"}`, true},
	{"prefix ignore case", `{"body":{"id":[{"prefix":{"equals-ignore-case":"ORD-"}}]}}`, `{"id":"ord-1"}`, true},
	{"suffix", `{"body":{"f":[{"suffix":".png"}]}}`, `{"f":"a.jpg"}`, false},
	{"equals-ignore-case", `{"body":{"k":[{"equals-ignore-case":"ABC"}]}}`, `{"k":"aBc"}`, true},
	{"anything-but value", `{"body":{"k":[{"anything-but":"x"}]}}`, `{"k":"y"}`, true},
	{"anything-but list", `{"body":{"k":[{"anything-but":["x","y"]}]}}`, `{"k":"y"}`, false},
	{"anything-but missing", `{"body":{"k":[{"anything-but":"x"}]}}`, `{}`, false},
	{"anything-but prefix", `{"body":{"k":[{"anything-but":{"prefix":"in"}}]}}`, `{"k":"out"}`, true},
	{"numeric range", `{"body":{"n":[{"numeric":[">",0,"<=",5]}]}}`, `{"n":5}`, true},
	{"numeric out", `{"body":{"n":[{"numeric":[">",0,"<=",5]}]}}`, `{"n":6}`, false},
	{"numeric on string", `{"body":{"n":[{"numeric":[">",0]}]}}`, `{"n":"6"}`, false},
	{"exists true", `{"body":{"k":[{"exists":true}]}}`, `{"k":1}`, true},
	{"exists false", `{"body":{"k":[{"exists":false}]}}`, `{"j":1}`, true},
	{"exists false present", `{"body":{"k":[{"exists":false}]}}`, `{"k":1}`, false},
	{"wildcard", `{"body":{"p":[{"wildcard":"a/*/c"}]}}`, `{"p":"a/b/c"}`, true},
	{"cidr", `{"body":{"ip":[{"cidr":"10.0.0.0/24"}]}}`, `{"ip":"10.0.0.7"}`, true},
	{"or", `{"body":{"$or":[{"a":["1"]},{"b":["2"]}]}}`, `{"b":"2"}`, true},
	{"or none", `{"body":{"$or":[{"a":["1"]},{"b":["2"]}]}}`, `{"c":"2"}`, false},
	{"plain body", `{"body":["hello"]}`, `hello`, true},
	{"json pattern on plain body", `{"body":{"k":["v"]}}`, `k=v`, false},
	{"attributes", `{"attributes":{"SenderId":["AIDA"]}}`, `x`, true},
	{"event source", `{"eventSource":["aws:sqs"]}`, `x`, true},
}

func TestFilterPatterns(t *testing.T) {
	for _, c := range filterCases {
		t.Run(c.name, func(t *testing.T) {
			p, err := parseFilterPattern(c.pattern)
			if err != nil {
				t.Fatal(err)
			}
			rec, _ := json.Marshal(newSQSRecord(QueueMessage{MessageID: "m", Body: c.body,
				Attributes: map[string]string{"SenderId": "AIDA"}}, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1"))
			if got := p.match(filterView(rec, c.body)); got != c.want {
				t.Fatalf("match = %v, want %v", got, c.want)
			}
		})
	}
}

func TestInvalidFilterPatterns(t *testing.T) {
	for _, p := range []string{``, `[]`, `"x"`, `{"a":"x"}`, `{"a":[]}`, `{"a":[{"nope":1}]}`, `{"a":[{"prefix":1}]}`,
		`{"a":[{"numeric":[">"]}]}`, `{"a":[{"numeric":["~",1]}]}`, `{"a":[{"exists":"yes"}]}`, `{"a":{}}`,
		`{"$or":[{"a":["1"]}]}`, `{"a":[{"cidr":"nope"}]}`, `{"a":[{"wildcard":"a**b"}]}`, `{"a":["x"]} {}`, `{"a":[{"prefix":"x","suffix":"y"}]}`} {
		t.Run(p, func(t *testing.T) {
			if _, err := parseFilterPattern(p); err == nil {
				t.Fatalf("accepted %s", p)
			}
		})
	}
}

func TestBatchFailures(t *testing.T) {
	in := map[string]bool{"a": true, "b": true}
	cases := []struct {
		payload string
		failed  int
		all     bool
	}{
		{``, 0, false}, {`null`, 0, false}, {`{}`, 0, false}, {`{"batchItemFailures":null}`, 0, false},
		{`{"batchItemFailures":[]}`, 0, false}, {`{"batchItemFailures":[{"itemIdentifier":"a"}]}`, 1, false},
		{`{"batchItemFailures":[{"itemIdentifier":"a"},{"itemIdentifier":"b"}]}`, 2, false},
		{`{"batchItemFailures":[{"itemIdentifier":"z"}]}`, 0, true}, {`{"batchItemFailures":[{"itemIdentifier":""}]}`, 0, true},
		{`{"batchItemFailures":[{"itemIdentifier":null}]}`, 0, true}, {`{"batchItemFailures":[{"id":"a"}]}`, 0, true},
		{`{"batchItemFailures":"a"}`, 0, true}, {`not json`, 0, true},
	}
	for _, c := range cases {
		t.Run(c.payload, func(t *testing.T) {
			failed, all := batchFailures([]byte(c.payload), in)
			if all != c.all || len(failed) != c.failed {
				t.Fatalf("got %v all=%v", failed, all)
			}
		})
	}
}

func FuzzFilterPattern(f *testing.F) {
	for _, c := range filterCases {
		f.Add(c.pattern, c.body)
	}
	f.Fuzz(func(t *testing.T, pattern, body string) {
		p, err := parseFilterPattern(pattern)
		if err != nil {
			return
		}
		rec, err := json.Marshal(newSQSRecord(QueueMessage{MessageID: "m", Body: body}, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1"))
		if err != nil {
			return
		}
		p.match(filterView(rec, body))
	})
}

func FuzzBatchFailures(f *testing.F) {
	for _, s := range []string{``, `null`, `{"batchItemFailures":[{"itemIdentifier":"a"}]}`, `{"batchItemFailures":[{"itemIdentifier":""}]}`, `[1]`} {
		f.Add([]byte(s))
	}
	in := map[string]bool{"a": true}
	f.Fuzz(func(t *testing.T, payload []byte) {
		failed, all := batchFailures(payload, in)
		if all && failed != nil {
			t.Fatal("both a partial and a complete failure")
		}
		for id := range failed {
			if !in[id] {
				t.Fatalf("failed id %q not in the batch", id)
			}
		}
	})
}
