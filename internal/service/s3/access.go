package s3

import (
	"context"
	"crypto/tls"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/awsapi"
)

// lookupBucket returns the cached bucket called name.
func (s *Service) lookupBucket(name string) (*bucket, bool) {
	s.mu.RLock()
	b, ok := s.buckets[name]
	s.mu.RUnlock()
	return b, ok
}

// bucketFor returns the bucket a request addresses after checking that the
// caller may perform action on resource (the bucket, or an object when key
// is non-empty).
func (s *Service) bucketFor(ctx context.Context, name, action, key string) (*bucket, *bucketConfig, error) {
	b, cfg, err := s.addressed(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authorize(ctx, cfg, action, name, key); err != nil {
		return nil, nil, err
	}
	return b, cfg, nil
}

// addressed returns the bucket a request addresses, with its CORS rules
// applied to the response, for an operation that authorises each object it
// touches itself.
func (s *Service) addressed(ctx context.Context, name string) (*bucket, *bucketConfig, error) {
	b, ok := s.lookupBucket(name)
	if !ok {
		return nil, nil, errNoSuchBucket(name)
	}
	cfg := b.config()
	applyCORS(ctx, cfg)
	return b, cfg, nil
}

// ifVersion returns version when a request names a version of its object
// (any versionId, "null" included) and current otherwise. AWS authorises
// such a request with the version action instead of the object action: a
// GetObject with a versionId needs s3:GetObjectVersion, not s3:GetObject.
func ifVersion(versionID, current, version string) string {
	if versionID != "" {
		return version
	}
	return current
}

// authorizeVersion authorises action as well when a request names a
// version of its object, as AWS checks s3:DeleteObjectVersion beside
// s3:DeleteObject for deleting a version, and the Version tagging actions
// beside the tagging ones.
func (s *Service) authorizeVersion(ctx context.Context, cfg *bucketConfig, versionID, action, bucketName, key string) error {
	if versionID == "" {
		return nil
	}
	return s.authorize(ctx, cfg, action, bucketName, key)
}

// authorize applies the bucket policy: an explicit Deny refuses the request,
// and callers outside the bucket's account (anonymous ones included) need an
// explicit Allow, which a public policy cannot give them when the bucket's
// Block Public Access settings restrict public buckets. Calls without a
// request (Nubo's own Go API) are allowed.
func (s *Service) authorize(ctx context.Context, cfg *bucketConfig, action, bucketName, key string) error {
	req := awsapi.RequestFrom(ctx)
	if req == nil {
		return nil
	}
	c := req.Caller
	foreign := c.Anonymous || (c.Account != "" && c.Account != s.account)
	if cfg.policy == nil {
		if foreign {
			return errAccessDenied()
		}
		return nil
	}
	resource := "arn:aws:s3:::" + bucketName
	if key != "" {
		resource += "/" + key
	}
	pr := &policy.Request{Action: action, Resource: resource, Context: policyContext(req, action)}
	pr.Context["s3:ResourceAccount"] = []string{s.account}
	if cfg.existingTags && key != "" && existingTagActions[action] {
		s.existingTagKeys(ctx, req, bucketName, key, pr.Context)
	}
	if c.Anonymous {
		pr.Principal = policy.Principal{Type: "*"}
	} else {
		pr.Principal = policy.Principal{Type: "AWS", ID: c.ARN}
		pr.PrincipalAccount = c.Account
	}
	switch cfg.policy.Evaluate(pr) {
	case policy.Deny:
		return errAccessDenied()
	case policy.Allow:
		if foreign && cfg.restricted() {
			return errAccessDenied()
		}
		return nil
	}
	if foreign {
		return errAccessDenied()
	}
	return nil
}

// restricted reports whether the bucket's policy is public and its Block
// Public Access settings restrict public buckets to the owner's account.
func (c *bucketConfig) restricted() bool {
	return c.publicPolicy && c.rec.PublicAccess != nil && c.rec.PublicAccess.RestrictPublicBuckets
}

// policyContext returns the global condition keys of a request.
func policyContext(req *awsapi.Request, action string) map[string][]string {
	t := req.Time
	if t.IsZero() {
		t = time.Now()
	}
	m := map[string][]string{
		"aws:SecureTransport": {strconv.FormatBool(req.Secure)},
		"aws:CurrentTime":     {t.UTC().Format(time.RFC3339)},
		"aws:EpochTime":       {strconv.FormatInt(t.Unix(), 10)},
	}
	if req.SourceIP != "" {
		m["aws:SourceIp"] = []string{req.SourceIP}
	}
	if req.UserAgent != "" {
		m["aws:UserAgent"] = []string{req.UserAgent}
	}
	s3ConditionKeys(req, action, m)
	c := req.Caller
	if !c.Anonymous {
		m["aws:PrincipalArn"] = []string{c.ARN}
		m["aws:PrincipalAccount"] = []string{c.Account}
		if c.UserID != "" {
			m["aws:userid"] = []string{c.UserID}
		}
		if c.SessionToken != "" {
			m["aws:TokenIssueTime"] = []string{t.UTC().Format(time.RFC3339)}
		}
	}
	return m
}

// callerAuthorized checks a request that addresses no bucket (ListBuckets,
// CreateBucket): anonymous callers are refused.
func callerAuthorized(ctx context.Context) error {
	if req := awsapi.RequestFrom(ctx); req != nil && req.Caller.Anonymous {
		return errAccessDenied()
	}
	return nil
}

// headerConditionKeys are the request headers whose values bucket policies
// see as s3:<header> condition keys.
var headerConditionKeys = []string{
	"x-amz-acl", "x-amz-content-sha256", "x-amz-copy-source", "x-amz-grant-full-control", "x-amz-grant-read",
	"x-amz-grant-read-acp", "x-amz-grant-write", "x-amz-grant-write-acp", "x-amz-metadata-directive",
	"x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
	"x-amz-server-side-encryption-customer-algorithm", "x-amz-storage-class", "x-amz-website-redirect-location",
}

// s3ConditionKeys adds the S3-specific condition keys of a request to a
// bucket policy context: the headers above, the Object Lock headers (as
// s3:object-lock-mode, -retain-until-date and -legal-hold), s3:VersionId,
// the tags a write sets (s3:RequestObjectTagKeys and
// s3:RequestObjectTag/<key>), how it was signed (s3:authType,
// s3:signatureversion, and s3:signatureAge: milliseconds since a SigV4
// signing time, 0 for SigV2), s3:TlsVersion and, for the listing actions, s3:prefix,
// s3:delimiter and s3:max-keys. A key is present only when the request
// carries its value, as in AWS.
func s3ConditionKeys(r *awsapi.Request, action string, m map[string][]string) {
	if r.HTTP == nil {
		return
	}
	h, q := r.HTTP.Header, r.HTTP.URL.Query()
	for _, name := range headerConditionKeys {
		if v, ok := h[http.CanonicalHeaderKey(name)]; ok {
			m["s3:"+name] = v
		}
	}
	for _, name := range []string{"mode", "retain-until-date", "legal-hold"} {
		if v, ok := h[http.CanonicalHeaderKey("x-amz-object-lock-"+name)]; ok {
			m["s3:object-lock-"+name] = v
		}
	}
	if v, ok := q["versionId"]; ok {
		m["s3:VersionId"] = v
	}
	if tagging := h.Get("x-amz-tagging"); tagging != "" {
		tags, _ := parseTagging(tagging) // invalid tags fail the operation itself
		for _, t := range tags {
			m["s3:RequestObjectTagKeys"] = append(m["s3:RequestObjectTagKeys"], t.Key)
			m["s3:RequestObjectTag/"+t.Key] = []string{t.Value}
		}
	}
	switch r.AuthType {
	case "AuthHeader":
		m["s3:authType"] = []string{"REST-HEADER"}
	case "QueryString":
		m["s3:authType"] = []string{"REST-QUERY-STRING"}
	default:
		if r.HTTP.Method == http.MethodPost && strings.HasPrefix(h.Get("Content-Type"), "multipart/form-data") {
			m["s3:authType"] = []string{"POST"}
		}
	}
	switch r.SignatureVersion {
	case "SigV4":
		m["s3:signatureversion"] = []string{"AWS4-HMAC-SHA256"}
		if !r.SignedAt.IsZero() && !r.Time.IsZero() {
			m["s3:signatureAge"] = []string{strconv.FormatInt(r.Time.Sub(r.SignedAt).Milliseconds(), 10)}
		}
	case "SigV2":
		m["s3:signatureversion"], m["s3:signatureAge"] = []string{"AWS"}, []string{"0"}
	}
	if r.HTTP.TLS != nil {
		if v, ok := tlsVersions[r.HTTP.TLS.Version]; ok {
			m["s3:TlsVersion"] = []string{v}
		}
	}
	if action == "s3:ListBucket" || action == "s3:ListBucketVersions" {
		for _, name := range []string{"prefix", "delimiter", "max-keys"} {
			if v, ok := q[name]; ok {
				m["s3:"+name] = v
			}
		}
	}
}

// existingTagKey prefixes the condition keys of an object's current tags.
const existingTagKey = "s3:ExistingObjectTag/"

// existingTagActions are the actions AWS evaluates s3:ExistingObjectTag
// for: those that read or change an existing object's data, ACL, tags or
// lock settings; not PutObject or DeleteObject.
var existingTagActions = map[string]bool{
	"s3:GetObject": true, "s3:GetObjectVersion": true, "s3:GetObjectAcl": true, "s3:GetObjectVersionAcl": true,
	"s3:PutObjectAcl": true, "s3:PutObjectVersionAcl": true, "s3:GetObjectTagging": true,
	"s3:GetObjectVersionTagging": true, "s3:PutObjectTagging": true, "s3:PutObjectVersionTagging": true,
	"s3:DeleteObjectTagging": true, "s3:DeleteObjectVersionTagging": true, "s3:GetObjectAttributes": true,
	"s3:GetObjectVersionAttributes": true, "s3:GetObjectRetention": true, "s3:GetObjectLegalHold": true,
	"s3:PutObjectRetention": true, "s3:PutObjectLegalHold": true,
}

// existingTagKeys adds s3:ExistingObjectTag/<key> for each tag of the
// version a request addresses (its versionId, or the current version). A
// copy's source is named by x-amz-copy-source, not by the request's own
// key, so a copy gets no tag keys; neither does a key with no version.
func (s *Service) existingTagKeys(ctx context.Context, req *awsapi.Request, bucketName, key string, m map[string][]string) {
	versionID := ""
	if req.HTTP != nil {
		if req.HTTP.Header.Get("x-amz-copy-source") != "" {
			return
		}
		versionID = req.HTTP.URL.Query().Get("versionId")
	}
	rec, err := s.getVersion(ctx, bucketName, key, versionID, false)
	if err != nil || rec == nil {
		return
	}
	for _, t := range rec.Tags {
		m[existingTagKey+t.Key] = []string{t.Value}
	}
}

// tlsVersions are s3:TlsVersion's values, numbers that NumericLessThan and
// the like compare.
var tlsVersions = map[uint16]string{tls.VersionTLS10: "1.0", tls.VersionTLS11: "1.1", tls.VersionTLS12: "1.2", tls.VersionTLS13: "1.3"}
