package awsapi

import "time"

// RequestLog describes one AWS request after its response was written: what
// an S3 server access log line and request metrics need. The edge's
// Config.OnRequest receives it; admin (/_nubo/) requests are not reported.
type RequestLog struct {
	// Request is the request as the operation saw it: service and operation
	// (nil when they could not be resolved), caller, source IP, request ID,
	// user agent and Nubo time.
	Request *Request
	// Method, URI (path and query exactly as received), Proto ("HTTP/1.1"),
	// Host, Referer describe the HTTP request.
	Method, URI, Proto, Host, Referer string
	// Bucket and Key are the S3 bucket and object key the request addresses
	// (virtual-host or path style; Key is decoded); empty for other services.
	Bucket, Key string
	// Status is the HTTP status sent; ErrorCode the AWS error code, if any.
	Status    int
	ErrorCode string
	// BytesSent counts response body bytes; BodyBytes is the request's
	// Content-Length (encoded, e.g. aws-chunked framing included; 0 when the
	// body is chunked without a length).
	BytesSent, BodyBytes int64
	// Start is the wall time the request arrived.
	Start time.Time
	// TotalTime runs from arrival to the last response byte; TurnAround from
	// arrival to the first response byte.
	TotalTime, TurnAround time.Duration
	// TLSVersion ("TLSv1.3") and CipherSuite (IANA name) are empty without TLS.
	TLSVersion, CipherSuite string
}
