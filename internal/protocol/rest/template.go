package rest

import (
	"fmt"
	"net/url"
	"strings"
)

// Template is a parsed requestUri such as "/{Bucket}/{Key+}?uploadId".
type Template struct {
	// Raw is the requestUri as the model spells it.
	Raw      string
	segments []segment
	// query lists the literal query keys the request must carry, with the
	// value each must have ("" means any value).
	query []queryLiteral
	// trailingSlash is set when the path part ends with "/" (and is not "/").
	trailingSlash bool
}

type segment struct {
	// prefix and suffix are literal text around label; a segment without a
	// label is all prefix.
	prefix, suffix string
	label          string
	greedy         bool
}

type queryLiteral struct {
	key, value string
	hasValue   bool
}

// ParseTemplate parses a requestUri template.
func ParseTemplate(uri string) (*Template, error) {
	path, query, _ := strings.Cut(uri, "?")
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("rest: requestUri %q does not start with /", uri)
	}
	t := &Template{Raw: uri}
	trimmed := strings.TrimPrefix(path, "/")
	if strings.HasSuffix(trimmed, "/") {
		t.trailingSlash = true
		trimmed = strings.TrimSuffix(trimmed, "/")
	}
	if trimmed != "" {
		for i, s := range strings.Split(trimmed, "/") {
			seg, err := parseSegment(s)
			if err != nil {
				return nil, fmt.Errorf("rest: requestUri %q: %w", uri, err)
			}
			if seg.greedy && i != strings.Count(trimmed, "/") {
				return nil, fmt.Errorf("rest: requestUri %q: greedy label not last", uri)
			}
			t.segments = append(t.segments, seg)
		}
	}
	if query != "" {
		for _, part := range strings.Split(query, "&") {
			if part == "" {
				continue
			}
			k, v, hasValue := strings.Cut(part, "=")
			t.query = append(t.query, queryLiteral{key: k, value: v, hasValue: hasValue && v != ""})
		}
	}
	return t, nil
}

func parseSegment(s string) (segment, error) {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		if strings.IndexByte(s, '}') >= 0 {
			return segment{}, fmt.Errorf("unbalanced } in %q", s)
		}
		return segment{prefix: s}, nil
	}
	end := strings.IndexByte(s[open:], '}')
	if end < 0 {
		return segment{}, fmt.Errorf("unbalanced { in %q", s)
	}
	end += open
	seg := segment{prefix: s[:open], label: s[open+1 : end], suffix: s[end+1:]}
	if strings.HasSuffix(seg.label, "+") {
		seg.greedy = true
		seg.label = strings.TrimSuffix(seg.label, "+")
	}
	if seg.label == "" || strings.ContainsAny(seg.suffix, "{}") {
		return segment{}, fmt.Errorf("bad label segment %q", s)
	}
	return seg, nil
}

// score orders templates by specificity: literal segments, then required
// query keys, then fewer greedy labels.
func (t *Template) score() [3]int {
	var lit, greedy int
	for _, s := range t.segments {
		if s.label == "" {
			lit++
		}
		if s.greedy {
			greedy++
		}
	}
	return [3]int{lit, len(t.query), -greedy}
}

// Match matches the escaped request path (as url.URL.EscapedPath returns it)
// and query against t and returns the percent-decoded label values. A path
// differing from the template only by a trailing slash matches too, unless a
// greedy label can take the slash.
func (t *Template) Match(escapedPath string, query url.Values) (labels map[string]string, ok bool) {
	if !t.queryOK(query) {
		return nil, false
	}
	if labels, ok = t.matchPath(escapedPath); ok {
		return labels, true
	}
	if len(escapedPath) > 1 && strings.HasSuffix(escapedPath, "/") {
		return t.matchPath(strings.TrimSuffix(escapedPath, "/"))
	}
	return nil, false
}

func (t *Template) matchPath(p string) (map[string]string, bool) {
	return t.matchPathLabels(p, true)
}

// matchPathLabels matches the escaped path p against the template's segments,
// collecting the decoded label values when wantLabels is set.
func (t *Template) matchPathLabels(p string, wantLabels bool) (map[string]string, bool) {
	if !strings.HasPrefix(p, "/") {
		return nil, false
	}
	p = p[1:]
	if len(t.segments) == 0 {
		return nil, p == "" // "/" matches only "/"
	}
	if t.trailingSlash {
		// "/2015-03-31/functions/" accepts the path with or without the slash.
		p = strings.TrimSuffix(p, "/")
	}
	// rest holds the path parts not yet matched; more says whether there is one.
	rest, more := p, p != ""
	var labels map[string]string
	for _, seg := range t.segments {
		if !more {
			return nil, false
		}
		var raw string
		if seg.greedy {
			raw, rest, more = rest, "", false
		} else {
			raw, rest, more = strings.Cut(rest, "/")
		}
		v, ok := seg.match(raw)
		if !ok {
			return nil, false
		}
		if seg.label != "" && wantLabels {
			if labels == nil {
				labels = make(map[string]string, 2)
			}
			labels[seg.label] = v
		}
	}
	if more {
		return nil, false // parts left over
	}
	return labels, true
}

// match matches one escaped path segment (or, for a greedy label, the rest of
// the path) and returns the decoded label value.
func (s segment) match(raw string) (string, bool) {
	dec, err := url.PathUnescape(raw)
	if err != nil {
		return "", false
	}
	if s.label == "" {
		return "", dec == s.prefix
	}
	if !strings.HasPrefix(dec, s.prefix) || !strings.HasSuffix(dec, s.suffix) || len(dec) < len(s.prefix)+len(s.suffix) {
		return "", false
	}
	v := dec[len(s.prefix) : len(dec)-len(s.suffix)]
	if v == "" {
		return "", false
	}
	return v, true
}

// Labels returns the label names of t in path order.
func (t *Template) Labels() []string {
	var out []string
	for _, s := range t.segments {
		if s.label != "" {
			out = append(out, s.label)
		}
	}
	return out
}
