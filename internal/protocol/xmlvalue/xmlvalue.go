// Package xmlvalue converts between XML and Go values, driven by the API model.
// The query codec uses it for response bodies and the REST-XML codec for request
// and response bodies. Go values follow the conventions documented in package
// awsapi.
//
// Exported API (stable):
//
//	EncodeMembers(buf *bytes.Buffer, shape *awsapi.Shape, v reflect.Value, opts Options) error
//	    writes the members of structure v as child elements (no enclosing
//	    element): the inside of <OpResult> or of a REST-XML root element.
//	EncodeElement(buf *bytes.Buffer, name string, ns *awsapi.XMLNamespace, shape *awsapi.Shape, v reflect.Value, opts Options) error
//	    writes v as the element <name>, with xmlns from ns (else from the shape)
//	    and the structure's xmlAttribute members as attributes.
//	Decode(r io.Reader, shape *awsapi.Shape, dst reflect.Value, opts Options) error
//	    reads one XML document and decodes its root element (whatever its name)
//	    as shape into dst. An empty document leaves dst unchanged.
//	DecodeElement(d *xml.Decoder, start xml.StartElement, shape *awsapi.Shape, dst reflect.Value, opts Options) error
//	    decodes the element whose start tag was just read from d, through its
//	    end tag: for callers that walk wrappers themselves.
//	EscapeText(buf *bytes.Buffer, s string)
//
// Wire rules (botocore's XML serializer and parser):
//
//   - A member is the element named by its locationName, else its name. Nil
//     members are omitted; an empty string or empty structure is an empty
//     element. Members with xmlAttribute are attributes of the parent's start tag
//     (locationName may carry a prefix, e.g. "xsi:type").
//   - xmlNamespace on a structure member or shape adds xmlns[:prefix]="uri".
//   - Lists: <Name><member>…</member></Name>, the inner name being the list
//     member's locationName when set. Flattened lists repeat the element itself,
//     named by the list member's locationName, else the member's name.
//   - Maps: <Name><entry><key>k</key><value>v</value></entry></Name>, with the
//     key/value locationNames when set; flattened maps repeat <Name><key/><value/></Name>.
//     Encoding sorts keys.
//   - Timestamps are ISO 8601 with milliseconds (2026-11-28T09:01:15.000Z) unless
//     a timestampFormat trait or Options.TimestampFormat says otherwise; decoding
//     accepts any form. Blobs are base64; booleans true/false; floats may be NaN,
//     Infinity, -Infinity.
//   - Decoding ignores namespaces and unknown elements and attributes, rejects
//     malformed XML, and bounds input size (Options.MaxBytes) and nesting
//     (Options.MaxDepth).
package xmlvalue

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/jsonvalue"
)

// Defaults used when the corresponding Options field is zero.
const (
	DefaultMaxDepth = 100
	DefaultMaxBytes = 16 << 20
)

// Options tune encoding and decoding; the zero value suits query and REST-XML.
type Options struct {
	// TimestampFormat applies to timestamps without a timestampFormat trait:
	// jsonvalue.FormatISO8601 (default when empty), FormatUnix or FormatRFC822.
	TimestampFormat string
	// BodyOnly skips structure members bound elsewhere in the HTTP message
	// (Location set: header, uri, querystring, statusCode). REST-XML sets it.
	BodyOnly bool
	// MaxDepth bounds element nesting while decoding (0: DefaultMaxDepth).
	MaxDepth int
	// MaxBytes bounds the bytes Decode reads (0: DefaultMaxBytes).
	MaxBytes int64
}

func (o Options) timestampFormat() string {
	if o.TimestampFormat != "" {
		return o.TimestampFormat
	}
	return jsonvalue.FormatISO8601
}

func (o Options) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o Options) skip(m *awsapi.Member) bool {
	return o.BodyOnly && m.Location != ""
}

// Error is an encoding or decoding failure at a path of members.
type Error struct {
	Path string
	Msg  string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Path == "" {
		return "xmlvalue: " + e.Msg
	}
	return "xmlvalue: " + e.Path + ": " + e.Msg
}

// ErrTooLarge is returned (wrapped) when a document exceeds Options.MaxBytes.
var ErrTooLarge = errors.New("xmlvalue: document too large")

func errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// fromScalar converts a jsonvalue scalar error into an *Error.
func fromScalar(err error) error {
	var je *jsonvalue.Error
	if errors.As(err, &je) {
		return &Error{Msg: je.Msg}
	}
	return err
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
	return err
}

// elementName returns the element name of structure member m: for a flattened
// list the list member's locationName when set, else m's locationName, else
// its name.
func elementName(m *awsapi.Member) string {
	if m.Shape.Type == awsapi.TypeList && m.IsFlattened() && m.Shape.Member.LocationName != "" {
		return m.Shape.Member.LocationName
	}
	return m.WireName()
}

// listItemName is the element name of a non-flattened list's items.
func listItemName(s *awsapi.Shape) string {
	if s.Member.LocationName != "" {
		return s.Member.LocationName
	}
	return "member"
}

func keyName(s *awsapi.Shape) string {
	if s.Key.LocationName != "" {
		return s.Key.LocationName
	}
	return "key"
}

func valueName(s *awsapi.Shape) string {
	if s.Value.LocationName != "" {
		return s.Value.LocationName
	}
	return "value"
}

// localName strips a namespace prefix: "xsi:type" → "type".
func localName(name string) string {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// EscapeText writes s to buf as XML character data, escaped the way AWS
// services write it: &, <, > and quotes as references, carriage return as
// &#xD; (an XML parser would otherwise normalise it to a newline), tab and
// newline as themselves, and characters XML 1.0 cannot carry — and invalid
// UTF-8 — as U+FFFD, as encoding/xml does. Old XML parsers in clients (the
// JavaScript SDK v3 before late 2023, for one) do not decode &#x9; or &#xA;,
// so writing those as references would corrupt message bodies and keys.
func EscapeText(buf *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			esc := asciiEscape(c)
			if esc != "" {
				buf.WriteString(s[last:i])
				buf.WriteString(esc)
				last = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !isXMLChar(r) {
			buf.WriteString(s[last:i])
			buf.WriteString("\uFFFD")
			last = i + size
		}
		i += size
	}
	buf.WriteString(s[last:])
}

// asciiEscape returns the replacement EscapeText writes for the ASCII byte c,
// or "" when c is written as itself.
func asciiEscape(c byte) string {
	switch c {
	case '"':
		return "&#34;"
	case '\'':
		return "&#39;"
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '\r':
		return "&#xD;"
	case '\t', '\n':
		return ""
	}
	if c < 0x20 { // control characters XML 1.0 cannot carry
		return "\uFFFD"
	}
	return ""
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
