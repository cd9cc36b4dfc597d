package awsapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS error as a client sees it. Services return it (or wrap it with
// %w); only the codecs turn it into bytes, in the protocol of the request.
type Error struct {
	// Code is the error code clients match on: the exception shape name for JSON,
	// CBOR and rest protocols ("QueueDoesNotExist", "NoSuchBucket"). For query
	// protocols and the x-amzn-query-error header the codec substitutes the
	// model's legacy code when the shape has one.
	Code string
	// Message is the human-readable text. It never carries server internals.
	Message string
	// Status is the HTTP status; 0 means the model's status for Code, else 400.
	Status int
	// Receiver marks a server-side fault ("Receiver" in query errors).
	Receiver bool
	// Fields are extra members of the error body, e.g. S3's <BucketName> or
	// Lambda's "Reason". Values are strings, numbers or booleans.
	Fields map[string]any
	// Header carries extra response headers (e.g. Retry-After).
	Header http.Header
}

// Error implements error.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code and HTTP status and a formatted message.
func Errorf(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// With returns e with the extra body field name set to v.
func (e *Error) With(name string, v any) *Error {
	if e.Fields == nil {
		e.Fields = make(map[string]any)
	}
	e.Fields[name] = v
	return e
}

// AsError returns the *Error in err's chain. Any other error becomes an
// InternalFailure (500) whose message hides the cause.
func AsError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return &Error{Code: "InternalFailure", Status: http.StatusInternalServerError, Receiver: true,
		Message: "The request processing has failed because of an unknown error, exception or failure."}
}

// Common errors shared by many services.
var (
	// ErrNotImplemented is returned for operations Nubo does not implement; the edge
	// fills in the service and operation names.
	ErrNotImplemented = &Error{Code: "NotImplemented", Status: http.StatusNotImplemented}
)

// NotImplemented returns the error answered for an operation Nubo does not implement.
func NotImplemented(service, operation string) *Error {
	return &Error{Code: "NotImplemented", Status: http.StatusNotImplemented,
		Message: fmt.Sprintf("Nubo does not implement %s operation %s yet.", service, operation)}
}
