// Package rest holds what the REST codecs (restxml, restjson) share: the Router
// that finds an operation from method, path and query string using the models'
// requestUri templates, the HTTP bindings of members to URI labels, query
// parameters, headers, prefix headers and status codes, raw and streaming
// payloads, and the scalar text conversions (timestamps, numbers, booleans,
// base64 blobs) that query parameters and headers use. Package query uses the
// text conversions too.
package rest
