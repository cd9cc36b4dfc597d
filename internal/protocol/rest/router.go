package rest

import (
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
)

// Router finds the operation of a REST service (rest-xml, rest-json) that a
// request addresses, from the method, path, query string and headers. Every
// operation of the model is routable, implemented or not, so the edge can name
// the operation in a NotImplemented error. A Router is immutable and safe for
// concurrent use.
//
// Operations sharing a method and requestUri (S3 PutObject, CopyObject,
// UploadPart; GetObject and ListParts) are told apart by the query keys and
// headers of their required members. The x-id query parameter that the Go and
// JavaScript SDKs add names the operation and wins when its template matches.
// Operations no request can tell apart are ordered implemented first, then
// the deprecated or alternative variants of the table below last, then by
// name.
type Router struct {
	byMethod map[string][]route
}

type route struct {
	op  *awsapi.Operation
	tpl *Template
	// reqQuery and reqHeader are the query keys and (canonical) header names
	// of required input members, beyond the template's literal query keys.
	reqQuery, reqHeader []string
	demoted             bool
}

// isDemoted reports operations that share their whole HTTP signature with a
// preferred one (deprecated S3 forms, and S3 Express directory-bucket listing
// which real S3 answers on another endpoint).
func isDemoted(op string) bool {
	switch op {
	case "GetBucketLifecycle", "PutBucketLifecycle", "GetBucketNotification",
		"PutBucketNotification", "ListDirectoryBuckets":
		return true
	}
	return false
}

// NewRouter builds the router of svc. Operations whose requestUri does not parse
// are left out; NewRouter never fails so that one odd operation cannot make a
// whole service unroutable.
func NewRouter(svc *awsapi.Service) *Router {
	r, _ := newRouter(svc)
	return r
}

// NewRouterStrict is NewRouter but reports operations that could not be routed.
func NewRouterStrict(svc *awsapi.Service) (*Router, error) {
	return newRouter(svc)
}

func newRouter(svc *awsapi.Service) (*Router, error) {
	r := &Router{byMethod: make(map[string][]route)}
	var bad []string
	for _, op := range svc.Operations {
		tpl, err := ParseTemplate(op.RequestURI)
		if op.HTTPMethod == "" || err != nil {
			bad = append(bad, op.Name)
			continue
		}
		rt := route{op: op, tpl: tpl, demoted: isDemoted(op.Name)}
		rt.reqQuery, rt.reqHeader = requiredBindings(op, tpl)
		m := strings.ToUpper(op.HTTPMethod)
		r.byMethod[m] = append(r.byMethod[m], rt)
	}
	for _, routes := range r.byMethod {
		sort.Slice(routes, func(i, j int) bool { return routes[i].before(routes[j]) })
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return r, fmt.Errorf("rest: %s: unroutable operations %s", svc.ID, strings.Join(bad, ", "))
	}
	return r, nil
}

func requiredBindings(op *awsapi.Operation, tpl *Template) (query, header []string) {
	if op.Input == nil {
		return nil, nil
	}
	for _, m := range op.Input.Members {
		if !m.Required {
			continue
		}
		switch m.Location {
		case LocationQuery:
			if m.Shape.Type != awsapi.TypeMap && !tpl.hasQueryKey(m.WireName()) {
				query = append(query, m.WireName())
			}
		case LocationHeader:
			header = append(header, textproto.CanonicalMIMEHeaderKey(m.WireName()))
		}
	}
	return query, header
}

func (t *Template) hasQueryKey(k string) bool {
	for _, q := range t.query {
		if q.key == k {
			return true
		}
	}
	return false
}

// before orders routes most specific first.
func (a route) before(b route) bool {
	sa, sb := a.tpl.score(), b.tpl.score()
	ka := [...]int{sa[0], sa[1] + len(a.reqQuery), len(a.reqHeader), sa[2]}
	kb := [...]int{sb[0], sb[1] + len(b.reqQuery), len(b.reqHeader), sb[2]}
	if ka != kb {
		for i := range ka {
			if ka[i] != kb[i] {
				return ka[i] > kb[i]
			}
		}
	}
	if a.op.Implemented != b.op.Implemented {
		return a.op.Implemented
	}
	if a.demoted != b.demoted {
		return b.demoted
	}
	return a.op.Name < b.op.Name
}

// Match returns the operation addressed by method, the escaped request path (as
// url.URL.EscapedPath returns it; S3 virtual-host requests must be rewritten to
// path style first) and the query parameters, for a request without headers.
// See MatchRequest.
func (r *Router) Match(method, path string, query url.Values) (op *awsapi.Operation, ok bool) {
	op, _, ok = r.find(method, path, query, nil, false)
	return op, ok
}

// MatchRequest returns the operation addressed by req (see Match).
func (r *Router) MatchRequest(req *http.Request) (op *awsapi.Operation, ok bool) {
	op, _, ok = r.find(req.Method, req.URL.EscapedPath(), req.URL.Query(), req.Header, false)
	return op, ok
}

// MatchLabels returns the operation addressed by the request and its decoded
// URI label values. When several templates match, the most specific wins:
// more literal path segments, then more required query keys (literal ones in
// the template and those of required members), then more required headers,
// then fewer greedy labels. A path with an extra or missing trailing slash
// matches too. When no operation has all its required query keys and headers,
// the most specific one matching on path and literal query keys is returned,
// so that the operation can answer a validation error.
func (r *Router) MatchLabels(method, path string, query url.Values, header http.Header) (*awsapi.Operation, map[string]string, bool) {
	return r.find(method, path, query, header, true)
}

// find is MatchLabels, collecting the label values only when wantLabels is set.
func (r *Router) find(method, path string, query url.Values, header http.Header, wantLabels bool) (*awsapi.Operation, map[string]string, bool) {
	routes := r.byMethod[method]
	if routes == nil {
		routes = r.byMethod[strings.ToUpper(method)]
	}
	paths := []string{path}
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		paths = append(paths, strings.TrimSuffix(path, "/"))
	}
	if id := query.Get("x-id"); id != "" {
		for _, p := range paths {
			for i := range routes {
				rt := &routes[i]
				if rt.op.Name != id {
					continue
				}
				if labels, ok := rt.match(p, query, nil, false, wantLabels); ok {
					return rt.op, labels, true
				}
			}
		}
	}
	for _, strict := range []bool{true, false} {
		for _, p := range paths {
			for i := range routes {
				rt := &routes[i]
				if labels, ok := rt.match(p, query, header, strict, wantLabels); ok {
					return rt.op, labels, true
				}
			}
		}
	}
	return nil, nil, false
}

func (rt *route) match(path string, query url.Values, header http.Header, strict, wantLabels bool) (map[string]string, bool) {
	if !rt.tpl.queryOK(query) {
		return nil, false
	}
	if strict {
		for _, k := range rt.reqQuery {
			if _, ok := query[k]; !ok {
				return nil, false
			}
		}
		for _, h := range rt.reqHeader { // canonical keys: header.Get(h) without the re-canonicalising
			if vs := header[h]; len(vs) == 0 || vs[0] == "" {
				return nil, false
			}
		}
	}
	return rt.tpl.matchPathLabels(path, wantLabels)
}

// queryOK reports whether query carries every literal query key of t.
func (t *Template) queryOK(query url.Values) bool {
	for _, q := range t.query {
		vs, present := query[q.key]
		if !present {
			return false
		}
		if q.hasValue && (len(vs) == 0 || vs[0] != q.value) {
			return false
		}
	}
	return true
}
