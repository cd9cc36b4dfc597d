package jsonvalue

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nubo/nubo/internal/awsapi"
)

// directCases are inputs the direct decoder must take itself (besides
// codecCases), with what they decode to.
var directCases = []codecCase{
	{"white space", " {\n\t\"Str\" : \"a\" ,\r\n \"Int\":1 } ", sink{Str: ptr("a"), Int: ptr(int32(1))}},
	{"escapes", `{"Str":"\"q\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00"}`, sink{Str: ptr("\"q\"\\/\b\f\n\r\té€😀")}},
	{"lone surrogate", `{"Str":"a\ud800b"}`, sink{Str: ptr("a\ufffdb")}},
	{"bad surrogate pair", `{"Str":"\ud800\u0041"}`, sink{Str: ptr("\ufffdA")}},
	{"invalid utf-8", "{\"Str\":\"a\xffb\"}", sink{Str: ptr("a\ufffdb")}},
	{"utf-8", `{"Str":"héllo wörld ✓"}`, sink{Str: ptr("héllo wörld ✓")}},
	{"alternative name", `{"renamedKey":"r"}`, sink{Renamed: ptr("r")}},
	{"model name", `{"Renamed":"r"}`, sink{Renamed: ptr("r")}},
	{"nulls", `{"Str":null,"Strings":["a",null,"b"],"StrMap":{"a":null,"b":"x"},"Nested":null}`,
		sink{Strings: []string{"a", "b"}, StrMap: map[string]string{"b": "x"}}},
	{"unknown members skipped", `{"X":{"a":[1,{"b":null}],"c":"\u0041"},"Y":-0.5e-3,"Str":"s","Z":[true,false]}`,
		sink{Str: ptr("s")}},
	{"number forms", `{"Int":-0,"Long":1e3,"Double":0.5E+2,"Float":-12.25}`,
		sink{Int: ptr(int32(0)), Long: ptr(int64(1000)), Double: ptr(50.0), Float: ptr(-12.25)}},
	{"empty containers", `{"Strings":[],"StrMap":{},"Nested":{}}`,
		sink{Strings: []string{}, StrMap: map[string]string{}, Nested: &nested{}}},
	{"escaped key", `{"\u0053tr":"k"}`, sink{Str: ptr("k")}},
	{"document scalar", `{"Doc":"text"}`, sink{Doc: "text"}},
}

// declinedCases are well-formed inputs the direct decoder leaves to the
// generic decoder, with what Decode must still produce.
var declinedCases = []codecCase{
	{"repeated member", `{"Str":"a","Str":"b"}`, sink{Str: ptr("b")}},
	{"repeated member, null last", `{"Str":"a","Str":null}`, sink{}},
	{"key and alternative", `{"renamedKey":"a","Renamed":"b"}`, sink{Renamed: ptr("a")}},
	{"alternative then key", `{"Renamed":"b","renamedKey":"a"}`, sink{Renamed: ptr("a")}},
	{"key null shadows alternative", `{"renamedKey":null,"Renamed":"b"}`, sink{}},
	{"repeated structure", `{"Nested":{"Name":"a"},"Nested":{"Value":1}}`, sink{Nested: &nested{Value: ptr(1.0)}}},
	{"bad value overridden", `{"Int":"x","Int":3}`, sink{Int: ptr(int32(3))}},
	{"repeated map key", `{"StrMap":{"a":"1","a":"2"}}`, sink{StrMap: map[string]string{"a": "2"}}},
	{"repeated map key, null last", `{"StrMap":{"a":"1","a":null}}`, sink{StrMap: map[string]string{}}},
}

func TestDecodeDirect(t *testing.T) {
	shape := loadModel(t)
	var all []codecCase
	all = append(all, codecCases...)
	all = append(all, directCases...)
	for _, tc := range all {
		t.Run(tc.name, func(t *testing.T) {
			var got sink
			if err := decodeDirect(bytes.TrimSpace([]byte(tc.json)), shape, reflect.ValueOf(&got).Elem(), Options{}); err != nil {
				t.Fatalf("decodeDirect(%s) declined: %v", tc.json, err)
			}
			if !reflect.DeepEqual(got, tc.val) {
				t.Fatalf("got %s\nwant %s", dump(t, got), dump(t, tc.val))
			}
		})
	}
	for _, tc := range declinedCases {
		t.Run(tc.name, func(t *testing.T) {
			var got sink
			if err := decodeDirect([]byte(tc.json), shape, reflect.ValueOf(&got).Elem(), Options{}); !errors.Is(err, errDirect) {
				t.Fatalf("decodeDirect(%s) = %v, want it declined", tc.json, err)
			}
			got = sink{}
			if err := Decode([]byte(tc.json), shape, reflect.ValueOf(&got).Elem(), Options{}); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.val) {
				t.Fatalf("got %s\nwant %s", dump(t, got), dump(t, tc.val))
			}
		})
	}
}

// TestDecodeRestoresDestination checks that a declined direct decoding does
// not leak into the result: members of a pre-filled destination that the
// body does not name keep their values.
func TestDecodeRestoresDestination(t *testing.T) {
	shape := loadModel(t)
	got := sink{Header: ptr("from a header")}
	if err := Decode([]byte(`{"Str":"a","Int":1,"Str":"b"}`), shape, reflect.ValueOf(&got), Options{BodyOnly: true}); err != nil {
		t.Fatal(err)
	}
	want := sink{Header: ptr("from a header"), Str: ptr("b"), Int: ptr(int32(1))}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %s\nwant %s", dump(t, got), dump(t, want))
	}
}

// TestDecodeDirectErrors checks that errors keep the generic decoder's
// wording and paths, whichever decoder saw them first.
func TestDecodeDirectErrors(t *testing.T) {
	shape := loadModel(t)
	for _, tc := range []struct{ name, json, msg string }{
		{"control character", "{\"Str\":\"a\x01\"}", "malformed JSON"},
		{"bad escape", `{"Str":"\x"}`, "malformed JSON"},
		{"leading zero", `{"Int":01}`, "malformed JSON"},
		{"bare minus", `{"Int":-}`, "malformed JSON"},
		{"missing comma", `{"Str":"a" "Int":1}`, "malformed JSON"},
		{"trailing comma", `{"Str":"a",}`, "malformed JSON"},
		{"bad literal", `{"Bool":tru}`, "malformed JSON"},
		{"syntax after mismatch", `{"Int":"x",}`, "malformed JSON"},
		{"unterminated string", `{"Str":"abc`, "malformed JSON"},
		{"bad skipped value", `{"Unknown":[1,}`, "malformed JSON"},
		{"mismatch", `{"Strings":{}}`, "Strings: expected an array, got an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got sink
			err := Decode([]byte(tc.json), shape, reflect.ValueOf(&got).Elem(), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Decode(%s) = %v, want an error containing %q", tc.json, err, tc.msg)
			}
		})
	}
}

// FuzzDecodeDirect checks that the direct decoder agrees with the generic
// one: whenever it accepts input, the generic decoder accepts it too and
// produces the same value.
func FuzzDecodeDirect(f *testing.F) {
	for _, cases := range [][]codecCase{codecCases, directCases, declinedCases} {
		for _, tc := range cases {
			f.Add([]byte(tc.json))
		}
	}
	f.Add([]byte(`{"Doc":[1,{"a":1e999}]}`))
	f.Add([]byte(`{"NestedMap":{"k":{"Child":{"Value":"x"}}}}`))
	shape := loadModel(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.TrimSpace(data)
		var direct, generic sink
		derr := decodeDirect(data, shape, reflect.ValueOf(&direct).Elem(), Options{})
		gerr := decodeGeneric(data, shape, reflect.ValueOf(&generic).Elem(), Options{})
		if len(data) == 0 || derr != nil {
			return
		}
		if gerr != nil {
			t.Fatalf("direct accepted %q, generic: %v", data, gerr)
		}
		a, aerr := Marshal(shape, direct, Options{})
		b, berr := Marshal(shape, generic, Options{})
		if !bytes.Equal(a, b) || (aerr == nil) != (berr == nil) {
			t.Fatalf("%q: direct %s (%v), generic %s (%v)", data, a, aerr, b, berr)
		}
		if aerr != nil && !reflect.DeepEqual(direct, generic) {
			t.Fatalf("%q: direct %s, generic %s", data, dump(t, direct), dump(t, generic))
		}
	})
}

// BenchmarkDecode compares Decode (direct) with the generic decoder on a
// body of strings, numbers, a list and a map.
func BenchmarkDecode(b *testing.B) {
	shape := loadModel(b)
	data := []byte(`{"Str":"http://localhost:4566/000000000000/q","Renamed":"{\"client\":1,\"pad\":\"message\"}",` +
		`"Int":5,"Strings":["a","b"],"StrMap":{"k":"v"}}`)
	for _, bc := range []struct {
		name string
		fn   func([]byte, *awsapi.Shape, reflect.Value, Options) error
	}{{"direct", Decode}, {"generic", decodeGeneric}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var got sink
				if err := bc.fn(data, shape, reflect.ValueOf(&got).Elem(), Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
