package s3

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// corsMethods are the methods a CORS rule may allow.
var corsMethods = map[string]bool{"GET": true, "PUT": true, "HEAD": true, "POST": true, "DELETE": true}

// PutBucketCors stores the bucket's CORS rules.
func (s *Service) PutBucketCors(ctx context.Context, in *s3api.PutBucketCorsInput) (*s3api.PutBucketCorsOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketCORS", "")
	if err != nil {
		return nil, err
	}
	c := in.CORSConfiguration
	if c == nil || len(c.CORSRules) == 0 || len(c.CORSRules) > 100 {
		return nil, errMalformedXML()
	}
	for _, r := range c.CORSRules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 {
			return nil, errMalformedXML()
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return nil, errInvalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
		}
		for _, o := range append(append([]string(nil), r.AllowedOrigins...), r.AllowedHeaders...) {
			if strings.Count(o, "*") > 1 {
				return nil, errInvalidRequest("AllowedOrigin/AllowedHeader %q can not have more than one wildcard.", o)
			}
		}
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.CORS = c.CORSRules; return nil })
	return &s3api.PutBucketCorsOutput{}, err
}

// GetBucketCors returns the bucket's CORS rules.
func (s *Service) GetBucketCors(ctx context.Context, in *s3api.GetBucketCorsInput) (*s3api.GetBucketCorsOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketCORS", "")
	if err != nil {
		return nil, err
	}
	rules := b.config().rec.CORS
	if len(rules) == 0 {
		return nil, awsapi.Errorf("NoSuchCORSConfiguration", http.StatusNotFound, "The CORS configuration does not exist").
			With("BucketName", str(in.Bucket))
	}
	return &s3api.GetBucketCorsOutput{CORSRules: rules}, nil
}

// DeleteBucketCors removes the bucket's CORS rules.
func (s *Service) DeleteBucketCors(ctx context.Context, in *s3api.DeleteBucketCorsInput) (*s3api.DeleteBucketCorsOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketCORS", "")
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.CORS = nil; return nil })
	return &s3api.DeleteBucketCorsOutput{}, err
}

// wildcardMatch matches s against a pattern with at most one '*'.
func wildcardMatch(pattern, s string) bool {
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// corsRule returns the first rule allowing origin, method and every request
// header.
func corsRule(rules []s3api.CORSRule, origin, method string, headers []string) *s3api.CORSRule {
	for i := range rules {
		r := &rules[i]
		if !anyMatch(r.AllowedOrigins, origin, false) || !contains(r.AllowedMethods, method) {
			continue
		}
		ok := true
		for _, h := range headers {
			if h = strings.TrimSpace(h); h != "" && !anyMatch(r.AllowedHeaders, h, true) {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	return nil
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// corsHeaders returns the Access-Control-* headers a rule grants.
func corsHeaders(r *s3api.CORSRule, origin string, preflight bool) http.Header {
	h := http.Header{}
	if contains(r.AllowedOrigins, "*") {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	h.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
	if len(r.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
	if r.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(*r.MaxAgeSeconds)))
	}
	if preflight && len(r.AllowedHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(r.AllowedHeaders, ", "))
	}
	return h
}

// applyCORS adds the CORS response headers to a request carrying an Origin
// header that a bucket rule allows.
func applyCORS(ctx context.Context, cfg *bucketConfig) {
	if len(cfg.rec.CORS) == 0 {
		return
	}
	req := awsapi.RequestFrom(ctx)
	if req == nil || req.HTTP == nil {
		return
	}
	origin := req.HTTP.Header.Get("Origin")
	if origin == "" {
		return
	}
	r := corsRule(cfg.rec.CORS, origin, req.HTTP.Method, nil)
	if r == nil {
		return
	}
	for k, vs := range corsHeaders(r, origin, false) {
		setHeader(ctx, k, vs[0])
	}
}

// Preflight answers a CORS preflight (OPTIONS) request for bucket: origin
// is the Origin header, method Access-Control-Request-Method and headers
// Access-Control-Request-Headers. It returns the response headers, or
// AccessForbidden (403) when no rule allows the request. The edge routes
// OPTIONS requests here; they are not signed.
func (s *Service) Preflight(bucket, origin, method, headers string) (http.Header, error) {
	if origin == "" || method == "" {
		return nil, awsapi.Errorf("BadRequest", http.StatusBadRequest,
			"Insufficient information. Origin request header needed.")
	}
	b, ok := s.lookupBucket(bucket)
	if !ok {
		return nil, errNoSuchBucket(bucket)
	}
	rules := b.config().rec.CORS
	if len(rules) == 0 {
		return nil, awsapi.Errorf("AccessForbidden", http.StatusForbidden, "CORSResponse: CORS is not enabled for this bucket.")
	}
	var hs []string
	if headers != "" {
		hs = strings.Split(headers, ",")
	}
	r := corsRule(rules, origin, method, hs)
	if r == nil {
		return nil, awsapi.Errorf("AccessForbidden", http.StatusForbidden,
			"CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
	}
	h := corsHeaders(r, origin, true)
	if headers != "" && len(r.AllowedHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", headers)
	}
	return h, nil
}
