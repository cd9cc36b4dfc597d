package s3

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi"
)

// MaxKeyLength is the longest object key in bytes.
const MaxKeyLength = 1024

func errNoSuchBucket(name string) *awsapi.Error {
	return awsapi.Errorf("NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist").With("BucketName", name)
}

func errNoSuchKey(key string) *awsapi.Error {
	return awsapi.Errorf("NoSuchKey", http.StatusNotFound, "The specified key does not exist.").With("Key", key)
}

func errNoSuchVersion(key, version string) *awsapi.Error {
	return awsapi.Errorf("NoSuchVersion", http.StatusNotFound, "The specified version does not exist.").
		With("Key", key).With("VersionId", version)
}

func errNoSuchUpload(id string) *awsapi.Error {
	return awsapi.Errorf("NoSuchUpload", http.StatusNotFound,
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").
		With("UploadId", id)
}

func errInvalidArgument(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidArgument", http.StatusBadRequest, format, args...)
}

func errInvalidRequest(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidRequest", http.StatusBadRequest, format, args...)
}

func errMalformedXML() *awsapi.Error {
	return awsapi.Errorf("MalformedXML", http.StatusBadRequest,
		"The XML you provided was not well-formed or did not validate against our published schema")
}

func errAccessDenied() *awsapi.Error {
	return awsapi.Errorf("AccessDenied", http.StatusForbidden, "Access Denied")
}

func errPreconditionFailed(cond string) *awsapi.Error {
	return awsapi.Errorf("PreconditionFailed", http.StatusPreconditionFailed,
		"At least one of the pre-conditions you specified did not hold").With("Condition", cond)
}

// validBucketName applies the general purpose bucket naming rules.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-'
		if !ok {
			return false
		}
	}
	first, last := name[0], name[len(name)-1]
	if !alnum(first) || !alnum(last) || strings.Contains(name, "..") ||
		strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	if net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, sfx) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// checkKey validates an object key: non-empty, at most 1024 bytes, valid
// UTF-8. Any other content ("../", NUL) is just part of the name.
func checkKey(key string) error {
	switch {
	case key == "":
		return errInvalidArgument("Object key must not be empty.")
	case len(key) > MaxKeyLength:
		return awsapi.Errorf("KeyTooLongError", http.StatusBadRequest, "Your key is too long").
			With("MaxSizeAllowed", MaxKeyLength).With("Size", len(key))
	case !utf8.ValidString(key):
		return errInvalidArgument("Object key is not valid UTF-8.").With("ArgumentName", "key")
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// setStatus overrides the success status of the current request.
func setStatus(ctx context.Context, status int) {
	if r := awsapi.RequestFrom(ctx); r != nil {
		r.Response.Status = status
	}
}

// setHeader adds a response header to the current request.
func setHeader(ctx context.Context, k, v string) {
	if r := awsapi.RequestFrom(ctx); r != nil {
		if r.Response.Header == nil {
			r.Response.Header = http.Header{}
		}
		r.Response.Header.Set(k, v)
	}
}

// errorCode is the AWS error code of err, or "".
func errorCode(err error) string {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}
