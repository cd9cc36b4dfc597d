package query

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/xmlvalue"
)

// EncodeResponse writes the success response of req.Operation with out:
// <OpResponse xmlns=…>[<OpResult>members</OpResult>]<ResponseMetadata>
// <RequestId>id</RequestId></ResponseMetadata></OpResponse>. The result
// element is written only when the operation has a resultWrapper (then also for
// an empty result).
func (Codec) EncodeResponse(w http.ResponseWriter, req *awsapi.Request, out any) error {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := marshalResponse(buf, req, out); err != nil {
		return err
	}
	body := buf.Bytes()
	h := w.Header()
	for k, vs := range req.Response.Header {
		h[k] = append(h[k], vs...)
	}
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req.ID != "" {
		h.Set("X-Amzn-Requestid", req.ID) // canonical spelling: Set need not rewrite it
	}
	status := http.StatusOK
	if req.Response.Status != 0 {
		status = req.Response.Status
	}
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("query: write response: %w", err)
	}
	return nil
}

// MarshalResponse returns the XML document EncodeResponse writes.
func MarshalResponse(req *awsapi.Request, out any) ([]byte, error) {
	var buf bytes.Buffer
	if err := marshalResponse(&buf, req, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bufferPool recycles response buffers between requests.
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

// marshalResponse writes the XML document of MarshalResponse to buf.
func marshalResponse(buf *bytes.Buffer, req *awsapi.Request, out any) error {
	op := req.Operation
	if op == nil {
		return fmt.Errorf("query: response without an operation")
	}
	buf.WriteByte('<')
	buf.WriteString(op.Name)
	buf.WriteString("Response")
	writeXMLNS(buf, namespace(req))
	buf.WriteByte('>')
	if op.ResultWrapper != "" {
		buf.WriteByte('<')
		buf.WriteString(op.ResultWrapper)
		buf.WriteByte('>')
	}
	if op.Output != nil {
		if err := xmlvalue.EncodeMembers(buf, op.Output, reflect.ValueOf(out), xmlvalue.Options{}); err != nil {
			return fmt.Errorf("query: encode %s: %w", op.Name, err)
		}
	}
	if op.ResultWrapper != "" {
		buf.WriteString("</")
		buf.WriteString(op.ResultWrapper)
		buf.WriteByte('>')
	}
	buf.WriteString("<ResponseMetadata><RequestId>")
	xmlvalue.EscapeText(buf, req.ID)
	buf.WriteString("</RequestId></ResponseMetadata></")
	buf.WriteString(op.Name)
	buf.WriteString("Response>\n")
	return nil
}
