package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

var jsonCases = []string{
	`{"z":1,"a":{"y":[1,2.50,{"b":null}],"x":true},"m":"<&>\u00e9"}`,
	`[]`,
	`{}`,
	`"s"`,
	`{"members":{"B":{"shape":"S"},"A":{"shape":"S"}}}`,
	`[1e10,-0,false]`,
}

func TestParseJSONRoundTrip(t *testing.T) {
	for _, in := range jsonCases {
		t.Run(in, func(t *testing.T) {
			n, err := parseJSON([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			n.writeTo(&buf)
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(in)); err != nil {
				t.Fatal(err)
			}
			// Order and number literals are kept; only string escapes may differ.
			var want, got any
			if err := json.Unmarshal(compact.Bytes(), &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("output %s: %v", buf.Bytes(), err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip %s = %s", in, buf.Bytes())
			}
		})
	}
}

func TestParseJSONKeepsOrder(t *testing.T) {
	n, err := parseJSON([]byte(`{"z":1,"a":2,"m":{"q":1,"b":2}}`))
	if err != nil {
		t.Fatal(err)
	}
	n.set("new", strNode("<v>"))
	n.del("a")
	out, err := n.marshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"z\": 1,\n  \"m\": {\n    \"q\": 1,\n    \"b\": 2\n  },\n  \"new\": \"<v>\"\n}\n"
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a":}`, `[1,]`, `{} {}`, `{"a":1]`} {
		t.Run(in, func(t *testing.T) {
			if _, err := parseJSON([]byte(in)); err == nil {
				t.Fatalf("parseJSON(%q) succeeded", in)
			}
		})
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseJSON(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		n.writeTo(&buf)
		again, err := parseJSON(buf.Bytes())
		if err != nil {
			t.Fatalf("output %q of %q does not parse: %v", buf.Bytes(), data, err)
		}
		var buf2 bytes.Buffer
		again.writeTo(&buf2)
		if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
			t.Fatalf("not stable: %q then %q", buf.Bytes(), buf2.Bytes())
		}
	})
}
