package xmlvalue

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/jsonvalue"
)

// Decode reads one XML document from r and decodes its root element, whatever
// its name, as a value of shape into dst (a settable value of the Go type bound
// to shape, or a pointer to one). A document with no root element (empty or
// only a prolog) leaves dst unchanged. Malformed XML, trailing content, input
// larger than Options.MaxBytes and nesting deeper than Options.MaxDepth are
// errors.
func Decode(r io.Reader, shape *awsapi.Shape, dst reflect.Value, opts Options) error {
	lr := &limitedReader{r: r, n: opts.maxBytes()}
	d := xml.NewDecoder(lr)
	seenRoot := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return syntaxError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if seenRoot {
				return errorf("malformed XML: more than one root element")
			}
			seenRoot = true
			if err := DecodeElement(d, t, shape, dst, opts); err != nil {
				return err
			}
		case xml.CharData:
			if len(strings.TrimSpace(string(t))) > 0 {
				return errorf("malformed XML: text outside the root element")
			}
		}
	}
}

// DecodeElement decodes the element whose start tag start was just read from d,
// consuming tokens through its end tag, as a value of shape into dst.
func DecodeElement(d *xml.Decoder, start xml.StartElement, shape *awsapi.Shape, dst reflect.Value, opts Options) error {
	x := decoder{d: d, opts: opts, max: opts.maxDepth()}
	return x.element(start, shape, nil, dst, 1)
}

type decoder struct {
	d    *xml.Decoder
	opts Options
	max  int
}

// limitedReader fails with ErrTooLarge once more than n bytes were asked for.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func syntaxError(err error) error {
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("%w", ErrTooLarge)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &Error{Msg: fmt.Sprintf("malformed XML at line %d: %s", se.Line, se.Msg)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Msg: "malformed XML: unexpected end of document"}
	}
	return fmt.Errorf("xmlvalue: reading XML: %w", err)
}

// token returns the next token, turning EOF inside an element into an error.
func (x *decoder) token() (xml.Token, error) {
	tok, err := x.d.Token()
	if errors.Is(err, io.EOF) {
		return nil, &Error{Msg: "malformed XML: unexpected end of document"}
	}
	if err != nil {
		return nil, syntaxError(err)
	}
	return tok, nil
}

func (x *decoder) element(start xml.StartElement, s *awsapi.Shape, m *awsapi.Member, dst reflect.Value, depth int) error {
	if depth > x.max {
		return errorf("XML nested deeper than %d", x.max)
	}
	switch s.Type {
	case awsapi.TypeStructure:
		if s.Document {
			return errorf("document shapes cannot be read from XML")
		}
		return x.structure(start, s, dst, depth)
	case awsapi.TypeList:
		return x.list(s, dst, depth)
	case awsapi.TypeMap:
		return x.mapValue(s, dst, depth)
	}
	text, err := x.text()
	if err != nil {
		return err
	}
	return fromScalar(jsonvalue.SetScalar(dst, s, m, text))
}

// text reads character data up to the end tag of the current element.
func (x *decoder) text() (string, error) {
	var sb strings.Builder
	for {
		tok, err := x.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb.Write(t)
		case xml.EndElement:
			return sb.String(), nil
		case xml.StartElement:
			return "", errorf("unexpected element <%s> inside a scalar value", t.Name.Local)
		}
	}
}

// skip consumes the rest of the current element, iteratively.
func (x *decoder) skip(depth int) error {
	open := 1
	for open > 0 {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			open++
			if depth+open > x.max {
				return errorf("XML nested deeper than %d", x.max)
			}
		case xml.EndElement:
			open--
		}
	}
	return nil
}

func (x *decoder) structure(start xml.StartElement, s *awsapi.Shape, dst reflect.Value, depth int) error {
	dst = jsonvalue.Indirect(dst)
	if dst.Kind() != reflect.Struct {
		return errorf("Go type %s cannot hold structure %s", dst.Type(), s.Name)
	}
	if err := x.attributes(start, s, dst); err != nil {
		return err
	}
	for {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			m := memberFor(s, t.Name.Local, x.opts)
			if m == nil {
				if err := x.skip(depth); err != nil {
					return err
				}
				continue
			}
			f, ok := awsapi.Field(dst, m)
			if !ok {
				if err := x.skip(depth); err != nil {
					return err
				}
				continue
			}
			if err := x.member(t, m, f, depth+1); err != nil {
				return under(err, "."+m.Name)
			}
		}
	}
}

// member decodes one occurrence of structure member m.
func (x *decoder) member(start xml.StartElement, m *awsapi.Member, f reflect.Value, depth int) error {
	if !m.IsFlattened() {
		return x.element(start, m.Shape, m, f, depth)
	}
	switch m.Shape.Type {
	case awsapi.TypeList:
		slice := jsonvalue.Indirect(f)
		if slice.Kind() != reflect.Slice {
			return errorf("Go type %s cannot hold list %s", slice.Type(), m.Shape.Name)
		}
		e := reflect.New(slice.Type().Elem()).Elem()
		if err := x.element(start, m.Shape.Member.Shape, m.Shape.Member, e, depth); err != nil {
			return under(err, "["+strconv.Itoa(slice.Len())+"]")
		}
		slice.Set(reflect.Append(slice, e))
		return nil
	case awsapi.TypeMap:
		return x.entry(m.Shape, f, depth)
	}
	return x.element(start, m.Shape, m, f, depth)
}

func (x *decoder) attributes(start xml.StartElement, s *awsapi.Shape, dst reflect.Value) error {
	for _, m := range s.Members {
		if !m.XMLAttribute {
			continue
		}
		want := localName(m.WireName())
		for _, a := range start.Attr {
			if a.Name.Local != want {
				continue
			}
			f, ok := awsapi.Field(dst, m)
			if !ok {
				break
			}
			if err := jsonvalue.SetScalar(f, m.Shape, m, a.Value); err != nil {
				return under(fromScalar(err), "."+m.Name)
			}
			break
		}
	}
	return nil
}

// memberFor finds the non-attribute member of s whose element is called name.
func memberFor(s *awsapi.Shape, name string, opts Options) *awsapi.Member {
	for _, m := range s.Members {
		if m.XMLAttribute || opts.skip(m) {
			continue
		}
		if elementName(m) == name || m.WireName() == name {
			return m
		}
	}
	return nil
}

// list decodes the items of a non-flattened list element.
func (x *decoder) list(s *awsapi.Shape, dst reflect.Value, depth int) error {
	slice := jsonvalue.Indirect(dst)
	if slice.Kind() != reflect.Slice {
		return errorf("Go type %s cannot hold list %s", slice.Type(), s.Name)
	}
	if slice.IsNil() {
		slice.Set(reflect.MakeSlice(slice.Type(), 0, 0))
	}
	for {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			e := reflect.New(slice.Type().Elem()).Elem()
			if err := x.element(t, s.Member.Shape, s.Member, e, depth+1); err != nil {
				return under(err, "["+strconv.Itoa(slice.Len())+"]")
			}
			slice.Set(reflect.Append(slice, e))
		}
	}
}

// mapValue decodes the <entry> children of a non-flattened map element.
func (x *decoder) mapValue(s *awsapi.Shape, dst reflect.Value, depth int) error {
	mv := jsonvalue.Indirect(dst)
	if mv.Kind() != reflect.Map || mv.Type().Key().Kind() != reflect.String {
		return errorf("Go type %s cannot hold map %s", mv.Type(), s.Name)
	}
	if mv.IsNil() {
		mv.Set(reflect.MakeMap(mv.Type()))
	}
	for {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := x.entry(s, mv, depth+1); err != nil {
				return err
			}
		}
	}
}

// entry decodes the key and value children of one map entry element into map
// dst (allocated when nil).
func (x *decoder) entry(s *awsapi.Shape, dst reflect.Value, depth int) error {
	if depth > x.max {
		return errorf("XML nested deeper than %d", x.max)
	}
	mv := jsonvalue.Indirect(dst)
	if mv.Kind() != reflect.Map || mv.Type().Key().Kind() != reflect.String {
		return errorf("Go type %s cannot hold map %s", mv.Type(), s.Name)
	}
	if mv.IsNil() {
		mv.Set(reflect.MakeMap(mv.Type()))
	}
	var key *string
	val := reflect.New(mv.Type().Elem()).Elem()
	kn, vn := keyName(s), valueName(s)
	for {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if key == nil {
				return errorf("map entry without <%s>", kn)
			}
			mv.SetMapIndex(reflect.ValueOf(*key).Convert(mv.Type().Key()), val)
			return nil
		case xml.StartElement:
			var err error
			switch t.Name.Local {
			case kn:
				var k string
				k, err = x.text()
				key = &k
			case vn:
				err = x.element(t, s.Value.Shape, s.Value, val, depth+1)
			default:
				err = x.skip(depth)
			}
			if err != nil {
				if key != nil {
					return under(err, "["+strconv.Quote(*key)+"]")
				}
				return err
			}
		}
	}
}
