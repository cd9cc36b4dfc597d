package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/store"
)

// defaultMaxKeys is S3's page size and the most keys a listing returns.
const defaultMaxKeys = 1000

// listRecord is the part of a version record a listing needs.
type listRecord struct {
	Seq          uint64    `json:"seq"`
	VersionID    string    `json:"vid"`
	DeleteMarker bool      `json:"dm"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"`
	Modified     time.Time `json:"mod"`
	ChecksumAlg  string    `json:"ca"`
	ChecksumType string    `json:"ct"`
	StorageClass string    `json:"sc"`
}

func (r *listRecord) versionID() string {
	if r.VersionID == "" {
		return "null"
	}
	return r.VersionID
}

// listParams describe one page of a listing.
type listParams struct {
	bucket, prefix, delimiter string
	max                       int
	versions                  bool // every version, not only current objects
	start                     []byte
}

type listEntry struct {
	key      string
	rec      listRecord
	isLatest bool
}

type listPage struct {
	entries     []listEntry
	prefixes    []string
	truncated   bool
	nextKey     string // last key or common prefix returned
	nextVersion string
}

// list scans the bucket's versions in key order, rolling keys up into
// common prefixes at the delimiter (a rolled-up prefix is skipped with a
// new scan starting past it).
func (s *Service) list(p listParams) (*listPage, error) {
	page := &listPage{}
	if p.max <= 0 {
		return page, nil
	}
	end := store.PrefixEnd(listPrefix(p.bucket, p.prefix))
	start := p.start
	lastKey, haveLast, count := "", false, 0
	var scanErr error
	for start != nil {
		var restart []byte
		err := s.db.Scan(start, end, func(k, v []byte) bool {
			key, _, err := parseVersionKey(p.bucket, k)
			if err != nil {
				scanErr = err
				return false
			}
			latest := !haveLast || key != lastKey
			if !p.versions && !latest {
				return true
			}
			lastKey, haveLast = key, true
			if p.delimiter != "" {
				if i := strings.Index(key[len(p.prefix):], p.delimiter); i >= 0 {
					if count == p.max {
						page.truncated = true
						return false
					}
					cp := key[:len(p.prefix)+i+len(p.delimiter)]
					page.prefixes = append(page.prefixes, cp)
					page.nextKey, page.nextVersion = cp, ""
					count++
					restart = store.PrefixEnd(listPrefix(p.bucket, cp))
					return false
				}
			}
			var rec listRecord
			if _, err := decodeListRecord(v, &rec); err != nil {
				scanErr = fmt.Errorf("s3: decode %q: %w", key, err)
				return false
			}
			if !p.versions && rec.DeleteMarker {
				return true
			}
			if count == p.max {
				page.truncated = true
				return false
			}
			page.entries = append(page.entries, listEntry{key: key, rec: rec, isLatest: latest})
			page.nextKey, page.nextVersion = key, rec.versionID()
			count++
			return true
		})
		if err == nil {
			err = scanErr
		}
		if err != nil {
			return nil, fmt.Errorf("s3: list %s: %w", p.bucket, err)
		}
		start = restart
		if restart != nil && bytes.Compare(restart, end) >= 0 {
			break
		}
	}
	return page, nil
}

// startAfter returns the scan start for keys after marker (all versions of
// marker skipped; a marker that is a common prefix skips everything under
// it).
func startAfter(bucket, prefix, delimiter, marker string) []byte {
	start := listPrefix(bucket, prefix)
	if marker == "" || marker < prefix {
		return start
	}
	if delimiter != "" && strings.HasSuffix(marker, delimiter) && strings.HasPrefix(marker, prefix) {
		return store.PrefixEnd(listPrefix(bucket, marker))
	}
	return store.PrefixEnd(objectKeyPrefix(bucket, marker))
}

// maxKeys validates max-keys.
func maxKeys(v *int32) (int, error) {
	if v == nil {
		return defaultMaxKeys, nil
	}
	if *v < 0 {
		return 0, errInvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647").With("ArgumentName", "maxKeys")
	}
	return min(int(*v), defaultMaxKeys), nil
}

// encoder applies encoding-type=url to the names a listing returns.
type encoder bool

func newEncoder(t *string) (encoder, error) {
	switch str(t) {
	case "":
		return false, nil
	case "url":
		return true, nil
	}
	return false, errInvalidArgument("Invalid Encoding Method specified in Request").With("ArgumentName", "encoding-type")
}

func (e encoder) enc(s string) string {
	if !e {
		return s
	}
	return urlEncodeKey(s)
}

// omitEmpty is p unless it points to "": S3 omits an empty delimiter from
// listings.
func omitEmpty(p *string) *string {
	if p == nil || *p == "" {
		return nil
	}
	return p
}

func (e encoder) ptr(p *string) *string {
	if p == nil {
		return nil
	}
	return ptr(e.enc(*p))
}

// urlEncodeKey percent-encodes everything but unreserved characters and '/',
// with a space as '+', which both botocore (unquote_plus) and other SDKs
// decode.
func urlEncodeKey(s string) string {
	var b strings.Builder
	const hexd = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String()
}

func (s *Service) object(e listEntry, enc encoder, owner bool) s3api.Object {
	o := s3api.Object{Key: ptr(enc.enc(e.key)), LastModified: ptr(e.rec.Modified), ETag: ptr(quote(e.rec.ETag)),
		Size: ptr(e.rec.Size), StorageClass: ptr(orDefault(e.rec.StorageClass, "STANDARD"))}
	if e.rec.ChecksumAlg != "" {
		o.ChecksumAlgorithm = []string{e.rec.ChecksumAlg}
		o.ChecksumType = ptr(orDefault(e.rec.ChecksumType, "FULL_OBJECT"))
	}
	if owner {
		o.Owner = s.owner()
	}
	return o
}

func commonPrefixes(ps []string, enc encoder) []s3api.CommonPrefix {
	out := make([]s3api.CommonPrefix, 0, len(ps))
	for _, p := range ps {
		out = append(out, s3api.CommonPrefix{Prefix: ptr(enc.enc(p))})
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return ptr(s)
}

// ListObjects lists current objects (version 1: marker pagination).
func (s *Service) ListObjects(ctx context.Context, in *s3api.ListObjectsInput) (*s3api.ListObjectsOutput, error) {
	name := str(in.Bucket)
	if _, _, err := s.bucketFor(ctx, name, "s3:ListBucket", ""); err != nil {
		return nil, err
	}
	enc, err := newEncoder(in.EncodingType)
	if err != nil {
		return nil, err
	}
	max, err := maxKeys(in.MaxKeys)
	if err != nil {
		return nil, err
	}
	prefix, delim, marker := str(in.Prefix), str(in.Delimiter), str(in.Marker)
	page, err := s.list(listParams{bucket: name, prefix: prefix, delimiter: delim, max: max,
		start: startAfter(name, prefix, delim, marker)})
	if err != nil {
		return nil, err
	}
	// ListObjects (v1) encodes Delimiter, Marker, NextMarker and keys but
	// echoes Prefix as sent; botocore decodes exactly those fields.
	out := &s3api.ListObjectsOutput{Name: ptr(name), Prefix: ptr(prefix), Marker: ptr(enc.enc(marker)),
		MaxKeys: ptr(int32(max)), IsTruncated: ptr(page.truncated), Delimiter: enc.ptr(omitEmpty(in.Delimiter)),
		CommonPrefixes: commonPrefixes(page.prefixes, enc), EncodingType: in.EncodingType}
	for _, e := range page.entries {
		out.Contents = append(out.Contents, s.object(e, enc, true))
	}
	if page.truncated {
		out.NextMarker = ptr(enc.enc(page.nextKey))
	}
	return out, nil
}

// ListObjectsV2 lists current objects (continuation-token pagination).
func (s *Service) ListObjectsV2(ctx context.Context, in *s3api.ListObjectsV2Input) (*s3api.ListObjectsV2Output, error) {
	name := str(in.Bucket)
	if _, _, err := s.bucketFor(ctx, name, "s3:ListBucket", ""); err != nil {
		return nil, err
	}
	enc, err := newEncoder(in.EncodingType)
	if err != nil {
		return nil, err
	}
	max, err := maxKeys(in.MaxKeys)
	if err != nil {
		return nil, err
	}
	prefix, delim := str(in.Prefix), str(in.Delimiter)
	after := str(in.StartAfter)
	if t := str(in.ContinuationToken); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil {
			return nil, errInvalidArgument("The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
		}
		after = string(raw)
	}
	page, err := s.list(listParams{bucket: name, prefix: prefix, delimiter: delim, max: max,
		start: startAfter(name, prefix, delim, after)})
	if err != nil {
		return nil, err
	}
	owner := in.FetchOwner != nil && *in.FetchOwner
	out := &s3api.ListObjectsV2Output{Name: ptr(name), Prefix: ptr(enc.enc(prefix)), MaxKeys: ptr(int32(max)),
		IsTruncated: ptr(page.truncated), Delimiter: enc.ptr(omitEmpty(in.Delimiter)), CommonPrefixes: commonPrefixes(page.prefixes, enc),
		EncodingType: in.EncodingType, ContinuationToken: in.ContinuationToken, StartAfter: enc.ptr(in.StartAfter),
		KeyCount: ptr(int32(len(page.entries) + len(page.prefixes)))}
	for _, e := range page.entries {
		out.Contents = append(out.Contents, s.object(e, enc, owner))
	}
	if page.truncated {
		out.NextContinuationToken = ptr(base64.RawURLEncoding.EncodeToString([]byte(page.nextKey)))
	}
	return out, nil
}

// ListObjectVersions lists every version and delete marker.
func (s *Service) ListObjectVersions(ctx context.Context, in *s3api.ListObjectVersionsInput) (*s3api.ListObjectVersionsOutput, error) {
	name := str(in.Bucket)
	if _, _, err := s.bucketFor(ctx, name, "s3:ListBucketVersions", ""); err != nil {
		return nil, err
	}
	enc, err := newEncoder(in.EncodingType)
	if err != nil {
		return nil, err
	}
	max, err := maxKeys(in.MaxKeys)
	if err != nil {
		return nil, err
	}
	prefix, delim, keyMarker, vMarker := str(in.Prefix), str(in.Delimiter), str(in.KeyMarker), str(in.VersionIdMarker)
	start := startAfter(name, prefix, delim, keyMarker)
	if keyMarker != "" && vMarker != "" {
		if start, err = s.afterVersion(name, keyMarker, vMarker); err != nil {
			return nil, err
		}
	}
	page, err := s.list(listParams{bucket: name, prefix: prefix, delimiter: delim, max: max, versions: true, start: start})
	if err != nil {
		return nil, err
	}
	out := &s3api.ListObjectVersionsOutput{Name: ptr(name), Prefix: ptr(enc.enc(prefix)), KeyMarker: ptr(enc.enc(keyMarker)),
		VersionIdMarker: ptr(vMarker), MaxKeys: ptr(int32(max)), IsTruncated: ptr(page.truncated),
		Delimiter: enc.ptr(omitEmpty(in.Delimiter)), CommonPrefixes: commonPrefixes(page.prefixes, enc), EncodingType: in.EncodingType}
	for _, e := range page.entries {
		if e.rec.DeleteMarker {
			out.DeleteMarkers = append(out.DeleteMarkers, s3api.DeleteMarkerEntry{Owner: s.owner(), Key: ptr(enc.enc(e.key)),
				VersionId: ptr(e.rec.versionID()), IsLatest: ptr(e.isLatest), LastModified: ptr(e.rec.Modified)})
			continue
		}
		o := s.object(e, enc, true)
		out.Versions = append(out.Versions, s3api.ObjectVersion{ETag: o.ETag, ChecksumAlgorithm: o.ChecksumAlgorithm,
			ChecksumType: o.ChecksumType, Size: o.Size, StorageClass: o.StorageClass, Key: o.Key,
			VersionId: ptr(e.rec.versionID()), IsLatest: ptr(e.isLatest), LastModified: o.LastModified, Owner: o.Owner})
	}
	if page.truncated {
		out.NextKeyMarker = ptr(enc.enc(page.nextKey))
		out.NextVersionIdMarker = nonEmpty(page.nextVersion)
	}
	return out, nil
}

// afterVersion returns the scan start just past one version of key.
func (s *Service) afterVersion(bucket, key, versionID string) ([]byte, error) {
	if versionID == "null" {
		_, null, err := s.keyVersions(bucket, key, false)
		if err != nil {
			return nil, err
		}
		if null == nil {
			return store.PrefixEnd(objectKeyPrefix(bucket, key)), nil
		}
		return append(versionKey(bucket, key, null.Seq), 0), nil
	}
	seq, ok := versionSeq(versionID)
	if !ok {
		return nil, errInvalidArgument("Invalid version id specified").With("ArgumentName", "version-id-marker")
	}
	return append(versionKey(bucket, key, seq), 0), nil
}
