package jsonvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strconv"

	"github.com/nubo/nubo/internal/awsapi"
)

// Decode parses data, one JSON value, as a value of shape and stores it into dst.
// dst is a settable value of the Go type bound to shape (for a structure: an
// addressable struct, or a pointer to one, allocated when nil). Empty data and
// null leave dst unchanged. Malformed JSON and values whose type does not match
// the shape are errors; an *Error names the member path.
//
// Decode reads the text straight into dst (see decodeDirect) and falls back
// to decoding through encoding/json's generic values when that declines, so
// both paths accept the same input and give the same result; only the
// generic path words errors.
func Decode(data []byte, shape *awsapi.Shape, dst reflect.Value, opts Options) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil
	}
	saved := snapshot(dst)
	if decodeDirect(data, shape, dst, opts) == nil {
		return nil
	}
	saved.restore()
	return decodeGeneric(data, shape, dst, opts)
}

// saved is the value a destination held before decoding.
type saved struct {
	v    reflect.Value // where the destination's value lives (invalid: nothing to restore)
	prev reflect.Value // its earlier value (invalid: the zero value)
}

// snapshot records the value dst refers to (dst itself when settable, else
// what its pointers lead to), so that a declined direct decoding leaves no
// trace for the generic decoder to build on. A zero value is recorded
// without a copy.
func snapshot(dst reflect.Value) saved {
	v := dst
	for v.Kind() == reflect.Pointer && !v.IsNil() && !v.CanSet() {
		v = v.Elem()
	}
	if !v.CanSet() {
		return saved{}
	}
	if v.IsZero() {
		return saved{v: v}
	}
	prev := reflect.New(v.Type()).Elem()
	prev.Set(v)
	return saved{v: v, prev: prev}
}

// restore puts the recorded value back.
func (s saved) restore() {
	switch {
	case !s.v.IsValid():
	case s.prev.IsValid():
		s.v.Set(s.prev)
	default:
		s.v.SetZero()
	}
}

// decodeGeneric is Decode through encoding/json's generic values
// (map[string]any and the like) and DecodeValue.
func decodeGeneric(data []byte, shape *awsapi.Shape, dst reflect.Value, opts Options) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return &Error{Msg: "malformed JSON: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{Msg: "malformed JSON: data after the top-level value"}
	}
	return DecodeValue(raw, shape, nil, dst, opts)
}

// DecodeValue stores raw, a JSON value as encoding/json decodes it with
// UseNumber (map[string]any, []any, string, json.Number, bool, nil), into dst
// as a value of shape reached through member m (m may be nil).
func DecodeValue(raw any, shape *awsapi.Shape, m *awsapi.Member, dst reflect.Value, opts Options) error {
	d := decoder{opts: opts, max: opts.maxDepth()}
	return d.value(raw, shape, m, dst, 0)
}

type decoder struct {
	opts Options
	max  int
}

func (d *decoder) value(raw any, s *awsapi.Shape, m *awsapi.Member, dst reflect.Value, depth int) error {
	if raw == nil {
		return nil
	}
	if depth > d.max {
		return errorf("nesting deeper than %d", d.max)
	}
	if s.Document {
		doc, err := document(raw, depth, d.max)
		if err != nil {
			return err
		}
		dst = Indirect(dst)
		if !isAny(dst) {
			return errorf("Go type %s cannot hold a document", dst.Type())
		}
		if doc != nil {
			dst.Set(reflect.ValueOf(doc))
		}
		return nil
	}
	switch s.Type {
	case awsapi.TypeStructure:
		obj, ok := raw.(map[string]any)
		if !ok {
			return mismatch(raw, "an object")
		}
		return d.structure(obj, s, dst, depth)
	case awsapi.TypeList:
		arr, ok := raw.([]any)
		if !ok {
			return mismatch(raw, "an array")
		}
		return d.list(arr, s, dst, depth)
	case awsapi.TypeMap:
		obj, ok := raw.(map[string]any)
		if !ok {
			return mismatch(raw, "an object")
		}
		return d.mapValue(obj, s, dst, depth)
	}
	return d.scalar(raw, s, m, dst)
}

func (d *decoder) structure(obj map[string]any, s *awsapi.Shape, dst reflect.Value, depth int) error {
	dst = Indirect(dst)
	if dst.Kind() != reflect.Struct {
		return errorf("Go type %s cannot hold structure %s", dst.Type(), s.Name)
	}
	for _, m := range s.Members {
		if d.opts.skip(m) {
			continue
		}
		key, alt := d.opts.key(m)
		raw, ok := obj[key]
		if !ok && alt != "" {
			raw, ok = obj[alt]
		}
		if !ok || raw == nil {
			continue
		}
		f, ok := awsapi.Field(dst, m)
		if !ok {
			continue
		}
		if err := d.value(raw, m.Shape, m, f, depth+1); err != nil {
			return under(err, "."+m.Name)
		}
	}
	return nil
}

func (d *decoder) list(arr []any, s *awsapi.Shape, dst reflect.Value, depth int) error {
	dst = Indirect(dst)
	if dst.Kind() != reflect.Slice {
		return errorf("Go type %s cannot hold list %s", dst.Type(), s.Name)
	}
	out := reflect.MakeSlice(dst.Type(), 0, len(arr))
	for i, raw := range arr {
		if raw == nil && !s.Sparse {
			continue
		}
		e := reflect.New(dst.Type().Elem()).Elem()
		if err := d.value(raw, s.Member.Shape, s.Member, e, depth+1); err != nil {
			return under(err, "["+strconv.Itoa(i)+"]")
		}
		out = reflect.Append(out, e)
	}
	dst.Set(out)
	return nil
}

func (d *decoder) mapValue(obj map[string]any, s *awsapi.Shape, dst reflect.Value, depth int) error {
	dst = Indirect(dst)
	if dst.Kind() != reflect.Map || dst.Type().Key().Kind() != reflect.String {
		return errorf("Go type %s cannot hold map %s", dst.Type(), s.Name)
	}
	out := reflect.MakeMapWithSize(dst.Type(), len(obj))
	kt, vt := dst.Type().Key(), dst.Type().Elem()
	for k, raw := range obj {
		if raw == nil && !s.Sparse {
			continue
		}
		e := reflect.New(vt).Elem()
		if err := d.value(raw, s.Value.Shape, s.Value, e, depth+1); err != nil {
			return under(err, "["+strconv.Quote(k)+"]")
		}
		out.SetMapIndex(reflect.ValueOf(k).Convert(kt), e)
	}
	dst.Set(out)
	return nil
}

func (d *decoder) scalar(raw any, s *awsapi.Shape, m *awsapi.Member, dst reflect.Value) error {
	switch s.Type {
	case awsapi.TypeString, awsapi.TypeBigInteger, awsapi.TypeBigDecimal:
		switch x := raw.(type) {
		case string:
			return SetString(dst, x)
		case json.Number:
			if s.Type != awsapi.TypeString {
				return SetString(dst, x.String())
			}
		}
		return mismatch(raw, "a string")
	case awsapi.TypeInteger, awsapi.TypeLong, awsapi.TypeShort, awsapi.TypeByte:
		n, ok := raw.(json.Number)
		if !ok {
			return mismatch(raw, "an integer")
		}
		i, err := parseInteger(n)
		if err != nil {
			return err
		}
		return SetInt(dst, i)
	case awsapi.TypeFloat, awsapi.TypeDouble:
		return d.float(raw, dst)
	case awsapi.TypeBoolean:
		b, ok := raw.(bool)
		if !ok {
			return mismatch(raw, "a boolean")
		}
		return SetBool(dst, b)
	case awsapi.TypeTimestamp:
		return d.timestamp(raw, s, m, dst)
	case awsapi.TypeBlob:
		str, ok := raw.(string)
		if !ok {
			return mismatch(raw, "a base64 string")
		}
		b, err := DecodeBase64(str)
		if err != nil {
			return errorf("invalid base64 blob")
		}
		return SetBytes(dst, b)
	}
	return errorf("unsupported shape type %s", s.Type)
}

func (d *decoder) float(raw any, dst reflect.Value) error {
	switch x := raw.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return errorf("number %s out of range", x)
		}
		return SetFloat(dst, f)
	case string:
		switch x {
		case "NaN", "Infinity", "-Infinity":
			f, _ := ParseFloat(x)
			return SetFloat(dst, f)
		}
	}
	return mismatch(raw, "a number")
}

func (d *decoder) timestamp(raw any, s *awsapi.Shape, m *awsapi.Member, dst reflect.Value) error {
	format := TimestampFormatOf(m, s, d.opts.TimestampFormat)
	switch x := raw.(type) {
	case json.Number:
		t, err := ParseEpoch(x.String())
		if err != nil {
			return &Error{Msg: err.Error()}
		}
		return SetTime(dst, t)
	case string:
		t, err := ParseTimestamp(x, format)
		if err != nil {
			return &Error{Msg: err.Error()}
		}
		return SetTime(dst, t)
	}
	return mismatch(raw, "a timestamp")
}

// parseInteger accepts integral JSON numbers, including forms like 1.0 or 1e3.
func parseInteger(n json.Number) (int64, error) {
	if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
		return 0, errorf("%s is not an integer in range", n)
	}
	return int64(f), nil
}

// document converts a JSON value to the encoding/json representation.
func document(raw any, depth, max int) (any, error) {
	if depth > max {
		return nil, errorf("nesting deeper than %d", max)
	}
	switch x := raw.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return nil, errorf("number %s out of range", x)
		}
		return f, nil
	case []any:
		for i, e := range x {
			v, err := document(e, depth+1, max)
			if err != nil {
				return nil, err
			}
			x[i] = v
		}
	case map[string]any:
		for k, e := range x {
			v, err := document(e, depth+1, max)
			if err != nil {
				return nil, err
			}
			x[k] = v
		}
	}
	return raw, nil
}

func mismatch(raw any, want string) error {
	return errorf("expected %s, got %s", want, jsonKind(raw))
}

func jsonKind(raw any) string {
	switch raw.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}
