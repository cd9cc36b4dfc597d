package jsonvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi"
)

// The direct decoder reads JSON text straight into the Go value, guided by
// the shape, without first building the generic map[string]any tree that
// encoding/json produces (most of the cost of a small request). It handles
// the ordinary request: well-formed JSON whose values match their shapes,
// with no repeated keys. Anything else — a syntax error, a type mismatch,
// a repeated key, a nesting limit — makes it give up with errDirect, and
// Decode then runs the generic decoder (decodeGeneric) on the same text from
// the original destination, which accepts, rejects and words errors exactly
// as before. So the direct decoder needs no error messages of its own, and
// its results must equal the generic decoder's whenever it succeeds
// (FuzzDecodeDirect checks this).

// errDirect means the direct decoder declined the input.
var errDirect = errors.New("jsonvalue: direct decoding declined")

// jsonMaxNesting is encoding/json's nesting limit. The direct decoder is not
// used when Options.MaxDepth reaches it, so that the generic decoder's
// limits apply unchanged.
const jsonMaxNesting = 10000

// directDecoder is a cursor over JSON text (leading and trailing white space
// trimmed) and the decoding options.
type directDecoder struct {
	data []byte
	pos  int
	opts Options
	max  int
}

// decodeDirect decodes data, one JSON value, into dst as a value of shape;
// on errDirect dst may be partly written.
func decodeDirect(data []byte, shape *awsapi.Shape, dst reflect.Value, opts Options) error {
	d := directDecoder{data: data, opts: opts, max: opts.maxDepth()}
	if d.max >= jsonMaxNesting {
		return errDirect
	}
	if err := d.value(shape, nil, dst, 0); err != nil {
		return err
	}
	d.ws()
	if d.pos != len(d.data) {
		return errDirect
	}
	return nil
}

// ws skips JSON white space.
func (d *directDecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte (0 at the end).
func (d *directDecoder) next() byte {
	d.ws()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// literal consumes the keyword lit (true, false or null) at pos.
func (d *directDecoder) literal(lit string) bool {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(lit)) {
		return false
	}
	d.pos += len(lit)
	return true
}

// value decodes the value at the cursor, of shape s reached through member m,
// into dst, at nesting depth depth (the generic decoder's counting).
func (d *directDecoder) value(s *awsapi.Shape, m *awsapi.Member, dst reflect.Value, depth int) error {
	c := d.next()
	if c == 'n' {
		if !d.literal("null") {
			return errDirect
		}
		return nil
	}
	if depth > d.max {
		return errDirect
	}
	if s.Document {
		return d.document(dst, depth)
	}
	switch s.Type {
	case awsapi.TypeStructure:
		if c != '{' {
			return errDirect
		}
		return d.structure(s, dst, depth)
	case awsapi.TypeList:
		if c != '[' {
			return errDirect
		}
		return d.list(s, dst, depth)
	case awsapi.TypeMap:
		if c != '{' {
			return errDirect
		}
		return d.mapValue(s, dst, depth)
	}
	return d.scalar(c, s, m, dst)
}

// document decodes a document member through encoding/json, as the generic
// decoder does.
func (d *directDecoder) document(dst reflect.Value, depth int) error {
	start := d.pos
	if err := d.skip(0); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(d.data[start:d.pos]))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return errDirect
	}
	doc, err := document(raw, depth, d.max)
	if err != nil {
		return errDirect
	}
	dst = Indirect(dst)
	if !isAny(dst) {
		return errDirect
	}
	if doc != nil {
		dst.Set(reflect.ValueOf(doc))
	}
	return nil
}

// memberSet records which members of a structure a JSON object has named.
type memberSet struct {
	small uint64
	large []bool // when the structure has more than 64 members
}

// add marks member i and reports whether it was already marked.
func (ms *memberSet) add(i int) (dup bool) {
	if ms.large != nil {
		dup, ms.large[i] = ms.large[i], true
		return dup
	}
	bit := uint64(1) << uint(i)
	dup = ms.small&bit != 0
	ms.small |= bit
	return dup
}

// structure decodes a JSON object into the structure dst.
func (d *directDecoder) structure(s *awsapi.Shape, dst reflect.Value, depth int) error {
	dst = Indirect(dst)
	if dst.Kind() != reflect.Struct {
		return errDirect
	}
	var seen memberSet
	if len(s.Members) > 64 {
		seen.large = make([]bool, len(s.Members))
	}
	d.pos++ // '{'
	if d.next() == '}' {
		d.pos++
		return nil
	}
	for {
		key, err := d.key()
		if err != nil {
			return err
		}
		i, err := d.member(s, key)
		if err != nil {
			return err
		}
		if i < 0 {
			err = d.skip(0)
		} else if seen.add(i) {
			return errDirect // a repeated member: the generic decoder's last-wins rules apply
		} else {
			err = d.memberValue(s.Members[i], dst, depth)
		}
		if err != nil {
			return err
		}
		if done, err := d.afterElement('}'); err != nil || done {
			return err
		}
	}
}

// member returns the index of the member of s that JSON key names, or -1.
// A key that names two members (one by name, one by its alternative name)
// is declined.
func (d *directDecoder) member(s *awsapi.Shape, key []byte) (int, error) {
	found := -1
	for i, m := range s.Members {
		if d.opts.skip(m) {
			continue
		}
		k, alt := d.opts.key(m)
		if string(key) != k && (alt == "" || string(key) != alt) {
			continue
		}
		if found >= 0 {
			return -1, errDirect
		}
		found = i
	}
	return found, nil
}

// memberValue decodes the value of member m into its field of dst.
func (d *directDecoder) memberValue(m *awsapi.Member, dst reflect.Value, depth int) error {
	f, ok := awsapi.Field(dst, m)
	if !ok {
		return d.skip(0)
	}
	return d.value(m.Shape, m, f, depth+1)
}

// afterElement consumes the ',' between elements or the closing byte, and
// reports whether the container ended.
func (d *directDecoder) afterElement(closing byte) (bool, error) {
	switch d.next() {
	case ',':
		d.pos++
		return false, nil
	case closing:
		d.pos++
		return true, nil
	}
	return false, errDirect
}

// key reads an object key and the ':' after it. The bytes are valid until
// the next key is read.
func (d *directDecoder) key() ([]byte, error) {
	if d.next() != '"' {
		return nil, errDirect
	}
	key, err := d.stringBytes()
	if err != nil {
		return nil, err
	}
	if d.next() != ':' {
		return nil, errDirect
	}
	d.pos++
	return key, nil
}

// list decodes a JSON array into the slice dst.
func (d *directDecoder) list(s *awsapi.Shape, dst reflect.Value, depth int) error {
	dst = Indirect(dst)
	if dst.Kind() != reflect.Slice {
		return errDirect
	}
	out := reflect.MakeSlice(dst.Type(), 0, 0)
	et := dst.Type().Elem()
	d.pos++ // '['
	if d.next() == ']' {
		d.pos++
		dst.Set(out)
		return nil
	}
	for {
		if d.next() == 'n' && !s.Sparse {
			if !d.literal("null") {
				return errDirect
			}
		} else {
			e := reflect.New(et).Elem()
			if err := d.value(s.Member.Shape, s.Member, e, depth+1); err != nil {
				return err
			}
			out = reflect.Append(out, e)
		}
		if done, err := d.afterElement(']'); err != nil {
			return err
		} else if done {
			dst.Set(out)
			return nil
		}
	}
}

// mapValue decodes a JSON object into the string-keyed map dst.
func (d *directDecoder) mapValue(s *awsapi.Shape, dst reflect.Value, depth int) error {
	dst = Indirect(dst)
	if dst.Kind() != reflect.Map || dst.Type().Key().Kind() != reflect.String {
		return errDirect
	}
	out := reflect.MakeMap(dst.Type())
	kt, vt := dst.Type().Key(), dst.Type().Elem()
	d.pos++ // '{'
	if d.next() == '}' {
		d.pos++
		dst.Set(out)
		return nil
	}
	for {
		raw, err := d.key()
		if err != nil {
			return err
		}
		k := reflect.ValueOf(string(raw)).Convert(kt)
		if out.MapIndex(k).IsValid() {
			return errDirect // a repeated key: the generic decoder's last-wins rules apply
		}
		if d.next() == 'n' && !s.Sparse {
			if !d.literal("null") {
				return errDirect
			}
		} else {
			e := reflect.New(vt).Elem()
			if err := d.value(s.Value.Shape, s.Value, e, depth+1); err != nil {
				return err
			}
			out.SetMapIndex(k, e)
		}
		if done, err := d.afterElement('}'); err != nil {
			return err
		} else if done {
			dst.Set(out)
			return nil
		}
	}
}

// scalar decodes a string, number or boolean (c is its first byte) into dst
// with the generic decoder's scalar rules.
func (d *directDecoder) scalar(c byte, s *awsapi.Shape, m *awsapi.Member, dst reflect.Value) error {
	var raw any
	switch {
	case c == '"':
		str, err := d.stringValue()
		if err != nil {
			return err
		}
		if s.Type == awsapi.TypeString {
			// The common case, without boxing the string in an interface.
			if SetString(dst, str) != nil {
				return errDirect
			}
			return nil
		}
		raw = str
	case c == 't' && d.literal("true"):
		raw = true
	case c == 'f' && d.literal("false"):
		raw = false
	case c == '-' || '0' <= c && c <= '9':
		n, err := d.number()
		if err != nil {
			return err
		}
		raw = json.Number(string(n))
	default:
		return errDirect
	}
	gd := decoder{opts: d.opts, max: d.max}
	if gd.scalar(raw, s, m, dst) != nil {
		return errDirect
	}
	return nil
}

// number reads a JSON number and returns its text.
func (d *directDecoder) number() ([]byte, error) {
	b, i := d.data, d.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return nil, errDirect
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return nil, errDirect
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return nil, errDirect
		}
		i = j
	}
	n := b[d.pos:i]
	d.pos = i
	return n, nil
}

// digits returns the index after the run of decimal digits starting at i.
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// stringBytes reads the JSON string at the cursor and returns its decoded
// bytes: a sub-slice of the input when it has no escapes and is plain ASCII
// (the common case: object keys), else a copy.
func (d *directDecoder) stringBytes() ([]byte, error) {
	i, plain := d.plainString()
	if plain {
		b := d.data[d.pos+1 : i]
		d.pos = i + 1
		return b, nil
	}
	s, err := d.unquote(i)
	return []byte(s), err
}

// stringValue reads the JSON string at the cursor as a new string.
func (d *directDecoder) stringValue() (string, error) {
	i, plain := d.plainString()
	if plain {
		s := string(d.data[d.pos+1 : i])
		d.pos = i + 1
		return s, nil
	}
	return d.unquote(i)
}

// plainString scans the string at the cursor up to its closing quote and
// reports that quote's index when the text has no escape, control or
// non-ASCII byte; otherwise it returns the index of the first such byte
// (or the end of the input) and false.
func (d *directDecoder) plainString() (int, bool) {
	b := d.data
	for i := d.pos + 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i, true
		case c == '\\' || c < ' ' || c >= utf8.RuneSelf:
			return i, false
		}
	}
	return len(b), false
}

// unquote decodes the string at the cursor, as encoding/json decodes strings
// (invalid UTF-8 and lone surrogates become U+FFFD), given the index i of its
// first escape, control or non-ASCII byte.
func (d *directDecoder) unquote(i int) (string, error) {
	b := d.data
	var out strings.Builder
	out.Grow(i - d.pos + 16)
	out.Write(b[d.pos+1 : i])
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return out.String(), nil
		case c == '\\':
			var ok bool
			if i, ok = unescape(&out, b, i); !ok {
				return "", errDirect
			}
		case c < ' ':
			return "", errDirect
		case c < utf8.RuneSelf:
			out.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				out.WriteRune(unicode.ReplacementChar)
			} else {
				out.Write(b[i : i+size])
			}
			i += size
		}
	}
	return "", errDirect
}

// unescape writes the character of the escape sequence at b[i] ('\\') to
// out and returns the index after it.
func unescape(out *strings.Builder, b []byte, i int) (int, bool) {
	if i+1 >= len(b) {
		return i, false
	}
	if c := simpleEscape(b[i+1]); c != 0 {
		out.WriteByte(c)
		return i + 2, true
	}
	if b[i+1] != 'u' {
		return i, false
	}
	r := hex4(b, i)
	if r < 0 {
		return i, false
	}
	i += 6
	if utf16.IsSurrogate(r) {
		if dec := utf16.DecodeRune(r, hex4(b, i)); dec != unicode.ReplacementChar {
			out.WriteRune(dec)
			return i + 6, true
		}
		r = unicode.ReplacementChar
	}
	out.WriteRune(r)
	return i, true
}

// simpleEscape returns the byte a one-letter escape \c stands for, or 0.
func simpleEscape(c byte) byte {
	switch c {
	case '"', '\\', '/':
		return c
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return 0
}

// hex4 returns the code unit of the \uXXXX escape at b[i], or -1.
func hex4(b []byte, i int) rune {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[i+2 : i+6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// skip consumes one JSON value, checking its syntax, at container nesting
// nest (encoding/json's limit applies).
func (d *directDecoder) skip(nest int) error {
	switch c := d.next(); {
	case c == '"':
		_, err := d.stringBytes()
		return err
	case c == '{' || c == '[':
		return d.skipContainer(c, nest+1)
	case c == '-' || '0' <= c && c <= '9':
		_, err := d.number()
		return err
	case c == 't' && d.literal("true"), c == 'f' && d.literal("false"), c == 'n' && d.literal("null"):
		return nil
	}
	return errDirect
}

// skipContainer consumes an object or array whose opening byte is open.
func (d *directDecoder) skipContainer(open byte, nest int) error {
	if nest > jsonMaxNesting {
		return errDirect
	}
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	d.pos++
	if d.next() == closing {
		d.pos++
		return nil
	}
	for {
		if open == '{' {
			if _, err := d.key(); err != nil {
				return err
			}
		}
		if err := d.skip(nest); err != nil {
			return err
		}
		if done, err := d.afterElement(closing); err != nil || done {
			return err
		}
	}
}
