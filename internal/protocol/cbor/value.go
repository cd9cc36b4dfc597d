package cbor

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	fx "github.com/fxamacker/cbor/v2"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/jsonvalue"
)

// Error is a failure to map a CBOR value onto the model, at a member path.
type Error struct {
	Path string
	Msg  string
}

// Error implements error.
func (e *Error) Error() string { return "cbor: " + e.Path + ": " + e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

func under(err error, seg string) error {
	var e *Error
	if errors.As(err, &e) {
		p := seg + e.Path
		if e.Path != "" && e.Path[0] != '[' && e.Path[0] != '.' {
			p = seg + "." + e.Path
		}
		e.Path = strings.TrimPrefix(p, ".")
		return e
	}
	var je *jsonvalue.Error
	if errors.As(err, &je) {
		return &Error{Path: strings.TrimPrefix(seg, "."), Msg: je.Msg}
	}
	return err
}

// lift turns a jsonvalue setter error into an *Error.
func lift(err error) error {
	var je *jsonvalue.Error
	if errors.As(err, &je) {
		return &Error{Msg: je.Msg}
	}
	return err
}

// Assign stores raw, a generic value as fxamacker/cbor decodes it into `any`
// (map[string]any, []any, string, []byte, uint64, int64, float64, bool,
// time.Time, fx.Tag, nil), into dst as a value of shape. maxDepth bounds nesting.
func Assign(raw any, shape *awsapi.Shape, dst reflect.Value, maxDepth int) error {
	return assign(raw, shape, nil, dst, 0, maxDepth)
}

func assign(raw any, s *awsapi.Shape, m *awsapi.Member, dst reflect.Value, depth, max int) error {
	if raw == nil {
		return nil
	}
	if _, ok := raw.(fx.SimpleValue); ok {
		return nil // undefined and unassigned simple values mean absent
	}
	if depth > max {
		return errorf("nesting deeper than %d", max)
	}
	switch s.Type {
	case awsapi.TypeStructure:
		if s.Document {
			return errorf("document members are not supported in RPC v2 CBOR")
		}
		obj, ok := raw.(map[string]any)
		if !ok {
			return mismatch(raw, "a map")
		}
		v := jsonvalue.Indirect(dst)
		if v.Kind() != reflect.Struct {
			return errorf("Go type %s cannot hold structure %s", v.Type(), s.Name)
		}
		for _, mem := range s.Members {
			r, ok := obj[mem.Name]
			if !ok {
				continue
			}
			f, ok := awsapi.Field(v, mem)
			if !ok {
				continue
			}
			if err := assign(r, mem.Shape, mem, f, depth+1, max); err != nil {
				return under(err, "."+mem.Name)
			}
		}
		return nil
	case awsapi.TypeList:
		return assignList(raw, s, dst, depth, max)
	case awsapi.TypeMap:
		return assignMap(raw, s, dst, depth, max)
	}
	return lift(assignScalar(raw, s, dst))
}

func assignList(raw any, s *awsapi.Shape, dst reflect.Value, depth, max int) error {
	arr, ok := raw.([]any)
	if !ok {
		return mismatch(raw, "an array")
	}
	v := jsonvalue.Indirect(dst)
	if v.Kind() != reflect.Slice {
		return errorf("Go type %s cannot hold list %s", v.Type(), s.Name)
	}
	out := reflect.MakeSlice(v.Type(), 0, len(arr))
	for i, r := range arr {
		if r == nil && !s.Sparse {
			continue
		}
		e := reflect.New(v.Type().Elem()).Elem()
		if err := assign(r, s.Member.Shape, s.Member, e, depth+1, max); err != nil {
			return under(err, "["+strconv.Itoa(i)+"]")
		}
		out = reflect.Append(out, e)
	}
	v.Set(out)
	return nil
}

func assignMap(raw any, s *awsapi.Shape, dst reflect.Value, depth, max int) error {
	obj, ok := raw.(map[string]any)
	if !ok {
		return mismatch(raw, "a map")
	}
	v := jsonvalue.Indirect(dst)
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return errorf("Go type %s cannot hold map %s", v.Type(), s.Name)
	}
	out := reflect.MakeMapWithSize(v.Type(), len(obj))
	for k, r := range obj {
		if r == nil && !s.Sparse {
			continue
		}
		e := reflect.New(v.Type().Elem()).Elem()
		if err := assign(r, s.Value.Shape, s.Value, e, depth+1, max); err != nil {
			return under(err, "["+strconv.Quote(k)+"]")
		}
		out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
	}
	v.Set(out)
	return nil
}

func assignScalar(raw any, s *awsapi.Shape, dst reflect.Value) error {
	switch s.Type {
	case awsapi.TypeString, awsapi.TypeBigInteger, awsapi.TypeBigDecimal:
		if str, ok := raw.(string); ok {
			return jsonvalue.SetString(dst, str)
		}
		return mismatch(raw, "a text string")
	case awsapi.TypeInteger, awsapi.TypeLong, awsapi.TypeShort, awsapi.TypeByte:
		switch x := raw.(type) {
		case uint64:
			if x > math.MaxInt64 {
				return errorf("integer %d out of range", x)
			}
			return jsonvalue.SetInt(dst, int64(x))
		case int64:
			return jsonvalue.SetInt(dst, x)
		}
		return mismatch(raw, "an integer")
	case awsapi.TypeFloat, awsapi.TypeDouble:
		f, ok := number(raw)
		if !ok {
			return mismatch(raw, "a number")
		}
		return jsonvalue.SetFloat(dst, f)
	case awsapi.TypeBoolean:
		if b, ok := raw.(bool); ok {
			return jsonvalue.SetBool(dst, b)
		}
		return mismatch(raw, "a boolean")
	case awsapi.TypeTimestamp:
		t, err := timestamp(raw)
		if err != nil {
			return err
		}
		return jsonvalue.SetTime(dst, t)
	case awsapi.TypeBlob:
		if b, ok := raw.([]byte); ok {
			return jsonvalue.SetBytes(dst, b)
		}
		return mismatch(raw, "a byte string")
	}
	return errorf("unsupported shape type %s", s.Type)
}

func number(raw any) (float64, bool) {
	switch x := raw.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// timestamp accepts tag 1 (decoded as time.Time, or kept as a tag) and, leniently,
// a bare epoch number.
func timestamp(raw any) (time.Time, error) {
	switch x := raw.(type) {
	case time.Time:
		return x.UTC(), nil
	case fx.Tag:
		if x.Number != 1 {
			return time.Time{}, errorf("expected tag 1 (epoch seconds), got tag %d", x.Number)
		}
		return timestamp(x.Content)
	}
	f, ok := number(raw)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return time.Time{}, mismatch(raw, "a timestamp")
	}
	if i, ok := raw.(int64); ok {
		return time.Unix(i, 0).UTC(), nil
	}
	if u, ok := raw.(uint64); ok {
		return time.Unix(int64(u), 0).UTC(), nil
	}
	return jsonvalue.EpochFloat(f), nil
}

func mismatch(raw any, want string) error {
	return errorf("expected %s, got %s", want, kind(raw))
}

func kind(raw any) string {
	switch raw.(type) {
	case map[string]any:
		return "a map"
	case []any:
		return "an array"
	case string:
		return "a text string"
	case []byte:
		return "a byte string"
	case uint64, int64, *big.Int, big.Int:
		return "an integer"
	case float64, float32:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a timestamp"
	case fx.Tag:
		return "a tagged value"
	}
	return fmt.Sprintf("%T", raw)
}

func encMode() fx.EncMode {
	em, err := fx.EncOptions{Sort: fx.SortBytewiseLexical}.EncMode()
	if err != nil {
		panic("cbor: static encoder options rejected: " + err.Error())
	}
	return em
}

// Marshal returns the CBOR encoding of v (a value, or pointer to one, of the Go
// type bound to shape). A nil shape or nil v gives an empty map.
func Marshal(shape *awsapi.Shape, v any) ([]byte, error) {
	rv := deref(reflect.ValueOf(v))
	if shape == nil || !rv.IsValid() {
		return []byte{0xa0}, nil
	}
	g, err := generic(shape, rv, 0)
	if err != nil {
		return nil, err
	}
	return encMode().Marshal(g)
}

func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func absent(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	case reflect.Invalid:
		return true
	}
	return false
}

// generic converts a Go value of shape s into the value fxamacker encodes as the
// wire form: timestamps become tag 1, blobs byte strings.
func generic(s *awsapi.Shape, v reflect.Value, depth int) (any, error) {
	if depth > 1000 {
		return nil, errorf("value nested deeper than 1000")
	}
	v = deref(v)
	if !v.IsValid() {
		return nil, nil
	}
	switch s.Type {
	case awsapi.TypeStructure:
		if v.Kind() != reflect.Struct {
			return nil, errorf("Go type %s does not match structure %s", v.Type(), s.Name)
		}
		out := make(map[string]any, len(s.Members))
		for _, m := range s.Members {
			f, ok := awsapi.Field(v, m)
			if !ok || absent(f) {
				continue
			}
			g, err := generic(m.Shape, f, depth+1)
			if err != nil {
				return nil, under(err, "."+m.Name)
			}
			out[m.Name] = g
		}
		return out, nil
	case awsapi.TypeList:
		if v.Kind() != reflect.Slice {
			return nil, errorf("Go type %s does not match list %s", v.Type(), s.Name)
		}
		out := make([]any, v.Len())
		for i := range out {
			g, err := generic(s.Member.Shape, v.Index(i), depth+1)
			if err != nil {
				return nil, under(err, "["+strconv.Itoa(i)+"]")
			}
			out[i] = g
		}
		return out, nil
	case awsapi.TypeMap:
		return genericMap(s, v, depth)
	}
	return genericScalar(s, v)
}

func genericMap(s *awsapi.Shape, v reflect.Value, depth int) (any, error) {
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return nil, errorf("Go type %s does not match map %s", v.Type(), s.Name)
	}
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		g, err := generic(s.Value.Shape, v.MapIndex(k), depth+1)
		if err != nil {
			return nil, under(err, "["+strconv.Quote(k.String())+"]")
		}
		out[k.String()] = g
	}
	return out, nil
}

func genericScalar(s *awsapi.Shape, v reflect.Value) (any, error) {
	switch s.Type {
	case awsapi.TypeString, awsapi.TypeBigInteger, awsapi.TypeBigDecimal:
		if v.Kind() == reflect.String {
			return v.String(), nil
		}
	case awsapi.TypeInteger, awsapi.TypeLong, awsapi.TypeShort, awsapi.TypeByte:
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return v.Int(), nil
		}
	case awsapi.TypeFloat, awsapi.TypeDouble:
		if v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64 {
			return v.Float(), nil
		}
	case awsapi.TypeBoolean:
		if v.Kind() == reflect.Bool {
			return v.Bool(), nil
		}
	case awsapi.TypeTimestamp:
		if t, isTime := v.Interface().(time.Time); isTime {
			return epochTag(t), nil
		}
	case awsapi.TypeBlob:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Bytes(), nil
		}
	}
	return nil, errorf("Go type %s does not match shape %s (%s)", v.Type(), s.Name, s.Type)
}

// epochTag encodes t as tag 1: an integer for whole seconds, else a float with
// millisecond precision.
func epochTag(t time.Time) fx.Tag {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return fx.Tag{Number: 1, Content: ms / 1000}
	}
	return fx.Tag{Number: 1, Content: float64(ms) / 1000}
}
