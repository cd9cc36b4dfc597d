package awsapi

import (
	"context"
	"net/http"
	"time"
)

// Caller is the authenticated identity behind a request.
type Caller struct {
	// AccessKeyID is the key that signed the request ("" when anonymous).
	AccessKeyID string
	// Account is the caller's account id.
	Account string
	// ARN is the principal ARN: arn:aws:iam::<acct>:root, …:user/<name> or
	// arn:aws:sts::<acct>:assumed-role/<role>/<session>.
	ARN string
	// UserID is the unique principal id (AIDA…, AROA…:session, or the account id).
	UserID string
	// SessionToken is set for temporary credentials.
	SessionToken string
	// Root is set for the account's root credentials.
	Root bool
	// Anonymous is set for unsigned requests.
	Anonymous bool
}

// Request is what an operation knows about the request that invoked it.
type Request struct {
	ID        string
	Service   *Service
	Operation *Operation
	Protocol  Protocol
	Region    string
	Account   string
	Caller    Caller
	SourceIP  string
	Secure    bool
	UserAgent string
	// Endpoint is the scheme://host[:port] the client used, for URLs handed back
	// to it (SQS queue URLs, Lambda code locations).
	Endpoint string
	// Time is the request's time on the Nubo clock.
	Time time.Time
	// SignatureVersion is "SigV2", "SigV4" or "" (unsigned); AuthType is
	// "AuthHeader", "QueryString" or "" (unsigned, or a POST form): how the
	// request is signed, named as S3 server access logs name it.
	SignatureVersion, AuthType string
	// SignedAt is a SigV4 request's signing time; zero for other requests.
	SignedAt time.Time
	// HTTP is the raw request, for the few operations whose behaviour depends on
	// wire details the model does not bind (S3 presigned POST, CORS preflight).
	HTTP *http.Request
	// PayloadSHA256 is the lowercase hex SHA-256 the request body was signed
	// with, when the body the operation reads fails before io.EOF unless its
	// content has that hash ("" otherwise); a handler that reads the body to
	// its end can use it instead of hashing the body again.
	PayloadSHA256 string
	// Response lets an operation set the status code or add headers.
	Response ResponseMeta
}

// ResponseMeta holds response details an operation may override.
type ResponseMeta struct {
	// Status overrides the operation's success status when non-zero.
	Status int
	// Header is merged into the response headers.
	Header http.Header
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request carried by ctx, or nil.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// Handler runs one operation: in is a pointer to the operation's input type, the
// result a pointer to its output type.
type Handler func(ctx context.Context, in any) (any, error)
