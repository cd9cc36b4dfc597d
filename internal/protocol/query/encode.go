package query

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strconv"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/xmlvalue"
)

// EncodeResponse writes the success response of req.Operation with out:
// <OpResponse xmlns=…>[<OpResult>members</OpResult>]<ResponseMetadata>
// <RequestId>id</RequestId></ResponseMetadata></OpResponse>. The result
// element is written only when the operation has a resultWrapper (then also for
// an empty result).
func (Codec) EncodeResponse(w http.ResponseWriter, req *awsapi.Request, out any) error {
	body, err := MarshalResponse(req, out)
	if err != nil {
		return err
	}
	h := w.Header()
	for k, vs := range req.Response.Header {
		h[k] = append(h[k], vs...)
	}
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req.ID != "" {
		h.Set("x-amzn-RequestId", req.ID)
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
	op := req.Operation
	if op == nil {
		return nil, fmt.Errorf("query: response without an operation")
	}
	var buf bytes.Buffer
	buf.WriteString("<" + op.Name + "Response" + xmlNS(namespace(req)) + ">")
	if op.ResultWrapper != "" {
		buf.WriteString("<" + op.ResultWrapper + ">")
		if op.Output != nil {
			if err := xmlvalue.EncodeMembers(&buf, op.Output, reflect.ValueOf(out), xmlvalue.Options{}); err != nil {
				return nil, fmt.Errorf("query: encode %s: %w", op.Name, err)
			}
		}
		buf.WriteString("</" + op.ResultWrapper + ">")
	} else if op.Output != nil {
		if err := xmlvalue.EncodeMembers(&buf, op.Output, reflect.ValueOf(out), xmlvalue.Options{}); err != nil {
			return nil, fmt.Errorf("query: encode %s: %w", op.Name, err)
		}
	}
	buf.WriteString("<ResponseMetadata><RequestId>")
	xmlvalue.EscapeText(&buf, req.ID)
	buf.WriteString("</RequestId></ResponseMetadata></" + op.Name + "Response>\n")
	return buf.Bytes(), nil
}
