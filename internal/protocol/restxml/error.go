package restxml

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol/xmlvalue"
)

// EncodeError writes err as an S3 <Error> document with the status from err,
// else the model's error shape, else 400 (500 for Receiver faults). Fields
// become elements between Message and RequestId. A HEAD request gets the
// status and headers only.
func (Codec) EncodeError(w http.ResponseWriter, req *awsapi.Request, err *awsapi.Error) {
	status := ErrorStatus(req, err)
	h := w.Header()
	for k, vs := range err.Header {
		h[k] = append([]string(nil), vs...)
	}
	setRequestHeaders(h, req)
	if req != nil && req.HTTP != nil && req.HTTP.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	body := MarshalError(req, err)
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
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

// MarshalError returns the <Error> document of err.
func MarshalError(req *awsapi.Request, err *awsapi.Error) []byte {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString("<Error>")
	element(&b, "Code", err.Code)
	element(&b, "Message", err.Message)
	names := make([]string, 0, len(err.Fields))
	for k := range err.Fields {
		if validName(k) && k != "Code" && k != "Message" && k != "RequestId" && k != "HostId" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		element(&b, k, fmt.Sprint(err.Fields[k]))
	}
	id := ""
	if req != nil {
		id = req.ID
	}
	element(&b, "RequestId", id)
	element(&b, "HostId", hostID(id))
	b.WriteString("</Error>")
	return []byte(b.String())
}

func element(b *strings.Builder, name, text string) {
	var esc bytes.Buffer
	xmlvalue.EscapeText(&esc, text)
	b.WriteString("<" + name + ">")
	b.Write(esc.Bytes())
	b.WriteString("</" + name + ">")
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
