package awsapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// rawModel mirrors the parts of a botocore service-2.json that Nubo reads.
type rawModel struct {
	Metadata struct {
		APIVersion         string    `json:"apiVersion"`
		EndpointPrefix     string    `json:"endpointPrefix"`
		Protocol           string    `json:"protocol"`
		Protocols          []string  `json:"protocols"`
		JSONVersion        string    `json:"jsonVersion"`
		TargetPrefix       string    `json:"targetPrefix"`
		SigningName        string    `json:"signingName"`
		XMLNamespace       string    `json:"xmlNamespace"`
		AWSQueryCompatible *struct{} `json:"awsQueryCompatible"`
	} `json:"metadata"`
	Operations map[string]rawOperation `json:"operations"`
	Shapes     map[string]rawShape     `json:"shapes"`
}

type rawOperation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input *struct {
		Shape        string        `json:"shape"`
		LocationName string        `json:"locationName"`
		XMLNamespace *rawNamespace `json:"xmlNamespace"`
	} `json:"input"`
	Output *struct {
		Shape         string `json:"shape"`
		ResultWrapper string `json:"resultWrapper"`
	} `json:"output"`
	Errors []struct {
		Shape string `json:"shape"`
	} `json:"errors"`
	HTTPChecksumRequired bool `json:"httpChecksumRequired"`
	HTTPChecksum         *struct {
		RequestChecksumRequired bool `json:"requestChecksumRequired"`
	} `json:"httpChecksum"`
	RequestCompression *struct {
		Encodings []string `json:"encodings"`
	} `json:"requestcompression"`
	UnsignedPayload bool `json:"unsignedPayload"`
}

type rawNamespace struct {
	Prefix string `json:"prefix"`
	URI    string `json:"uri"`
}

// UnmarshalJSON accepts a namespace as a bare string or as {prefix, uri}.
func (n *rawNamespace) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		n.URI = s
		return nil
	}
	type plain rawNamespace
	return json.Unmarshal(b, (*plain)(n))
}

type rawMember struct {
	Shape            string        `json:"shape"`
	Location         string        `json:"location"`
	LocationName     string        `json:"locationName"`
	QueryName        string        `json:"queryName"`
	Flattened        bool          `json:"flattened"`
	XMLAttribute     bool          `json:"xmlAttribute"`
	XMLNamespace     *rawNamespace `json:"xmlNamespace"`
	TimestampFormat  string        `json:"timestampFormat"`
	JSONValue        bool          `json:"jsonvalue"`
	HostLabel        bool          `json:"hostLabel"`
	IdempotencyToken bool          `json:"idempotencyToken"`
	EventPayload     bool          `json:"eventpayload"`
	Streaming        bool          `json:"streaming"`
}

type rawShape struct {
	Type            string               `json:"type"`
	Members         map[string]rawMember `json:"members"`
	Required        []string             `json:"required"`
	Member          *rawMember           `json:"member"`
	Key             *rawMember           `json:"key"`
	Value           *rawMember           `json:"value"`
	Payload         string               `json:"payload"`
	Flattened       bool                 `json:"flattened"`
	LocationName    string               `json:"locationName"`
	XMLNamespace    *rawNamespace        `json:"xmlNamespace"`
	TimestampFormat string               `json:"timestampFormat"`
	Streaming       bool                 `json:"streaming"`
	RequiresLength  bool                 `json:"requiresLength"`
	Document        bool                 `json:"document"`
	Union           bool                 `json:"union"`
	Sparse          bool                 `json:"sparse"`
	Enum            []string             `json:"enum"`
	Min             *float64             `json:"min"`
	Max             *float64             `json:"max"`
	Pattern         string               `json:"pattern"`
	Exception       bool                 `json:"exception"`
	Fault           bool                 `json:"fault"`
	Error           *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
	Event       bool `json:"event"`
	EventStream bool `json:"eventstream"`
	// memberOrder is filled by decodeOrderedMembers: JSON maps lose order.
	memberOrder []string
}

// OpTypes binds one operation to its generated Go input and output types.
type OpTypes struct {
	Input, Output reflect.Type
}

// Load parses a botocore service model (full or trimmed by tools/apigen) and binds
// the operations listed in types, which become Implemented. id is Nubo's name for
// the service.
func Load(id string, model []byte, types map[string]OpTypes) (*Service, error) {
	var raw rawModel
	if err := json.Unmarshal(model, &raw); err != nil {
		return nil, fmt.Errorf("awsapi: parse %s model: %w", id, err)
	}
	order, err := memberOrders(model)
	if err != nil {
		return nil, fmt.Errorf("awsapi: parse %s model: %w", id, err)
	}
	md := raw.Metadata
	svc := &Service{
		ID:              id,
		SigningName:     md.SigningName,
		EndpointPrefix:  md.EndpointPrefix,
		APIVersion:      md.APIVersion,
		JSONVersion:     md.JSONVersion,
		TargetPrefix:    md.TargetPrefix,
		XMLNamespace:    md.XMLNamespace,
		QueryCompatible: md.AWSQueryCompatible != nil,
		Operations:      make(map[string]*Operation, len(raw.Operations)),
		Shapes:          make(map[string]*Shape, len(raw.Shapes)),
	}
	if svc.SigningName == "" {
		svc.SigningName = md.EndpointPrefix
	}
	protos := md.Protocols
	if len(protos) == 0 {
		protos = []string{md.Protocol}
	}
	for _, p := range protos {
		svc.Protocols = append(svc.Protocols, Protocol(p))
	}
	// Create every shape first so members can point at them.
	for name, rs := range raw.Shapes {
		t, ok := shapeTypes[rs.Type]
		if !ok {
			return nil, fmt.Errorf("awsapi: %s shape %s: unknown type %q", id, name, rs.Type)
		}
		svc.Shapes[name] = &Shape{Name: name, Type: t}
	}
	for name, rs := range raw.Shapes {
		rs.memberOrder = order[name]
		if err := fillShape(svc, svc.Shapes[name], rs); err != nil {
			return nil, fmt.Errorf("awsapi: %s shape %s: %w", id, name, err)
		}
	}
	prepareRequired(svc.Shapes)
	for name, ro := range raw.Operations {
		op, err := newOperation(svc, name, ro)
		if err != nil {
			return nil, fmt.Errorf("awsapi: %s operation %s: %w", id, name, err)
		}
		svc.Operations[name] = op
	}
	for name, t := range types {
		op := svc.Operations[name]
		if op == nil {
			return nil, fmt.Errorf("awsapi: %s has no operation %s", id, name)
		}
		op.Implemented = true
		op.InputType, op.OutputType = t.Input, t.Output
	}
	return svc, nil
}

func newOperation(svc *Service, name string, ro rawOperation) (*Operation, error) {
	op := &Operation{
		Name:             name,
		HTTPMethod:       ro.HTTP.Method,
		RequestURI:       ro.HTTP.RequestURI,
		ResponseCode:     ro.HTTP.ResponseCode,
		ChecksumRequired: ro.HTTPChecksumRequired || (ro.HTTPChecksum != nil && ro.HTTPChecksum.RequestChecksumRequired),
		UnsignedPayload:  ro.UnsignedPayload,
	}
	if op.ResponseCode == 0 {
		op.ResponseCode = 200
	}
	if ro.RequestCompression != nil {
		op.RequestCompression = ro.RequestCompression.Encodings
	}
	lookup := func(shape string) (*Shape, error) {
		if shape == "" {
			return nil, nil
		}
		s := svc.Shapes[shape]
		if s == nil {
			return nil, fmt.Errorf("missing shape %s", shape)
		}
		return s, nil
	}
	var err error
	if ro.Input != nil {
		if op.Input, err = lookup(ro.Input.Shape); err != nil {
			return nil, err
		}
		if op.Input != nil && ro.Input.LocationName != "" && op.Input.LocationName == "" {
			op.Input.LocationName = ro.Input.LocationName
		}
		if op.Input != nil && ro.Input.XMLNamespace != nil && op.Input.XMLNamespace == nil {
			op.Input.XMLNamespace = &XMLNamespace{Prefix: ro.Input.XMLNamespace.Prefix, URI: ro.Input.XMLNamespace.URI}
		}
	}
	if ro.Output != nil {
		if op.Output, err = lookup(ro.Output.Shape); err != nil {
			return nil, err
		}
		op.ResultWrapper = ro.Output.ResultWrapper
	}
	for _, e := range ro.Errors {
		s, err := lookup(e.Shape)
		if err != nil {
			// A trimmed model keeps only the errors of implemented operations.
			continue
		}
		op.Errors = append(op.Errors, s)
	}
	return op, nil
}

func fillShape(svc *Service, s *Shape, rs rawShape) error {
	s.Payload = rs.Payload
	s.Flattened = rs.Flattened
	s.LocationName = rs.LocationName
	s.XMLNamespace = namespace(rs.XMLNamespace)
	s.TimestampFormat = rs.TimestampFormat
	s.Streaming = rs.Streaming
	s.RequiresLength = rs.RequiresLength
	s.Document = rs.Document
	s.Union = rs.Union
	s.Sparse = rs.Sparse
	s.Enum = rs.Enum
	s.Min, s.Max = rs.Min, rs.Max
	s.Pattern = rs.Pattern
	s.Exception = rs.Exception
	s.Fault = rs.Fault
	s.Event, s.EventStream = rs.Event, rs.EventStream
	if rs.Error != nil || rs.Exception {
		s.Error = &ErrorInfo{SenderFault: !rs.Fault}
		if rs.Error != nil {
			s.Error.Code = rs.Error.Code
			s.Error.HTTPStatus = rs.Error.HTTPStatusCode
			s.Error.SenderFault = rs.Error.SenderFault || !rs.Fault
		}
		if s.Error.HTTPStatus == 0 {
			s.Error.HTTPStatus = 400
			if rs.Fault {
				s.Error.HTTPStatus = 500
			}
		}
	}
	var err error
	member := func(name string, rm *rawMember) *Member {
		if rm == nil || err != nil {
			return nil
		}
		ms := svc.Shapes[rm.Shape]
		if ms == nil {
			err = fmt.Errorf("member %s: missing shape %s", name, rm.Shape)
			return nil
		}
		return &Member{
			Name: name, Shape: ms, Location: rm.Location, LocationName: rm.LocationName,
			QueryName: rm.QueryName, Flattened: rm.Flattened, XMLAttribute: rm.XMLAttribute,
			XMLNamespace: namespace(rm.XMLNamespace), TimestampFormat: rm.TimestampFormat,
			JSONValue: rm.JSONValue, HostLabel: rm.HostLabel, IdempotencyToken: rm.IdempotencyToken,
			EventPayload: rm.EventPayload, Streaming: rm.Streaming,
		}
	}
	switch s.Type {
	case TypeStructure:
		required := make(map[string]bool, len(rs.Required))
		for _, r := range rs.Required {
			required[r] = true
		}
		names := rs.memberOrder
		if len(names) != len(rs.Members) {
			names = names[:0]
			for n := range rs.Members {
				names = append(names, n)
			}
		}
		s.membersByName = make(map[string]*Member, len(names))
		for _, n := range names {
			rm := rs.Members[n]
			m := member(n, &rm)
			if m == nil {
				return err
			}
			m.Required = required[n]
			s.Members = append(s.Members, m)
			s.membersByName[n] = m
		}
	case TypeList:
		s.Member = member("member", rs.Member)
	case TypeMap:
		s.Key = member("key", rs.Key)
		s.Value = member("value", rs.Value)
	}
	return err
}

func namespace(n *rawNamespace) *XMLNamespace {
	if n == nil {
		return nil
	}
	return &XMLNamespace{Prefix: n.Prefix, URI: n.URI}
}

// memberOrders returns, per structure shape, its member names in document order.
// Wire formats such as query and XML serialise members in model order, which a Go
// map would lose.
func memberOrders(model []byte) (map[string][]string, error) {
	var top struct {
		Shapes map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(model, &top); err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(top.Shapes))
	for name, raw := range top.Shapes {
		var s struct {
			Members json.RawMessage `json:"members"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if len(s.Members) == 0 {
			continue
		}
		keys, err := objectKeys(s.Members)
		if err != nil {
			return nil, err
		}
		out[name] = keys
	}
	return out, nil
}

// objectKeys lists the keys of a JSON object in document order.
func objectKeys(obj json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
