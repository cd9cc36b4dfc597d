package edge

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/protocol"
	"github.com/nubo/nubo/internal/protocol/awsjson"
	"github.com/nubo/nubo/internal/protocol/cbor"
	"github.com/nubo/nubo/internal/protocol/query"
	"github.com/nubo/nubo/internal/protocol/restjson"
	"github.com/nubo/nubo/internal/protocol/restxml"
)

// codecs returns the codec of every protocol the edge speaks. EC2's query
// dialect has no implemented operations yet; its errors use the query envelope,
// which botocore's EC2 parser also reads.
func codecs() map[awsapi.Protocol]protocol.Codec {
	q := query.Codec{}
	return map[awsapi.Protocol]protocol.Codec{
		awsapi.ProtocolQuery:    q,
		awsapi.ProtocolEC2:      q,
		awsapi.ProtocolJSON:     awsjson.New(),
		awsapi.ProtocolCBOR:     cbor.New(),
		awsapi.ProtocolRestJSON: restjson.Codec{},
		awsapi.ProtocolRestXML:  restxml.Codec{},
	}
}

// unknownService is the error for a request whose service Nubo does not know.
func unknownService(rt route, scope string) *awsapi.Error {
	switch rt.protocol {
	case awsapi.ProtocolJSON, awsapi.ProtocolCBOR:
		return &awsapi.Error{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Nubo does not know the service of target %q.", rt.target)}
	case awsapi.ProtocolQuery:
		name := scope
		if name == "" {
			name = "(unsigned)"
		}
		return &awsapi.Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Nubo does not know the service %s of action %s.", name, rt.opName)}
	}
	return &awsapi.Error{Code: "UnknownService", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("Nubo does not know the service %q.", scope)}
}

// unknownOperation is the error for an RPC operation name the service's model
// does not have.
func unknownOperation(rt route) *awsapi.Error {
	switch rt.protocol {
	case awsapi.ProtocolQuery, awsapi.ProtocolEC2:
		return &awsapi.Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("The action %s is not valid for this web service.", rt.opName)}
	}
	return &awsapi.Error{Code: "UnknownOperationException", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("Unknown operation %s.", rt.opName)}
}

// unknownRESTOperation is the error for a REST request no operation matches.
func unknownRESTOperation(api *awsapi.Service, r *http.Request) *awsapi.Error {
	if api.ID == "s3" {
		return &awsapi.Error{Code: "MethodNotAllowed", Status: http.StatusMethodNotAllowed,
			Message: "The specified method is not allowed against this resource."}
	}
	return &awsapi.Error{Code: "UnknownOperationException", Status: http.StatusNotFound,
		Message: fmt.Sprintf("No %s operation matches %s %s.", api.ID, r.Method, r.URL.Path)}
}

// missingParameters is the validation error for absent required members, with
// the code each service family answers and AWS's message format.
func missingParameters(rt route, paths []string) *awsapi.Error {
	var msg strings.Builder
	fmt.Fprintf(&msg, "%d validation error", len(paths))
	if len(paths) > 1 {
		msg.WriteString("s")
	}
	msg.WriteString(" detected: ")
	for i, p := range paths {
		if i > 0 {
			msg.WriteString("; ")
		}
		fmt.Fprintf(&msg, "Value null at '%s' failed to satisfy constraint: Member must not be null", p)
	}
	code := "ValidationException"
	switch {
	case rt.svc.api.ID == "sqs" || rt.svc.api.ID == "cloudwatch":
		code = "MissingParameter"
	case rt.svc.api.ID == "sns":
		code = "InvalidParameter"
	case rt.svc.api.ID == "apigateway":
		code = "BadRequestException"
	case rt.protocol == awsapi.ProtocolRestXML:
		code = "InvalidRequest"
	case rt.protocol == awsapi.ProtocolQuery:
		code = "ValidationError"
	}
	return &awsapi.Error{Code: code, Status: http.StatusBadRequest, Message: msg.String()}
}
