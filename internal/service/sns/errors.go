package sns

import (
	"fmt"
	"net/http"

	"github.com/nubo/nubo/internal/awsapi"
)

// invalidParameter returns InvalidParameter (400) with AWS's "Invalid
// parameter: …" message.
func invalidParameter(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: "InvalidParameterException", Status: http.StatusBadRequest,
		Message: "Invalid parameter: " + fmt.Sprintf(format, args...)}
}

// invalidParameterValue returns InvalidParameterValue (400).
func invalidParameterValue(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: "InvalidParameterValueException", Status: http.StatusBadRequest,
		Message: fmt.Sprintf(format, args...)}
}

func errTopicNotFound() *awsapi.Error {
	return &awsapi.Error{Code: "NotFoundException", Status: http.StatusNotFound, Message: "Topic does not exist"}
}

func errSubNotFound() *awsapi.Error {
	return &awsapi.Error{Code: "NotFoundException", Status: http.StatusNotFound, Message: "Subscription does not exist"}
}

func errResourceNotFound() *awsapi.Error {
	return &awsapi.Error{Code: "ResourceNotFoundException", Status: http.StatusNotFound, Message: "Resource does not exist"}
}

func errBatch(code, msg string) *awsapi.Error {
	return &awsapi.Error{Code: code, Status: http.StatusBadRequest, Message: msg}
}

func missing(name string) *awsapi.Error {
	return invalidParameter("%s", name)
}

// internal wraps a store failure; the edge turns it into InternalFailure.
func internal(op string, err error) error {
	return fmt.Errorf("sns: %s: %w", op, err)
}
