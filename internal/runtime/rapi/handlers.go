package rapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the Runtime API.
const (
	HeaderRequestID       = "Lambda-Runtime-Aws-Request-Id"
	HeaderDeadlineMs      = "Lambda-Runtime-Deadline-Ms"
	HeaderFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	HeaderTraceID         = "Lambda-Runtime-Trace-Id"
	HeaderClientContext   = "Lambda-Runtime-Client-Context"
	HeaderCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	HeaderErrorType       = "Lambda-Runtime-Function-Error-Type"
	HeaderErrorBody       = "Lambda-Runtime-Function-Error-Body"
	HeaderResponseMode    = "Lambda-Runtime-Function-Response-Mode"
)

// route is a parsed Runtime API path.
type route struct {
	kind string // "next", "response", "error", "init-error"
	id   string
}

// parseRoute maps a request path to a route; ok is false for unknown paths.
func parseRoute(path string) (route, bool) {
	rest, found := strings.CutPrefix(path, "/"+APIVersion+"/runtime/")
	if !found {
		return route{}, false
	}
	switch rest {
	case "invocation/next":
		return route{kind: "next"}, true
	case "init/error":
		return route{kind: "init-error"}, true
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] != "invocation" || parts[1] == "" {
		return route{}, false
	}
	switch parts[2] {
	case "response", "error":
		return route{kind: parts[2], id: parts[1]}, true
	}
	return route{}, false
}

// ServeHTTP routes one Runtime API request.
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := parseRoute(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "InvalidRequest", "unknown Runtime API path "+strconv.Quote(r.URL.Path))
		return
	}
	want := http.MethodPost
	if rt.kind == "next" {
		want = http.MethodGet
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		writeError(w, http.StatusMethodNotAllowed, "InvalidRequest", r.Method+" is not allowed on "+r.URL.Path)
		return
	}
	switch rt.kind {
	case "next":
		e.handleNext(w, r)
	case "response":
		e.handleResponse(w, r, rt.id)
	case "error":
		e.handleError(w, r, rt.id)
	default:
		e.handleInitError(w, r)
	}
}

// handleNext long-polls until Invoke hands over an invocation.
func (e *Endpoint) handleNext(w http.ResponseWriter, r *http.Request) {
	select {
	case <-e.dead:
		writeError(w, http.StatusForbidden, "InvalidStateTransition", "the instance is not accepting invocations")
		return
	default:
	}
	e.readyOnce.Do(func() { close(e.ready) })
	e.failUnanswered()
	select {
	case c := <-e.next:
		e.mu.Lock()
		e.current = c
		e.mu.Unlock()
		writeInvocation(w, c.inv)
	case <-e.dead:
		writeError(w, http.StatusForbidden, "InvalidStateTransition", "the instance is not accepting invocations")
	case <-r.Context().Done():
	}
}

// failUnanswered fails the current invocation if the runtime asks for the
// next one without answering it.
func (e *Endpoint) failUnanswered() {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.current
	if c == nil || c.answered {
		return
	}
	c.answered = true
	c.done <- Result{Err: platformError("Runtime.Unknown",
		"the runtime requested the next invocation without answering request "+c.inv.RequestID)}
}

// writeInvocation writes the /next response for inv.
func writeInvocation(w http.ResponseWriter, inv Invocation) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(HeaderRequestID, inv.RequestID)
	h.Set(HeaderDeadlineMs, strconv.FormatInt(inv.Deadline.UnixMilli(), 10))
	h.Set(HeaderFunctionARN, inv.FunctionARN)
	h.Set(HeaderTraceID, inv.TraceID)
	if inv.ClientContext != "" {
		h.Set(HeaderClientContext, inv.ClientContext)
	}
	if inv.CognitoIdentity != "" {
		h.Set(HeaderCognitoIdentity, inv.CognitoIdentity)
	}
	h.Set("Content-Length", strconv.Itoa(len(inv.Payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.Payload) // a dead runtime surfaces through RuntimeExited
}

// checkID reports whether id names the invocation awaiting an answer, with
// the status and error to send when it does not.
func (e *Endpoint) checkID(id string) (int, string, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.verdictLocked(id)
}

// verdictLocked is checkID with e.mu held.
func (e *Endpoint) verdictLocked(id string) (int, string, string) {
	c := e.current
	switch {
	case c == nil || c.inv.RequestID != id:
		return http.StatusBadRequest, "InvalidRequestID", "unknown request id " + strconv.Quote(id)
	case c.answered:
		return http.StatusForbidden, "InvalidStateTransition", "request " + strconv.Quote(id) + " was already answered"
	}
	return 0, "", ""
}

// answer completes the invocation id with res; it reports checkID's verdict
// when the id is no longer awaiting an answer.
func (e *Endpoint) answer(id string, res Result) (int, string, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if status, t, m := e.verdictLocked(id); status != 0 {
		return status, t, m
	}
	e.current.answered = true
	e.current.done <- res
	return 0, "", ""
}

// finish answers id with res and writes the HTTP reply: okStatus with
// {"status":"OK"} (or the given error when okStatus is an error status).
func (e *Endpoint) finish(w http.ResponseWriter, id string, res Result, okStatus int, errType, msg string) {
	if status, t, m := e.answer(id, res); status != 0 {
		writeError(w, status, t, m)
		return
	}
	if okStatus != http.StatusAccepted {
		writeError(w, okStatus, errType, msg)
		return
	}
	writeOK(w)
}

// handleResponse accepts a buffered function response.
func (e *Endpoint) handleResponse(w http.ResponseWriter, r *http.Request, id string) {
	if status, t, m := e.checkID(id); status != 0 {
		writeError(w, status, t, m)
		return
	}
	if mode := r.Header.Get(HeaderResponseMode); mode != "" && !strings.EqualFold(mode, "buffered") {
		msg := "response mode " + strconv.Quote(mode) + " is not supported by Nubo yet; use buffered responses"
		e.finish(w, id, Result{Err: platformError("Runtime.ResponseStreamingNotSupported", msg)},
			http.StatusBadRequest, "InvalidResponseMode", msg)
		return
	}
	body, tooLarge, err := readLimited(r.Body, MaxResponseSize)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "reading the response body: "+err.Error())
		return
	}
	if tooLarge {
		msg := fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", MaxResponseSize)
		fe := platformError("Function.ResponseSizeTooLarge",
			fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseSize))
		e.finish(w, id, Result{Err: fe}, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
		return
	}
	if t := r.Trailer.Get(HeaderErrorType); t != "" {
		e.finish(w, id, Result{Err: trailerError(t, r.Trailer.Get(HeaderErrorBody))}, http.StatusAccepted, "", "")
		return
	}
	e.finish(w, id, Result{Payload: body, ContentType: r.Header.Get("Content-Type")}, http.StatusAccepted, "", "")
}

// handleError accepts an invocation error.
func (e *Endpoint) handleError(w http.ResponseWriter, r *http.Request, id string) {
	if status, t, m := e.checkID(id); status != 0 {
		writeError(w, status, t, m)
		return
	}
	fe, err := readFunctionError(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	e.finish(w, id, Result{Err: fe}, http.StatusAccepted, "", "")
}

// handleInitError records an initialisation error; the instance is dead.
func (e *Endpoint) handleInitError(w http.ResponseWriter, r *http.Request) {
	fe, err := readFunctionError(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	e.mu.Lock()
	initialised := false
	select {
	case <-e.ready:
		initialised = true
	default:
	}
	if initialised || e.initErr != nil {
		e.mu.Unlock()
		writeError(w, http.StatusForbidden, "InvalidStateTransition", "init error posted after initialisation")
		return
	}
	e.initErr = fe
	e.mu.Unlock()
	e.kill()
	writeOK(w)
}

// readLimited reads at most limit bytes; tooLarge reports a longer body.
func readLimited(r io.Reader, limit int64) (body []byte, tooLarge bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, true, nil
	}
	return body, false, nil
}

// readFunctionError builds a FunctionError from an /error or /init/error
// request.
func readFunctionError(r *http.Request) (*FunctionError, error) {
	body, tooLarge, err := readLimited(r.Body, MaxResponseSize)
	if err != nil {
		return nil, err
	}
	if tooLarge {
		body = nil
	}
	return parseFunctionError(r.Header.Get(HeaderErrorType), body), nil
}

// errorDoc is the error document runtimes post.
type errorDoc struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// parseFunctionError interprets an error body and error-type header.
func parseFunctionError(headerType string, body []byte) *FunctionError {
	fe := &FunctionError{Type: strings.TrimSpace(headerType)}
	var doc errorDoc
	if len(body) > 0 && json.Valid(body) && json.Unmarshal(body, &doc) == nil {
		fe.Message = doc.ErrorMessage
		if fe.Type == "" {
			fe.Type = doc.ErrorType
		}
		fe.Body = body
	}
	if fe.Type == "" {
		fe.Type = "Runtime.Unknown"
	}
	if fe.Body == nil {
		if fe.Message == "" {
			fe.Message = string(body)
		}
		fe.Body = errorJSON(fe.Type, fe.Message)
	}
	return fe
}

// trailerError decodes aws-lambda-go style error trailers (body base64).
func trailerError(errType, b64 string) *FunctionError {
	body, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		body = nil
	}
	return parseFunctionError(errType, body)
}

// platformError builds a FunctionError the endpoint raises itself.
func platformError(errType, msg string) *FunctionError {
	return &FunctionError{Type: errType, Message: msg, Body: errorJSON(errType, msg)}
}

// errorJSON renders {"errorMessage":…,"errorType":…}.
func errorJSON(errType, msg string) []byte {
	b, err := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, errType})
	if err != nil { // cannot happen for two strings
		return []byte(`{"errorMessage":"","errorType":"Runtime.Unknown"}`)
	}
	return b
}

func writeOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`+"\n")
}

func writeError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(errorJSON(errType, msg), '\n'))
}

// NewTraceID returns an X-Ray style trace header value
// ("Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0") for t.
func NewTraceID(t time.Time) string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0",
		t.Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}
