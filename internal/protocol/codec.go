// Package protocol holds Nubo's wire codecs. Each AWS protocol has a subpackage
// implementing Codec; a codec is stateless and driven entirely by the API model in
// package awsapi, so services never see bytes on the wire.
//
//	query     awsQuery: form-encoded requests, XML responses (SQS-old, SNS, STS, IAM, …)
//	awsjson   AWS JSON 1.0/1.1 (SQS-new, Logs, Events, KMS, CloudWatch-new, …)
//	cbor      Smithy RPC v2 CBOR (CloudWatch from aws-sdk-go-v2)
//	restjson  REST + JSON (Lambda, API Gateway)
//	restxml   REST + XML (S3)
//	rest      HTTP bindings and the operation router shared by the REST codecs
//	jsonvalue, xmlvalue  shape-driven value (de)serialisation shared by the codecs
//	chunked   aws-chunked request bodies with chunk signatures and trailing checksums
package protocol

import (
	"io"
	"net/http"

	"github.com/nubo/nubo/internal/awsapi"
)

// Codec reads requests and writes responses and errors of one wire protocol.
type Codec interface {
	// Protocol names the protocol.
	Protocol() awsapi.Protocol
	// DecodeRequest fills in, a pointer to a value of op.InputType, from the HTTP
	// request r whose (authenticated, de-chunked, decompressed) body is body.
	// Malformed input is an *awsapi.Error with the code the protocol's clients
	// expect; errors reading body are returned wrapped, unchanged.
	DecodeRequest(op *awsapi.Operation, r *http.Request, body io.Reader, in any) error
	// EncodeResponse writes the success response for req (req.Operation is set)
	// with out, a pointer to a value of req.Operation.OutputType.
	EncodeResponse(w http.ResponseWriter, req *awsapi.Request, out any) error
	// EncodeError writes err for req. req.Service and req.Operation may be nil
	// when the failure happened before they were known.
	EncodeError(w http.ResponseWriter, req *awsapi.Request, err *awsapi.Error)
}
