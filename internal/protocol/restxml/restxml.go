// Package restxml implements the REST-XML protocol (S3): operations are found
// by method, path and query (see rest.Router), members are bound to the URI,
// query string and headers, and the body is either XML (the structure payload
// member, or the members without a location) or the raw bytes of a blob
// payload, streamed as an io.ReadCloser both ways when the model marks it
// streaming. Errors are "<Error><Code/><Message/>…<RequestId/><HostId/></Error>"
// without a wrapper; HEAD requests get the status only.
//
// S3 virtual-host requests (bucket.host/key) must be rewritten to path style
// (/bucket/key in r.URL.Path and RawPath) by the caller before decoding.
package restxml

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"sync"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol"
	"github.com/nubo/nubo/internal/protocol/rest"
	"github.com/nubo/nubo/internal/protocol/xmlvalue"
)

// S3Namespace is the XML namespace of S3 response documents, used when the
// model does not name one.
const S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// Limits on bodies read into memory.
const (
	// MaxXMLBody bounds an XML request body.
	MaxXMLBody = 16 << 20
	// MaxRawBody bounds a non-streaming blob or string payload.
	MaxRawBody = 64 << 20
)

// Codec is the REST-XML codec. The zero value is ready to use.
type Codec struct{}

var _ protocol.Codec = Codec{}

// Protocol returns awsapi.ProtocolRestXML.
func (Codec) Protocol() awsapi.Protocol { return awsapi.ProtocolRestXML }

// DecodeRequest fills in (a pointer to op's input struct) from r: URI labels,
// query parameters and headers by the model's bindings, then the body. A
// streaming payload receives body itself. A header or query value that does
// not parse is InvalidArgument; a malformed XML body is MalformedXML.
func (Codec) DecodeRequest(op *awsapi.Operation, r *http.Request, body io.Reader, in any) error {
	if op.Input == nil {
		return nil
	}
	if err := rest.DecodeBindings(op, r, in); err != nil {
		var be *rest.BindingError
		if errors.As(err, &be) {
			return &awsapi.Error{Code: "InvalidArgument", Status: http.StatusBadRequest, Message: be.Error()}
		}
		return err
	}
	kind, pm := rest.Payload(op.Input)
	switch kind {
	case rest.PayloadStream:
		return rest.DecodeRawPayload(pm, in, body, 0)
	case rest.PayloadRaw:
		err := rest.DecodeRawPayload(pm, in, body, MaxRawBody)
		if errors.Is(err, rest.ErrBodyTooLarge) {
			return &awsapi.Error{Code: "EntityTooLarge", Status: http.StatusBadRequest,
				Message: "Your proposed upload exceeds the maximum allowed size"}
		}
		return err
	case rest.PayloadStructure:
		f, ok := awsapi.Field(reflect.ValueOf(in).Elem(), pm)
		if !ok {
			return nil
		}
		return decodeXML(body, pm.Shape, f, xmlvalue.Options{})
	}
	if !rest.HasBodyMembers(op.Input) {
		return nil
	}
	return decodeXML(body, op.Input, reflect.ValueOf(in), xmlvalue.Options{BodyOnly: true})
}

// decodeXML decodes an XML document into dst; an empty body leaves dst
// unchanged.
func decodeXML(body io.Reader, sh *awsapi.Shape, dst reflect.Value, opts xmlvalue.Options) error {
	if body == nil {
		return nil
	}
	opts.MaxBytes = MaxXMLBody
	rr := &recordingReader{r: body}
	err := xmlvalue.Decode(rr, sh, dst, opts)
	switch {
	case err == nil:
		return nil
	case rr.err != nil:
		return fmt.Errorf("restxml: read body: %w", rr.err)
	case errors.Is(err, xmlvalue.ErrTooLarge):
		return &awsapi.Error{Code: "MaxMessageLengthExceeded", Status: http.StatusBadRequest,
			Message: "Your request was too big."}
	}
	return &awsapi.Error{Code: "MalformedXML", Status: http.StatusBadRequest,
		Message: "The XML you provided was not well-formed or did not validate against our published schema"}
}

// recordingReader remembers the first read error other than io.EOF, so that a
// failing body is told apart from malformed XML.
type recordingReader struct {
	r   io.Reader
	err error
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// EncodeResponse writes the success response of req.Operation with out:
// header and status-code members, then the payload (streamed and closed when
// it is an io.ReadCloser) or the XML document of the body members.
func (Codec) EncodeResponse(w http.ResponseWriter, req *awsapi.Request, out any) error {
	op := req.Operation
	h := w.Header()
	setRequestHeaders(h, req)
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
	if kind, pm := rest.Payload(op.Output); kind == rest.PayloadStream || kind == rest.PayloadRaw {
		return rest.WriteRawPayload(w, status, pm, out)
	}
	buf := getBuffer()
	defer putBuffer(buf)
	body, err := marshalBody(buf, req, out)
	if err != nil {
		return err
	}
	if len(body) > 0 {
		h.Set("Content-Type", "application/xml")
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if len(body) == 0 || !bodyAllowed(req, status) {
		return nil
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("restxml: write response: %w", err)
	}
	return nil
}

func setRequestHeaders(h http.Header, req *awsapi.Request) {
	if req == nil || req.ID == "" {
		return
	}
	h.Set("X-Amz-Request-Id", req.ID) // canonical spelling: Set need not rewrite it
	h.Set("X-Amz-Id-2", hostID(req.ID))
}

// hostID derives the x-amz-id-2 / <HostId> value from the request id.
func hostID(id string) string {
	return base64.StdEncoding.EncodeToString([]byte("nubo/" + id))
}

// bufferPool recycles response buffers: a large listing grows its buffer to
// hundreds of KiB, which would otherwise be allocated and zeroed per request.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer bounds the buffers kept for reuse.
const maxPooledBuffer = 4 << 20

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

// marshalBody writes into buf (empty) the XML body EncodeResponse writes for a
// response without a raw payload and returns it, or nil when there is none.
func marshalBody(buf *bytes.Buffer, req *awsapi.Request, out any) ([]byte, error) {
	op := req.Operation
	v := reflect.ValueOf(out)
	kind, pm := rest.Payload(op.Output)
	if kind == rest.PayloadStructure {
		sv, ok := rest.StructOf(v)
		if !ok {
			return nil, nil
		}
		f, ok := awsapi.Field(sv, pm)
		if !ok || rest.IsNil(f) {
			return nil, nil
		}
		name := pm.LocationName
		if name == "" {
			name = pm.Shape.LocationName
		}
		if name == "" {
			name = pm.Name
		}
		buf.WriteString(xmlHeader)
		if err := xmlvalue.EncodeElement(buf, name, namespace(req, pm.XMLNamespace, pm.Shape), pm.Shape, f, xmlvalue.Options{}); err != nil {
			return nil, fmt.Errorf("restxml: encode %s: %w", op.Name, err)
		}
		return buf.Bytes(), nil
	}
	if !rest.HasBodyMembers(op.Output) {
		return nil, nil
	}
	buf.WriteString(xmlHeader)
	if err := encodeRoot(buf, req, v); err != nil {
		return nil, fmt.Errorf("restxml: encode %s: %w", op.Name, err)
	}
	return buf.Bytes(), nil
}

const xmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

// encodeRoot writes the body members of the output under the root element
// S3 uses for the operation. When the root is named like the only body member
// (GetBucketLocation's <LocationConstraint>), that member is the root itself.
func encodeRoot(buf *bytes.Buffer, req *awsapi.Request, v reflect.Value) error {
	op := req.Operation
	name := rootName(op)
	ns := namespace(req, nil, op.Output)
	var body []*awsapi.Member
	for _, m := range op.Output.Members {
		if m.Location == "" {
			body = append(body, m)
		}
	}
	if len(body) == 1 && body[0].WireName() == name {
		sv, ok := rest.StructOf(v)
		if !ok {
			return nil
		}
		f, _ := awsapi.Field(sv, body[0])
		if !f.IsValid() {
			return nil
		}
		if rest.IsScalar(body[0].Shape) {
			// <LocationConstraint xmlns="…">eu-west-1</LocationConstraint>
			text, _ := rest.FormatText(f, body[0].Shape, rest.TimestampFormat(body[0], rest.TimestampISO8601), true)
			buf.WriteString("<" + name + ` xmlns="` + ns.URI + `">`)
			xmlvalue.EscapeText(buf, text)
			buf.WriteString("</" + name + ">")
			return nil
		}
		return xmlvalue.EncodeElement(buf, name, ns, body[0].Shape, f, xmlvalue.Options{})
	}
	shape := *op.Output
	shape.XMLNamespace = ns
	return xmlvalue.EncodeElement(buf, name, ns, &shape, v, xmlvalue.Options{BodyOnly: true})
}

func namespace(req *awsapi.Request, ns *awsapi.XMLNamespace, sh *awsapi.Shape) *awsapi.XMLNamespace {
	if ns != nil {
		return ns
	}
	if sh != nil && sh.XMLNamespace != nil {
		return sh.XMLNamespace
	}
	if req != nil && req.Service != nil && req.Service.XMLNamespace != "" {
		return &awsapi.XMLNamespace{URI: req.Service.XMLNamespace}
	}
	return &awsapi.XMLNamespace{URI: S3Namespace}
}

// bodyAllowed reports whether a response to req with status may carry a body.
func bodyAllowed(req *awsapi.Request, status int) bool {
	if req != nil && req.HTTP != nil && req.HTTP.Method == http.MethodHead {
		return false
	}
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}
