// Package edge is Nubo's front door: one HTTP handler for every AWS service. For
// each request it identifies service and protocol (reference/protocols.md §1.2),
// authenticates the signature, decodes the input with the protocol's codec,
// calls the service operation and encodes the result or the AWS error in the
// client's own protocol. Auth, error rendering and logging happen here once for
// every operation; services never see bytes on the wire.
//
// Requests under /_nubo/ are the admin API (health, reset, clock), answered by
// the Admin handler the server installs.
package edge

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/arn"
	"github.com/nubo/nubo/internal/protocol"
	"github.com/nubo/nubo/internal/protocol/query"
	"github.com/nubo/nubo/internal/protocol/rest"
)

// Default body limits. S3 bodies stream and are bounded by S3 itself.
const (
	// DefaultMaxBody bounds the buffered body of an RPC or REST-JSON request.
	DefaultMaxBody = 20 << 20
	// LambdaMaxBody admits a 50 MB zip inlined as base64 in CreateFunction.
	LambdaMaxBody = 80 << 20
	// maxDecompressed bounds a gzip request body after decompression.
	maxDecompressed = 64 << 20
)

// Config configures the edge.
type Config struct {
	Region  string
	Account string
	// Hostnames are the names under which virtual-host S3 requests arrive
	// ("<bucket>.<hostname>"); "localhost" and "s3.localhost" style hosts and
	// AWS's own s3 hostnames are always recognised.
	Hostnames []string
	// Credentials resolves access keys for signature verification.
	Credentials auth.CredentialStore
	// Now is the Nubo clock: request times and the expiry of temporary
	// credentials are on it. Signature time checks use the wall clock, the
	// time clients sign with.
	Now func() time.Time
	// Admin serves /_nubo/ (may be nil).
	Admin http.Handler
	// S3 serves CORS preflights and POST form uploads (may be nil).
	S3 S3Raw
	// OnRequest, when set, is called once after every AWS request (not admin
	// requests) has been answered, on the request's goroutine; it should
	// return quickly. When nil, requests build nothing for it.
	OnRequest func(awsapi.RequestLog)
	Log       *slog.Logger
}

// Server is the edge HTTP handler.
type Server struct {
	cfg      Config
	verifier *auth.Verifier
	codecs   map[awsapi.Protocol]protocol.Codec

	byID           map[string]*entry
	bySigning      map[string]*entry
	byTarget       map[string]*entry
	byQueryVersion map[string]*entry
	// baseHosts are the virtual-host S3 base names (see baseHostsOf).
	baseHosts []string
}

// entry is one registered service.
type entry struct {
	api      *awsapi.Service
	handlers map[string]awsapi.Handler
	router   *rest.Router
}

// New returns an edge with no services registered.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{
		cfg:            cfg,
		verifier:       &auth.Verifier{Credentials: cfg.Credentials, CredentialNow: cfg.Now},
		codecs:         codecs(),
		byID:           map[string]*entry{},
		bySigning:      map[string]*entry{},
		byTarget:       map[string]*entry{},
		byQueryVersion: map[string]*entry{},
		baseHosts:      baseHostsOf(cfg),
	}
}

// Register adds a service. handlers may be nil for a service whose operations
// are all unimplemented: the edge then still recognises its requests and answers
// NotImplemented naming the operation.
func (s *Server) Register(api *awsapi.Service, handlers map[string]awsapi.Handler) {
	e := &entry{api: api, handlers: handlers}
	if api.Speaks(awsapi.ProtocolRestJSON) || api.Speaks(awsapi.ProtocolRestXML) {
		e.router = rest.NewRouter(api)
	}
	s.byID[api.ID] = e
	s.bySigning[api.SigningName] = e
	if api.TargetPrefix != "" {
		// Clients send either the model's prefix or, for CloudTrail's long
		// "com.amazonaws…" form, only its last element (see splitTarget).
		s.byTarget[api.TargetPrefix] = e
		if i := strings.LastIndexByte(api.TargetPrefix, '.'); i >= 0 {
			s.byTarget[api.TargetPrefix[i+1:]] = e
		}
	}
	if api.Speaks(awsapi.ProtocolQuery) || api.Speaks(awsapi.ProtocolEC2) {
		s.byQueryVersion[api.APIVersion] = e
	}
}

// call is the state of one request as it moves through the pipeline.
type call struct {
	req   *awsapi.Request
	route route
	codec protocol.Codec
	auth  *auth.Result
	start time.Time
	// For Config.OnRequest: the status and code of a failure and the
	// virtual-host S3 bucket.
	status  int
	errCode string
	bucket  string
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_nubo/") || r.URL.Path == "/_nubo" {
		if s.cfg.Admin == nil {
			http.NotFound(w, r)
			return
		}
		s.cfg.Admin.ServeHTTP(w, r)
		return
	}
	if s.cfg.OnRequest != nil {
		s.serveLogged(w, r)
		return
	}
	s.serveCall(w, r, time.Now())
}

// serveCall serves one AWS request and returns its final state.
// It returns c even when the operation panicked (c is named for the recover).
func (s *Server) serveCall(w http.ResponseWriter, r *http.Request, start time.Time) (c *call) {
	c = &call{start: start, req: &awsapi.Request{
		ID: arn.RequestID(), Region: s.cfg.Region, Account: s.cfg.Account,
		SourceIP: sourceIP(r), Secure: r.TLS != nil, UserAgent: r.UserAgent(),
		Endpoint: endpointOf(r), Time: s.cfg.Now(), HTTP: r,
	}}
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Log.Error("panic serving request", "request_id", c.req.ID, "panic", p)
			s.fail(w, c, &awsapi.Error{Code: "InternalFailure", Status: 500, Receiver: true,
				Message: "The server encountered an internal error."})
		}
	}()
	if err := s.serve(w, r, c); err != nil {
		s.fail(w, c, err)
		return c
	}
	c.status = http.StatusOK
	s.logRequest(c, http.StatusOK, nil)
	return c
}

// serve runs the pipeline; an error it returns has not been written yet.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, c *call) error {
	scope := auth.Identify(r)
	c.req.SignatureVersion, c.req.AuthType = authNames(scope.Method)
	form, formLen, err := s.readForm(r, scope)
	if err != nil {
		c.route = route{protocol: awsapi.ProtocolQuery}
		return err
	}
	c.route = s.identify(r, scope.Service, form)
	c.codec = s.codecs[c.route.protocol]
	if c.route.svc == nil {
		return unknownService(c.route, scope.Service)
	}
	c.req.Service = c.route.svc.api
	c.req.Protocol = c.route.protocol
	if scope.Region != "" {
		c.req.Region = scope.Region
	}
	isS3 := c.route.svc.api.ID == "s3"
	bucket := ""
	if isS3 {
		bucket = s.virtualBucket(r.Host)
		c.bucket = bucket
		if done, err := s.serveS3Raw(w, r, c, scope, bucket); done {
			return err
		}
	}
	maxBody := int64(DefaultMaxBody)
	if c.route.svc.api.ID == "lambda" {
		maxBody = LambdaMaxBody
	}
	c.auth, err = s.verifier.Verify(r, auth.VerifyOptions{S3: isS3, MaxBody: maxBody, VirtualHostBucket: bucket,
		AllowAnonymous: allowsAnonymous(c.route)})
	if err != nil {
		return err
	}
	c.req.Caller, c.req.SignedAt = c.auth.Caller, c.auth.SignedAt
	if c.req.Caller.Account != "" {
		c.req.Account = c.req.Caller.Account
	}
	if bucket != "" {
		raw := "/" + bucket + r.URL.EscapedPath()
		r.URL.Path = "/" + bucket + r.URL.Path
		r.URL.RawPath = raw
	}
	op, err := s.operation(r, c, form)
	if err != nil {
		return err
	}
	c.req.Operation = op
	body, err := decompress(r, op, unclosable{c.auth.Body})
	if err != nil {
		return err
	}
	if len(op.RequestCompression) == 0 { // the operation reads the signed bytes
		c.req.PayloadSHA256 = c.auth.VerifiedSHA256()
	}
	in := op.NewInput()
	if err := s.decode(c, op, r, body, form, formLen, in); err != nil {
		return err
	}
	if missing := awsapi.MissingRequired(op.Input, in); len(missing) > 0 {
		return missingParameters(c.route, missing)
	}
	out, err := c.route.svc.handlers[op.Name](awsapi.WithRequest(r.Context(), c.req), in)
	if err != nil {
		return err
	}
	if h := holderFrom(r.Context()); h != nil {
		h.HoldResponse()
	}
	return c.codec.EncodeResponse(w, c.req, out)
}

// readForm returns the query-protocol parameters of r: the form body of a POST
// (buffered, and put back for signature verification) or the URL query of a GET
// that names an Action. S3 requests are never read here. bodyLen is the length
// of a POST form body, -1 when the parameters did not come from one.
func (s *Server) readForm(r *http.Request, scope auth.Scope) (form formParams, bodyLen int, err error) {
	if scope.Service == "s3" || scope.Method == auth.SigV2Query || scope.Method == auth.SigV2Header {
		return nil, -1, nil
	}
	if r.Method == http.MethodGet {
		if q := r.URL.Query(); q.Has("Action") {
			return formParams(q), -1, nil
		}
	}
	if !isFormPost(r) {
		return nil, -1, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, DefaultMaxBody+1))
	r.Body.Close()
	if err != nil {
		return nil, -1, &awsapi.Error{Code: "IncompleteBody", Status: 400, Message: "The request body could not be read."}
	}
	if len(b) > DefaultMaxBody {
		return nil, -1, &awsapi.Error{Code: "RequestEntityTooLarge", Status: 413,
			Message: fmt.Sprintf("The request body exceeds the maximum of %d bytes.", DefaultMaxBody)}
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	v, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, -1, &awsapi.Error{Code: "MalformedQueryString", Status: 400, Message: "The request body is not a valid form."}
	}
	return formParams(v), len(b), nil
}

// decode fills in, the operation's input, from the request. A query-protocol
// POST whose form body readForm has parsed is decoded from that parse instead
// of parsing the body again; the verified body is still read to its end, so
// the checks made while reading it (Content-MD5, checksum headers) apply. A
// compressed body was not readable as a form and goes through the codec.
func (s *Server) decode(c *call, op *awsapi.Operation, r *http.Request, body io.Reader, form formParams, formLen int, in any) error {
	if _, isQuery := c.codec.(query.Codec); !isQuery || form == nil || formLen < 0 || r.Header.Get("Content-Encoding") != "" {
		return c.codec.DecodeRequest(op, r, body, in)
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return fmt.Errorf("edge: read body: %w", err)
	}
	params, err := query.ParamsWithForm(r, url.Values(form), formLen)
	if err != nil {
		return err
	}
	return query.DecodeParams(op, params, in)
}

// operation resolves the operation the request names and checks that Nubo
// implements it.
func (s *Server) operation(r *http.Request, c *call, form formParams) (*awsapi.Operation, error) {
	e := c.route.svc
	var op *awsapi.Operation
	if e.router != nil && c.route.opName == "" {
		var ok bool
		if op, ok = e.router.MatchRequest(r); !ok {
			return nil, unknownRESTOperation(e.api, r)
		}
	} else {
		op = e.api.Operations[c.route.opName]
		if op == nil {
			return nil, unknownOperation(c.route)
		}
	}
	if !op.Implemented || e.handlers[op.Name] == nil {
		return nil, awsapi.NotImplemented(e.api.ID, op.Name)
	}
	return op, nil
}

// decompress undoes a gzip Content-Encoding on operations whose model allows
// request compression, bounding the decompressed size.
func decompress(r *http.Request, op *awsapi.Operation, body io.Reader) (io.Reader, error) {
	ce := strings.ToLower(r.Header.Get("Content-Encoding"))
	if !strings.Contains(ce, "gzip") || len(op.RequestCompression) == 0 {
		return body, nil
	}
	zr, err := gzip.NewReader(body)
	if err != nil {
		return nil, &awsapi.Error{Code: "SerializationException", Status: 400, Message: "The gzip request body is malformed."}
	}
	return &limitedReader{r: zr, n: maxDecompressed}, nil
}

// limitedReader fails, instead of truncating, when more than n bytes are read.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, &awsapi.Error{Code: "RequestEntityTooLarge", Status: 413, Message: "The decompressed request body is too large."}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, &awsapi.Error{Code: "SerializationException", Status: 400, Message: "The gzip request body is malformed."}
	}
	return n, err
}

// fail writes err in the protocol of the request.
func (s *Server) fail(w http.ResponseWriter, c *call, err error) {
	ae := s.toAWSError(c, err)
	codec := c.codec
	if codec == nil {
		codec = s.codecs[c.route.protocol]
	}
	if codec == nil {
		codec = s.codecs[awsapi.ProtocolRestXML]
	}
	c.status, c.errCode = ae.Status, ae.Code
	codec.EncodeError(w, c.req, ae)
	s.logRequest(c, ae.Status, ae)
}

// toAWSError converts any pipeline error into the AWS error the client expects.
func (s *Server) toAWSError(c *call, err error) *awsapi.Error {
	var authErr *auth.Error
	if errors.As(err, &authErr) {
		id := ""
		if c.route.svc != nil {
			id = c.route.svc.api.ID
		}
		return authErr.AWS(c.route.protocol, id)
	}
	if errors.Is(err, context.Canceled) {
		return &awsapi.Error{Code: "RequestCanceled", Status: 499, Message: "The client closed the request."}
	}
	ae := awsapi.AsError(err)
	if ae.Code == "InternalFailure" {
		s.cfg.Log.Error("operation failed", "request_id", c.req.ID, "err", err)
	}
	if ae.Status == 0 {
		ae.Status = 400
		if c.req.Service != nil {
			if sh := c.req.Service.ErrorShape(ae.Code); sh != nil && sh.Error != nil {
				ae.Status = sh.Error.HTTPStatus
			}
		}
	}
	return ae
}

func (s *Server) logRequest(c *call, status int, err *awsapi.Error) {
	level := slog.LevelDebug
	if err != nil && status >= 500 {
		level = slog.LevelError
	}
	if !s.cfg.Log.Enabled(context.Background(), level) {
		return // most requests: skip building attributes nobody records
	}
	attrs := []any{"request_id", c.req.ID, "status", status, "duration", time.Since(c.start)}
	if c.req.Service != nil {
		attrs = append(attrs, "service", c.req.Service.ID)
	}
	if c.req.Operation != nil {
		attrs = append(attrs, "operation", c.req.Operation.Name)
	}
	if err == nil {
		s.cfg.Log.Debug("request", attrs...)
		return
	}
	attrs = append(attrs, "code", err.Code, "message", err.Message)
	if status >= 500 {
		s.cfg.Log.Error("request failed", attrs...)
		return
	}
	s.cfg.Log.Debug("request failed", attrs...)
}

// virtualBucket returns the bucket named by a virtual-host-style S3 Host header,
// or "" for path-style requests.
func (s *Server) virtualBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	if net.ParseIP(host) != nil {
		return ""
	}
	for _, base := range s.baseHosts {
		b, ok := strings.CutSuffix(host, "."+base)
		if !ok {
			continue
		}
		b = strings.TrimSuffix(b, ".s3")
		if b == "" || b == "s3" {
			return ""
		}
		return b
	}
	return ""
}

// baseHostsOf lists the host names under which virtual-host S3 requests
// arrive, in the order they are tried.
func baseHostsOf(cfg Config) []string {
	hosts := append([]string{}, cfg.Hostnames...)
	return append(hosts, "localhost", "s3.amazonaws.com", "s3."+cfg.Region+".amazonaws.com")
}

// allowsAnonymous lists the non-S3 operations AWS accepts unsigned.
func allowsAnonymous(rt route) bool {
	switch rt.opName {
	case "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML":
		return rt.svc != nil && rt.svc.api.ID == "sts"
	case "ConfirmSubscription":
		return rt.svc != nil && rt.svc.api.ID == "sns"
	}
	return false
}

// formParams are query-protocol parameters.
type formParams url.Values

func (f formParams) get(k string) string {
	if f == nil {
		return ""
	}
	return url.Values(f).Get(k)
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func endpointOf(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
