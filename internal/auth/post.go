package auth

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
)

// PostPolicy is an authenticated S3 presigned POST form. Evaluating the
// policy's conditions against the form is S3's job.
type PostPolicy struct {
	Caller     awsapi.Caller
	Scope      Scope
	Method     Method // PostPolicyV2, PostPolicyV4 or Anonymous
	Credential *Credential
	// Policy is the decoded policy JSON (nil when the form has none).
	Policy []byte
	// Expiration is the policy's expiration.
	Expiration time.Time
}

// VerifyPostPolicy checks the signature of an S3 POST form's policy. fields are
// the form fields (names matched case-insensitively). V2 forms carry
// AWSAccessKeyId and signature = base64(HMAC-SHA1(secret, policy)); V4 forms
// carry x-amz-algorithm, x-amz-credential, x-amz-date and x-amz-signature =
// hex(HMAC-SHA256(signing key, policy)). A form without a signature is
// Anonymous. An expired policy fails with PresignExpired.
func (v *Verifier) VerifyPostPolicy(ctx context.Context, fields map[string]string) (*PostPolicy, error) {
	f := make(map[string]string, len(fields))
	for k, val := range fields {
		f[strings.ToLower(k)] = val
	}
	policy := f["policy"]
	var out *PostPolicy
	var err error
	switch {
	case f["x-amz-signature"] != "":
		out, err = v.postV4(ctx, f, policy)
	case f["signature"] != "" || f["awsaccesskeyid"] != "":
		out, err = v.postV2(ctx, f, policy)
	default:
		out = &PostPolicy{Method: Anonymous, Caller: awsapi.Caller{Anonymous: true}}
	}
	if err != nil {
		return nil, err
	}
	if policy == "" {
		if out.Method != Anonymous {
			return nil, newError(MalformedPresign, "Bucket POST must contain a field named 'policy'.")
		}
		return out, nil
	}
	return out, v.decodePolicy(out, policy)
}

func (v *Verifier) postV2(ctx context.Context, f map[string]string, policy string) (*PostPolicy, error) {
	ak := f["awsaccesskeyid"]
	if ak == "" || f["signature"] == "" || policy == "" {
		return nil, newError(MalformedPresign, "Bucket POST must contain fields named 'AWSAccessKeyId', 'policy' and 'signature'.")
	}
	cred, err := v.lookup(ctx, ak, f["x-amz-security-token"])
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(v2Sign(cred.SecretAccessKey, policy)), []byte(f["signature"])) {
		return nil, newError(SignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	return &PostPolicy{Method: PostPolicyV2, Scope: Scope{Method: PostPolicyV2, AccessKeyID: ak, Service: "s3"},
		Credential: cred, Caller: callerOf(cred)}, nil
}

func (v *Verifier) postV4(ctx context.Context, f map[string]string, policy string) (*PostPolicy, error) {
	if f["x-amz-algorithm"] != algV4 {
		return nil, newError(MalformedPresign, "x-amz-algorithm must be AWS4-HMAC-SHA256.")
	}
	parts := strings.Split(f["x-amz-credential"], "/")
	if len(parts) < 5 || parts[len(parts)-1] != scopeTerminator || policy == "" {
		return nil, newError(MalformedPresign, "Bucket POST must contain valid 'x-amz-credential' and 'policy' fields.")
	}
	sc := parseCredential(f["x-amz-credential"])
	sc.Method = PostPolicyV4
	if d := f["x-amz-date"]; len(d) < 8 || d[:8] != sc.Date {
		return nil, newError(MalformedPresign, "x-amz-date must match the credential scope date.")
	}
	cred, err := v.lookup(ctx, sc.AccessKeyID, f["x-amz-security-token"])
	if err != nil {
		return nil, err
	}
	key := v.keys.get(cred.SecretAccessKey, sc.Date, sc.Region, sc.Service)
	mac := hmacSHA256(key, policy)
	want := hex.EncodeToString(mac[:])
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(f["x-amz-signature"]))) {
		return nil, newError(SignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	return &PostPolicy{Method: PostPolicyV4, Scope: sc, Credential: cred, Caller: callerOf(cred)}, nil
}

// decodePolicy decodes the base64 policy and checks its expiration.
func (v *Verifier) decodePolicy(out *PostPolicy, policy string) error {
	raw, err := base64.StdEncoding.DecodeString(policy)
	if err != nil {
		return newError(MalformedPresign, "Invalid Policy: Invalid 'Policy' base64 encoding.")
	}
	var doc struct {
		Expiration string `json:"expiration"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return newError(MalformedPresign, "Invalid Policy: Invalid JSON.")
	}
	exp, err := time.Parse(time.RFC3339Nano, doc.Expiration)
	if err != nil {
		return newError(MalformedPresign, "Invalid Policy: Invalid 'expiration' value: %q", doc.Expiration)
	}
	out.Policy, out.Expiration = raw, exp
	if v.now().After(exp) {
		return newError(PresignExpired, "Invalid according to Policy: Policy expired.")
	}
	return nil
}
