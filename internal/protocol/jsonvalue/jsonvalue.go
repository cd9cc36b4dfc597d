// Package jsonvalue converts between JSON and Go values, driven by the API model:
// the shape says what a JSON value means, the Go value (following the conventions
// documented in package awsapi) says where it goes. The AWS JSON codec and the
// REST-JSON codec use it for bodies; the scalar helpers (timestamps, floats) are
// shared by the other codecs.
//
// Exported API (stable):
//
//	Decode(data []byte, shape *awsapi.Shape, dst reflect.Value, opts Options) error
//	Encode(buf *bytes.Buffer, shape *awsapi.Shape, v reflect.Value, opts Options) error
//	Marshal(shape *awsapi.Shape, v any, opts Options) ([]byte, error)
//	DecodeValue(raw any, shape *awsapi.Shape, m *awsapi.Member, dst reflect.Value, opts Options) error
//	TimestampFormatOf(m *awsapi.Member, s *awsapi.Shape, def string) string
//	FormatTimestamp(t time.Time, format string) string
//	ParseTimestamp(s, format string) (time.Time, error)
//	FormatFloat(f float64) string
//	ParseFloat(s string) (float64, error)
//	ParseEpoch(s string) (time.Time, error); EpochFloat(f float64) time.Time
//	FormatScalar(v reflect.Value, s *awsapi.Shape, m *awsapi.Member, defTimestampFormat string) (string, error)
//	DecodeBase64(s string) ([]byte, error)
//	Indirect, SetString, SetInt, SetFloat, SetBool, SetTime, SetBytes, SetScalar:
//	    helpers that store a scalar into a Go value of the awsapi conventions,
//	    shared with the XML, CBOR and query codecs.
//
// Wire rules, as botocore and the AWS SDKs apply them:
//
//   - A structure is a JSON object keyed by each member's locationName, else its
//     name (only the name with Options.MemberNames; decoding accepts both). Members with a nil Go value are omitted; an empty structure is {}.
//     Unknown keys are ignored when decoding and null means "absent".
//   - Timestamps are epoch seconds as a JSON number (fractional when there are
//     milliseconds) unless the member or shape has a timestampFormat trait or
//     Options.TimestampFormat says otherwise. Decoding accepts numbers and any of
//     the ISO 8601, RFC 822 and epoch-string forms whatever the trait says.
//   - Blobs are base64 strings; booleans and numbers are JSON literals; floats
//     that are not finite are the strings "NaN", "Infinity" and "-Infinity".
//   - Documents are JSON values held in `any` as map[string]any, []any, string,
//     float64, bool or nil (the encoding/json representation).
//   - Maps are JSON objects; encoding sorts keys so output is deterministic.
//   - The jsonvalue trait only changes header bindings (REST codecs); inside a
//     JSON body such a member is a plain string.
package jsonvalue

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

// Timestamp formats named as the botocore timestampFormat trait names them.
const (
	FormatUnix    = "unixTimestamp"
	FormatISO8601 = "iso8601"
	FormatRFC822  = "rfc822"
)

// DefaultMaxDepth is the nesting limit used when Options.MaxDepth is zero.
const DefaultMaxDepth = 100

// Options tune encoding and decoding. The zero value suits AWS JSON bodies.
type Options struct {
	// TimestampFormat is the format of timestamps that have no timestampFormat
	// trait: FormatUnix (the default when empty), FormatISO8601 or FormatRFC822.
	TimestampFormat string
	// BodyOnly skips structure members bound to another part of the HTTP message
	// (a member whose Location is set: header, uri, querystring, statusCode).
	// REST-JSON bodies set it; AWS JSON does not.
	BodyOnly bool
	// MaxDepth bounds the nesting of values while decoding (0 means
	// DefaultMaxDepth). Deeper input is rejected.
	MaxDepth int
	// MemberNames keys structure members by their model name, ignoring
	// locationName. AWS JSON and RPC v2 CBOR set it: Smithy's awsJson protocols
	// ignore jsonName, and models shared with the query protocol (SQS,
	// CloudWatch) carry XML element names in locationName. REST-JSON leaves it
	// unset (API Gateway's "item" keys come from locationName). Decoding accepts
	// the other name too when the preferred one is absent.
	MemberNames bool
}

// key returns the JSON key of structure member m and the alternative name
// accepted when decoding ("" when there is none).
func (o Options) key(m *awsapi.Member) (key, alt string) {
	if m.LocationName == "" || m.LocationName == m.Name {
		return m.Name, ""
	}
	if o.MemberNames {
		return m.Name, m.LocationName
	}
	return m.LocationName, m.Name
}

func (o Options) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}

func (o Options) skip(m *awsapi.Member) bool {
	return o.BodyOnly && m.Location != ""
}

// Error is a decoding or encoding failure at a path of members, e.g.
// "MetricData[0].Value".
type Error struct {
	Path string
	Msg  string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Path == "" {
		return "jsonvalue: " + e.Msg
	}
	return "jsonvalue: " + e.Path + ": " + e.Msg
}

// errorf returns an *Error with no path yet.
func errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// under prefixes the path of err with seg (".Name" or "[3]").
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
	return fmt.Errorf("%s: %w", strings.TrimPrefix(seg, "."), err)
}

// TimestampFormatOf returns the timestamp format that applies to a value of shape s
// reached through member m (m may be nil): the member's trait, else the shape's,
// else def.
func TimestampFormatOf(m *awsapi.Member, s *awsapi.Shape, def string) string {
	if m != nil && m.TimestampFormat != "" {
		return m.TimestampFormat
	}
	if s != nil && s.TimestampFormat != "" {
		return s.TimestampFormat
	}
	return def
}

// FormatTimestamp formats t (in UTC) in the named format. FormatUnix gives epoch
// seconds with up to millisecond precision ("1764320475" or "1764320475.123");
// FormatISO8601 gives "2026-11-28T09:01:15.000Z"; FormatRFC822 gives
// "Sat, 28 Nov 2026 09:01:15 GMT". An unknown format is treated as ISO 8601.
func FormatTimestamp(t time.Time, format string) string {
	t = t.UTC()
	switch format {
	case FormatUnix:
		ms := t.UnixMilli()
		sign := ""
		if ms < 0 {
			sign, ms = "-", -ms
		}
		s := sign + strconv.FormatInt(ms/1000, 10)
		if ms%1000 == 0 {
			return s
		}
		return s + "." + strings.TrimRight(fmt.Sprintf("%03d", ms%1000), "0")
	case FormatRFC822:
		return t.Format(http.TimeFormat)
	default:
		return t.Format("2006-01-02T15:04:05.000Z")
	}
}

// isoLayouts are the ISO 8601 forms accepted on input.
var isoLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"20060102T150405Z",
	"2006-01-02",
}

// rfc822Layouts are the HTTP date forms accepted on input.
var rfc822Layouts = [...]string{
	time.RFC1123,
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	time.RFC850,
	time.ANSIC,
}

// ParseTimestamp parses s as epoch seconds, ISO 8601 or RFC 822, whatever format
// says (format only breaks ties; clients are lenient and so is Nubo). The result
// is in UTC.
func ParseTimestamp(s, format string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty timestamp")
	}
	if t, err := ParseEpoch(s); err == nil {
		return t, nil
	}
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range rfc822Layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a timestamp", s)
}

// ParseEpoch parses a decimal number of seconds since the epoch, keeping up to
// nanosecond precision of the fraction ("1764320475.123", "-1.5", "1e9").
func ParseEpoch(s string) (time.Time, error) {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if !strings.ContainsAny(s, "eE") && intPart != "" && intPart != "-" && intPart != "+" {
		sec, err := strconv.ParseInt(intPart, 10, 64)
		if err == nil && (!hasFrac || isDigits(frac)) {
			ns := int64(0)
			if hasFrac {
				f := (frac + "000000000")[:9]
				ns, _ = strconv.ParseInt(f, 10, 64)
			}
			if strings.HasPrefix(intPart, "-") {
				ns = -ns
			}
			return time.Unix(sec, ns).UTC(), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return time.Time{}, fmt.Errorf("cannot parse %q as epoch seconds", s)
	}
	return EpochFloat(f), nil
}

// EpochFloat converts fractional epoch seconds to a UTC time, rounded to the
// microsecond (the precision a float64 keeps for present-day dates).
func EpochFloat(f float64) time.Time {
	sec, frac := math.Modf(f)
	ns := math.Round(frac*1e6) * 1e3
	return time.Unix(int64(sec), int64(ns)).UTC()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatFloat formats f as AWS protocols do: "NaN", "Infinity", "-Infinity", or
// the shortest decimal that round-trips (exponent form only for very large or
// small magnitudes).
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// ParseFloat parses a decimal float or one of "NaN", "Infinity", "-Infinity".
func ParseFloat(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q as a number", s)
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("number %q out of range", s)
	}
	return f, nil
}
