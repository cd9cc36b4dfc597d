package iam

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
)

// IAM's errors, with the codes and statuses of the model's exception shapes.
func noSuchEntity(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("NoSuchEntity", http.StatusNotFound, format, args...)
}

func alreadyExists(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("EntityAlreadyExists", http.StatusConflict, format, args...)
}

func deleteConflict(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("DeleteConflict", http.StatusConflict, format, args...)
}

func limitExceeded(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("LimitExceeded", http.StatusConflict, format, args...)
}

func invalidInput(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidInput", http.StatusBadRequest, format, args...)
}

func malformedPolicy(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("MalformedPolicyDocument", http.StatusBadRequest, format, args...)
}

// validationError is the error AWS answers when a parameter breaks the model's
// constraints (pattern, length, range).
func validationError(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ValidationError", http.StatusBadRequest, format, args...)
}

var (
	namePattern       = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern       = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	pathPrefixPattern = regexp.MustCompile(`^/[\x21-\x7F]*$`)
	policyPathPattern = regexp.MustCompile(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`)
	tagKeyPattern     = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValuePattern   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	versionIDPattern  = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)
)

// str returns *p, or "" for nil.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// required fails when a required parameter is missing.
func required(field string, p *string) (string, error) {
	if p == nil {
		return "", validationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	return *p, nil
}

// checkName validates an entity or policy name of at most max characters.
func checkName(field string, p *string, max int) (string, error) {
	v, err := required(field, p)
	if err != nil {
		return "", err
	}
	if n := len(v); n < 1 || n > max {
		return "", validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, field, max)
	}
	if !namePattern.MatchString(v) {
		return "", validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", v, field)
	}
	return v, nil
}

// checkPath validates an entity path; an absent path is "/".
func checkPath(p *string, pattern *regexp.Regexp) (string, error) {
	if p == nil {
		return "/", nil
	}
	v := *p
	if len(v) < 1 || len(v) > 512 || !pattern.MatchString(v) {
		return "", validationError("1 validation error detected: Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, pattern.String())
	}
	return v, nil
}

// checkPathPrefix validates a PathPrefix filter; absent means "/".
func checkPathPrefix(p *string) (string, error) {
	if p == nil {
		return "/", nil
	}
	if len(*p) > 512 || !pathPrefixPattern.MatchString(*p) {
		return "", validationError("1 validation error detected: Value '%s' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*", *p)
	}
	return *p, nil
}

// checkDocument validates the size and characters of a policy document.
func checkDocument(field string, p *string) (string, error) {
	v, err := required(field, p)
	if err != nil {
		return "", err
	}
	if len(v) < 1 || len(v) > 131072 {
		return "", validationError("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 131072", field)
	}
	return v, nil
}

// maxTags is IAM's limit of tags per entity.
const maxTags = 50

// checkTags validates tags given in one request.
func checkTags(tags []tag) error {
	if len(tags) > maxTags {
		return validationError("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxTags)
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > 128 || !tagKeyPattern.MatchString(t.Key) {
			return validationError("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+", t.Key)
		}
		if len(t.Value) > 256 || !tagValuePattern.MatchString(t.Value) {
			return validationError("1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", t.Value)
		}
		k := strings.ToLower(t.Key)
		if seen[k] {
			return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags adds or replaces tags (keys compare case-insensitively) and
// enforces the per-entity limit.
func mergeTags(have, add []tag) ([]tag, error) {
	if err := checkTags(add); err != nil {
		return nil, err
	}
	out := append([]tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, limitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// removeTags drops the tags with the given keys (case-insensitively).
func removeTags(have []tag, keys []string) []tag {
	out := have[:0:0]
	for _, t := range have {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// encodeDocument percent-encodes a policy document the way IAM returns
// documents in its query responses (botocore url-decodes them again).
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// defaultMaxItems is IAM's page size when MaxItems is absent.
const defaultMaxItems = 100

// page selects one page of items, which are sorted by key. The marker is the
// (opaque, base64) key of the first item of the page.
func page[T any](items []T, key func(T) string, marker *string, maxItems *int32) (out []T, next *string, truncated bool, err error) {
	limit := defaultMaxItems
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > 1000 {
			return nil, nil, false, validationError("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", *maxItems)
		}
		limit = int(*maxItems)
	}
	start := 0
	if marker != nil {
		raw, derr := base64.RawURLEncoding.DecodeString(*marker)
		if derr != nil || len(raw) == 0 {
			return nil, nil, false, invalidInput("Invalid Marker.")
		}
		from := string(raw)
		for start < len(items) && key(items[start]) < from {
			start++
		}
	}
	end := start + limit
	if end >= len(items) {
		return items[start:], nil, false, nil
	}
	m := base64.RawURLEncoding.EncodeToString([]byte(key(items[end])))
	return items[start:end], &m, true, nil
}

// entityARN returns the ARN of an IAM entity of the account.
func (s *Service) entityARN(kind, path, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:%s%s%s", s.account, kind, path, name)
}
