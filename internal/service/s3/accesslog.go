package s3

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
)

// logOperations maps S3 operations to the operation field of AWS's server
// access log format (REST.<method>.<resource>); others get
// REST.<method>.OBJECT or REST.<method>.BUCKET.
var logOperations = map[string]string{
	"CreateBucket": "REST.PUT.BUCKET", "DeleteBucket": "REST.DELETE.BUCKET", "HeadBucket": "REST.HEAD.BUCKET",
	"ListObjects": "REST.GET.BUCKET", "ListObjectsV2": "REST.GET.BUCKET", "ListObjectVersions": "REST.GET.BUCKETVERSIONS",
	"GetBucketLocation": "REST.GET.LOCATION", "GetBucketVersioning": "REST.GET.VERSIONING",
	"PutBucketVersioning": "REST.PUT.VERSIONING", "GetBucketTagging": "REST.GET.TAGGING",
	"PutBucketTagging": "REST.PUT.TAGGING", "DeleteBucketTagging": "REST.DELETE.TAGGING",
	"GetBucketPolicy": "REST.GET.BUCKETPOLICY", "PutBucketPolicy": "REST.PUT.BUCKETPOLICY",
	"DeleteBucketPolicy": "REST.DELETE.BUCKETPOLICY", "GetBucketAcl": "REST.GET.ACL", "PutBucketAcl": "REST.PUT.ACL",
	"GetObjectAcl": "REST.GET.ACL", "GetBucketOwnershipControls": "REST.GET.OWNERSHIP_CONTROLS",
	"PutBucketOwnershipControls": "REST.PUT.OWNERSHIP_CONTROLS", "DeleteBucketOwnershipControls": "REST.DELETE.OWNERSHIP_CONTROLS",
	"GetBucketEncryption": "REST.GET.ENCRYPTION", "PutBucketEncryption": "REST.PUT.ENCRYPTION",
	"DeleteBucketEncryption": "REST.DELETE.ENCRYPTION", "GetBucketNotificationConfiguration": "REST.GET.NOTIFICATION",
	"PutBucketNotificationConfiguration": "REST.PUT.NOTIFICATION", "GetBucketCors": "REST.GET.CORS",
	"PutBucketCors": "REST.PUT.CORS", "DeleteBucketCors": "REST.DELETE.CORS",
	"GetBucketLifecycleConfiguration": "REST.GET.LIFECYCLE", "PutBucketLifecycleConfiguration": "REST.PUT.LIFECYCLE",
	"DeleteBucketLifecycle": "REST.DELETE.LIFECYCLE", "GetBucketLogging": "REST.GET.LOGGING_STATUS",
	"PutBucketLogging": "REST.PUT.LOGGING_STATUS", "PutObject": "REST.PUT.OBJECT", "GetObject": "REST.GET.OBJECT",
	"HeadObject": "REST.HEAD.OBJECT", "DeleteObject": "REST.DELETE.OBJECT", "DeleteObjects": "REST.POST.MULTI_OBJECT_DELETE",
	"CopyObject": "REST.COPY.OBJECT", "UploadPartCopy": "REST.COPY.PART", "GetObjectTagging": "REST.GET.OBJECT_TAGGING",
	"PutObjectTagging": "REST.PUT.OBJECT_TAGGING", "DeleteObjectTagging": "REST.DELETE.OBJECT_TAGGING",
	"CreateMultipartUpload": "REST.POST.UPLOADS", "UploadPart": "REST.PUT.PART", "CompleteMultipartUpload": "REST.POST.UPLOAD",
	"AbortMultipartUpload": "REST.DELETE.UPLOAD", "ListParts": "REST.GET.UPLOAD", "ListMultipartUploads": "REST.GET.UPLOADS",
}

// logOperation returns the access log operation of a request.
func logOperation(l *awsapi.RequestLog) string {
	if op := l.Request.Operation; op != nil {
		if name, ok := logOperations[op.Name]; ok {
			return name
		}
	}
	switch {
	case l.Method == http.MethodOptions:
		return "REST.OPTIONS.PREFLIGHT"
	case l.Method == http.MethodPost && l.Key == "" && l.Request.Operation == nil:
		return "REST.POST.OBJECT" // presigned POST form upload
	case l.Key != "":
		return "REST." + l.Method + ".OBJECT"
	}
	return "REST." + l.Method + ".BUCKET"
}

// formatAccessLog returns l as one line (newline included) in AWS's server
// access log format. Fields Nubo does not know are "-": object size of
// ranged or HEAD responses, access point ARN and aclRequired. The cipher
// suite is Go's (IANA) name, not OpenSSL's.
func (s *Service) formatAccessLog(l *awsapi.RequestLog) []byte {
	req := l.Request
	b := make([]byte, 0, 512)
	b = append(b, s.ownerID...)
	b = append(b, ' ')
	b = append(b, l.Bucket...)
	b = append(b, " ["...)
	b = req.Time.UTC().AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] "...)
	b = field(b, req.SourceIP)
	b = field(b, s.requester(l))
	b = field(b, req.ID)
	b = field(b, logOperation(l))
	b = field(b, logKey(l.Key))
	b = quoted(b, l.Method+" "+l.URI+" "+l.Proto)
	b = strconv.AppendInt(b, int64(l.Status), 10)
	b = append(b, ' ')
	b = field(b, l.ErrorCode)
	b = count(b, l.BytesSent)
	b = count(b, objectSize(l))
	b = strconv.AppendInt(b, l.TotalTime.Milliseconds(), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, l.TurnAround.Milliseconds(), 10)
	b = append(b, ' ')
	b = quoted(b, l.Referer)
	b = quoted(b, req.UserAgent)
	vid := ""
	if req.HTTP != nil {
		vid = req.HTTP.URL.Query().Get("versionId")
	}
	b = field(b, vid)
	b = field(b, base64.StdEncoding.EncodeToString([]byte("nubo/"+req.ID)))
	b = field(b, req.SignatureVersion)
	b = field(b, l.CipherSuite)
	b = field(b, req.AuthType)
	b = field(b, l.Host)
	b = field(b, l.TLSVersion)
	b = append(b, "- -\n"...) // access point ARN, aclRequired
	return b
}

// requester is the canonical user id for the account's root, the IAM ARN
// for other principals, "-" for anonymous requests.
func (s *Service) requester(l *awsapi.RequestLog) string {
	c := l.Request.Caller
	switch {
	case c.Anonymous || c.ARN == "":
		return ""
	case c.Root && c.Account == s.account:
		return s.ownerID
	}
	return c.ARN
}

// objectSize is the size of the object a successful PUT stored or a full
// GET returned; unknown (0) otherwise.
func objectSize(l *awsapi.RequestLog) int64 {
	switch {
	case l.Status/100 != 2 || l.Key == "":
		return 0
	case l.Method == http.MethodGet && l.Status == http.StatusOK:
		return l.BytesSent
	case l.Method == http.MethodPut || l.Method == http.MethodPost:
		if r := l.Request.HTTP; r != nil {
			if v, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64); err == nil {
				return v
			}
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return 0
			}
		}
		return l.BodyBytes
	}
	return 0
}

// logKey is the key URL-encoded with its slashes kept, or "".
func logKey(k string) string {
	return strings.ReplaceAll(url.PathEscape(k), "%2F", "/")
}

// field appends v (or "-" when empty) and a space; spaces and newlines in v
// are encoded so that fields stay separable.
func field(b []byte, v string) []byte {
	if v == "" {
		return append(b, "- "...)
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ' ':
			b = append(b, "%20"...)
		case '\n', '\r':
			b = append(b, "%0A"...)
		default:
			b = append(b, c)
		}
	}
	return append(b, ' ')
}

// quoted appends v in double quotes ("-" when empty) and a space, escaping
// quotes, backslashes and newlines.
func quoted(b []byte, v string) []byte {
	if v == "" {
		return append(b, `"-" `...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n', '\r':
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return append(b, `" `...)
}

// count appends n, or "-" when it is zero, and a space.
func count(b []byte, n int64) []byte {
	if n == 0 {
		return append(b, "- "...)
	}
	return append(strconv.AppendInt(b, n, 10), ' ')
}
