// Package rapi serves the AWS Lambda Runtime API (version 2018-06-01) to
// function instances.
//
// Each instance gets its own Endpoint: an HTTP server on its own loopback
// listener (127.0.0.1:0). AWS_LAMBDA_RUNTIME_API carries only "host:port"
// and every runtime client (aws-lambda-go, the Python and Node runtime
// interface clients, Nubo's own Python bootstrap) builds the paths itself
// ("http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"), so
// there is no place for a per-instance base path or token. One listener per
// instance is the only isolation that works with unmodified clients: an
// instance's address identifies it, one instance can never take or answer
// another's invocations through its own address, and closing the endpoint
// drops exactly that instance's connections. A listener costs one file
// descriptor and one accept goroutine, which is cheap next to the process it
// serves. (Instances that share a network namespace can still reach each
// other's ports on loopback; the sandbox's network namespace is what closes
// that.)
//
// Served routes (all under /2018-06-01):
//
//	GET  /runtime/invocation/next                long-polls without timeout
//	POST /runtime/invocation/{id}/response       202 {"status":"OK"}; 413 over 6 MB
//	POST /runtime/invocation/{id}/error          202 {"status":"OK"}
//	POST /runtime/init/error                     202 {"status":"OK"}
//
// Unknown request ids answer 400 (InvalidRequestID); a second answer for the
// same invocation, or an init error after initialisation finished, answers
// 403 (InvalidStateTransition); unknown paths 404 and wrong methods 405, all
// with a JSON {"errorMessage","errorType"} body. Response streaming
// (Lambda-Runtime-Function-Response-Mode: streaming) is not implemented: the
// request is answered 400 and the invocation fails with
// Runtime.ResponseStreamingNotSupported rather than hanging. Error trailers
// (Lambda-Runtime-Function-Error-Type / -Body) on a buffered response, which
// aws-lambda-go declares on every response, are honoured.
//
// The platform side drives an Endpoint with Invoke, WaitReady and
// RuntimeExited. Invoke never outlives its context: a runtime that never
// answers, or a process that died, cannot hang the caller.
package rapi
