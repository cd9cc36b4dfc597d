package edge

import "io"

// unclosable is the request body as operations see it: it can be read but not
// closed. Closing a net/http server body drains it, and a client that sent
// Expect: 100-continue sends nothing until it has an answer, so an operation
// that failed before reading its body (AccessDenied, NoSuchBucket) would
// block there instead of answering. net/http closes the body itself once the
// response is written: it drops the connection when the body was not read.
type unclosable struct{ io.Reader }
