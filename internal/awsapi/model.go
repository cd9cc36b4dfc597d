// Package awsapi holds the AWS API model that drives Nubo's wire codecs: services,
// operations and shapes as the botocore service models describe them, bound to the Go
// types that tools/apigen generates, plus the typed AWS error and the per-request
// context every operation receives.
//
// Go type conventions (the contract between tools/apigen, the codecs and services):
//
//   - A structure shape is a Go struct; each member is an exported field tagged
//     `aws:"<MemberName>"` with the member name exactly as the model spells it.
//   - Members of structures use pointers for scalars (*string, *bool, *int32 for
//     integer, *int64 for long, *float64 for float and double, *time.Time for
//     timestamps), []byte for blobs, io.ReadCloser for streaming blob payloads,
//     *T for nested structures, []E for lists and map[string]V for maps. A nil
//     pointer, slice or map means "absent"; an empty non-nil slice or map is present
//     and empty.
//   - List elements and map values are values, not pointers: []string, []T,
//     map[string]string, map[string]T, [][]string.
//   - Document members are `any` holding JSON-like values.
//   - An operation's input and output are distinct struct types named <Op>Input and
//     <Op>Output, even when the model has no input or output shape.
package awsapi

import (
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
)

// Protocol is a wire protocol named as botocore names it.
type Protocol string

// The protocols Nubo speaks.
const (
	ProtocolQuery    Protocol = "query"
	ProtocolEC2      Protocol = "ec2"
	ProtocolJSON     Protocol = "json"
	ProtocolRestJSON Protocol = "rest-json"
	ProtocolRestXML  Protocol = "rest-xml"
	ProtocolCBOR     Protocol = "smithy-rpc-v2-cbor"
)

// Service is one AWS service's API model.
type Service struct {
	// ID is Nubo's short name for the service ("sqs", "monitoring" is "cloudwatch").
	ID string
	// SigningName is the SigV4 credential-scope service (endpointPrefix or signingName).
	SigningName string
	// EndpointPrefix is the model's endpointPrefix.
	EndpointPrefix string
	// APIVersion is the model's apiVersion ("2012-11-05").
	APIVersion string
	// Protocols lists the protocols the service answers, in the model's priority order.
	Protocols []Protocol
	// JSONVersion is "1.0" or "1.1" for services that speak AWS JSON.
	JSONVersion string
	// TargetPrefix is the X-Amz-Target prefix for AWS JSON ("AmazonSQS").
	TargetPrefix string
	// XMLNamespace is the namespace of query and rest-xml responses.
	XMLNamespace string
	// QueryCompatible is set for JSON/CBOR services that also answer query
	// (awsQueryCompatible): their errors carry x-amzn-query-error.
	QueryCompatible bool
	// Operations by name. Every operation of the service is listed; Implemented
	// tells which ones Nubo answers.
	Operations map[string]*Operation
	// Shapes by name (only those reachable from implemented operations).
	Shapes map[string]*Shape

	errorsByCode sync.Map // code string → *Shape
}

// Speaks reports whether the service answers protocol p.
func (s *Service) Speaks(p Protocol) bool {
	for _, q := range s.Protocols {
		if q == p {
			return true
		}
	}
	return false
}

// ErrorShape returns the error shape whose name or error code is code, or nil.
func (s *Service) ErrorShape(code string) *Shape {
	if v, ok := s.errorsByCode.Load(code); ok {
		return v.(*Shape)
	}
	for _, sh := range s.Shapes {
		if !sh.Exception {
			continue
		}
		if sh.Name == code || (sh.Error != nil && sh.Error.Code == code) {
			s.errorsByCode.Store(code, sh)
			return sh
		}
	}
	return nil
}

// Operation is one API operation.
type Operation struct {
	Name       string
	HTTPMethod string
	// RequestURI is the model's requestUri, e.g. "/{Bucket}/{Key+}?uploads".
	RequestURI string
	// ResponseCode is the HTTP status of a success response (200 when unset).
	ResponseCode int
	Input        *Shape // nil when the operation takes no input
	Output       *Shape // nil when the operation returns nothing
	// InputLocationName and InputXMLNamespace describe the root element of a
	// rest-xml request body whose input shape is the payload.
	ResultWrapper string
	Errors        []*Shape
	// RequestCompression lists the encodings the client may compress the body with.
	RequestCompression []string
	// ChecksumRequired is set when the model demands a request checksum.
	ChecksumRequired bool
	// UnsignedPayload is set when the operation may send an unsigned body.
	UnsignedPayload bool
	// Implemented is set when Nubo has a handler for the operation.
	Implemented bool
	// InputType and OutputType are the Go struct types bound by tools/apigen.
	InputType, OutputType reflect.Type
}

// NewInput returns a pointer to a new zero input value of the operation.
func (o *Operation) NewInput() any {
	if o.InputType == nil {
		return &struct{}{}
	}
	return reflect.New(o.InputType).Interface()
}

// ShapeType is the type of a shape.
type ShapeType uint8

// Shape types.
const (
	TypeStructure ShapeType = iota + 1
	TypeList
	TypeMap
	TypeString
	TypeInteger
	TypeLong
	TypeFloat
	TypeDouble
	TypeBoolean
	TypeTimestamp
	TypeBlob
	TypeBigInteger
	TypeBigDecimal
	TypeByte
	TypeShort
)

var shapeTypes = map[string]ShapeType{
	"structure": TypeStructure, "list": TypeList, "map": TypeMap, "string": TypeString,
	"integer": TypeInteger, "long": TypeLong, "float": TypeFloat, "double": TypeDouble,
	"boolean": TypeBoolean, "timestamp": TypeTimestamp, "blob": TypeBlob,
	"bigInteger": TypeBigInteger, "bigDecimal": TypeBigDecimal, "byte": TypeByte, "short": TypeShort,
}

// String returns the botocore name of the type.
func (t ShapeType) String() string {
	for k, v := range shapeTypes {
		if v == t {
			return k
		}
	}
	return "unknown"
}

// Shape is a type in the model.
type Shape struct {
	Name string
	Type ShapeType
	// Members of a structure, in model order.
	Members []*Member
	// Member is the element of a list; Key and Value describe a map.
	Member, Key, Value *Member
	// Payload names the member bound to the HTTP body in rest protocols.
	Payload         string
	Flattened       bool
	LocationName    string
	XMLNamespace    *XMLNamespace
	TimestampFormat string
	Streaming       bool
	RequiresLength  bool
	Document        bool
	Union           bool
	Sparse          bool
	Enum            []string
	Min, Max        *float64
	Pattern         string
	// Exception is set for error shapes; Error carries their wire details.
	Exception bool
	Fault     bool
	Error     *ErrorInfo
	// Event and EventStream mark event-stream shapes (not spoken by Nubo).
	Event, EventStream bool

	membersByName map[string]*Member
	required      requiredInfo // what MissingRequired visits; set by Load
}

// MemberByName returns the structure member called name, or nil.
func (s *Shape) MemberByName(name string) *Member { return s.membersByName[name] }

// PayloadMember returns the member bound to the body, or nil.
func (s *Shape) PayloadMember() *Member {
	if s == nil || s.Payload == "" {
		return nil
	}
	return s.membersByName[s.Payload]
}

// ErrorInfo is the error trait of an exception shape.
type ErrorInfo struct {
	// Code is the legacy (query) error code, when it differs from the shape name.
	Code       string
	HTTPStatus int
	// SenderFault is true for client errors ("Sender"), false for "Receiver".
	SenderFault bool
}

// XMLNamespace is an XML namespace declaration.
type XMLNamespace struct {
	Prefix string
	URI    string
}

// Member is a member of a structure, the element of a list or a key/value of a map.
type Member struct {
	Name  string
	Shape *Shape
	// Location is "", "header", "headers", "uri", "querystring" or "statusCode".
	Location string
	// LocationName is the wire name (header, query key, URI label, XML element).
	LocationName     string
	QueryName        string
	Flattened        bool
	XMLAttribute     bool
	XMLNamespace     *XMLNamespace
	TimestampFormat  string
	JSONValue        bool
	HostLabel        bool
	IdempotencyToken bool
	Required         bool
	// EventPayload marks the member holding an event's payload.
	EventPayload bool
	// Streaming is the member-level streaming flag.
	Streaming bool

	// field remembers the struct field bound to the member for the last Go
	// type it was looked up in (see Field); most members only ever meet one.
	field atomic.Pointer[boundField]
}

// boundField is the field index of a member in one Go struct type.
type boundField struct {
	t   reflect.Type
	idx []int
}

// WireName returns the name a member has on the wire when no protocol-specific rule
// applies: LocationName if set, else Name.
func (m *Member) WireName() string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}

// IsFlattened reports whether the member (or its list/map shape) is flattened.
func (m *Member) IsFlattened() bool { return m.Flattened || m.Shape.Flattened }

// fieldCache maps a Go struct type to the field index of each member name.
var fieldCache sync.Map // reflect.Type → map[string][]int

// FieldIndex returns the index path of the struct field tagged `aws:"name"` in t, or
// nil when there is none. Results are cached per type.
func FieldIndex(t reflect.Type, name string) []int {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v, ok := fieldCache.Load(t); ok {
		return v.(map[string][]int)[name]
	}
	m := make(map[string][]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("aws")
		if !ok {
			continue
		}
		tag, _, _ = strings.Cut(tag, ",")
		m[tag] = f.Index
	}
	fieldCache.Store(t, m)
	return m[name]
}

// Field returns the field of struct value v (a struct, not a pointer) bound to member
// m. ok is false when the Go type has no such field. The lookup is remembered on
// m, so the common case costs one comparison.
func Field(v reflect.Value, m *Member) (f reflect.Value, ok bool) {
	t := v.Type()
	var idx []int
	if b := m.field.Load(); b != nil && b.t == t {
		idx = b.idx
	} else {
		idx = FieldIndex(t, m.Name)
		m.field.Store(&boundField{t: t, idx: idx})
	}
	switch len(idx) {
	case 0:
		return reflect.Value{}, false
	case 1:
		return v.Field(idx[0]), true
	}
	return v.FieldByIndex(idx), true
}
