// Package awsjson is the codec for the AWS JSON 1.0 and 1.1 protocols (SQS and
// CloudWatch from current SDKs, Logs, Events, KMS, CloudTrail, DynamoDB):
// POST / with X-Amz-Target naming the operation and a JSON object body.
//
// Members are keyed by their model names (Smithy's awsJson ignores jsonName, and
// models shared with query carry XML names in locationName); decoding also
// accepts the locationName.
//
// Requests: the body is the input structure as JSON (an empty body or {} means
// no members); malformed JSON or a member of the wrong type is a
// SerializationException (400). Responses: 200 (or the operation's status), the
// request's Content-Type (application/x-amz-json-1.0 or 1.1, else the model's
// jsonVersion), x-amzn-RequestId, and the output as JSON ({} when empty).
// Errors: the status of the error or its model shape (else 400),
// x-amzn-RequestId, x-amzn-ErrorType: <Code>, and
// {"__type":"com.amazonaws.<signing name>#<Code>","message":…} plus the error's
// extra fields. Query-compatible services (SQS, CloudWatch) also get
// x-amzn-query-error: <legacy code>;Sender|Receiver.
package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"sync"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol"
	"github.com/nubo/nubo/internal/protocol/jsonvalue"
)

// Codec implements protocol.Codec for AWS JSON 1.0 and 1.1. The zero value is
// ready to use and safe for concurrent use.
type Codec struct {
	// MaxDepth bounds the nesting of request bodies (0: jsonvalue.DefaultMaxDepth).
	MaxDepth int
}

var _ protocol.Codec = Codec{}

// New returns an AWS JSON codec with default limits.
func New() Codec { return Codec{} }

// Protocol returns awsapi.ProtocolJSON.
func (Codec) Protocol() awsapi.Protocol { return awsapi.ProtocolJSON }

// SerializationError returns the error AWS JSON services answer for a request
// body they cannot parse.
func SerializationError(msg string) *awsapi.Error {
	return &awsapi.Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: msg}
}

// DecodeRequest reads the JSON body into in, a pointer to op's input type.
func (c Codec) DecodeRequest(op *awsapi.Operation, r *http.Request, body io.Reader, in any) error {
	// The decoders copy what they keep, so the body is read into a pooled
	// buffer that is reused once the input is decoded.
	buf := bufferPool.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	if _, err := buf.ReadFrom(body); err != nil {
		return fmt.Errorf("awsjson: read request body: %w", err)
	}
	data := buf.Bytes()
	dst := reflect.ValueOf(in)
	if dst.Kind() != reflect.Pointer || dst.IsNil() {
		return fmt.Errorf("awsjson: DecodeRequest needs a non-nil pointer, got %T", in)
	}
	opts := jsonvalue.Options{MaxDepth: c.MaxDepth, MemberNames: true}
	if op.Input == nil {
		// No input members: the body must still be JSON.
		var skip any
		return decodeError(jsonvalue.Decode(data, anyShape, reflect.ValueOf(&skip).Elem(), opts))
	}
	if err := jsonvalue.Decode(data, op.Input, dst, opts); err != nil {
		return decodeError(err)
	}
	return nil
}

// anyShape is a document shape, used to validate bodies of operations that take
// no input.
var anyShape = &awsapi.Shape{Name: "Document", Type: awsapi.TypeStructure, Document: true}

// decodeError turns a jsonvalue error into a SerializationException.
func decodeError(err error) error {
	var je *jsonvalue.Error
	if errors.As(err, &je) {
		msg := je.Msg
		if je.Path != "" {
			msg = je.Path + ": " + msg
		}
		return SerializationError(msg)
	}
	return err
}

// contentType returns the response Content-Type: the request's when it is an AWS
// JSON type, else the model's JSON version.
func contentType(req *awsapi.Request) string {
	if req != nil && req.HTTP != nil {
		ct := req.HTTP.Header.Get("Content-Type")
		if ct == "application/x-amz-json-1.0" || ct == "application/x-amz-json-1.1" {
			return ct // what the SDKs send: no need to parse it
		}
		ct, _, err := mime.ParseMediaType(ct)
		if err == nil && (ct == "application/x-amz-json-1.0" || ct == "application/x-amz-json-1.1") {
			return ct
		}
	}
	if req != nil && req.Service != nil && req.Service.JSONVersion != "" {
		return "application/x-amz-json-" + req.Service.JSONVersion
	}
	return "application/x-amz-json-1.0"
}

// EncodeResponse writes the success response with out, a pointer to the
// operation's output type (nil for none).
func (Codec) EncodeResponse(w http.ResponseWriter, req *awsapi.Request, out any) error {
	buf := bufferPool.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	var shape *awsapi.Shape
	if req.Operation != nil {
		shape = req.Operation.Output
	}
	if err := jsonvalue.Encode(buf, shape, reflect.ValueOf(out), jsonvalue.Options{MemberNames: true}); err != nil {
		return fmt.Errorf("awsjson: encode %s output: %w", opName(req), err)
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
	h.Set("Content-Type", contentType(req))
	h.Set("X-Amzn-Requestid", req.ID)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// bufferPool recycles request and response buffers between requests.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuffer returns b to the pool unless it grew too large to keep.
func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 4<<20 {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

func opName(req *awsapi.Request) string {
	if req.Operation == nil {
		return "operation"
	}
	return req.Operation.Name
}

// ErrorDetails is how an *awsapi.Error appears on the wire of the JSON-based
// protocols (AWS JSON and RPC v2 CBOR), resolved against the service model.
type ErrorDetails struct {
	// Status is the HTTP status.
	Status int
	// Type is the code clients see in __type and x-amzn-ErrorType: the error
	// shape's name when the model has the code, else the code.
	Type string
	// TypeID is the __type value, "<namespace>#<Type>".
	TypeID string
	// QueryError is the x-amzn-query-error value ("<legacy code>;Sender"), set
	// only for query-compatible services. The fault is Receiver for server
	// faults (err.Receiver, a fault shape, or a 5xx status), else Sender.
	QueryError string
}

// ResolveError works out the wire details of err for req (whose Service may be
// nil).
func ResolveError(req *awsapi.Request, err *awsapi.Error) ErrorDetails {
	var svc *awsapi.Service
	if req != nil {
		svc = req.Service
	}
	var sh *awsapi.Shape
	if svc != nil && err.Code != "" {
		sh = svc.ErrorShape(err.Code)
	}
	d := ErrorDetails{Status: err.Status, Type: err.Code}
	if sh != nil {
		d.Type = sh.Name
	}
	if d.Status == 0 && sh != nil && sh.Error != nil {
		d.Status = sh.Error.HTTPStatus
	}
	if d.Status == 0 {
		d.Status = http.StatusBadRequest
	}
	d.TypeID = d.Type
	if svc != nil && svc.SigningName != "" {
		d.TypeID = "com.amazonaws." + svc.SigningName + "#" + d.Type
	}
	if svc != nil && svc.QueryCompatible {
		legacy, fault := err.Code, "Sender"
		if sh != nil && sh.Error != nil {
			if sh.Error.Code != "" {
				legacy = sh.Error.Code
			}
			if !sh.Error.SenderFault {
				fault = "Receiver"
			}
		}
		if err.Receiver || d.Status >= 500 {
			fault = "Receiver"
		}
		d.QueryError = legacy + ";" + fault
	}
	return d
}

// EncodeError writes err as an AWS JSON error response.
func (Codec) EncodeError(w http.ResponseWriter, req *awsapi.Request, err *awsapi.Error) {
	d := ResolveError(req, err)
	var buf bytes.Buffer
	writeErrorBody(&buf, d.TypeID, err)
	h := w.Header()
	for k, vs := range err.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Type", contentType(req))
	if req != nil {
		h.Set("X-Amzn-Requestid", req.ID)
	}
	h.Set("X-Amzn-Errortype", d.Type)
	if d.QueryError != "" {
		h.Set("X-Amzn-Query-Error", d.QueryError)
	}
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(d.Status)
	_, _ = w.Write(buf.Bytes())
}

// writeErrorBody writes {"__type":…,"message":…, extra fields…}. Fields named
// __type or message do not override the envelope.
func writeErrorBody(buf *bytes.Buffer, typeID string, err *awsapi.Error) {
	buf.WriteString(`{"__type":`)
	writeJSON(buf, typeID)
	buf.WriteString(`,"message":`)
	writeJSON(buf, err.Message)
	keys := make([]string, 0, len(err.Fields))
	for k := range err.Fields {
		if k != "__type" && k != "message" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		buf.WriteByte(',')
		writeJSON(buf, k)
		buf.WriteByte(':')
		writeJSON(buf, err.Fields[k])
	}
	buf.WriteByte('}')
}

// writeJSON writes v with encoding/json; a value it cannot encode is written as
// its fmt string.
func writeJSON(buf *bytes.Buffer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprint(v))
	}
	buf.Write(b)
}
