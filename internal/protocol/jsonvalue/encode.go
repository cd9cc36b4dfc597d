package jsonvalue

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi"
)

// maxEncodeDepth bounds recursion through self-referencing Go values.
const maxEncodeDepth = 1000

// Marshal returns the JSON encoding of v (a Go value, or pointer to one, of the
// type bound to shape). A nil shape or nil v gives {}.
func Marshal(shape *awsapi.Shape, v any, opts Options) ([]byte, error) {
	var buf bytes.Buffer
	if err := Encode(&buf, shape, reflect.ValueOf(v), opts); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Encode appends the JSON encoding of v, a value of the Go type bound to shape
// (or a pointer to one), to buf. A nil shape, or a nil or invalid v, writes {}:
// the body of an operation without input or output. On error buf may hold a
// partial encoding.
func Encode(buf *bytes.Buffer, shape *awsapi.Shape, v reflect.Value, opts Options) error {
	v = deref(v)
	if shape == nil || !v.IsValid() {
		buf.WriteString("{}")
		return nil
	}
	e := encoder{buf: buf, opts: opts}
	return e.value(shape, nil, v, 0)
}

type encoder struct {
	buf  *bytes.Buffer
	opts Options
}

// deref follows pointers and interfaces; a nil one gives the invalid Value.
func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// absent reports whether a member value is nil (omitted from the output).
func absent(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	case reflect.Invalid:
		return true
	}
	return false
}

func (e *encoder) value(s *awsapi.Shape, m *awsapi.Member, v reflect.Value, depth int) error {
	if depth > maxEncodeDepth {
		return errorf("value nested deeper than %d", maxEncodeDepth)
	}
	v = deref(v)
	if !v.IsValid() {
		e.buf.WriteString("null")
		return nil
	}
	if s.Document {
		return e.document(v.Interface(), depth)
	}
	switch s.Type {
	case awsapi.TypeStructure:
		return e.structure(s, v, depth)
	case awsapi.TypeList:
		return e.list(s, v, depth)
	case awsapi.TypeMap:
		return e.mapValue(s, v, depth)
	}
	return e.scalar(s, m, v)
}

func (e *encoder) structure(s *awsapi.Shape, v reflect.Value, depth int) error {
	if v.Kind() != reflect.Struct {
		return errorf("Go type %s does not match structure %s", v.Type(), s.Name)
	}
	e.buf.WriteByte('{')
	first := true
	for _, m := range s.Members {
		if e.opts.skip(m) {
			continue
		}
		f, ok := awsapi.Field(v, m)
		if !ok || absent(f) {
			continue
		}
		if !first {
			e.buf.WriteByte(',')
		}
		first = false
		key, _ := e.opts.key(m)
		writeString(e.buf, key)
		e.buf.WriteByte(':')
		if err := e.value(m.Shape, m, f, depth+1); err != nil {
			return under(err, "."+m.Name)
		}
	}
	e.buf.WriteByte('}')
	return nil
}

func (e *encoder) list(s *awsapi.Shape, v reflect.Value, depth int) error {
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return errorf("Go type %s does not match list %s", v.Type(), s.Name)
	}
	e.buf.WriteByte('[')
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		if err := e.value(s.Member.Shape, s.Member, v.Index(i), depth+1); err != nil {
			return under(err, "["+strconv.Itoa(i)+"]")
		}
	}
	e.buf.WriteByte(']')
	return nil
}

func (e *encoder) mapValue(s *awsapi.Shape, v reflect.Value, depth int) error {
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return errorf("Go type %s does not match map %s", v.Type(), s.Name)
	}
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	e.buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		writeString(e.buf, k.String())
		e.buf.WriteByte(':')
		if err := e.value(s.Value.Shape, s.Value, v.MapIndex(k), depth+1); err != nil {
			return under(err, "["+strconv.Quote(k.String())+"]")
		}
	}
	e.buf.WriteByte('}')
	return nil
}

func (e *encoder) scalar(s *awsapi.Shape, m *awsapi.Member, v reflect.Value) error {
	switch s.Type {
	case awsapi.TypeFloat, awsapi.TypeDouble:
		if v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64 {
			f := v.Float()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				writeString(e.buf, FormatFloat(f))
			} else {
				e.buf.WriteString(FormatFloat(f))
			}
			return nil
		}
	case awsapi.TypeTimestamp:
		if v.Type() == timeType {
			format := TimestampFormatOf(m, s, e.opts.TimestampFormat)
			if format == "" {
				format = FormatUnix
			}
			text := FormatTimestamp(v.Interface().(time.Time), format)
			if format == FormatUnix {
				e.buf.WriteString(text)
			} else {
				writeString(e.buf, text)
			}
			return nil
		}
	}
	text, err := fmtScalar(v, s, m, FormatUnix)
	if err != nil {
		return err
	}
	switch s.Type {
	case awsapi.TypeString, awsapi.TypeBlob, awsapi.TypeTimestamp:
		writeString(e.buf, text)
	default:
		e.buf.WriteString(text)
	}
	return nil
}

// document writes a JSON-like Go value.
func (e *encoder) document(x any, depth int) error {
	if depth > maxEncodeDepth {
		return errorf("document nested deeper than %d", maxEncodeDepth)
	}
	switch d := x.(type) {
	case nil:
		e.buf.WriteString("null")
	case string:
		writeString(e.buf, d)
	case bool:
		e.buf.WriteString(strconv.FormatBool(d))
	case float64:
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return errorf("document number %v is not valid JSON", d)
		}
		e.buf.WriteString(FormatFloat(d))
	case map[string]any:
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e.buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			writeString(e.buf, k)
			e.buf.WriteByte(':')
			if err := e.document(d[k], depth+1); err != nil {
				return err
			}
		}
		e.buf.WriteByte('}')
	case []any:
		e.buf.WriteByte('[')
		for i, el := range d {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			if err := e.document(el, depth+1); err != nil {
				return err
			}
		}
		e.buf.WriteByte(']')
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return errorf("document value of type %T: %v", d, err)
		}
		e.buf.Write(b)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD; U+2028
// and U+2029 are escaped so the output is also safe JavaScript.
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				buf.WriteByte('\\')
				buf.WriteByte(c)
			case '\n':
				buf.WriteString(`\n`)
			case '\r':
				buf.WriteString(`\r`)
			case '\t':
				buf.WriteString(`\t`)
			default:
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[c>>4])
				buf.WriteByte(hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(s[start:i])
			buf.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf.WriteString(s[start:i])
			buf.WriteString(`\u202`)
			buf.WriteByte(hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}
