// Package restjson implements the REST-JSON protocol (Lambda, API Gateway):
// operations are found by method and path (see rest.Router), members are bound
// to the URI, query string and headers, and the body is JSON (the structure
// payload member, or the members without a location; timestamps default to
// epoch seconds) or the raw bytes of a blob payload such as Lambda Invoke's.
// Errors carry the code in the x-amzn-ErrorType header and a JSON body
// {"message": …}; Lambda errors also carry "Type" ("User" or "Service") and
// "Message".
package restjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol"
	"github.com/nubo/nubo/internal/protocol/jsonvalue"
	"github.com/nubo/nubo/internal/protocol/rest"
)

// Limits on bodies read into memory.
const (
	// MaxJSONBody bounds a JSON request body (Lambda CreateFunction carries a
	// base64 zip of up to 50 MB).
	MaxJSONBody = 80 << 20
	// MaxRawBody bounds a non-streaming blob payload (Lambda Invoke).
	MaxRawBody = 32 << 20
)

// ErrorCodes are the codes a service answers for requests it cannot decode.
type ErrorCodes struct {
	// Malformed is the code for a body that is not valid JSON for the input.
	Malformed string
	// InvalidParameter is the code for a URI, query or header value that does
	// not fit its member.
	InvalidParameter string
	// TooLarge is the code for a body over the size limit (status 413).
	TooLarge string
}

// ServiceErrorCodes returns the decoding error codes of the service with Nubo
// id: Lambda answers InvalidRequestContentException, API Gateway
// BadRequestException, other services SerializationException.
func ServiceErrorCodes(id string) ErrorCodes {
	switch id {
	case "lambda":
		return ErrorCodes{Malformed: "InvalidRequestContentException", InvalidParameter: "InvalidParameterValueException",
			TooLarge: "RequestTooLargeException"}
	case "apigateway":
		return ErrorCodes{Malformed: "BadRequestException", InvalidParameter: "BadRequestException",
			TooLarge: "BadRequestException"}
	}
	return ErrorCodes{Malformed: "SerializationException", InvalidParameter: "ValidationException",
		TooLarge: "RequestEntityTooLargeException"}
}

// Codec is the REST-JSON codec. Service names the service whose decoding
// error codes apply (see ServiceErrorCodes); when empty, the service of the
// awsapi.Request carried by the HTTP request's context is used.
type Codec struct {
	Service string
}

var _ protocol.Codec = Codec{}

// Protocol returns awsapi.ProtocolRestJSON.
func (Codec) Protocol() awsapi.Protocol { return awsapi.ProtocolRestJSON }

func (c Codec) codes(r *http.Request) ErrorCodes {
	id := c.Service
	if id == "" {
		if req := awsapi.RequestFrom(r.Context()); req != nil && req.Service != nil {
			id = req.Service.ID
		}
	}
	return ServiceErrorCodes(id)
}

// DecodeRequest fills in (a pointer to op's input struct) from r: URI labels,
// query parameters and headers by the model's bindings, then the body.
func (c Codec) DecodeRequest(op *awsapi.Operation, r *http.Request, body io.Reader, in any) error {
	if op.Input == nil {
		return nil
	}
	codes := c.codes(r)
	if err := rest.DecodeBindings(op, r, in); err != nil {
		var be *rest.BindingError
		if errors.As(err, &be) {
			return &awsapi.Error{Code: codes.InvalidParameter, Status: http.StatusBadRequest, Message: be.Error()}
		}
		return err
	}
	kind, pm := rest.Payload(op.Input)
	switch kind {
	case rest.PayloadStream:
		return rest.DecodeRawPayload(pm, in, body, 0)
	case rest.PayloadRaw:
		return tooLarge(rest.DecodeRawPayload(pm, in, body, MaxRawBody), codes)
	case rest.PayloadStructure:
		f, ok := awsapi.Field(reflect.ValueOf(in).Elem(), pm)
		if !ok {
			return nil
		}
		return decodeJSON(body, pm.Shape, f, jsonvalue.Options{}, codes)
	}
	if !rest.HasBodyMembers(op.Input) {
		return nil
	}
	return decodeJSON(body, op.Input, reflect.ValueOf(in), jsonvalue.Options{BodyOnly: true}, codes)
}

func tooLarge(err error, codes ErrorCodes) error {
	if errors.Is(err, rest.ErrBodyTooLarge) {
		return &awsapi.Error{Code: codes.TooLarge, Status: http.StatusRequestEntityTooLarge,
			Message: "Request must be smaller than the maximum allowed size."}
	}
	return err
}

func decodeJSON(body io.Reader, sh *awsapi.Shape, dst reflect.Value, opts jsonvalue.Options, codes ErrorCodes) error {
	data, err := rest.ReadBody(body, MaxJSONBody)
	if err != nil {
		return tooLarge(err, codes)
	}
	if err := jsonvalue.Decode(data, sh, dst, opts); err != nil {
		var je *jsonvalue.Error
		if errors.As(err, &je) {
			return &awsapi.Error{Code: codes.Malformed, Status: http.StatusBadRequest, Message: "Could not parse request body into json: " + je.Error()}
		}
		return fmt.Errorf("restjson: decode body: %w", err)
	}
	return nil
}

// EncodeResponse writes the success response of req.Operation with out:
// header and status-code members, then the raw payload or the JSON body.
func (Codec) EncodeResponse(w http.ResponseWriter, req *awsapi.Request, out any) error {
	op := req.Operation
	h := w.Header()
	if req.ID != "" {
		h.Set("X-Amzn-Requestid", req.ID) // canonical spelling: Set need not rewrite it
	}
	rest.MergeHeader(w, req)
	memberStatus, err := rest.EncodeBindings(op.Output, out, h)
	if err != nil {
		return err
	}
	status := rest.SuccessStatus(req, memberStatus)
	if op.Output == nil {
		w.WriteHeader(status)
		return nil
	}
	kind, pm := rest.Payload(op.Output)
	var buf bytes.Buffer
	switch kind {
	case rest.PayloadStream, rest.PayloadRaw:
		return rest.WriteRawPayload(w, status, pm, out)
	case rest.PayloadStructure:
		if sv, ok := rest.StructOf(reflect.ValueOf(out)); ok {
			if f, ok := awsapi.Field(sv, pm); ok && !rest.IsNil(f) {
				if err := jsonvalue.Encode(&buf, pm.Shape, f, jsonvalue.Options{}); err != nil {
					return fmt.Errorf("restjson: encode %s: %w", op.Name, err)
				}
			}
		}
	default:
		if rest.HasBodyMembers(op.Output) {
			if err := jsonvalue.Encode(&buf, op.Output, reflect.ValueOf(out), jsonvalue.Options{BodyOnly: true}); err != nil {
				return fmt.Errorf("restjson: encode %s: %w", op.Name, err)
			}
		}
	}
	return writeBody(w, req, status, buf.Bytes())
}

func writeBody(w http.ResponseWriter, req *awsapi.Request, status int, body []byte) error {
	allowed := status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified &&
		(req.HTTP == nil || req.HTTP.Method != http.MethodHead)
	if len(body) > 0 && allowed {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if len(body) == 0 || !allowed {
		return nil
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("restjson: write response: %w", err)
	}
	return nil
}

// EncodeError writes err with the status from err, else the model's error
// shape, else 400 (500 for Receiver faults); the header x-amzn-ErrorType
// carries the code and the JSON body {"message": …} plus err.Fields. Lambda
// errors also have "Type" ("User" for 4xx, "Service" for 5xx) and "Message".
func (Codec) EncodeError(w http.ResponseWriter, req *awsapi.Request, err *awsapi.Error) {
	status := ErrorStatus(req, err)
	h := w.Header()
	for k, vs := range err.Header {
		h[k] = append([]string(nil), vs...)
	}
	if req != nil && req.ID != "" {
		h.Set("X-Amzn-Requestid", req.ID) // canonical spelling: Set need not rewrite it
	}
	h.Set("X-Amzn-Errortype", err.Code)
	body := MarshalError(req, err, status)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req != nil && req.HTTP != nil && req.HTTP.Method == http.MethodHead {
		h.Del("Content-Length")
		w.WriteHeader(status)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// ErrorStatus returns the HTTP status of err for req's service.
func ErrorStatus(req *awsapi.Request, err *awsapi.Error) int {
	if err.Status != 0 {
		return err.Status
	}
	if req != nil && req.Service != nil {
		if sh := req.Service.ErrorShape(err.Code); sh != nil && sh.Error != nil && sh.Error.HTTPStatus != 0 {
			return sh.Error.HTTPStatus
		}
	}
	if err.Receiver {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// MarshalError returns the JSON error body of err answered with status.
func MarshalError(req *awsapi.Request, err *awsapi.Error, status int) []byte {
	m := make(map[string]any, len(err.Fields)+3)
	for k, v := range err.Fields {
		m[k] = v
	}
	m["message"] = err.Message
	if req != nil && req.Service != nil && req.Service.ID == "lambda" {
		m["Message"] = err.Message
		if status >= 500 {
			m["Type"] = "Service"
		} else {
			m["Type"] = "User"
		}
	}
	b, jerr := json.Marshal(m)
	if jerr != nil {
		// A field that does not marshal is dropped rather than losing the error.
		b, _ = json.Marshal(map[string]string{"message": err.Message})
	}
	return b
}
