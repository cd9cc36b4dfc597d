package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// v4Request is a parsed SigV4 signature, header or query.
type v4Request struct {
	query     bool
	scope     Scope
	credScope string // date/region/service/aws4_request
	amzDate   string
	t         time.Time
	signed    []string
	signedStr string
	signature string
	token     string
	expires   int64
}

func (v *Verifier) verifyV4(r *http.Request, sc Scope, opts VerifyOptions) (*Result, error) {
	p, err := parseV4(r, sc)
	if err != nil {
		return nil, err
	}
	if !p.query {
		if err := v.checkSkew(p.t); err != nil {
			return nil, err
		}
	} else if err := v.checkPresignTime(p, opts.S3); err != nil {
		return nil, err
	}
	cred, err := v.lookup(r.Context(), p.scope.AccessKeyID, p.token)
	if err != nil {
		return nil, err
	}
	res := &Result{Method: sc.Method, Scope: p.scope, SignedAt: p.t, Credential: cred, Caller: callerOf(cred),
		DecodedLength: r.ContentLength}
	payload, body, err := v4Payload(r, p, opts)
	if err != nil {
		return nil, err
	}
	skip := ""
	if p.query {
		skip = "X-Amz-Signature"
	}
	c := canonicalRequest{uri: canonicalURI(rawPath(r), opts.S3), query: canonicalQuery(rawQuery(r), skip),
		signed: p.signed, signedStr: p.signedStr, payload: payload}
	var cbuf [creqBufSize]byte
	var sbuf [stsBufSize]byte
	creq := appendCanonicalRequest(cbuf[:0], r, &c)
	sts := appendStringToSign(sbuf[:0], p.amzDate, p.credScope, creq)
	key := v.keys.get(cred.SecretAccessKey, p.scope.Date, p.scope.Region, p.scope.Service)
	if mac := hmacSHA256(key, sts); !signatureMatches(mac[:], p.signature) {
		return nil, &Error{Kind: SignatureDoesNotMatch,
			Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
			Details: map[string]string{"AWSAccessKeyId": p.scope.AccessKeyID, "StringToSign": string(sts),
				"SignatureProvided": p.signature, "CanonicalRequest": string(creq)}}
	}
	res.PayloadHash = payload
	if err := attachBody(r, res, p, payload, body, key, opts); err != nil {
		return nil, err
	}
	return res, nil
}

// parseV4 reads the signature parameters from the header or the query.
func parseV4(r *http.Request, sc Scope) (*v4Request, error) {
	p := &v4Request{query: sc.Method == SigV4Query}
	var cred string
	malformed := IncompleteSignature
	if p.query {
		malformed = MalformedPresign
		q := r.URL.Query()
		if alg := q.Get("X-Amz-Algorithm"); alg != algV4 {
			return nil, newError(MalformedPresign, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
		}
		cred, p.signedStr, p.signature = q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature")
		p.amzDate, p.token = q.Get("X-Amz-Date"), q.Get("X-Amz-Security-Token")
		exp, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
		if err != nil || exp < 1 || exp > maxPresignExpires {
			return nil, newError(MalformedPresign,
				"X-Amz-Expires must be a number of seconds between 1 and 604800 (a week).")
		}
		p.expires = exp
		t, err := time.Parse(amzDateFormat, p.amzDate)
		if err != nil {
			return nil, newError(MalformedPresign, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
		}
		p.t = t
	} else {
		_, rest, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		cred, p.signedStr, p.signature = v4AuthFields(rest)
		p.token = r.Header.Get("X-Amz-Security-Token")
		t, date, err := requestTimeOf(r)
		if err != nil {
			return nil, err
		}
		p.t, p.amzDate = t, date
	}
	if cred == "" || p.signedStr == "" || p.signature == "" {
		return nil, newError(malformed,
			"Authorization requires Credential, SignedHeaders and Signature parameters.")
	}
	start, ok := scopeStart(cred)
	if !ok || cred[strings.LastIndexByte(cred, '/')+1:] != scopeTerminator {
		return nil, newError(malformed, "Credential should be scoped with a valid terminator: 'aws4_request', not %q.", cred)
	}
	p.scope = parseCredential(cred)
	p.scope.Method = sc.Method
	if p.scope.Date != p.amzDate[:8] {
		return nil, newError(malformed, "Invalid credential date %q. This date is not the same as X-Amz-Date: %q.",
			p.scope.Date, p.amzDate[:8])
	}
	p.credScope = cred[start+1:]
	p.signed = strings.Split(p.signedStr, ";")
	hasHost := false
	for i, h := range p.signed {
		p.signed[i] = strings.ToLower(strings.TrimSpace(h))
		hasHost = hasHost || p.signed[i] == "host"
	}
	if !hasHost {
		return nil, newError(malformed, "SignedHeaders must include the host header.")
	}
	return p, nil
}

func (v *Verifier) checkPresignTime(p *v4Request, s3 bool) error {
	now := v.now().UTC()
	if p.t.Sub(now) > v.maxSkew() {
		return newError(PresignNotYetValid, "Request is not valid yet")
	}
	if now.After(p.t.Add(time.Duration(p.expires) * time.Second)) {
		if s3 {
			return newError(PresignExpired, "Request has expired")
		}
		return newError(PresignExpired, "Signature expired: %s is now earlier than %s.",
			p.t.Add(time.Duration(p.expires)*time.Second).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	return nil
}

// signatureMatches reports whether the hex signature a client sent (in either
// case) is mac, comparing in constant time.
func signatureMatches(mac []byte, provided string) bool {
	var got [sha256.Size]byte
	if len(provided) != hex.EncodedLen(len(got)) {
		return false
	}
	if _, err := hex.Decode(got[:], []byte(provided)); err != nil {
		return false
	}
	return hmac.Equal(got[:], mac)
}
