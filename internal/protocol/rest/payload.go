package rest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"

	"github.com/nubo/nubo/internal/awsapi"
)

// ErrBodyTooLarge is returned (wrapped) when a request body exceeds the limit
// the codec reads into memory.
var ErrBodyTooLarge = errors.New("request body too large")

var readCloserType = reflect.TypeOf((*io.ReadCloser)(nil)).Elem()

// PayloadKind says how the HTTP body of a shape is bound.
type PayloadKind int

// Payload kinds.
const (
	// PayloadMembers: the body holds the members without a location
	// (possibly none).
	PayloadMembers PayloadKind = iota
	// PayloadStructure: the body is the structure (or document) payload member.
	PayloadStructure
	// PayloadRaw: the body is the raw bytes of a blob or string payload member.
	PayloadRaw
	// PayloadStream: the body is a streaming blob payload (io.ReadCloser).
	PayloadStream
)

// Payload returns how the body of shape sh is bound and the payload member, if
// any.
func Payload(sh *awsapi.Shape) (PayloadKind, *awsapi.Member) {
	m := sh.PayloadMember()
	if m == nil {
		return PayloadMembers, nil
	}
	switch m.Shape.Type {
	case awsapi.TypeBlob:
		if m.Shape.Streaming || m.Streaming {
			return PayloadStream, m
		}
		return PayloadRaw, m
	case awsapi.TypeString:
		return PayloadRaw, m
	}
	return PayloadStructure, m
}

// HasBodyMembers reports whether sh has members carried in the body (no HTTP
// location).
func HasBodyMembers(sh *awsapi.Shape) bool {
	if sh == nil {
		return false
	}
	for _, m := range sh.Members {
		if m.Location == "" {
			return true
		}
	}
	return false
}

// ReadBody reads body up to limit bytes; a longer body is an error wrapping
// ErrBodyTooLarge.
func ReadBody(body io.Reader, limit int64) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("rest: read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("rest: body over %d bytes: %w", limit, ErrBodyTooLarge)
	}
	return b, nil
}

// DecodeRawPayload binds body to the blob or string payload member m of in (a
// pointer to the input struct). A streaming member receives body itself as an
// io.ReadCloser (closing it closes body when body is an io.ReadCloser); other
// members receive the bytes read up to limit. An empty non-streaming body
// leaves the member absent.
func DecodeRawPayload(m *awsapi.Member, in any, body io.Reader, limit int64) error {
	v, ok := structValue(in)
	if !ok {
		return fmt.Errorf("rest: input must be a pointer to a struct, got %T", in)
	}
	f, ok := awsapi.Field(v, m)
	if !ok {
		return nil
	}
	if f.Type() == readCloserType || (f.Kind() == reflect.Interface && readCloserType.Implements(f.Type())) {
		rc, isRC := body.(io.ReadCloser)
		if !isRC {
			if body == nil {
				body = http.NoBody
			}
			rc = io.NopCloser(body)
		}
		f.Set(reflect.ValueOf(rc))
		return nil
	}
	b, err := ReadBody(body, limit)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return nil
	}
	return SetText(f, m.Shape, string(b), false)
}

// WriteRawPayload writes the status and the blob, string or streaming payload
// member m of out as the response body. A streaming payload is copied to w and
// closed. Content-Length is set from the byte length of non-streaming payloads
// unless h already has one.
func WriteRawPayload(w http.ResponseWriter, status int, m *awsapi.Member, out any) error {
	v, ok := structValue(out)
	var f reflect.Value
	if ok {
		f, ok = awsapi.Field(v, m)
	}
	if !ok {
		w.WriteHeader(status)
		return nil
	}
	if f.Kind() == reflect.Interface {
		if f.IsNil() {
			w.WriteHeader(status)
			return nil
		}
		if rc, isRC := f.Interface().(io.ReadCloser); isRC {
			defer rc.Close()
			w.WriteHeader(status)
			if !statusAllowsBody(status) {
				return nil
			}
			if _, err := io.Copy(w, rc); err != nil {
				return fmt.Errorf("rest: stream payload: %w", err)
			}
			return nil
		}
		if r, isR := f.Interface().(io.Reader); isR {
			w.WriteHeader(status)
			_, err := io.Copy(w, r)
			return err
		}
	}
	s, present := FormatText(f, m.Shape, "", false)
	if present && statusAllowsBody(status) && w.Header().Get("Content-Length") == "" {
		w.Header().Set("Content-Length", strconv.Itoa(len(s)))
	}
	w.WriteHeader(status)
	if present && s != "" && statusAllowsBody(status) {
		if _, err := io.WriteString(w, s); err != nil {
			return fmt.Errorf("rest: write payload: %w", err)
		}
	}
	return nil
}

// SuccessStatus returns the status of a success response: the statusCode
// member, else the operation's Response.Status override, else its
// ResponseCode, else 200.
func SuccessStatus(req *awsapi.Request, member int) int {
	switch {
	case member != 0:
		return member
	case req != nil && req.Response.Status != 0:
		return req.Response.Status
	case req != nil && req.Operation != nil && req.Operation.ResponseCode != 0:
		return req.Operation.ResponseCode
	}
	return http.StatusOK
}

// MergeHeader adds the operation's extra response headers to w.
func MergeHeader(w http.ResponseWriter, req *awsapi.Request) {
	if req == nil {
		return
	}
	for k, vs := range req.Response.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}

// statusAllowsBody reports whether a response with status may carry a body.
func statusAllowsBody(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
