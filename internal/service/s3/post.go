package s3

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/nubo/nubo/internal/auth"
	"github.com/nubo/nubo/internal/awsapi"
)

// maxPostFields bounds the form fields read before the file.
const maxPostFields = 64 << 10

// PostResult is the response to a browser-based POST upload.
type PostResult struct {
	Status int
	Header http.Header
	Body   []byte
}

// PostVerifier checks the signature of a POST form's policy
// (auth.Verifier.VerifyPostPolicy).
type PostVerifier func(ctx context.Context, fields map[string]string) (*auth.PostPolicy, error)

// PostObject handles an S3 presigned POST upload: r is a POST to /bucket with
// a multipart/form-data body. It verifies the policy signature with verify,
// checks the policy's conditions against the form fields as S3 does, streams
// the "file" part into the object and returns the response to send
// (success_action_redirect / success_action_status). Errors are S3's and are
// rendered by the rest-xml codec. The edge routes such requests here: the S3
// model has no operation for them.
func (s *Service) PostObject(ctx context.Context, bucket string, r *http.Request, verify PostVerifier) (*PostResult, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errMalformedPOST("The body of your POST request is not well-formed multipart/form-data.")
	}
	fields, file, filename, err := readPostFields(mr)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	// Form field names are case-insensitive ("kEy", "pOLICy").
	lower := lowerKeys(fields)
	pp, err := verify(ctx, lower)
	if err != nil {
		return nil, err
	}
	key := strings.ReplaceAll(lower["key"], "${filename}", filename)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	lower["bucket"], lower["key"] = bucket, key
	min, max, err := checkPostPolicy(pp.Policy, lower)
	if err != nil {
		return nil, err
	}
	if req := awsapi.RequestFrom(ctx); req != nil {
		req.Caller = pp.Caller
	}
	b, cfg, err := s.bucketFor(ctx, bucket, "s3:PutObject", key)
	if err != nil {
		return nil, err
	}
	meta, err := buildMeta(cfg, postMeta(lower))
	if err != nil {
		return nil, err
	}
	rv, err := s.receive(ctx, file, "", max, "")
	if err != nil {
		return nil, err
	}
	if rv.Size < min {
		s.dropIfUnreferenced(rv.Blob)
		return nil, awsapi.Errorf("EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed size")
	}
	rec := s.newVersion(ctx, rv, meta, "")
	if _, err := s.apply(ctx, &write{bucket: b, key: key, put: rec, inline: rv.Data, event: "ObjectCreated:Post"}); err != nil {
		s.dropIfUnreferenced(rv.Blob)
		return nil, err
	}
	return s.postResponse(ctx, bucket, key, rec.ETag, lower), nil
}

func errMalformedPOST(msg string) *awsapi.Error {
	return awsapi.Errorf("MalformedPOSTRequest", http.StatusBadRequest, "%s", msg)
}

// readPostFields reads the form fields up to the "file" part, which it
// returns unread.
func readPostFields(mr *multipart.Reader) (map[string]string, io.ReadCloser, string, error) {
	fields := map[string]string{}
	total := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, nil, "", awsapi.Errorf("InvalidArgument", http.StatusBadRequest,
				"POST requires exactly one file upload per request.").With("ArgumentName", "file")
		}
		if err != nil {
			return nil, nil, "", errMalformedPOST("The body of your POST request is not well-formed multipart/form-data.")
		}
		name := p.FormName()
		if strings.EqualFold(name, "file") {
			return fields, p, p.FileName(), nil
		}
		v, err := io.ReadAll(io.LimitReader(p, maxPostFields+1))
		total += len(v) + len(name)
		if err != nil || total > maxPostFields {
			return nil, nil, "", awsapi.Errorf("MaxPostPreDataLengthExceeded", http.StatusBadRequest,
				"Your POST request fields preceding the upload file were too large.")
		}
		fields[name] = string(v)
	}
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// postExempt lists form fields a policy need not mention.
func postExempt(name string) bool {
	switch name {
	case "policy", "signature", "awsaccesskeyid", "x-amz-signature", "file", "bucket":
		return true
	}
	return strings.HasPrefix(name, "x-ignore-")
}

// checkPostPolicy evaluates the policy conditions against the fields and
// returns the content-length-range bounds.
func checkPostPolicy(doc []byte, fields map[string]string) (min, max int64, err error) {
	max = MaxObjectSize
	if doc == nil {
		return 0, max, nil
	}
	// The top-level names are case-sensitive, unlike encoding/json's
	// struct matching.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return 0, 0, invalidPolicy("Invalid JSON.")
	}
	if _, ok := top["expiration"]; !ok {
		return 0, 0, invalidPolicy("Policy missing expiration.")
	}
	var conditions []json.RawMessage
	if raw, ok := top["conditions"]; !ok || json.Unmarshal(raw, &conditions) != nil {
		return 0, 0, invalidPolicy("Policy missing conditions.")
	}
	covered := map[string]bool{}
	for _, raw := range conditions {
		var c []any
		if json.Unmarshal(raw, &c) == nil {
			if err := checkPostCondition(c, fields, covered, &min, &max); err != nil {
				return 0, 0, err
			}
			continue
		}
		var m map[string]string
		if json.Unmarshal(raw, &m) != nil || len(m) != 1 {
			return 0, 0, invalidPolicy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for k, v := range m {
			k = strings.ToLower(k)
			covered[k] = true
			if fields[k] != v {
				return 0, 0, policyErr(fmt.Sprintf("Invalid according to Policy: Policy Condition failed: [\"eq\", \"$%s\", \"%s\"]", k, v))
			}
		}
	}
	for k := range fields {
		if !covered[k] && !postExempt(k) {
			return 0, 0, policyErr("Invalid according to Policy: Extra input fields: " + k)
		}
	}
	return min, max, nil
}

func checkPostCondition(c []any, fields map[string]string, covered map[string]bool, min, max *int64) error {
	if len(c) != 3 {
		return invalidPolicy("Invalid Condition: conditions must have three elements.")
	}
	op, _ := c[0].(string)
	if strings.EqualFold(op, "content-length-range") {
		lo, ok1 := c[1].(float64)
		hi, ok2 := c[2].(float64)
		if !ok1 || !ok2 || lo < 0 || hi < lo {
			return invalidPolicy("Invalid content-length-range condition.")
		}
		*min, *max = int64(lo), int64(hi)
		return nil
	}
	field, _ := c[1].(string)
	want, _ := c[2].(string)
	name := strings.ToLower(strings.TrimPrefix(field, "$"))
	covered[name] = true
	got := fields[name]
	switch strings.ToLower(op) {
	case "eq":
		if got != want {
			return policyErr(fmt.Sprintf("Invalid according to Policy: Policy Condition failed: [\"eq\", \"%s\", \"%s\"]", field, want))
		}
	case "starts-with":
		if !strings.HasPrefix(got, want) {
			return policyErr(fmt.Sprintf("Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"%s\", \"%s\"]", field, want))
		}
	default:
		return invalidPolicy("Invalid Condition: unknown operation " + op)
	}
	return nil
}

// policyErr is a form that the policy does not allow (403).
func policyErr(msg string) *awsapi.Error {
	return awsapi.Errorf("AccessDenied", http.StatusForbidden, "%s", msg)
}

// invalidPolicy is a malformed policy document (400).
func invalidPolicy(msg string) *awsapi.Error {
	return awsapi.Errorf("InvalidPolicyDocument", http.StatusBadRequest, "Invalid Policy: %s", msg)
}

// postMeta maps the form fields to object attributes.
func postMeta(f map[string]string) metaInput {
	opt := func(k string) *string {
		if v, ok := f[k]; ok {
			return &v
		}
		return nil
	}
	mi := metaInput{ContentType: opt("content-type"), ContentEncoding: opt("content-encoding"),
		ContentDisposition: opt("content-disposition"), CacheControl: opt("cache-control"), Expires: opt("expires"),
		WebsiteRedirect: opt("x-amz-website-redirect-location"), SSE: opt("x-amz-server-side-encryption"),
		KMSKeyID: opt("x-amz-server-side-encryption-aws-kms-key-id"), StorageClass: opt("x-amz-storage-class"),
		SSECustomerAlgorithm: opt("x-amz-server-side-encryption-customer-algorithm"),
		SSECustomerKey:       opt("x-amz-server-side-encryption-customer-key"),
		SSECustomerKeyMD5:    opt("x-amz-server-side-encryption-customer-key-md5")}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "x-amz-meta-"); ok {
			if mi.Metadata == nil {
				mi.Metadata = map[string]string{}
			}
			mi.Metadata[name] = v
		}
	}
	return mi
}

// postResponse builds the answer S3 gives to a successful POST upload.
func (s *Service) postResponse(ctx context.Context, bucket, key, etag string, f map[string]string) *PostResult {
	loc := s.location(ctx, bucket, key)
	h := http.Header{"Etag": {quote(etag)}, "Location": {loc}}
	if redirect := f["success_action_redirect"]; redirect != "" {
		if u, err := url.Parse(redirect); err == nil && u.Scheme != "" {
			q := u.Query()
			q.Set("bucket", bucket)
			q.Set("key", key)
			q.Set("etag", quote(etag))
			u.RawQuery = q.Encode()
			h.Set("Location", u.String())
			return &PostResult{Status: http.StatusSeeOther, Header: h}
		}
	}
	switch f["success_action_status"] {
	case "200":
		return &PostResult{Status: http.StatusOK, Header: h}
	case "201":
		body, _ := xml.Marshal(struct {
			XMLName  xml.Name `xml:"PostResponse"`
			Location string
			Bucket   string
			Key      string
			ETag     string
		}{Location: loc, Bucket: bucket, Key: key, ETag: quote(etag)})
		h.Set("Content-Type", "application/xml")
		return &PostResult{Status: http.StatusCreated, Header: h, Body: append([]byte(xml.Header), body...)}
	}
	return &PostResult{Status: http.StatusNoContent, Header: h}
}
