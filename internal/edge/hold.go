package edge

import "context"

// A ResponseHolder batches the bytes of one response on its connection and
// sends them in one write once the response is complete. net/http writes a
// response larger than its 4 KiB connection buffer in two writes (a full
// buffer, then the rest when the handler returns); held, such a response
// costs one system call and one packet. The server gives every connection a
// holder through WithResponseHolder; the edge asks it to hold each response
// it encodes after the operation returned, when the request body has been
// read, so nothing the client waits for (such as 100 Continue) is held.
type ResponseHolder interface {
	// HoldResponse holds the connection's writes until the response ends.
	HoldResponse()
	// ReleaseResponse sends what is held and stops holding, for a response
	// that is flushed while it is written.
	ReleaseResponse()
}

type holderKey struct{}

// WithResponseHolder returns ctx carrying the holder of a connection's
// responses, for http.Server.ConnContext.
func WithResponseHolder(ctx context.Context, h ResponseHolder) context.Context {
	return context.WithValue(ctx, holderKey{}, h)
}

// holderFrom returns the connection's holder, or nil.
func holderFrom(ctx context.Context) ResponseHolder {
	h, _ := ctx.Value(holderKey{}).(ResponseHolder)
	return h
}
