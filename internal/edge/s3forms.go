package edge

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
)

// S3Raw serves the two S3 requests the S3 model has no operation for: CORS
// preflight (OPTIONS) and browser uploads with a presigned POST policy
// (multipart/form-data POST to a bucket). The server plugs the S3 service in.
type S3Raw interface {
	// Preflight answers an OPTIONS request for bucket with the CORS headers
	// to send, or an AWS error.
	Preflight(bucket, origin, method, headers string) (http.Header, error)
	// PostObject stores the file of a POST form after verify has checked the
	// policy's signature, returning the response to send.
	PostObject(ctx context.Context, bucket string, r *http.Request,
		verify func(context.Context, map[string]string) (*auth.PostPolicy, error)) (status int, h http.Header, body []byte, err error)
}

// serveS3Raw handles r if it is a CORS preflight or a POST form upload,
// reporting whether it did. bucket is the virtual-host bucket, if any.
func (s *Server) serveS3Raw(w http.ResponseWriter, r *http.Request, c *call, scope auth.Scope, bucket string) (bool, error) {
	if s.cfg.S3 == nil {
		return false, nil
	}
	if bucket == "" {
		bucket, _, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	}
	switch {
	case r.Method == http.MethodOptions:
		h, err := s.cfg.S3.Preflight(bucket, r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method"),
			r.Header.Get("Access-Control-Request-Headers"))
		if err != nil {
			return true, err
		}
		for k, vs := range h {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return true, nil
	case scope.PostForm && bucket != "" && isBucketPath(r.URL.Path, bucket):
		ctx := awsapi.WithRequest(r.Context(), c.req)
		status, h, body, err := s.cfg.S3.PostObject(ctx, bucket, r, s.verifier.VerifyPostPolicy)
		if err != nil {
			return true, err
		}
		for k, vs := range h {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return true, nil
	}
	return false, nil
}

// isBucketPath reports whether path addresses the bucket itself (a POST form
// upload goes to "/bucket" or, virtual-host style, "/").
func isBucketPath(path, bucket string) bool {
	p := strings.Trim(path, "/")
	return p == "" || p == bucket
}
