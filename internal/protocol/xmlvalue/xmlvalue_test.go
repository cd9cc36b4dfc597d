package xmlvalue

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

type grantee struct {
	ID    *string  `aws:"ID"`
	Type  *string  `aws:"Type"`
	Child *grantee `aws:"Child"`
}

type sink struct {
	Str       *string            `aws:"Str"`
	Renamed   *string            `aws:"Renamed"`
	Int       *int32             `aws:"Int"`
	Long      *int64             `aws:"Long"`
	Double    *float64           `aws:"Double"`
	Bool      *bool              `aws:"Bool"`
	Time      *time.Time         `aws:"Time"`
	TimeEpoch *time.Time         `aws:"TimeEpoch"`
	Blob      []byte             `aws:"Blob"`
	Strings   []string           `aws:"Strings"`
	Named     []grantee          `aws:"Named"`
	Flat      []string           `aws:"Flat"`
	FlatNamed []grantee          `aws:"FlatNamed"`
	Grantee   *grantee           `aws:"Grantee"`
	Attrs     map[string]string  `aws:"Attrs"`
	Custom    map[string]grantee `aws:"Custom"`
	FlatMap   map[string]string  `aws:"FlatMap"`
	Matrix    [][]string         `aws:"Matrix"`
	Header    *string            `aws:"Header"`
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

var t0 = time.Date(2026, 11, 28, 9, 1, 15, 0, time.UTC)

const xsi = `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`

var codecCases = []struct {
	name string
	xml  string // canonical members, without the root element
	val  sink
}{
	{"empty", ``, sink{}},
	{"scalars", `<Str>a&lt;b&amp;c&#34;d</Str><renamedKey>r</renamedKey><Int>-7</Int><Long>9007199254740993</Long>` +
		`<Double>1.5</Double><Bool>false</Bool><Time>2026-11-28T09:01:15.000Z</Time><TimeEpoch>1795856475</TimeEpoch><Blob>AAEC/w==</Blob>`,
		sink{Str: ptr(`a<b&c"d`), Renamed: ptr("r"), Int: ptr(int32(-7)), Long: ptr(int64(9007199254740993)),
			Double: ptr(1.5), Bool: ptr(false), Time: &t0, TimeEpoch: &t0, Blob: []byte{0, 1, 2, 255}}},
	{"empty string", `<Str></Str>`, sink{Str: ptr("")}},
	{"non-finite", `<Double>-Infinity</Double>`, sink{Double: ptr(math.Inf(-1))}},
	{"list", `<Strings><member>a</member><member>b</member></Strings>`, sink{Strings: []string{"a", "b"}}},
	{"empty list", `<Strings></Strings>`, sink{Strings: []string{}}},
	{"named list", `<Named><Grantee><ID>1</ID></Grantee><Grantee></Grantee></Named>`,
		sink{Named: []grantee{{ID: ptr("1")}, {}}}},
	{"flattened list", `<Item>x</Item><Item>y</Item>`, sink{Flat: []string{"x", "y"}}},
	{"flattened named list", `<Part><ID>1</ID></Part><Part><ID>2</ID></Part>`,
		sink{FlatNamed: []grantee{{ID: ptr("1")}, {ID: ptr("2")}}}},
	{"namespace and attribute", `<Grantee ` + xsi + ` xsi:type="CanonicalUser"><ID>abc</ID><Child xsi:type="Group"></Child></Grantee>`,
		sink{Grantee: &grantee{ID: ptr("abc"), Type: ptr("CanonicalUser"), Child: &grantee{Type: ptr("Group")}}}},
	{"map", `<Attrs><entry><key>a</key><value>1</value></entry><entry><key>b</key><value></value></entry></Attrs>`,
		sink{Attrs: map[string]string{"a": "1", "b": ""}}},
	{"custom map", `<Custom><entry><Name>k</Name><Value><ID>v</ID></Value></entry></Custom>`,
		sink{Custom: map[string]grantee{"k": {ID: ptr("v")}}}},
	{"flattened map", `<Attribute><Name>a</Name><Value>1</Value></Attribute><Attribute><Name>b</Name><Value>2</Value></Attribute>`,
		sink{FlatMap: map[string]string{"a": "1", "b": "2"}}},
	{"nested lists", `<Matrix><member><member>a</member></member><member></member></Matrix>`,
		sink{Matrix: [][]string{{"a"}, {}}}},
}

func decodeDoc(t testing.TB, doc string, opts Options) (sink, error) {
	t.Helper()
	var got sink
	err := Decode(strings.NewReader(doc), loadModel(t), reflect.ValueOf(&got).Elem(), opts)
	return got, err
}

func TestEncodeMembers(t *testing.T) {
	shape := loadModel(t)
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := EncodeMembers(&buf, shape, reflect.ValueOf(&tc.val), Options{}); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.xml {
				t.Fatalf("got  %s\nwant %s", buf.String(), tc.xml)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			doc := `<?xml version="1.0" encoding="UTF-8"?>` + "\n<Root xmlns=\"urn:x\">" + tc.xml + "</Root>\n"
			got, err := decodeDoc(t, doc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.val) {
				t.Fatalf("got  %s\nwant %s", dump(got), dump(tc.val))
			}
		})
	}
}

func TestEncodeElement(t *testing.T) {
	shape := loadModel(t)
	g := grantee{ID: ptr("i"), Type: ptr("a&b")}
	var buf bytes.Buffer
	ns := &awsapi.XMLNamespace{URI: "http://s3.amazonaws.com/doc/2006-03-01/"}
	if err := EncodeElement(&buf, "Grantee", ns, shape.MemberByName("Grantee").Shape, reflect.ValueOf(g), Options{}); err != nil {
		t.Fatal(err)
	}
	want := `<Grantee xmlns="http://s3.amazonaws.com/doc/2006-03-01/" xsi:type="a&amp;b"><ID>i</ID></Grantee>`
	if buf.String() != want {
		t.Fatalf("got  %s\nwant %s", buf.String(), want)
	}
	buf.Reset()
	v := sink{Str: ptr("s"), Header: ptr("h"), Time: &t0}
	err := EncodeElement(&buf, "Root", nil, shape, reflect.ValueOf(v), Options{BodyOnly: true, TimestampFormat: "rfc822"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<Root><Str>s</Str><Time>Sat, 28 Nov 2026 09:01:15 GMT</Time></Root>`; buf.String() != want {
		t.Fatalf("got  %s\nwant %s", buf.String(), want)
	}
}

func TestDecodeLenient(t *testing.T) {
	tests := []struct {
		name, doc string
		want      sink
	}{
		{"empty document", "", sink{}},
		{"prolog only", `<?xml version="1.0"?>` + "\n", sink{}},
		{"unknown elements and attributes", `<R a="1"><Nope><Deep><Str>x</Str></Deep></Nope><Str z="1">s</Str></R>`, sink{Str: ptr("s")}},
		{"whitespace between elements", "<R>\n  <Strings>\n    <member>a</member>\n  </Strings>\n</R>", sink{Strings: []string{"a"}}},
		{"comments and CDATA", `<R><!-- c --><Str><![CDATA[<raw>]]></Str></R>`, sink{Str: ptr("<raw>")}},
		{"prefixed elements", `<p:R xmlns:p="urn:p"><p:Str>s</p:Str></p:R>`, sink{Str: ptr("s")}},
		{"flattened list by member name", `<R><FlatNamed><ID>1</ID></FlatNamed></R>`, sink{FlatNamed: []grantee{{ID: ptr("1")}}}},
		{"timestamp forms", `<R><Time>1795856475</Time><TimeEpoch>2026-11-28T09:01:15Z</TimeEpoch></R>`, sink{Time: &t0, TimeEpoch: &t0}},
		{"self-closing struct", `<R><Grantee/></R>`, sink{Grantee: &grantee{}}},
		{"header member ignored in body", `<R><Header>h</Header></R>`, sink{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeDoc(t, tc.doc, Options{BodyOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %s\nwant %s", dump(got), dump(tc.want))
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, doc, path, msg string
	}{
		{"unclosed", `<R><Str>s</Str>`, "", "unexpected EOF"},
		{"mismatched tags", `<R><Str>s</Int></R>`, "Str", "malformed XML"},
		{"two roots", `<R></R><R></R>`, "", "more than one root"},
		{"trailing text", `<R></R>junk`, "", "text outside"},
		{"bad entity", `<R><Str>&bogus;</Str></R>`, "Str", "malformed XML"},
		{"bad integer", `<R><Int>x</Int></R>`, "Int", "integer"},
		{"int overflow", `<R><Int>3000000000</Int></R>`, "Int", "overflows"},
		{"bad bool", `<R><Bool>yes</Bool></R>`, "Bool", "boolean"},
		{"bad base64", `<R><Blob>!!</Blob></R>`, "Blob", "base64"},
		{"element in scalar", `<R><Str><b>x</b></Str></R>`, "Str", "unexpected element"},
		{"deep path", `<R><Named><Grantee/><Grantee><Child><Child><ID><x/></ID></Child></Child></Grantee></Named></R>`,
			"Named[1].Child.Child.ID", "unexpected element"},
		{"map entry path", `<R><Custom><entry><Name>k</Name><Value><ID><x/></ID></Value></entry></Custom></R>`,
			`Custom["k"].ID`, "unexpected element"},
		{"map entry without key", `<R><Attrs><entry><value>v</value></entry></Attrs></R>`, "Attrs", "without <key>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeDoc(t, tc.doc, Options{})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Path != tc.path || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("error path %q msg %q; want path %q msg containing %q", e.Path, e.Msg, tc.path, tc.msg)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	deep := "<R>" + strings.Repeat("<Grantee>", 50) + strings.Repeat("</Grantee>", 50) + "</R>"
	if _, err := decodeDoc(t, deep, Options{MaxDepth: 20}); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Fatalf("deep: %v", err)
	}
	deepUnknown := "<R>" + strings.Repeat("<x>", 200) + strings.Repeat("</x>", 200) + "</R>"
	if _, err := decodeDoc(t, deepUnknown, Options{}); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Fatalf("deep unknown: %v", err)
	}
	big := "<R><Str>" + strings.Repeat("a", 2000) + "</Str></R>"
	if _, err := decodeDoc(t, big, Options{MaxBytes: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("big: %v", err)
	}
	if _, err := decodeDoc(t, big, Options{MaxBytes: 5000}); err != nil {
		t.Fatalf("big within limit: %v", err)
	}
}

func TestDecodeElement(t *testing.T) {
	shape := loadModel(t)
	doc := `<SinkResponse><SinkResult><Str>s</Str></SinkResult><ResponseMetadata/></SinkResponse>`
	d := xml.NewDecoder(strings.NewReader(doc))
	var got sink
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "SinkResult" {
			if err := DecodeElement(d, se, shape, reflect.ValueOf(&got), Options{}); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if got.Str == nil || *got.Str != "s" {
		t.Fatalf("got %s", dump(got))
	}
	if tok, err := d.Token(); err != nil || tok.(xml.StartElement).Name.Local != "ResponseMetadata" {
		t.Fatalf("decoder not positioned after </SinkResult>: %v %v", tok, err)
	}
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func FuzzDecode(f *testing.F) {
	for _, tc := range codecCases {
		f.Add("<R>" + tc.xml + "</R>")
	}
	f.Add(`<R><Custom><entry><Name>k</Name><Value><ID><x/></ID></Value></entry></Custom></R>`)
	f.Add(`<?xml version="1.0"?><p:R xmlns:p="urn:p"><p:Str>&amp;</p:Str></p:R>`)
	shape := loadModel(f)
	f.Fuzz(func(t *testing.T, doc string) {
		var got sink
		if err := Decode(strings.NewReader(doc), shape, reflect.ValueOf(&got).Elem(), Options{MaxBytes: 1 << 16}); err != nil {
			return
		}
		var buf bytes.Buffer
		if err := EncodeElement(&buf, "R", nil, shape, reflect.ValueOf(got), Options{}); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var again sink
		if err := Decode(&buf, shape, reflect.ValueOf(&again).Elem(), Options{}); err != nil {
			t.Fatalf("decode own output %q: %v", buf.String(), err)
		}
	})
}
