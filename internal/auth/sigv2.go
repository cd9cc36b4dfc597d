package auth

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// s3SubResources are the query parameters SigV2 includes in the canonical
// resource.
func isS3SubResource(k string) bool {
	switch k {
	case "acl", "accelerate", "analytics", "cors", "delete", "encryption", "intelligent-tiering",
		"inventory", "legal-hold", "lifecycle", "location", "logging", "metrics", "notification",
		"object-lock", "ownershipControls", "partNumber", "policy", "policyStatus",
		"publicAccessBlock", "replication", "requestPayment", "restore", "retention", "select",
		"select-type", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning",
		"versions", "website", "response-cache-control", "response-content-disposition",
		"response-content-encoding", "response-content-language", "response-content-type",
		"response-expires":
		return true
	}
	return false
}

// v2StringToSign builds the SigV2 string to sign. date is the Expires value
// (query auth) or the Date header ("" when x-amz-date is used).
func v2StringToSign(r *http.Request, date, bucket string, query, bucketSlash bool) string {
	q := r.URL.Query()
	get := func(name string) string {
		if v := r.Header.Get(name); v != "" || !query {
			return v
		}
		return q.Get(strings.ToLower(name))
	}
	amz := map[string][]string{}
	for name, vals := range r.Header {
		if n := strings.ToLower(name); strings.HasPrefix(n, "x-amz-") {
			amz[n] = append(amz[n], vals...)
		}
	}
	if query {
		for name, vals := range q {
			if n := strings.ToLower(name); strings.HasPrefix(n, "x-amz-") && len(amz[n]) == 0 {
				amz[n] = vals
			}
		}
	}
	names := make([]string, 0, len(amz))
	for n := range amz {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(r.Method + "\n" + get("Content-Md5") + "\n" + get("Content-Type") + "\n" + date + "\n")
	for _, n := range names {
		vals := amz[n]
		for i, v := range vals {
			vals[i] = strings.TrimSpace(v)
		}
		b.WriteString(n + ":" + strings.Join(vals, ",") + "\n")
	}
	b.WriteString(v2Resource(r, bucket, bucketSlash))
	return b.String()
}

// v2Resource is the canonicalized resource: [/bucket] + raw path + sub-resources.
// With bucketSlash, a path naming only a bucket ("/b") is signed as "/b/", as
// botocore signs path-style bucket-level requests.
func v2Resource(r *http.Request, bucket string, bucketSlash bool) string {
	res := rawPath(r)
	if bucket != "" {
		res = "/" + bucket + res
	}
	if bucketSlash && isBareBucketPath(res) {
		res += "/"
	}
	var subs []queryPair
	for _, p := range splitQuery(rawQuery(r)) {
		if isS3SubResource(p.k) {
			subs = append(subs, p)
		}
	}
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].k < subs[j].k })
	for i, p := range subs {
		if i == 0 {
			res += "?"
		} else {
			res += "&"
		}
		res += p.k
		if p.v != "" {
			res += "=" + p.v
		}
	}
	return res
}

func v2Sign(secret, sts string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (v *Verifier) verifyV2(r *http.Request, sc Scope, opts VerifyOptions) (*Result, error) {
	var sig, date, token string
	if sc.Method == SigV2Query {
		q := r.URL.Query()
		sig, date, token = q.Get("Signature"), q.Get("Expires"), q.Get("x-amz-security-token")
		exp, err := strconv.ParseInt(date, 10, 64)
		if err != nil {
			return nil, newError(MalformedPresign, "Invalid date (should be seconds since epoch): %s", date)
		}
		if v.now().After(time.Unix(exp, 0)) {
			return nil, newError(PresignExpired, "Request has expired")
		}
	} else {
		_, rest, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		_, sig, _ = strings.Cut(rest, ":")
		token = r.Header.Get("X-Amz-Security-Token")
		ds := r.Header.Get("X-Amz-Date")
		if ds == "" {
			ds = r.Header.Get("Date")
			date = ds
		}
		t, err := http.ParseTime(ds)
		if err != nil {
			return nil, newError(MissingAuth, "AWS authentication requires a valid Date or x-amz-date header")
		}
		if err := v.checkSkew(t.UTC()); err != nil {
			return nil, err
		}
	}
	if token == "" {
		token = r.Header.Get("X-Amz-Security-Token")
	}
	cred, err := v.lookup(r.Context(), sc.AccessKeyID, token)
	if err != nil {
		return nil, err
	}
	query := sc.Method == SigV2Query
	sts := v2StringToSign(r, date, opts.VirtualHostBucket, query, false)
	ok := hmac.Equal([]byte(v2Sign(cred.SecretAccessKey, sts)), []byte(strings.TrimSpace(sig)))
	if !ok && isBareBucketPath(v2Resource(r, opts.VirtualHostBucket, false)) {
		ok = hmac.Equal([]byte(v2Sign(cred.SecretAccessKey, v2StringToSign(r, date, opts.VirtualHostBucket, query, true))),
			[]byte(strings.TrimSpace(sig)))
	}
	if !ok {
		return nil, &Error{Kind: SignatureDoesNotMatch,
			Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
			Details: map[string]string{"AWSAccessKeyId": sc.AccessKeyID, "StringToSign": sts, "SignatureProvided": sig}}
	}
	return &Result{Method: sc.Method, Scope: sc, Credential: cred, Caller: callerOf(cred),
		Body: &sha256Body{src: bodyOf(r)}, DecodedLength: r.ContentLength}, nil
}

// isBareBucketPath reports whether a canonical path names only a bucket:
// "/bucket", with no key and no trailing slash.
func isBareBucketPath(p string) bool {
	return len(p) > 1 && p[0] == '/' && !strings.Contains(p[1:], "/")
}
