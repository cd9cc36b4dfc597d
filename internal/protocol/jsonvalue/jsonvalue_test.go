package jsonvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

type color string

type nested struct {
	Name  *string  `aws:"Name"`
	Value *float64 `aws:"Value"`
	Child *nested  `aws:"Child"`
}

type sink struct {
	Str        *string           `aws:"Str"`
	Renamed    *string           `aws:"Renamed"`
	Color      *color            `aws:"Color"`
	Int        *int32            `aws:"Int"`
	Long       *int64            `aws:"Long"`
	Float      *float64          `aws:"Float"`
	Double     *float64          `aws:"Double"`
	Bool       *bool             `aws:"Bool"`
	Time       *time.Time        `aws:"Time"`
	TimeISO    *time.Time        `aws:"TimeISO"`
	TimeHTTP   *time.Time        `aws:"TimeHTTP"`
	Blob       []byte            `aws:"Blob"`
	Strings    []string          `aws:"Strings"`
	Nested     *nested           `aws:"Nested"`
	NestedList []nested          `aws:"NestedList"`
	StrMap     map[string]string `aws:"StrMap"`
	NestedMap  map[string]nested `aws:"NestedMap"`
	Matrix     [][]string        `aws:"Matrix"`
	Doc        any               `aws:"Doc"`
	Header     *string           `aws:"Header"`
}

func loadModel(t testing.TB) *awsapi.Shape {
	t.Helper()
	data, err := os.ReadFile("testdata/model.json")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := awsapi.Load("kitchen", data, map[string]awsapi.OpTypes{
		"Sink": {Input: reflect.TypeOf(sink{}), Output: reflect.TypeOf(sink{})},
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc.Shapes["Sink"]
}

func ptr[T any](v T) *T { return &v }

var t0 = time.Date(2026, 11, 28, 9, 1, 15, 123e6, time.UTC)

type codecCase struct {
	name string
	json string // canonical encoding
	val  sink
}

var codecCases = []codecCase{
	{"empty", `{}`, sink{}},
	{"strings", `{"Str":"a\"b\\c\n\u0001é","renamedKey":"r","Color":"red"}`,
		sink{Str: ptr("a\"b\\c\n\x01é"), Renamed: ptr("r"), Color: ptr[color]("red")}},
	{"empty string present", `{"Str":""}`, sink{Str: ptr("")}},
	{"numbers", `{"Int":-7,"Long":9007199254740993,"Float":1.5,"Double":-0.000125}`,
		sink{Int: ptr(int32(-7)), Long: ptr(int64(9007199254740993)), Float: ptr(1.5), Double: ptr(-0.000125)}},
	{"big double", `{"Double":1e+300}`, sink{Double: ptr(1e300)}},
	{"bool false present", `{"Bool":false}`, sink{Bool: ptr(false)}},
	{"timestamps", `{"Time":1795856475.123,"TimeISO":"2026-11-28T09:01:15.123Z","TimeHTTP":"Sat, 28 Nov 2026 09:01:15 GMT"}`,
		sink{Time: &t0, TimeISO: &t0, TimeHTTP: ptr(t0.Truncate(time.Second))}},
	{"whole second timestamp", `{"Time":1795856475}`, sink{Time: ptr(t0.Truncate(time.Second))}},
	{"blob", `{"Blob":"AAEC/w=="}`, sink{Blob: []byte{0, 1, 2, 255}}},
	{"empty blob", `{"Blob":""}`, sink{Blob: []byte{}}},
	{"lists", `{"Strings":["a","b"],"NestedList":[{"Name":"x"},{"Value":2}],"Matrix":[["a"],[]]}`,
		sink{Strings: []string{"a", "b"}, NestedList: []nested{{Name: ptr("x")}, {Value: ptr(2.0)}},
			Matrix: [][]string{{"a"}, {}}}},
	{"empty list present", `{"Strings":[]}`, sink{Strings: []string{}}},
	{"maps", `{"StrMap":{"a":"1","b":""},"NestedMap":{"k":{"Child":{"Name":"deep"}}}}`,
		sink{StrMap: map[string]string{"a": "1", "b": ""},
			NestedMap: map[string]nested{"k": {Child: &nested{Name: ptr("deep")}}}}},
	{"nested", `{"Nested":{"Name":"n","Child":{"Value":3.25}}}`,
		sink{Nested: &nested{Name: ptr("n"), Child: &nested{Value: ptr(3.25)}}}},
	{"document", `{"Doc":{"a":[1,"x",true,null],"b":{"c":2.5}}}`,
		sink{Doc: map[string]any{"a": []any{1.0, "x", true, nil}, "b": map[string]any{"c": 2.5}}}},
}

func TestDecode(t *testing.T) {
	shape := loadModel(t)
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			var got sink
			if err := Decode([]byte(tc.json), shape, reflect.ValueOf(&got).Elem(), Options{}); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.val) {
				t.Fatalf("Decode(%s)\n got %s\nwant %s", tc.json, dump(t, got), dump(t, tc.val))
			}
		})
	}
}

func TestEncode(t *testing.T) {
	shape := loadModel(t)
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Marshal(shape, &tc.val, Options{})
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tc.json {
				t.Fatalf("Marshal\n got %s\nwant %s", got, tc.json)
			}
			if !json.Valid(got) {
				t.Fatalf("invalid JSON %s", got)
			}
		})
	}
}

func TestDecodeLenient(t *testing.T) {
	shape := loadModel(t)
	tests := []struct {
		name string
		json string
		want sink
	}{
		{"blank body", " \n", sink{}},
		{"null body", "null", sink{}},
		{"unknown members ignored", `{"Nope":{"deep":[1,2]},"Str":"s"}`, sink{Str: ptr("s")}},
		{"null leaves absent", `{"Str":null,"Nested":null,"Strings":null,"Doc":null}`, sink{}},
		{"member name accepted when locationName differs", `{"Renamed":"x"}`, sink{Renamed: ptr("x")}},
		{"locationName wins over member name", `{"Renamed":"x","renamedKey":"y"}`, sink{Renamed: ptr("y")}},
		{"integral float for integer", `{"Int":3.0,"Long":1e3}`, sink{Int: ptr(int32(3)), Long: ptr(int64(1000))}},
		{"iso timestamp for epoch member", `{"Time":"2026-11-28T09:01:15.123Z"}`, sink{Time: &t0}},
		{"epoch string for iso member", `{"TimeISO":"1795856475.123"}`, sink{TimeISO: &t0}},
		{"iso without millis", `{"TimeISO":"2026-11-28T09:01:15Z"}`, sink{TimeISO: ptr(t0.Truncate(time.Second))}},
		{"iso with offset", `{"TimeISO":"2026-11-28T10:01:15.123+01:00"}`, sink{TimeISO: &t0}},
		{"unpadded base64", `{"Blob":"AAEC/w"}`, sink{Blob: []byte{0, 1, 2, 255}}},
		{"null list elements dropped", `{"Strings":["a",null]}`, sink{Strings: []string{"a"}}},
		{"null map values dropped", `{"StrMap":{"a":null,"b":"x"}}`, sink{StrMap: map[string]string{"b": "x"}}},
		{"integer for double", `{"Double":2}`, sink{Double: ptr(2.0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got sink
			if err := Decode([]byte(tc.json), shape, reflect.ValueOf(&got).Elem(), Options{}); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s\nwant %s", dump(t, got), dump(t, tc.want))
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	shape := loadModel(t)
	tests := []struct {
		name, json, path, msg string
	}{
		{"malformed", `{"Str":`, "", "malformed JSON"},
		{"trailing data", `{} {}`, "", "data after"},
		{"not an object", `[1]`, "", "expected an object, got an array"},
		{"string for int", `{"Int":"3"}`, "Int", "expected an integer, got a string"},
		{"int overflow", `{"Int":2147483648}`, "Int", "overflows"},
		{"fraction for int", `{"Long":1.5}`, "Long", "not an integer"},
		{"number for string", `{"Str":1}`, "Str", "expected a string, got a number"},
		{"bad bool", `{"Bool":"true"}`, "Bool", "expected a boolean"},
		{"bad base64", `{"Blob":"!!"}`, "Blob", "base64"},
		{"bad timestamp", `{"Time":"yesterday"}`, "Time", "timestamp"},
		{"bool timestamp", `{"Time":true}`, "Time", "expected a timestamp"},
		{"deep path", `{"NestedList":[{},{"Child":{"Value":"x"}}]}`, "NestedList[1].Child.Value", "expected a number"},
		{"map path", `{"NestedMap":{"k":{"Name":7}}}`, `NestedMap["k"].Name`, "expected a string"},
		{"matrix path", `{"Matrix":[["a"],[1]]}`, `Matrix[1][0]`, "expected a string"},
		{"bad float string", `{"Double":"1.5"}`, "Double", "expected a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got sink
			err := Decode([]byte(tc.json), shape, reflect.ValueOf(&got).Elem(), Options{})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode(%s) = %v, want *Error", tc.json, err)
			}
			if e.Path != tc.path || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("error path %q msg %q, want path %q msg containing %q", e.Path, e.Msg, tc.path, tc.msg)
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	shape := loadModel(t)
	deep := strings.Repeat(`{"Child":`, 150) + `{}` + strings.Repeat(`}`, 150)
	var got sink
	err := Decode([]byte(`{"Nested":`+deep+`}`), shape, reflect.ValueOf(&got).Elem(), Options{})
	if err == nil || !strings.Contains(err.Error(), "nesting deeper") {
		t.Fatalf("deep structure: err = %v", err)
	}
	doc := `{"Doc":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`
	err = Decode([]byte(doc), shape, reflect.ValueOf(&got).Elem(), Options{MaxDepth: 300})
	if err != nil {
		t.Fatalf("raised MaxDepth: %v", err)
	}
	err = Decode([]byte(doc), shape, reflect.ValueOf(&got).Elem(), Options{})
	if err == nil {
		t.Fatal("deep document accepted with default MaxDepth")
	}
}

func TestNonFiniteFloats(t *testing.T) {
	shape := loadModel(t)
	for _, tc := range []struct {
		text string
		f    float64
	}{{"NaN", math.NaN()}, {"Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)}} {
		t.Run(tc.text, func(t *testing.T) {
			body := `{"Double":"` + tc.text + `"}`
			out, err := Marshal(shape, &sink{Double: &tc.f}, Options{})
			if err != nil || string(out) != body {
				t.Fatalf("Marshal = %s, %v; want %s", out, err, body)
			}
			var got sink
			if err := Decode(out, shape, reflect.ValueOf(&got).Elem(), Options{}); err != nil {
				t.Fatal(err)
			}
			if got.Double == nil || FormatFloat(*got.Double) != tc.text {
				t.Fatalf("decoded %v", got.Double)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	shape := loadModel(t)
	v := sink{Str: ptr("s"), Header: ptr("h"), Time: &t0}
	out, err := Marshal(shape, v, Options{BodyOnly: true, TimestampFormat: FormatISO8601})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Str":"s","Time":"2026-11-28T09:01:15.123Z"}`; string(out) != want {
		t.Fatalf("got %s want %s", out, want)
	}
	var got sink
	err = Decode([]byte(`{"x-amz-thing":"h","Str":"s"}`), shape, reflect.ValueOf(&got), Options{BodyOnly: true})
	if err != nil || got.Header != nil || got.Str == nil {
		t.Fatalf("BodyOnly decode: %v %s", err, dump(t, got))
	}
	out, err = Marshal(shape, sink{Renamed: ptr("r")}, Options{MemberNames: true})
	if err != nil || string(out) != `{"Renamed":"r"}` {
		t.Fatalf("MemberNames: %s %v", out, err)
	}
	got = sink{}
	err = Decode([]byte(`{"Renamed":"a","renamedKey":"b"}`), shape, reflect.ValueOf(&got), Options{MemberNames: true})
	if err != nil || *got.Renamed != "a" {
		t.Fatalf("MemberNames decode: %v %s", err, dump(t, got))
	}
	if out, _ := Marshal(nil, nil, Options{}); string(out) != "{}" {
		t.Fatalf("nil shape: %s", out)
	}
	var nilSink *sink
	if out, _ := Marshal(shape, nilSink, Options{}); string(out) != "{}" {
		t.Fatalf("nil value: %s", out)
	}
}

func TestEncodeMismatch(t *testing.T) {
	shape := loadModel(t)
	type wrong struct {
		Int *string `aws:"Int"`
	}
	_, err := Marshal(shape, wrong{Int: ptr("x")}, Options{})
	var e *Error
	if !errors.As(err, &e) || e.Path != "Int" {
		t.Fatalf("err = %v", err)
	}
}

func TestTimestampHelpers(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Time
		format string
		out    string
	}{
		{"1795856475", t0.Truncate(time.Second), FormatUnix, "1795856475"},
		{"1795856475.5", time.Unix(1795856475, 5e8).UTC(), FormatUnix, "1795856475.5"},
		{"1.795856475123E9", t0, FormatUnix, "1795856475.123"},
		{"-1.5", time.Unix(-1, -5e8).UTC(), FormatUnix, "-1.5"},
		{"2026-11-28T09:01:15.123Z", t0, FormatISO8601, "2026-11-28T09:01:15.123Z"},
		{"20261128T090115Z", t0.Truncate(time.Second), FormatISO8601, "2026-11-28T09:01:15.000Z"},
		{"Sat, 28 Nov 2026 09:01:15 GMT", t0.Truncate(time.Second), FormatRFC822, "Sat, 28 Nov 2026 09:01:15 GMT"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTimestamp(tc.in, "")
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("ParseTimestamp = %v, %v; want %v", got, err, tc.want)
			}
			if s := FormatTimestamp(got, tc.format); s != tc.out {
				t.Fatalf("FormatTimestamp = %s want %s", s, tc.out)
			}
		})
	}
}

// dump renders v for failure messages.
func dump(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func FuzzDecode(f *testing.F) {
	for _, tc := range codecCases {
		f.Add([]byte(tc.json))
	}
	f.Add([]byte(`{"NestedList":[{},{"Child":{"Value":"x"}}]}`))
	f.Add([]byte(`{"Double":"NaN","Time":"Sat, 28 Nov 2026 09:01:15 GMT"}`))
	shape := loadModel(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var got sink
		if err := Decode(data, shape, reflect.ValueOf(&got).Elem(), Options{}); err != nil {
			return
		}
		// Whatever decodes must encode, and the encoding must decode to the same.
		var buf bytes.Buffer
		if err := Encode(&buf, shape, reflect.ValueOf(got), Options{}); err != nil {
			if got.Doc != nil {
				return // documents may hold numbers JSON cannot re-encode exactly
			}
			t.Fatalf("re-encode: %v", err)
		}
		var again sink
		if err := Decode(buf.Bytes(), shape, reflect.ValueOf(&again).Elem(), Options{}); err != nil {
			t.Fatalf("decode of own output %s: %v", buf.Bytes(), err)
		}
	})
}
