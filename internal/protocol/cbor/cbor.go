// Package cbor is the codec for Smithy RPC v2 CBOR (CloudWatch from
// aws-sdk-go-v2 ≥ cloudwatch v1.53.0): POST /service/<service>/operation/<Op>
// with smithy-protocol: rpc-v2-cbor and a CBOR map body (absent when there is no
// input; the edge undoes Content-Encoding: gzip before the codec sees it).
//
// Requests are decoded with github.com/fxamacker/cbor/v2 into generic values,
// with limits on nesting, array length and map size, then stored into the Go
// input via the model: definite and indefinite lengths and half, single and
// double floats are accepted; timestamps are tag 1 (epoch seconds, integer or
// float); blobs are byte strings; null means absent. Malformed CBOR or a value
// of the wrong type is a SerializationException (400).
//
// Responses are 200 with Content-Type application/cbor, smithy-protocol:
// rpc-v2-cbor and x-amzn-RequestId; the body is a CBOR map of the output
// members, keyed by member name (an empty map for no output). Errors carry the
// model's status, x-amzn-RequestId, x-amzn-query-error for query-compatible
// services, and the body {"__type": "<namespace>#<Code>", "message": …} plus
// the error's extra fields.
package cbor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"

	fx "github.com/fxamacker/cbor/v2"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol"
	"github.com/nubo/nubo/internal/protocol/awsjson"
)

// Defaults for the decoding limits.
const (
	DefaultMaxDepth    = 64
	DefaultMaxElements = 1 << 20
)

// Codec implements protocol.Codec for Smithy RPC v2 CBOR. The zero value is
// ready to use and safe for concurrent use.
type Codec struct {
	// MaxDepth bounds nesting of request values (0: DefaultMaxDepth).
	MaxDepth int
	// MaxElements bounds the length of each array and map (0: DefaultMaxElements).
	MaxElements int
}

var _ protocol.Codec = Codec{}

// New returns a CBOR codec with default limits.
func New() Codec { return Codec{} }

// Protocol returns awsapi.ProtocolCBOR.
func (Codec) Protocol() awsapi.Protocol { return awsapi.ProtocolCBOR }

func (c Codec) decMode() (fx.DecMode, error) {
	depth, elems := c.MaxDepth, c.MaxElements
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	if depth < 4 {
		depth = 4
	}
	if elems <= 0 {
		elems = DefaultMaxElements
	}
	if elems < 16 {
		elems = 16
	}
	return fx.DecOptions{
		MaxNestedLevels:  depth,
		MaxArrayElements: elems,
		MaxMapPairs:      elems,
		IndefLength:      fx.IndefLengthAllowed,
		TagsMd:           fx.TagsAllowed,
		DupMapKey:        fx.DupMapKeyQuiet,
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
		TimeTagToAny:     fx.TimeTagToTime,
	}.DecMode()
}

// SerializationError returns the error answered for a body that cannot be parsed.
func SerializationError(msg string) *awsapi.Error {
	return &awsapi.Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: msg}
}

// DecodeRequest reads the CBOR body into in, a pointer to op's input type. An
// empty body means no input members.
func (c Codec) DecodeRequest(op *awsapi.Operation, r *http.Request, body io.Reader, in any) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("cbor: read request body: %w", err)
	}
	dst := reflect.ValueOf(in)
	if dst.Kind() != reflect.Pointer || dst.IsNil() {
		return fmt.Errorf("cbor: DecodeRequest needs a non-nil pointer, got %T", in)
	}
	if len(data) == 0 {
		return nil
	}
	dm, err := c.decMode()
	if err != nil {
		return fmt.Errorf("cbor: decoder options: %w", err)
	}
	var raw any
	if err := dm.Unmarshal(data, &raw); err != nil {
		return SerializationError("malformed CBOR: " + err.Error())
	}
	if op.Input == nil {
		if _, ok := raw.(map[string]any); !ok && raw != nil {
			return SerializationError("expected a map")
		}
		return nil
	}
	depth := c.MaxDepth
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	if err := Assign(raw, op.Input, dst, depth); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return SerializationError(e.Path + ": " + e.Msg)
		}
		return err
	}
	return nil
}

// EncodeResponse writes the success response with out, a pointer to the
// operation's output type (nil for none).
func (Codec) EncodeResponse(w http.ResponseWriter, req *awsapi.Request, out any) error {
	var shape *awsapi.Shape
	if req.Operation != nil {
		shape = req.Operation.Output
	}
	body, err := Marshal(shape, out)
	if err != nil {
		return fmt.Errorf("cbor: encode output: %w", err)
	}
	status := http.StatusOK
	if req.Operation != nil && req.Operation.ResponseCode != 0 {
		status = req.Operation.ResponseCode
	}
	if req.Response.Status != 0 {
		status = req.Response.Status
	}
	h := w.Header()
	for k, vs := range req.Response.Header {
		h[k] = append([]string(nil), vs...)
	}
	writeHeaders(h, req, len(body))
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

func writeHeaders(h http.Header, req *awsapi.Request, n int) {
	h.Set("Content-Type", "application/cbor")
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	if req != nil {
		h.Set("X-Amzn-Requestid", req.ID)
	}
	h.Set("Content-Length", strconv.Itoa(n))
}

// EncodeError writes err as an RPC v2 CBOR error response.
func (Codec) EncodeError(w http.ResponseWriter, req *awsapi.Request, err *awsapi.Error) {
	d := awsjson.ResolveError(req, err)
	doc := make(map[string]any, len(err.Fields)+2)
	for k, v := range err.Fields {
		doc[k] = v
	}
	doc["__type"] = d.TypeID
	doc["message"] = err.Message
	body, mErr := encMode().Marshal(doc)
	if mErr != nil {
		body, _ = encMode().Marshal(map[string]any{"__type": d.TypeID, "message": err.Message})
	}
	h := w.Header()
	for k, vs := range err.Header {
		h[k] = append([]string(nil), vs...)
	}
	writeHeaders(h, req, len(body))
	if d.QueryError != "" {
		h.Set("X-Amzn-Query-Error", d.QueryError)
	}
	w.WriteHeader(d.Status)
	_, _ = io.Copy(w, bytes.NewReader(body))
}
