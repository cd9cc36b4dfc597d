package xmlvalue

import (
	"bytes"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/jsonvalue"
)

const maxEncodeDepth = 1000

type encoder struct {
	buf  *bytes.Buffer
	opts Options
}

// EncodeMembers writes the members of v, a structure of shape (or a pointer to
// one), as a sequence of child elements without an enclosing element. Attribute
// members are skipped (they belong to an enclosing start tag; use EncodeElement).
// A nil shape or nil v writes nothing.
func EncodeMembers(buf *bytes.Buffer, shape *awsapi.Shape, v reflect.Value, opts Options) error {
	v = deref(v)
	if shape == nil || !v.IsValid() {
		return nil
	}
	if shape.Type != awsapi.TypeStructure || v.Kind() != reflect.Struct {
		return errorf("EncodeMembers needs a structure, got shape %s (%s) and Go %s", shape.Name, shape.Type, v.Type())
	}
	e := encoder{buf: buf, opts: opts}
	return e.children(shape, v, 0)
}

// EncodeElement writes v, a value of shape (or a pointer to one), as the element
// <name>. The xmlns declaration comes from ns, else from shape.XMLNamespace; a
// structure's attribute members go into the start tag. A nil v writes an empty
// element.
func EncodeElement(buf *bytes.Buffer, name string, ns *awsapi.XMLNamespace, shape *awsapi.Shape, v reflect.Value, opts Options) error {
	e := encoder{buf: buf, opts: opts}
	if ns == nil {
		ns = shape.XMLNamespace
	}
	v = deref(v)
	if !v.IsValid() {
		e.open(name, ns)
		e.close(name)
		return nil
	}
	return e.node(name, ns, shape, nil, v, 0)
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

// open writes "<name" plus an xmlns declaration, leaving the tag open.
func (e *encoder) openTag(name string, ns *awsapi.XMLNamespace) {
	e.buf.WriteByte('<')
	e.buf.WriteString(name)
	if ns != nil && ns.URI != "" {
		e.buf.WriteString(" xmlns")
		if ns.Prefix != "" {
			e.buf.WriteByte(':')
			e.buf.WriteString(ns.Prefix)
		}
		e.buf.WriteString(`="`)
		EscapeText(e.buf, ns.URI)
		e.buf.WriteByte('"')
	}
}

func (e *encoder) open(name string, ns *awsapi.XMLNamespace) {
	e.openTag(name, ns)
	e.buf.WriteByte('>')
}

func (e *encoder) close(name string) {
	e.buf.WriteString("</")
	e.buf.WriteString(name)
	e.buf.WriteByte('>')
}

// children writes the non-attribute members of structure v.
func (e *encoder) children(s *awsapi.Shape, v reflect.Value, depth int) error {
	for _, m := range s.Members {
		if m.XMLAttribute || e.opts.skip(m) {
			continue
		}
		f, ok := awsapi.Field(v, m)
		if !ok || absent(f) {
			continue
		}
		if err := e.member(m, deref(f), depth+1); err != nil {
			return under(err, "."+m.Name)
		}
	}
	return nil
}

// member writes structure member m with value v (dereferenced, valid).
func (e *encoder) member(m *awsapi.Member, v reflect.Value, depth int) error {
	s := m.Shape
	if !m.IsFlattened() || (s.Type != awsapi.TypeList && s.Type != awsapi.TypeMap) {
		return e.node(m.WireName(), m.XMLNamespace, s, m, v, depth)
	}
	name := elementName(m)
	if s.Type == awsapi.TypeList {
		if v.Kind() != reflect.Slice {
			return errorf("Go type %s does not match list %s", v.Type(), s.Name)
		}
		for i := 0; i < v.Len(); i++ {
			if err := e.node(name, nil, s.Member.Shape, s.Member, deref(v.Index(i)), depth+1); err != nil {
				return under(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return nil
	}
	return e.mapEntries(name, s, v, depth)
}

// node writes value v of shape s as element <name>; m supplies member traits.
func (e *encoder) node(name string, ns *awsapi.XMLNamespace, s *awsapi.Shape, m *awsapi.Member, v reflect.Value, depth int) error {
	if depth > maxEncodeDepth {
		return errorf("value nested deeper than %d", maxEncodeDepth)
	}
	if !v.IsValid() {
		e.open(name, nil)
		e.close(name)
		return nil
	}
	switch s.Type {
	case awsapi.TypeStructure:
		return e.structure(name, ns, s, v, depth)
	case awsapi.TypeList:
		if v.Kind() != reflect.Slice {
			return errorf("Go type %s does not match list %s", v.Type(), s.Name)
		}
		e.open(name, nil)
		item := listItemName(s)
		for i := 0; i < v.Len(); i++ {
			if err := e.node(item, nil, s.Member.Shape, s.Member, deref(v.Index(i)), depth+1); err != nil {
				return under(err, "["+strconv.Itoa(i)+"]")
			}
		}
		e.close(name)
		return nil
	case awsapi.TypeMap:
		e.open(name, nil)
		if err := e.mapEntries("entry", s, v, depth); err != nil {
			return err
		}
		e.close(name)
		return nil
	}
	if s.Document {
		return errorf("document members cannot be written as XML")
	}
	e.open(name, nil)
	if !e.appendScalar(v, s, m) {
		text, err := jsonvalue.FormatScalar(v, s, m, e.opts.timestampFormat())
		if err != nil {
			return fromScalar(err)
		}
		EscapeText(e.buf, text)
	}
	e.close(name)
	return nil
}

// isoLayout is jsonvalue.FormatTimestamp's ISO 8601 layout.
const isoLayout = "2006-01-02T15:04:05.000Z"

var timeType = reflect.TypeFor[time.Time]()

// appendScalar writes the common scalars (strings, integers, booleans, ISO 8601
// timestamps) straight into the buffer, exactly as jsonvalue.FormatScalar
// would format them, and reports whether it did; other values are left to
// FormatScalar.
func (e *encoder) appendScalar(v reflect.Value, s *awsapi.Shape, m *awsapi.Member) bool {
	switch s.Type {
	case awsapi.TypeString:
		if v.Kind() == reflect.String {
			EscapeText(e.buf, v.String())
			return true
		}
	case awsapi.TypeInteger, awsapi.TypeLong, awsapi.TypeShort, awsapi.TypeByte:
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			e.buf.Write(strconv.AppendInt(e.buf.AvailableBuffer(), v.Int(), 10))
			return true
		}
	case awsapi.TypeBoolean:
		if v.Kind() == reflect.Bool {
			e.buf.Write(strconv.AppendBool(e.buf.AvailableBuffer(), v.Bool()))
			return true
		}
	case awsapi.TypeTimestamp:
		if v.Type() != timeType || jsonvalue.TimestampFormatOf(m, s, e.opts.timestampFormat()) != jsonvalue.FormatISO8601 {
			return false
		}
		var t time.Time
		if v.CanAddr() {
			t = *v.Addr().Interface().(*time.Time)
		} else {
			t = v.Interface().(time.Time)
		}
		e.buf.Write(t.UTC().AppendFormat(e.buf.AvailableBuffer(), isoLayout))
		return true
	}
	return false
}

func (e *encoder) structure(name string, ns *awsapi.XMLNamespace, s *awsapi.Shape, v reflect.Value, depth int) error {
	if v.Kind() != reflect.Struct {
		return errorf("Go type %s does not match structure %s", v.Type(), s.Name)
	}
	if ns == nil {
		ns = s.XMLNamespace
	}
	e.openTag(name, ns)
	for _, m := range s.Members {
		if !m.XMLAttribute {
			continue
		}
		f, ok := awsapi.Field(v, m)
		if !ok || absent(f) {
			continue
		}
		text, err := jsonvalue.FormatScalar(f, m.Shape, m, e.opts.timestampFormat())
		if err != nil {
			return under(fromScalar(err), "."+m.Name)
		}
		e.buf.WriteByte(' ')
		e.buf.WriteString(m.WireName())
		e.buf.WriteString(`="`)
		EscapeText(e.buf, text)
		e.buf.WriteByte('"')
	}
	e.buf.WriteByte('>')
	if err := e.children(s, v, depth); err != nil {
		return err
	}
	e.close(name)
	return nil
}

// mapEntries writes one <entry> element per key of map v, sorted by key.
func (e *encoder) mapEntries(entry string, s *awsapi.Shape, v reflect.Value, depth int) error {
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return errorf("Go type %s does not match map %s", v.Type(), s.Name)
	}
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	kn, vn := keyName(s), valueName(s)
	for _, k := range keys {
		e.open(entry, nil)
		e.open(kn, nil)
		EscapeText(e.buf, k.String())
		e.close(kn)
		if err := e.node(vn, nil, s.Value.Shape, s.Value, deref(v.MapIndex(k)), depth+1); err != nil {
			return under(err, "["+strconv.Quote(k.String())+"]")
		}
		e.close(entry)
	}
	return nil
}
