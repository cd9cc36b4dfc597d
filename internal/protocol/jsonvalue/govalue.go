package jsonvalue

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

var (
	timeType       = reflect.TypeOf(time.Time{})
	bytesType      = reflect.TypeOf([]byte(nil))
	readCloserType = reflect.TypeOf((*io.ReadCloser)(nil)).Elem()
)

// Indirect follows pointers from v, allocating nil ones (v must then be
// settable), and returns the pointed-to value.
func Indirect(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	return v
}

// SetString stores s into v: a string-kinded value (named enum types included),
// a pointer to one, or an empty interface.
func SetString(v reflect.Value, s string) error {
	v = Indirect(v)
	switch {
	case v.Kind() == reflect.String:
		v.SetString(s)
	case isAny(v):
		v.Set(reflect.ValueOf(s))
	default:
		return errorf("Go type %s cannot hold a string", v.Type())
	}
	return nil
}

// SetInt stores n into an integer-kinded v (or pointer to one), rejecting values
// that overflow it.
func SetInt(v reflect.Value, n int64) error {
	v = Indirect(v)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.OverflowInt(n) {
			return errorf("integer %d overflows %s", n, v.Type())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n < 0 || v.OverflowUint(uint64(n)) {
			return errorf("integer %d overflows %s", n, v.Type())
		}
		v.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(n))
	default:
		if isAny(v) {
			v.Set(reflect.ValueOf(n))
			return nil
		}
		return errorf("Go type %s cannot hold an integer", v.Type())
	}
	return nil
}

// SetFloat stores f into a float-kinded v (or pointer to one).
func SetFloat(v reflect.Value, f float64) error {
	v = Indirect(v)
	switch v.Kind() {
	case reflect.Float32:
		if !math.IsInf(f, 0) && !math.IsNaN(f) && v.OverflowFloat(f) {
			return errorf("number %g overflows %s", f, v.Type())
		}
		v.SetFloat(f)
	case reflect.Float64:
		v.SetFloat(f)
	default:
		if isAny(v) {
			v.Set(reflect.ValueOf(f))
			return nil
		}
		return errorf("Go type %s cannot hold a number", v.Type())
	}
	return nil
}

// SetBool stores b into a bool-kinded v (or pointer to one).
func SetBool(v reflect.Value, b bool) error {
	v = Indirect(v)
	switch {
	case v.Kind() == reflect.Bool:
		v.SetBool(b)
	case isAny(v):
		v.Set(reflect.ValueOf(b))
	default:
		return errorf("Go type %s cannot hold a boolean", v.Type())
	}
	return nil
}

// SetTime stores t into a time.Time v (or pointer to one).
func SetTime(v reflect.Value, t time.Time) error {
	v = Indirect(v)
	if v.Type() != timeType && !isAny(v) {
		return errorf("Go type %s cannot hold a timestamp", v.Type())
	}
	v.Set(reflect.ValueOf(t))
	return nil
}

// SetBytes stores b into a []byte v, or into an io.ReadCloser v as a reader over b.
func SetBytes(v reflect.Value, b []byte) error {
	if v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Slice {
		v = Indirect(v)
	}
	switch {
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		v.SetBytes(b)
	case v.Type() == readCloserType:
		v.Set(reflect.ValueOf(io.NopCloser(bytes.NewReader(b))))
	case isAny(v):
		v.Set(reflect.ValueOf(b))
	default:
		return errorf("Go type %s cannot hold a blob", v.Type())
	}
	return nil
}

func isAny(v reflect.Value) bool {
	return v.Kind() == reflect.Interface && v.NumMethod() == 0
}

// DecodeBase64 decodes standard base64, with or without padding, ignoring
// surrounding whitespace.
func DecodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "=") || len(s)%4 == 0 {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// SetScalar parses text as a value of scalar shape s (reached through member m,
// which may be nil) and stores it into v. It is how XML text, query-string and
// header values become Go values: booleans are "true"/"false", numbers decimal
// (floats also "NaN"/"Infinity"/"-Infinity"), timestamps any accepted form, blobs
// base64.
func SetScalar(v reflect.Value, s *awsapi.Shape, m *awsapi.Member, text string) error {
	switch s.Type {
	case awsapi.TypeString, awsapi.TypeBigInteger, awsapi.TypeBigDecimal:
		return SetString(v, text)
	case awsapi.TypeInteger, awsapi.TypeLong, awsapi.TypeShort, awsapi.TypeByte:
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return errorf("cannot parse %q as an integer", text)
		}
		return SetInt(v, n)
	case awsapi.TypeFloat, awsapi.TypeDouble:
		f, err := ParseFloat(strings.TrimSpace(text))
		if err != nil {
			return &Error{Msg: err.Error()}
		}
		return SetFloat(v, f)
	case awsapi.TypeBoolean:
		switch strings.TrimSpace(text) {
		case "true":
			return SetBool(v, true)
		case "false":
			return SetBool(v, false)
		}
		return errorf("cannot parse %q as a boolean", text)
	case awsapi.TypeTimestamp:
		t, err := ParseTimestamp(text, TimestampFormatOf(m, s, FormatISO8601))
		if err != nil {
			return &Error{Msg: err.Error()}
		}
		return SetTime(v, t)
	case awsapi.TypeBlob:
		b, err := DecodeBase64(text)
		if err != nil {
			return errorf("invalid base64 blob")
		}
		return SetBytes(v, b)
	}
	return errorf("shape %s of type %s is not a scalar", s.Name, s.Type)
}

// fmtScalar formats a scalar Go value (already dereferenced) of shape s as text,
// failing when v's kind does not fit the shape.
func fmtScalar(v reflect.Value, s *awsapi.Shape, m *awsapi.Member, defTS string) (string, error) {
	switch s.Type {
	case awsapi.TypeString, awsapi.TypeBigInteger, awsapi.TypeBigDecimal:
		if v.Kind() == reflect.String {
			return v.String(), nil
		}
	case awsapi.TypeInteger, awsapi.TypeLong, awsapi.TypeShort, awsapi.TypeByte:
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return strconv.FormatInt(v.Int(), 10), nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return strconv.FormatUint(v.Uint(), 10), nil
		}
	case awsapi.TypeFloat, awsapi.TypeDouble:
		if v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64 {
			return FormatFloat(v.Float()), nil
		}
	case awsapi.TypeBoolean:
		if v.Kind() == reflect.Bool {
			return strconv.FormatBool(v.Bool()), nil
		}
	case awsapi.TypeTimestamp:
		if v.Type() == timeType {
			return FormatTimestamp(v.Interface().(time.Time), TimestampFormatOf(m, s, defTS)), nil
		}
	case awsapi.TypeBlob:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), nil
		}
	default:
		return "", errorf("shape %s of type %s is not a scalar", s.Name, s.Type)
	}
	return "", errorf("Go type %s does not match shape %s (%s)", v.Type(), s.Name, s.Type)
}

// FormatScalar formats v, a scalar Go value of shape s (or a pointer to one),
// as text: the inverse of SetScalar. Timestamps use the member's or shape's
// timestampFormat, else defTimestampFormat.
func FormatScalar(v reflect.Value, s *awsapi.Shape, m *awsapi.Member, defTimestampFormat string) (string, error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", fmt.Errorf("jsonvalue: nil %s value", s.Name)
		}
		v = v.Elem()
	}
	return fmtScalar(v, s, m, defTimestampFormat)
}
