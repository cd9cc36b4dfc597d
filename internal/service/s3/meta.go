package s3

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

// maxUserMetadata is the limit on the size of x-amz-meta-* headers (2 KB).
const maxUserMetadata = 2048

// metaInput gathers the object attributes PutObject, CopyObject (REPLACE)
// and CreateMultipartUpload take from headers.
type metaInput struct {
	ContentType, ContentEncoding, ContentDisposition, ContentLanguage *string
	CacheControl, Expires, WebsiteRedirect                            *string
	Metadata                                                          map[string]string
	Tagging                                                           *string
	SSE, KMSKeyID                                                     *string
	BucketKey                                                         *bool
	StorageClass                                                      *string
	SSECustomerAlgorithm, SSECustomerKey, SSECustomerKeyMD5           *string
}

// objectMeta is the validated form of metaInput.
type objectMeta struct {
	headers      map[string]string
	meta         map[string]string
	tags         []tagKV
	sse, kms     string
	bucketKey    bool
	storageClass string
	ssec         *ssecRecord // set when written with SSE-C
}

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true, "FSX_OPENZFS": true, "FSX_ONTAP": true,
}

// buildMeta validates metadata, tagging, encryption and storage class.
func buildMeta(cfg *bucketConfig, in metaInput) (*objectMeta, error) {
	m := &objectMeta{headers: map[string]string{}}
	set := func(name string, v *string) {
		if v != nil {
			m.headers[name] = *v
		}
	}
	set("Content-Type", in.ContentType)
	if ce := stripAWSChunked(str(in.ContentEncoding)); ce != "" {
		m.headers["Content-Encoding"] = ce
	}
	set("Content-Disposition", in.ContentDisposition)
	set("Content-Language", in.ContentLanguage)
	set("Cache-Control", in.CacheControl)
	set("Expires", in.Expires)
	set("x-amz-website-redirect-location", in.WebsiteRedirect)
	if _, ok := m.headers["Content-Type"]; !ok {
		m.headers["Content-Type"] = "binary/octet-stream"
	}
	size := 0
	for k, v := range in.Metadata {
		size += len(k) + len(v)
		if m.meta == nil {
			m.meta = map[string]string{}
		}
		m.meta[strings.ToLower(k)] = v
	}
	if size > maxUserMetadata {
		return nil, awsapi.Errorf("MetadataTooLarge", http.StatusBadRequest,
			"Your metadata headers exceed the maximum allowed metadata size").With("Size", size).With("MaxSizeAllowed", maxUserMetadata)
	}
	if in.Tagging != nil {
		tags, err := parseTagging(*in.Tagging)
		if err != nil {
			return nil, err
		}
		m.tags = tags
	}
	m.sse, m.kms, m.bucketKey = bucketSSE(cfg)
	if in.SSE != nil {
		switch *in.SSE {
		case "AES256", "aws:kms", "aws:kms:dsse":
		default:
			return nil, errInvalidArgument("Server Side Encryption with %s is not supported.", *in.SSE).
				With("ArgumentName", "x-amz-server-side-encryption")
		}
		m.sse, m.kms = *in.SSE, str(in.KMSKeyID)
	}
	if in.BucketKey != nil {
		m.bucketKey = *in.BucketKey
	}
	if m.sse == "AES256" {
		m.kms, m.bucketKey = "", false
	}
	if err := writeEncryption(m, in); err != nil {
		return nil, err
	}
	if m.ssec != nil && blocksSSEC(cfg) {
		return nil, awsapi.Errorf("AccessDenied", http.StatusForbidden,
			"Requests specifying Server Side Encryption with Customer provided keys are blocked for this bucket.")
	}
	m.storageClass = "STANDARD"
	if sc := str(in.StorageClass); sc != "" {
		if !storageClasses[sc] {
			return nil, awsapi.Errorf("InvalidStorageClass", http.StatusBadRequest, "The storage class you specified is not valid").
				With("StorageClassRequested", sc)
		}
		m.storageClass = sc
	}
	return m, nil
}

// parseTagging parses an x-amz-tagging header ("k1=v1&k2=v2").
func parseTagging(h string) ([]tagKV, error) {
	vals, err := url.ParseQuery(h)
	if err != nil {
		return nil, errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.").
			With("ArgumentName", "x-amz-tagging")
	}
	var tags []s3api.Tag
	for _, kv := range strings.Split(h, "&") {
		if kv == "" {
			continue
		}
		k, _, _ := strings.Cut(kv, "=")
		k, _ = url.QueryUnescape(k)
		if len(vals[k]) > 1 {
			return nil, awsapi.Errorf("InvalidTag", http.StatusBadRequest, "Cannot provide multiple Tags with the same key")
		}
		tags = append(tags, s3api.Tag{Key: ptr(k), Value: ptr(vals.Get(k))})
	}
	return validateTags(tags, 10)
}

// stripAWSChunked removes the aws-chunked transfer coding from a
// Content-Encoding; a value without it is kept exactly as sent.
func stripAWSChunked(ce string) string {
	var out []string
	found := false
	for _, p := range strings.Split(ce, ",") {
		p = strings.TrimSpace(p)
		switch {
		case strings.EqualFold(p, "aws-chunked"):
			found = true
		case p != "":
			out = append(out, p)
		}
	}
	if !found {
		return ce
	}
	return strings.Join(out, ", ")
}

// apply copies the metadata onto rec.
func (m *objectMeta) apply(rec *objectRecord) {
	rec.Headers, rec.Meta, rec.Tags = m.headers, m.meta, m.tags
	rec.SSE, rec.SSEKMSKeyID, rec.BucketKey, rec.StorageClass = m.sse, m.kms, m.bucketKey, m.storageClass
	rec.SSEC = m.ssec
}

// checksumSet is the set of checksum fields of an input or output.
type checksumSet struct {
	CRC32, CRC32C, CRC64NVME, SHA1, SHA256 **string
}

// values returns the values present, by algorithm.
func (c checksumSet) values() map[checksum.Algorithm]*string {
	return map[checksum.Algorithm]*string{
		checksum.CRC32: *c.CRC32, checksum.CRC32C: *c.CRC32C, checksum.CRC64NVME: *c.CRC64NVME,
		checksum.SHA1: *c.SHA1, checksum.SHA256: *c.SHA256,
	}
}

// set stores value v of algorithm alg into the matching field.
func (c checksumSet) set(alg, v string) {
	if alg == "" || v == "" {
		return
	}
	switch checksum.Algorithm(alg) {
	case checksum.CRC32:
		*c.CRC32 = ptr(v)
	case checksum.CRC32C:
		*c.CRC32C = ptr(v)
	case checksum.CRC64NVME:
		*c.CRC64NVME = ptr(v)
	case checksum.SHA1:
		*c.SHA1 = ptr(v)
	case checksum.SHA256:
		*c.SHA256 = ptr(v)
	}
}

func quote(etag string) string { return `"` + etag + `"` }
