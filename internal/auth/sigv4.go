package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// SigV4 constants.
const (
	algV4            = "AWS4-HMAC-SHA256"
	amzDateFormat    = "20060102T150405Z"
	scopeTerminator  = "aws4_request"
	emptySHA256      = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	unsignedPayload  = "UNSIGNED-PAYLOAD"
	streamingSigned  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsTrl  = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingECDSA   = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
)

// rawPath returns the request path exactly as the client sent it (still
// percent-encoded), or the URL's escaped path for requests built in-process.
func rawPath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u != "*" {
		if !strings.HasPrefix(u, "/") { // absolute-form request target
			if pu, err := url.Parse(u); err == nil {
				u = pu.EscapedPath()
			}
		}
		p, _, _ := strings.Cut(u, "?")
		if p == "" {
			return "/"
		}
		return p
	}
	if r.URL.Opaque != "" {
		o := strings.TrimPrefix(r.URL.Opaque, "//")
		if i := strings.Index(o, "/"); i >= 0 {
			return o[i:]
		}
		return "/"
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// rawQuery returns the request's query as sent.
func rawQuery(r *http.Request) string {
	if u := r.RequestURI; strings.HasPrefix(u, "/") {
		_, q, _ := strings.Cut(u, "?")
		return q
	}
	return r.URL.RawQuery
}

// canonicalURI applies the SigV4 path rule: S3 signs the path as received; every
// other service signs the received (escaped) path URI-encoded again, after
// removing dot segments.
func canonicalURI(path string, s3 bool) string {
	if path == "" {
		path = "/"
	}
	if s3 {
		return path
	}
	return uriEncode(removeDotSegments(path), false)
}

// removeDotSegments implements RFC 3986 §5.2.4, keeping empty segments.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}

// uriEncode percent-encodes every byte except A-Za-z0-9-_.~ (and '/' unless
// encodeSlash), with uppercase hex digits. It returns s itself when nothing
// needs encoding.
func uriEncode(s string, encodeSlash bool) string {
	const hexUpper = "0123456789ABCDEF"
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = isUnreserved(s[i]) || (s[i] == '/' && !encodeSlash)
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// percentDecode decodes %XX escapes, leaving '+' and malformed escapes as they are.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

type queryPair struct{ k, v string }

// splitQuery splits a raw query into decoded pairs, skipping empty pieces.
func splitQuery(raw string) []queryPair {
	var out []queryPair
	for _, piece := range strings.Split(raw, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		out = append(out, queryPair{percentDecode(k), percentDecode(v)})
	}
	return out
}

// canonicalQuery builds the SigV4 canonical query string from the raw query,
// leaving out the parameter named skip (X-Amz-Signature for presigned URLs).
func canonicalQuery(raw, skip string) string {
	if raw == "" {
		return ""
	}
	pairs := splitQuery(raw)
	enc := make([]queryPair, 0, len(pairs))
	for _, p := range pairs {
		if skip != "" && p.k == skip {
			continue
		}
		enc = append(enc, queryPair{uriEncode(p.k, true), uriEncode(p.v, true)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].k != enc[j].k {
			return enc[i].k < enc[j].k
		}
		return enc[i].v < enc[j].v
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// appendHeaderValue appends the canonical value of header name (lowercase) on
// r: values trimmed, inner whitespace runs collapsed, multiple values joined
// by ','. Content-Length and Transfer-Encoding, which net/http's server keeps
// outside r.Header, come from r's fields.
func appendHeaderValue(dst []byte, r *http.Request, name string) []byte {
	if name == "host" {
		h := r.Host
		if h == "" {
			h = r.URL.Host
		}
		return append(dst, canonicalSpaces(h)...)
	}
	vals := headerValues(r.Header, name)
	if len(vals) == 0 && name == "content-length" && r.ContentLength >= 0 &&
		(r.ContentLength > 0 || r.Body != nil && r.Body != http.NoBody) {
		return strconv.AppendInt(dst, r.ContentLength, 10)
	}
	if len(vals) == 0 && name == "transfer-encoding" {
		// net/http's server moves Transfer-Encoding out of the header map.
		vals = r.TransferEncoding
	}
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, canonicalSpaces(v)...)
	}
	return dst
}

// headerValues returns h's values for the lowercase header name. Names made
// of [a-z0-9-] are canonicalized in a stack buffer, so the lookup does not
// allocate as http.Header.Values does; any other name takes Values' path.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) > len(buf) {
		return h.Values(name)
	}
	k := buf[:len(name)]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z':
			if upper {
				c -= 'a' - 'A'
			}
		case '0' <= c && c <= '9' || c == '-':
		default:
			return h.Values(name)
		}
		k[i] = c
		upper = c == '-'
	}
	return h[string(k)]
}

// canonicalSpaces trims v and collapses its inner whitespace runs to one space
// (strings.Join(strings.Fields(v), " ")), without allocating when v is
// already canonical.
func canonicalSpaces(v string) string {
	prevSpace := true // a leading space is not canonical
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 0x80 {
			return strings.Join(strings.Fields(v), " ") // Unicode spaces
		}
		sp := asciiSpace(c)
		if sp && (prevSpace || c != ' ') {
			return strings.Join(strings.Fields(v), " ")
		}
		prevSpace = sp
	}
	if prevSpace && v != "" {
		return strings.Join(strings.Fields(v), " ") // trailing space
	}
	return v
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// canonicalRequest is what a SigV4 canonical request is built from, besides
// the request's method and headers.
type canonicalRequest struct {
	uri, query string   // canonical URI and query string
	signed     []string // signed header names, lowercase and sorted
	signedStr  string   // the signed names joined by ';'
	payload    string   // the payload hash
}

// Sizes of the stack buffers a canonical request and a string to sign are
// built in; longer ones spill to the heap.
const (
	creqBufSize = 1024
	stsBufSize  = 256
)

// appendCanonicalRequest appends r's SigV4 canonical request to dst.
func appendCanonicalRequest(dst []byte, r *http.Request, c *canonicalRequest) []byte {
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = append(dst, c.uri...)
	dst = append(dst, '\n')
	dst = append(dst, c.query...)
	dst = append(dst, '\n')
	for _, n := range c.signed {
		dst = append(dst, n...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, n)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	dst = append(dst, c.signedStr...)
	dst = append(dst, '\n')
	return append(dst, c.payload...)
}

// appendStringToSign appends the SigV4 string to sign for the canonical
// request creq to dst.
func appendStringToSign(dst []byte, amzDate, scope string, creq []byte) []byte {
	h := sha256.Sum256(creq)
	dst = append(dst, algV4+"\n"...)
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, h[:])
}

// hmacSHA256 returns HMAC-SHA256(key, msg) (RFC 2104). It hashes in stack
// buffers when msg is short, unlike crypto/hmac, which allocates two
// digests and the pads per call; SigV4 computes one per request and five
// per derived key.
func hmacSHA256[T string | []byte](key []byte, msg T) [sha256.Size]byte {
	const block = 64 // sha256.BlockSize
	var k [block]byte
	if len(key) > block {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var ibuf [block + 256]byte
	in := ibuf[:]
	if len(msg) > len(ibuf)-block {
		in = make([]byte, block+len(msg))
	}
	in = in[:block+len(msg)]
	for i := range k {
		in[i] = k[i] ^ 0x36
	}
	copy(in[block:], msg)
	inner := sha256.Sum256(in)
	var out [block + sha256.Size]byte
	for i := range k {
		out[i] = k[i] ^ 0x5c
	}
	copy(out[block:], inner[:])
	return sha256.Sum256(out[:])
}

// deriveKey computes the SigV4 signing key.
func deriveKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k[:], region)
	k = hmacSHA256(k[:], service)
	k = hmacSHA256(k[:], scopeTerminator)
	return k[:]
}

// keyCacheSize bounds the Verifier's signing-key cache.
const keyCacheSize = 512

// keyCache caches signing keys per (secret, date, region, service). When full it
// is emptied, which is cheap and keeps the bound without bookkeeping.
type keyCache struct {
	mu   sync.Mutex
	keys map[keyID][]byte
}

// keyID identifies a signing key.
type keyID struct{ secret, date, region, service string }

func (c *keyCache) get(secret, date, region, service string) []byte {
	id := keyID{secret, date, region, service}
	c.mu.Lock()
	k, ok := c.keys[id]
	c.mu.Unlock()
	if ok {
		return k
	}
	k = deriveKey(secret, date, region, service)
	c.mu.Lock()
	if c.keys == nil || len(c.keys) >= keyCacheSize {
		c.keys = make(map[keyID][]byte, 16)
	}
	c.keys[id] = k
	c.mu.Unlock()
	return k
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
