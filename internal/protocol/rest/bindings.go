package rest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
)

// Member locations as the botocore models name them.
const (
	LocationURI         = "uri"
	LocationQuery       = "querystring"
	LocationHeader      = "header"
	LocationHeaders     = "headers"
	LocationStatusCode  = "statusCode"
	maxHeaderListValues = 1000
)

// BindingError reports a request value that does not fit its member. Codecs turn
// it into their protocol's validation error.
type BindingError struct {
	Member   string // model member name
	Location string
	Err      error
}

// Error implements error.
func (e *BindingError) Error() string {
	return fmt.Sprintf("invalid value for %s (%s): %v", e.Member, e.Location, e.Err)
}

// Unwrap returns the cause.
func (e *BindingError) Unwrap() error { return e.Err }

// IsBindingError reports whether err is (or wraps) a *BindingError.
func IsBindingError(err error) bool {
	var be *BindingError
	return errors.As(err, &be)
}

// DecodeBindings fills the members of in (a pointer to the operation's input
// struct) bound to URI labels, query parameters and headers of r. The request
// path must address op (see Router); r.URL.EscapedPath() is matched against
// op.RequestURI.
func DecodeBindings(op *awsapi.Operation, r *http.Request, in any) error {
	if op.Input == nil {
		return nil
	}
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("rest: input must be a pointer to a struct, got %T", in)
	}
	v = v.Elem()
	query := r.URL.Query()
	var labels map[string]string
	if hasLocation(op.Input, LocationURI) {
		tpl, err := cachedTemplate(op.RequestURI)
		if err != nil {
			return err
		}
		var ok bool
		if labels, ok = tpl.Match(r.URL.EscapedPath(), query); !ok {
			return &BindingError{Member: op.Name, Location: LocationURI, Err: fmt.Errorf("path %q does not match %s", r.URL.EscapedPath(), op.RequestURI)}
		}
	}
	var used map[string]bool // query keys bound to members, when a query map needs them
	var queryMap *awsapi.Member
	hkeys := memberHeaderKeys(op.Input)
	for i, m := range op.Input.Members {
		f, ok := awsapi.Field(v, m)
		if !ok {
			continue
		}
		var err error
		switch m.Location {
		case LocationURI:
			if s, present := labels[m.WireName()]; present {
				err = SetText(f, m.Shape, s, false)
			}
		case LocationQuery:
			if m.Shape.Type == awsapi.TypeMap {
				queryMap = m
				continue
			}
			if used == nil {
				used = make(map[string]bool)
			}
			used[m.WireName()] = true
			err = decodeQueryMember(m, f, query[m.WireName()])
		case LocationHeader:
			err = decodeHeaderMember(m, f, r.Header[hkeys[i]])
		case LocationHeaders:
			err = decodePrefixHeaders(m, f, r.Header)
		}
		if err != nil {
			return &BindingError{Member: m.Name, Location: m.Location, Err: err}
		}
	}
	if queryMap != nil {
		if f, ok := awsapi.Field(v, queryMap); ok {
			if err := decodeQueryMap(queryMap, f, query, used); err != nil {
				return &BindingError{Member: queryMap.Name, Location: LocationQuery, Err: err}
			}
		}
	}
	return nil
}

func hasLocation(sh *awsapi.Shape, loc string) bool {
	for _, m := range sh.Members {
		if m.Location == loc {
			return true
		}
	}
	return false
}

func decodeQueryMember(m *awsapi.Member, f reflect.Value, vals []string) error {
	if len(vals) == 0 {
		return nil
	}
	if m.Shape.Type == awsapi.TypeList {
		return setList(f, m.Shape.Member.Shape, vals, false)
	}
	if !IsScalar(m.Shape) {
		return fmt.Errorf("unsupported query shape %s", m.Shape.Type)
	}
	return SetText(f, m.Shape, vals[0], true)
}

// setList stores vals as the elements of list f (a slice).
func setList(f reflect.Value, elem *awsapi.Shape, vals []string, b64 bool) error {
	if f.Kind() != reflect.Slice {
		return fmt.Errorf("go type %s is not a slice", f.Type())
	}
	s := reflect.MakeSlice(f.Type(), len(vals), len(vals))
	for i, x := range vals {
		if err := SetText(s.Index(i), elem, x, b64); err != nil {
			return err
		}
	}
	f.Set(s)
	return nil
}

func decodeQueryMap(m *awsapi.Member, f reflect.Value, query url.Values, used map[string]bool) error {
	if f.Kind() != reflect.Map || f.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("go type %s is not a map keyed by string", f.Type())
	}
	mv := reflect.MakeMap(f.Type())
	et := f.Type().Elem()
	valShape := m.Shape.Value.Shape
	for k, vals := range query {
		if used[k] || len(vals) == 0 {
			continue
		}
		ev := reflect.New(et).Elem()
		var err error
		if valShape.Type == awsapi.TypeList {
			err = setList(ev, valShape.Member.Shape, vals, false)
		} else {
			err = SetText(ev, valShape, vals[0], false)
		}
		if err != nil {
			return err
		}
		mv.SetMapIndex(reflect.ValueOf(k).Convert(f.Type().Key()), ev)
	}
	if mv.Len() > 0 {
		f.Set(mv)
	}
	return nil
}

func decodeHeaderMember(m *awsapi.Member, f reflect.Value, vals []string) error {
	if len(vals) == 0 {
		return nil
	}
	if m.Shape.Type == awsapi.TypeList {
		return setList(f, m.Shape.Member.Shape, splitHeaderList(vals, m.Shape.Member), true)
	}
	if !IsScalar(m.Shape) {
		return fmt.Errorf("unsupported header shape %s", m.Shape.Type)
	}
	v := strings.Join(vals, ",")
	if m.JSONValue {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("jsonvalue header is not base64: %w", err)
		}
		v = string(b)
	}
	return SetText(f, m.Shape, v, true)
}

// splitHeaderList splits comma-separated header list values, honouring double
// quotes; RFC 1123 timestamps (which contain a comma) are split every second
// comma.
func splitHeaderList(vals []string, elem *awsapi.Member) []string {
	var out []string
	httpDate := elem.Shape.Type == awsapi.TypeTimestamp && TimestampFormat(elem, TimestampRFC822) == TimestampRFC822
	for _, v := range vals {
		parts := splitQuoted(v)
		if httpDate {
			parts = pairUp(parts)
		}
		out = append(out, parts...)
		if len(out) > maxHeaderListValues {
			return out[:maxHeaderListValues]
		}
	}
	return out
}

func splitQuoted(v string) []string {
	var out []string
	var cur strings.Builder
	inQuote, escaped := false, false
	for _, c := range v {
		switch {
		case escaped:
			cur.WriteRune(c)
			escaped = false
		case inQuote && c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(c)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

func pairUp(parts []string) []string {
	var out []string
	for i := 0; i < len(parts); i += 2 {
		if i+1 < len(parts) {
			out = append(out, parts[i]+", "+parts[i+1])
		} else {
			out = append(out, parts[i])
		}
	}
	return out
}

func decodePrefixHeaders(m *awsapi.Member, f reflect.Value, h http.Header) error {
	if f.Kind() != reflect.Map || f.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("go type %s is not a map keyed by string", f.Type())
	}
	prefix := strings.ToLower(m.LocationName)
	mv := reflect.MakeMap(f.Type())
	for k, vals := range h {
		lk := strings.ToLower(k)
		if !strings.HasPrefix(lk, prefix) || len(vals) == 0 {
			continue
		}
		ev := reflect.New(f.Type().Elem()).Elem()
		if err := SetText(ev, m.Shape.Value.Shape, strings.Join(vals, ","), false); err != nil {
			return err
		}
		mv.SetMapIndex(reflect.ValueOf(lk[len(prefix):]).Convert(f.Type().Key()), ev)
	}
	if mv.Len() > 0 {
		f.Set(mv)
	}
	return nil
}

// EncodeBindings writes the header and prefix-header members of out (a pointer
// to a struct of shape sh, or nil) into h and returns the value of its
// statusCode member, or 0.
func EncodeBindings(sh *awsapi.Shape, out any, h http.Header) (status int, err error) {
	v, ok := structValue(out)
	if !ok || sh == nil {
		return 0, nil
	}
	hkeys := memberHeaderKeys(sh)
	for i, m := range sh.Members {
		if m.Location == "" {
			continue
		}
		f, ok := awsapi.Field(v, m)
		if !ok {
			continue
		}
		switch m.Location {
		case LocationHeader:
			if err := encodeHeaderMember(m, hkeys[i], f, h); err != nil {
				return 0, fmt.Errorf("rest: header %s: %w", m.Name, err)
			}
		case LocationHeaders:
			encodePrefixHeaders(m, f, h)
		case LocationStatusCode:
			if s, ok := FormatText(f, m.Shape, "", false); ok {
				n, err := strconv.Atoi(s)
				if err != nil || n < 100 || n > 999 {
					return 0, fmt.Errorf("rest: status code member %s = %q", m.Name, s)
				}
				status = n
			}
		}
	}
	return status, nil
}

// structValue returns the struct behind out (a pointer to a struct).
func structValue(out any) (reflect.Value, bool) {
	v := reflect.ValueOf(out)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, v.Kind() == reflect.Struct
}

// encodeHeaderMember sets header key (the canonical form of m's wire name)
// from f.
func encodeHeaderMember(m *awsapi.Member, key string, f reflect.Value, h http.Header) error {
	if m.Shape.Type == awsapi.TypeList {
		if f.Kind() != reflect.Slice || f.IsNil() {
			return nil
		}
		elem := m.Shape.Member
		parts := make([]string, 0, f.Len())
		for i := 0; i < f.Len(); i++ {
			s, ok := FormatText(f.Index(i), elem.Shape, TimestampFormat(elem, TimestampRFC822), true)
			if !ok {
				continue
			}
			if strings.ContainsAny(s, ",\"") && elem.Shape.Type != awsapi.TypeTimestamp {
				s = strconv.Quote(s)
			}
			parts = append(parts, s)
		}
		joined := strings.Join(parts, ", ")
		if strings.ContainsAny(joined, "\r\n") {
			return fmt.Errorf("value contains a line break")
		}
		h[key] = []string{joined}
		return nil
	}
	s, ok := FormatText(f, m.Shape, TimestampFormat(m, TimestampRFC822), true)
	if !ok {
		return nil
	}
	if m.JSONValue {
		s = base64.StdEncoding.EncodeToString([]byte(s))
	}
	if strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("value contains a line break")
	}
	h[key] = []string{s}
	return nil
}

func encodePrefixHeaders(m *awsapi.Member, f reflect.Value, h http.Header) {
	if f.Kind() != reflect.Map || f.IsNil() {
		return
	}
	keys := f.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		s, ok := FormatText(f.MapIndex(k), m.Shape.Value.Shape, "", false)
		if !ok || strings.ContainsAny(s, "\r\n") {
			continue
		}
		// Written in lower case, as S3 sends them: net/http would canonicalise
		// "x-amz-meta-k" to "X-Amz-Meta-K", and clients keep the key's case.
		h[strings.ToLower(m.LocationName+k.String())] = []string{s}
	}
}
