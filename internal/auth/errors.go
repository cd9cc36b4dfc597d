package auth

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/nubo/nubo/internal/awsapi"
)

// Kind classifies an authentication failure independently of the protocol.
type Kind uint8

// Failure kinds. Error.AWS maps each to the code a client of a protocol expects.
const (
	// KindInternal is a failure of Nubo itself (e.g. the credential store).
	KindInternal Kind = iota
	// MissingAuth: no signature on a request that needs one.
	MissingAuth
	// IncompleteSignature: a malformed Authorization header or credential scope.
	IncompleteSignature
	// MalformedPresign: malformed or out-of-range presigned query parameters.
	MalformedPresign
	// SignatureDoesNotMatch: the signature is wrong.
	SignatureDoesNotMatch
	// UnknownAccessKey: the access key id is not known.
	UnknownAccessKey
	// TimeSkewed: the request time is more than MaxSkew away from now.
	TimeSkewed
	// PresignExpired: a presigned URL or POST policy has expired.
	PresignExpired
	// PresignNotYetValid: a presigned URL's date is in the future.
	PresignNotYetValid
	// TokenExpired: the temporary credentials have expired.
	TokenExpired
	// TokenInvalid: a missing, unexpected or wrong session token.
	TokenInvalid
	// MissingContentSHA256: S3 header auth without x-amz-content-sha256.
	MissingContentSHA256
	// InvalidContentSHA256: an x-amz-content-sha256 value that is not allowed.
	InvalidContentSHA256
	// ContentSHA256Mismatch: the body's SHA-256 differs from x-amz-content-sha256.
	ContentSHA256Mismatch
	// BadDigest: Content-MD5 or a checksum differs from the body's.
	BadDigest
	// InvalidDigest: a malformed Content-MD5 value.
	InvalidDigest
	// InvalidChecksum: a malformed or conflicting x-amz-checksum-* header.
	InvalidChecksum
	// MalformedTrailer: a declared trailer is missing or malformed.
	MalformedTrailer
	// InvalidChunk: malformed aws-chunked framing.
	InvalidChunk
	// IncompleteBody: the body ended early.
	IncompleteBody
	// DecodedLengthMismatch: x-amz-decoded-content-length differs from the data.
	DecodedLengthMismatch
	// BodyTooLarge: the body exceeds VerifyOptions.MaxBody.
	BodyTooLarge
	// Unsupported: a signing feature Nubo does not implement (SigV4a, xxhash…).
	Unsupported
)

// Error is an authentication failure. Use AWS to render it for a client.
type Error struct {
	Kind    Kind
	Message string
	// Details are extra fields S3 puts in its error body (AWSAccessKeyId,
	// StringToSign, CanonicalRequest, RequestTime, ServerTime…).
	Details map[string]string
	// Err is the underlying cause, if any.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return "auth: " + e.Message + ": " + e.Err.Error()
	}
	return "auth: " + e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func newError(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// family groups protocols that share authentication error codes.
type family uint8

const (
	famS3 family = iota
	famQuery
	famJSON
	famRestJSON
)

func familyOf(p awsapi.Protocol, serviceID string) family {
	switch {
	case p == awsapi.ProtocolRestXML || serviceID == "s3":
		return famS3
	case p == awsapi.ProtocolQuery || p == awsapi.ProtocolEC2:
		return famQuery
	case p == awsapi.ProtocolRestJSON:
		return famRestJSON
	}
	return famJSON
}

// code is one row of the mapping: the S3 code/status, the query code/status and
// the JSON code (status 400 for awsJson/CBOR, restStatus for rest-json).
type code struct {
	s3         string
	s3Status   int
	query      string
	qStatus    int
	json       string
	restStatus int
}

// codeFor returns the mapping row of k.
func codeFor(k Kind) code {
	codes := map[Kind]code{
		KindInternal:          {"InternalError", 500, "InternalFailure", 500, "InternalFailure", 500},
		MissingAuth:           {"AccessDenied", 403, "MissingAuthenticationToken", 403, "MissingAuthenticationTokenException", 403},
		IncompleteSignature:   {"AuthorizationHeaderMalformed", 400, "IncompleteSignature", 400, "IncompleteSignatureException", 403},
		MalformedPresign:      {"AuthorizationQueryParametersError", 400, "IncompleteSignature", 400, "IncompleteSignatureException", 403},
		SignatureDoesNotMatch: {"SignatureDoesNotMatch", 403, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
		UnknownAccessKey:      {"InvalidAccessKeyId", 403, "InvalidClientTokenId", 403, "UnrecognizedClientException", 403},
		TimeSkewed:            {"RequestTimeTooSkewed", 403, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
		PresignExpired:        {"AccessDenied", 403, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
		PresignNotYetValid:    {"AccessDenied", 403, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
		TokenExpired:          {"ExpiredToken", 400, "ExpiredToken", 403, "ExpiredTokenException", 403},
		TokenInvalid:          {"InvalidToken", 400, "InvalidClientTokenId", 403, "UnrecognizedClientException", 403},
		MissingContentSHA256:  {"InvalidRequest", 400, "IncompleteSignature", 400, "IncompleteSignatureException", 403},
		InvalidContentSHA256:  {"InvalidArgument", 400, "IncompleteSignature", 400, "IncompleteSignatureException", 403},
		ContentSHA256Mismatch: {"XAmzContentSHA256Mismatch", 400, "SignatureDoesNotMatch", 403, "InvalidSignatureException", 403},
		BadDigest:             {"BadDigest", 400, "BadDigest", 400, "BadDigest", 400},
		InvalidDigest:         {"InvalidDigest", 400, "InvalidDigest", 400, "InvalidDigest", 400},
		InvalidChecksum:       {"InvalidRequest", 400, "InvalidRequest", 400, "InvalidRequestException", 400},
		MalformedTrailer:      {"MalformedTrailerError", 400, "InvalidRequest", 400, "InvalidRequestException", 400},
		InvalidChunk:          {"InvalidRequest", 400, "InvalidRequest", 400, "InvalidRequestException", 400},
		IncompleteBody:        {"IncompleteBody", 400, "IncompleteBody", 400, "IncompleteBody", 400},
		DecodedLengthMismatch: {"IncompleteBody", 400, "IncompleteBody", 400, "IncompleteBody", 400},
		BodyTooLarge:          {"EntityTooLarge", 400, "RequestEntityTooLarge", 413, "RequestEntityTooLarge", 413},
		Unsupported:           {"NotImplemented", 501, "NotImplemented", 501, "NotImplemented", 501},
	}
	if c, ok := codes[k]; ok {
		return c
	}
	return codes[KindInternal]
}

// AWS returns the error a client speaking protocol p to service serviceID (the
// signing name, e.g. "s3", "sqs", "lambda") expects: S3's rest-xml codes, the
// query <ErrorResponse> codes, or the awsJson/CBOR/rest-json "__type" codes
// (status 400 for awsJson and CBOR, 403 for rest-json services such as Lambda
// and API Gateway, whose signature errors are 403).
func (e *Error) AWS(p awsapi.Protocol, serviceID string) *awsapi.Error {
	c := codeFor(e.Kind)
	msg := e.Message
	if e.Kind == KindInternal {
		msg = "We encountered an internal error. Please try again."
	}
	out := &awsapi.Error{Message: msg}
	switch familyOf(p, serviceID) {
	case famS3:
		out.Code, out.Status = c.s3, c.s3Status
		for k, v := range e.Details {
			out.With(k, v)
		}
	case famQuery:
		out.Code, out.Status = c.query, c.qStatus
	case famJSON:
		out.Code, out.Status = c.json, c.restStatus
		if c.restStatus == http.StatusForbidden {
			out.Status = http.StatusBadRequest
		}
	case famRestJSON:
		out.Code, out.Status = c.json, c.restStatus
		if e.Kind == BodyTooLarge && serviceID == "lambda" {
			out.Code = "RequestTooLargeException"
		}
	}
	out.Receiver = out.Status >= 500
	return out
}
