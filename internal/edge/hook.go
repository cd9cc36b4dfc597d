package edge

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
)

// serveLogged serves r like ServeHTTP and reports it (an awsapi.RequestLog) to Config.OnRequest. It
// runs only when a hook is installed, so requests without one pay nothing.
func (s *Server) serveLogged(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	cw := &countingWriter{ResponseWriter: w, holder: holderFrom(r.Context())}
	// r.Body is left as it is: net/http decides whether a connection can be
	// reused from the concrete type of r.Body when the response is written,
	// and a wrapper there makes it keep a connection whose request body was
	// not drained, parsing the rest of the body as the next request.
	path := r.URL.Path
	c := s.serveCall(cw, r, start)
	end := time.Now()
	l := awsapi.RequestLog{Request: c.req, Method: r.Method, URI: r.RequestURI, Proto: r.Proto, Host: r.Host,
		Referer: r.Referer(), Status: cw.status, ErrorCode: c.errCode, BytesSent: cw.bytes, Start: start,
		TotalTime: end.Sub(start)}
	if l.URI == "" {
		l.URI = r.URL.RequestURI()
	}
	if l.Status == 0 {
		l.Status = c.status
	}
	if r.ContentLength > 0 {
		l.BodyBytes = r.ContentLength
	}
	if !cw.first.IsZero() && cw.first.After(start) {
		l.TurnAround = cw.first.Sub(start)
	}
	if r.TLS != nil {
		l.TLSVersion = tlsVersionName(r.TLS.Version)
		l.CipherSuite = tls.CipherSuiteName(r.TLS.CipherSuite)
	}
	if c.req.Service != nil && c.req.Service.ID == "s3" {
		l.Bucket, l.Key = s3Target(path, c.bucket)
	}
	s.cfg.OnRequest(l)
}

// s3Target splits the path as received into bucket and key; vbucket is the
// virtual-host bucket, if any.
func s3Target(path, vbucket string) (bucket, key string) {
	p := strings.TrimPrefix(path, "/")
	if vbucket != "" {
		return vbucket, p
	}
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

// authNames names a signature method as S3 server access logs do.
func authNames(m auth.Method) (sigVersion, authType string) {
	switch m {
	case auth.SigV4Header, auth.SigV4A:
		return "SigV4", "AuthHeader"
	case auth.SigV4Query:
		return "SigV4", "QueryString"
	case auth.SigV2Header:
		return "SigV2", "AuthHeader"
	case auth.SigV2Query:
		return "SigV2", "QueryString"
	case auth.PostPolicyV4:
		return "SigV4", ""
	case auth.PostPolicyV2:
		return "SigV2", ""
	}
	return "", ""
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return ""
}

// countingWriter records the status, the time of the first response byte and
// the number of body bytes written. It keeps http.Flusher, io.ReaderFrom (so
// file bodies still use sendfile) and Unwrap (for http.ResponseController).
type countingWriter struct {
	http.ResponseWriter
	holder ResponseHolder // released on Flush; nil without one
	status int
	bytes  int64
	first  time.Time
}

func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status, w.first = code, time.Now()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status, w.first = http.StatusOK, time.Now()
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom implements io.ReaderFrom.
func (w *countingWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status, w.first = http.StatusOK, time.Now()
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, src)
	}
	w.bytes += n
	return n, err
}

// Flush implements http.Flusher.
func (w *countingWriter) Flush() {
	if w.status == 0 {
		w.status, w.first = http.StatusOK, time.Now()
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	if w.holder != nil {
		w.holder.ReleaseResponse()
	}
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writerOnly hides a writer's ReadFrom so io.Copy cannot recurse into it.
type writerOnly struct{ io.Writer }
