package query

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
)

// EncodeError writes err as an awsQuery <ErrorResponse>. The code is the
// model's legacy error code when the error shape has one; the status is
// err.Status, else the model's, else 400 (500 for Receiver faults).
func (Codec) EncodeError(w http.ResponseWriter, req *awsapi.Request, err *awsapi.Error) {
	code, status, sender := ErrorDetails(req, err)
	var b strings.Builder
	b.WriteString("<ErrorResponse")
	b.WriteString(xmlNS(namespace(req)))
	b.WriteString("><Error><Type>")
	if sender {
		b.WriteString("Sender")
	} else {
		b.WriteString("Receiver")
	}
	b.WriteString("</Type>")
	element(&b, "Code", code)
	element(&b, "Message", err.Message)
	writeFields(&b, err.Fields)
	b.WriteString("<Detail/></Error>")
	element(&b, "RequestId", requestID(req))
	b.WriteString("</ErrorResponse>\n")
	h := w.Header()
	for k, vs := range err.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	if id := requestID(req); id != "" {
		h.Set("X-Amzn-Requestid", id)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// ErrorDetails returns the wire code (the model's legacy code when the error
// shape has one), HTTP status and fault side of err for req's service.
func ErrorDetails(req *awsapi.Request, err *awsapi.Error) (code string, status int, sender bool) {
	code, status, sender = err.Code, err.Status, !err.Receiver
	var sh *awsapi.Shape
	if req != nil && req.Service != nil {
		sh = req.Service.ErrorShape(err.Code)
	}
	if sh != nil && sh.Error != nil {
		if sh.Error.Code != "" {
			code = sh.Error.Code
		}
		if status == 0 {
			status = sh.Error.HTTPStatus
		}
		if !err.Receiver {
			sender = sh.Error.SenderFault
		}
	}
	if status == 0 {
		status = http.StatusBadRequest
		if err.Receiver {
			status = http.StatusInternalServerError
		}
	}
	if sh == nil && status >= 500 {
		sender = false // a 5xx without a model shape is the server's fault
	}
	return code, status, sender
}

// writeFields writes err.Fields as elements, sorted by name for stable output.
func writeFields(b *strings.Builder, fields map[string]any) {
	names := make([]string, 0, len(fields))
	for k := range fields {
		if validName(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		element(b, k, fmt.Sprint(fields[k]))
	}
}

// validName reports whether s can be an XML element name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := c == '_' || c == '-' && i > 0 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0
		if !ok {
			return false
		}
	}
	return true
}

func element(b *strings.Builder, name, text string) {
	b.WriteString("<" + name + ">")
	escape(b, text)
	b.WriteString("</" + name + ">")
}

func escape(b *strings.Builder, s string) {
	_ = xml.EscapeText(b, []byte(s))
}
