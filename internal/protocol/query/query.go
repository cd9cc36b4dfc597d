// Package query implements the awsQuery protocol (SQS before JSON, SNS, STS,
// IAM, CloudWatch before JSON, CloudFormation): requests are form-encoded
// parameters in a POST body (or a GET query string) named after the model's
// members (lists "Name.member.N" or flattened "Name.N", maps
// "Name.entry.N.key/value" or flattened "Name.N.Name/Value"), responses are
// XML documents "<OpResponse><OpResult>…</OpResult><ResponseMetadata>…" and
// errors are "<ErrorResponse><Error><Type/><Code/><Message/>…".
package query

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol"
	"github.com/nubo/nubo/internal/protocol/rest"
	"github.com/nubo/nubo/internal/protocol/xmlvalue"
)

// Codec is the awsQuery codec. The zero value is ready to use.
type Codec struct{}

var _ protocol.Codec = Codec{}

// Protocol returns awsapi.ProtocolQuery.
func (Codec) Protocol() awsapi.Protocol { return awsapi.ProtocolQuery }

// Params returns the request's parameters: the form body of a POST with
// Content-Type application/x-www-form-urlencoded (or none), merged after the
// URL query string. Malformed encodings are MalformedQueryString errors.
func Params(r *http.Request, body io.Reader) (url.Values, error) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, malformed("The query string is malformed.")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && body != nil {
		ct := r.Header.Get("Content-Type")
		if ct != "" && !isFormType(ct) {
			if mt, _, err := mime.ParseMediaType(ct); err == nil && mt != "application/x-www-form-urlencoded" {
				return nil, malformed(fmt.Sprintf("Unsupported Content-Type %q for a query request.", mt))
			}
		}
		b, err := rest.ReadBody(body, MaxBody)
		if err != nil {
			if errors.Is(err, rest.ErrBodyTooLarge) {
				return nil, &awsapi.Error{Code: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
					Message: "Request body is too large."}
			}
			return nil, err
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, malformed("The request body is not valid form data.")
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	if len(params) > MaxParams {
		return nil, malformed(fmt.Sprintf("The request has more than %d parameters.", MaxParams))
	}
	return params, nil
}

// ParamsWithForm is Params for a POST whose form body (bodyLen bytes long,
// Content-Type application/x-www-form-urlencoded) the caller has already
// parsed into form, so the body is not parsed twice. form's slices become
// part of the result.
func ParamsWithForm(r *http.Request, form url.Values, bodyLen int) (url.Values, error) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, malformed("The query string is malformed.")
	}
	if bodyLen > MaxBody {
		return nil, &awsapi.Error{Code: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
			Message: "Request body is too large."}
	}
	if len(params) == 0 {
		params = form
	} else {
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	if len(params) > MaxParams {
		return nil, malformed(fmt.Sprintf("The request has more than %d parameters.", MaxParams))
	}
	return params, nil
}

// isFormType reports whether ct is one of the form Content-Types the SDKs
// send, which mime.ParseMediaType would accept as form data.
func isFormType(ct string) bool {
	const form = "application/x-www-form-urlencoded"
	return strings.EqualFold(ct, form) || strings.EqualFold(ct, form+"; charset=utf-8")
}

func malformed(msg string) *awsapi.Error {
	return &awsapi.Error{Code: "MalformedQueryString", Status: http.StatusBadRequest, Message: msg}
}

// DecodeRequest fills in (a pointer to op's input struct) from the request's
// form body or query string. Action, Version and unknown parameters are
// ignored. A value that does not parse as its member's type is an
// InvalidParameterValue error.
func (Codec) DecodeRequest(op *awsapi.Operation, r *http.Request, body io.Reader, in any) error {
	params, err := Params(r, body)
	if err != nil {
		return err
	}
	return DecodeParams(op, params, in)
}

// DecodeParams fills in (a pointer to op's input struct) from parsed query
// parameters.
func DecodeParams(op *awsapi.Operation, params url.Values, in any) error {
	if op.Input == nil {
		return nil
	}
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("query: input must be a pointer to a struct, got %T", in)
	}
	if err := decodeStruct(buildTree(params), op.Input, v.Elem(), ""); err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			return &awsapi.Error{Code: "InvalidParameterValue", Status: http.StatusBadRequest, Message: pe.Error()}
		}
		return fmt.Errorf("query: decode %s: %w", op.Name, err)
	}
	return nil
}

// namespace returns the XML namespace of query responses for req.
func namespace(req *awsapi.Request) string {
	if req != nil && req.Service != nil && req.Service.XMLNamespace != "" {
		return req.Service.XMLNamespace
	}
	if req != nil && req.Service != nil && req.Service.APIVersion != "" {
		return fmt.Sprintf("http://%s.amazonaws.com/doc/%s/", req.Service.EndpointPrefix, req.Service.APIVersion)
	}
	return ""
}

func requestID(req *awsapi.Request) string {
	if req == nil {
		return ""
	}
	return req.ID
}

// xmlNS renders ` xmlns="ns"` or nothing.
func xmlNS(ns string) string {
	if ns == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(` xmlns="`)
	escape(&b, ns)
	b.WriteString(`"`)
	return b.String()
}

// writeXMLNS writes xmlNS(ns) to buf.
func writeXMLNS(buf *bytes.Buffer, ns string) {
	if ns == "" {
		return
	}
	buf.WriteString(` xmlns="`)
	xmlvalue.EscapeText(buf, ns)
	buf.WriteByte('"')
}
