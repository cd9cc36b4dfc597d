package rest

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

// Timestamp formats as the botocore models name them.
const (
	TimestampISO8601 = "iso8601"
	TimestampRFC822  = "rfc822"
	TimestampUnix    = "unixTimestamp"
)

var timeType = reflect.TypeOf(time.Time{})

// ParseTimestamp parses a timestamp in any of the formats AWS clients send:
// ISO 8601 (with or without fractional seconds and zone), RFC 1123 / RFC 822
// dates, and epoch seconds (possibly fractional).
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty timestamp")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e13 {
			return time.Time{}, fmt.Errorf("timestamp %q out of range", s)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC1123Z, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}

// FormatTimestamp formats t in format (one of the Timestamp constants; "" means
// def).
func FormatTimestamp(t time.Time, format, def string) string {
	if format == "" {
		format = def
	}
	t = t.UTC()
	switch format {
	case TimestampRFC822:
		return t.Format(http.TimeFormat)
	case TimestampUnix:
		if t.Nanosecond() == 0 {
			return strconv.FormatInt(t.Unix(), 10)
		}
		return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64)
	default:
		if t.Nanosecond() == 0 {
			return t.Format("2006-01-02T15:04:05Z")
		}
		return t.Format("2006-01-02T15:04:05.000Z")
	}
}

// TimestampFormat returns the timestamp format that applies to member m: the
// member's, else its shape's, else def.
func TimestampFormat(m *awsapi.Member, def string) string {
	if m != nil && m.TimestampFormat != "" {
		return m.TimestampFormat
	}
	if m != nil && m.Shape.TimestampFormat != "" {
		return m.Shape.TimestampFormat
	}
	return def
}

// IsScalar reports whether sh is a scalar shape (not structure, list or map).
func IsScalar(sh *awsapi.Shape) bool {
	switch sh.Type {
	case awsapi.TypeStructure, awsapi.TypeList, awsapi.TypeMap:
		return false
	}
	return true
}

// SetText parses text as a value of scalar shape sh and stores it in dst, a
// settable Go value of the type the conventions give sh (a pointer to the
// scalar in structures, the scalar itself in lists and maps). Blobs are
// base64-decoded when b64 is set, else taken as raw bytes.
func SetText(dst reflect.Value, sh *awsapi.Shape, text string, b64 bool) error {
	if dst.Kind() == reflect.Pointer {
		p := reflect.New(dst.Type().Elem())
		if err := SetText(p.Elem(), sh, text, b64); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	switch sh.Type {
	case awsapi.TypeString:
		if dst.Kind() != reflect.String {
			return typeMismatch(sh, dst)
		}
		dst.SetString(text)
	case awsapi.TypeBoolean:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil || dst.Kind() != reflect.Bool {
			return fmt.Errorf("invalid boolean %q", text)
		}
		dst.SetBool(b)
	case awsapi.TypeInteger, awsapi.TypeLong, awsapi.TypeShort, awsapi.TypeByte, awsapi.TypeBigInteger:
		return setInt(dst, sh, text)
	case awsapi.TypeFloat, awsapi.TypeDouble, awsapi.TypeBigDecimal:
		return setFloat(dst, sh, text)
	case awsapi.TypeTimestamp:
		t, err := ParseTimestamp(text)
		if err != nil {
			return err
		}
		if dst.Type() != timeType {
			return typeMismatch(sh, dst)
		}
		dst.Set(reflect.ValueOf(t))
	case awsapi.TypeBlob:
		return setBlob(dst, sh, text, b64)
	default:
		return fmt.Errorf("shape %s is not a scalar", sh.Name)
	}
	return nil
}

func setInt(dst reflect.Value, sh *awsapi.Shape, text string) error {
	text = strings.TrimSpace(text)
	switch dst.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, dst.Type().Bits())
		if err != nil {
			return fmt.Errorf("invalid integer %q", text)
		}
		dst.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(text, 10, dst.Type().Bits())
		if err != nil {
			return fmt.Errorf("invalid integer %q", text)
		}
		dst.SetUint(n)
	case reflect.String: // bigInteger held as text
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			return fmt.Errorf("invalid integer %q", text)
		}
		dst.SetString(text)
	default:
		return typeMismatch(sh, dst)
	}
	return nil
}

func setFloat(dst reflect.Value, sh *awsapi.Shape, text string) error {
	text = strings.TrimSpace(text)
	switch dst.Kind() {
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(text, dst.Type().Bits())
		if err != nil {
			return fmt.Errorf("invalid number %q", text)
		}
		dst.SetFloat(f)
	case reflect.String:
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return fmt.Errorf("invalid number %q", text)
		}
		dst.SetString(text)
	default:
		return typeMismatch(sh, dst)
	}
	return nil
}

func setBlob(dst reflect.Value, sh *awsapi.Shape, text string, b64 bool) error {
	if dst.Kind() != reflect.Slice || dst.Type().Elem().Kind() != reflect.Uint8 {
		return typeMismatch(sh, dst)
	}
	if !b64 {
		dst.SetBytes([]byte(text))
		return nil
	}
	b, err := DecodeBase64(text)
	if err != nil {
		return err
	}
	dst.SetBytes(b)
	return nil
}

// DecodeBase64 decodes standard base64, padded or not.
func DecodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("invalid base64 value")
	}
	return b, nil
}

func typeMismatch(sh *awsapi.Shape, dst reflect.Value) error {
	return fmt.Errorf("go type %s cannot hold shape %s (%s)", dst.Type(), sh.Name, sh.Type)
}

// FormatText renders the scalar v (pointer or value) of shape sh as text. ok is
// false when v is a nil pointer. tsFormat is the timestamp format; blobs are
// base64-encoded when b64 is set.
func FormatText(v reflect.Value, sh *awsapi.Shape, tsFormat string, b64 bool) (s string, ok bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", false
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), true
	case reflect.Float32, reflect.Float64:
		return formatFloat(v.Float(), v.Type().Bits()), true
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Uint8 || v.IsNil() {
			return "", false
		}
		if b64 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), true
		}
		return string(v.Bytes()), true
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return FormatTimestamp(t, tsFormat, TimestampISO8601), true
		}
	}
	return "", false
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}
