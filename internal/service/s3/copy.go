package s3

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

// copySource is a parsed x-amz-copy-source.
type copySource struct {
	bucket, key, versionID string
}

// parseCopySource parses "[/]bucket/key[?versionId=id]" (URL-encoded).
func parseCopySource(v string) (copySource, error) {
	bad := errInvalidArgument("Invalid copy source object key").With("ArgumentName", "x-amz-copy-source")
	path, query, _ := strings.Cut(v, "?")
	path, err := url.PathUnescape(strings.TrimPrefix(path, "/"))
	if err != nil {
		return copySource{}, bad
	}
	b, k, ok := strings.Cut(path, "/")
	if !ok || b == "" || k == "" {
		return copySource{}, errInvalidArgument("Invalid copy source bucket name").With("ArgumentName", "x-amz-copy-source")
	}
	cs := copySource{bucket: b, key: k}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return copySource{}, bad
		}
		cs.versionID = q.Get("versionId")
		if q.Has("versionId") && cs.versionID == "" {
			return copySource{}, errInvalidArgument("Version id cannot be the empty string").With("ArgumentName", "versionId")
		}
	}
	if err := checkKey(k); err != nil {
		return copySource{}, err
	}
	return cs, nil
}

// copyConditions are the x-amz-copy-source-if-* headers.
type copyConditions struct {
	ifMatch, ifNoneMatch *string
	ifMod, ifUnmod       *time.Time
}

// check applies the copy preconditions (all failures are 412).
func (c copyConditions) check(rec *objectRecord) error {
	mod := rec.Modified.Truncate(time.Second)
	if c.ifMatch != nil && !etagMatches(*c.ifMatch, rec.ETag) {
		return errPreconditionFailed("x-amz-copy-source-If-Match")
	}
	if c.ifMatch == nil && c.ifUnmod != nil && mod.After(*c.ifUnmod) {
		return errPreconditionFailed("x-amz-copy-source-If-Unmodified-Since")
	}
	if c.ifNoneMatch != nil && etagMatches(*c.ifNoneMatch, rec.ETag) {
		return errPreconditionFailed("x-amz-copy-source-If-None-Match")
	}
	if c.ifNoneMatch == nil && c.ifMod != nil && !mod.After(*c.ifMod) {
		return errPreconditionFailed("x-amz-copy-source-If-Modified-Since")
	}
	return nil
}

// source resolves and authorizes the version a copy reads.
func (s *Service) source(ctx context.Context, raw string, cond copyConditions) (copySource, *objectRecord, *bucketConfig, error) {
	cs, err := parseCopySource(raw)
	if err != nil {
		return cs, nil, nil, err
	}
	_, cfg, err := s.bucketFor(ctx, cs.bucket, ifVersion(cs.versionID, "s3:GetObject", "s3:GetObjectVersion"), cs.key)
	if err != nil {
		return cs, nil, nil, err
	}
	rec, err := s.getVersion(ctx, cs.bucket, cs.key, cs.versionID, false)
	if err != nil {
		if ae := awsapi.AsError(err); ae.Code == "MethodNotAllowed" {
			return cs, nil, nil, errInvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")
		}
		return cs, nil, nil, err
	}
	if err := cond.check(rec); err != nil {
		return cs, nil, nil, err
	}
	return cs, rec, cfg, nil
}

// CopyObject copies a version (or replaces an object's metadata in place).
// Blob-backed bodies are shared, not copied.
func (s *Service) CopyObject(ctx context.Context, in *s3api.CopyObjectInput) (*s3api.CopyObjectOutput, error) {
	name, key := str(in.Bucket), str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, cfg, err := s.bucketFor(ctx, name, "s3:PutObject", key)
	if err != nil {
		return nil, err
	}
	if err := s.objectACL(cfg, in.ACL, nil, in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP); err != nil {
		return nil, err
	}
	cs, src, srcCfg, err := s.source(ctx, str(in.CopySource), copyConditions{in.CopySourceIfMatch, in.CopySourceIfNoneMatch,
		in.CopySourceIfModifiedSince, in.CopySourceIfUnmodifiedSince})
	if err != nil {
		return nil, err
	}
	if src.Size > MaxObjectSize {
		return nil, errInvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: %d", MaxObjectSize)
	}
	rec, err := s.copiedRecord(ctx, cfg, in, src)
	if err != nil {
		return nil, err
	}
	if cs.bucket == name && cs.key == key && cs.versionID == "" && str(in.MetadataDirective) != "REPLACE" && in.ServerSideEncryption == nil && in.SSECustomerAlgorithm == nil &&
		in.StorageClass == nil && in.WebsiteRedirectLocation == nil && str(in.TaggingDirective) != "REPLACE" {
		return nil, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	var inline []byte
	if rec.Inline {
		if inline, err = s.inlineBody(src.Seq); err != nil {
			return nil, err
		}
	}
	if err := s.copyChecksum(ctx, in.ChecksumAlgorithm, src, rec); err != nil {
		return nil, err
	}
	res, err := s.apply(ctx, &write{bucket: b, key: key, put: rec, inline: inline, event: "ObjectCreated:Copy",
		check: writeConditions(key, in.IfMatch, in.IfNoneMatch)})
	if err != nil {
		return nil, err
	}
	out := &s3api.CopyObjectOutput{CopyObjectResult: &s3api.CopyObjectResult{ETag: ptr(quote(rec.ETag)), LastModified: ptr(rec.Modified)},
		Expiration: expiration(cfg, key, rec)}
	r := out.CopyObjectResult
	checksumSet{&r.ChecksumCRC32, &r.ChecksumCRC32C, &r.ChecksumCRC64NVME, &r.ChecksumSHA1, &r.ChecksumSHA256}.set(rec.ChecksumAlg, rec.Checksum)
	if rec.Checksum != "" {
		r.ChecksumType = ptr(orDefault(rec.ChecksumType, "FULL_OBJECT"))
	}
	if srcCfg.rec.Versioning != "" {
		out.CopySourceVersionId = ptr(src.versionID())
	}
	out.VersionId = nonEmpty(res.versionID)
	s.echoSSE(rec, &out.ServerSideEncryption, &out.SSEKMSKeyId, &out.BucketKeyEnabled)
	echoSSEC(rec.SSEC, &out.SSECustomerAlgorithm, &out.SSECustomerKeyMD5)
	return out, nil
}

// copiedRecord builds the new version of a copy from the source and the
// metadata and tagging directives.
func (s *Service) copiedRecord(ctx context.Context, cfg *bucketConfig, in *s3api.CopyObjectInput, src *objectRecord) (*objectRecord, error) {
	md, td := orDefault(str(in.MetadataDirective), "COPY"), orDefault(str(in.TaggingDirective), "COPY")
	if md != "COPY" && md != "REPLACE" {
		return nil, errInvalidArgument("Unknown metadata directive.").With("ArgumentName", "x-amz-metadata-directive")
	}
	if td != "COPY" && td != "REPLACE" {
		return nil, errInvalidArgument("Unknown tagging directive.").With("ArgumentName", "x-amz-tagging-directive")
	}
	mi := metaInput{ContentType: in.ContentType, ContentEncoding: in.ContentEncoding, ContentDisposition: in.ContentDisposition,
		ContentLanguage: in.ContentLanguage, CacheControl: in.CacheControl, Expires: in.Expires,
		WebsiteRedirect: in.WebsiteRedirectLocation, Metadata: in.Metadata, Tagging: in.Tagging, SSE: in.ServerSideEncryption,
		KMSKeyID: in.SSEKMSKeyId, BucketKey: in.BucketKeyEnabled, StorageClass: in.StorageClass,
		SSECustomerAlgorithm: in.SSECustomerAlgorithm, SSECustomerKey: in.SSECustomerKey, SSECustomerKeyMD5: in.SSECustomerKeyMD5}
	if err := checkReadKey(src.SSEC, ssecHeaders{alg: in.CopySourceSSECustomerAlgorithm, key: in.CopySourceSSECustomerKey,
		md5: in.CopySourceSSECustomerKeyMD5, copySource: true}); err != nil {
		return nil, err
	}
	meta, err := buildMeta(cfg, mi)
	if err != nil {
		return nil, err
	}
	rec := &objectRecord{Seq: s.nextSeq(), Size: src.Size, ETag: src.ETag, Blob: src.Blob, Inline: src.Inline,
		Modified: s.now(ctx), Parts: src.Parts, PartSizes: src.PartSizes, ChecksumAlg: src.ChecksumAlg,
		Checksum: src.Checksum, ChecksumType: src.ChecksumType, PartChecksums: src.PartChecksums}
	meta.apply(rec)
	if rec.objectLock, err = s.newLock(ctx, cfg, lockInput{in.ObjectLockMode, in.ObjectLockRetainUntilDate, in.ObjectLockLegalHoldStatus}); err != nil {
		return nil, err
	}
	if md == "COPY" {
		rec.Headers, rec.Meta = src.Headers, src.Meta
	}
	if td == "COPY" {
		rec.Tags = src.Tags
	}
	return rec, nil
}

// copyChecksum computes the checksum a copy asks for when the source has
// another (or none).
func (s *Service) copyChecksum(ctx context.Context, want *string, src, rec *objectRecord) error {
	if want == nil || strings.EqualFold(*want, src.ChecksumAlg) {
		return nil
	}
	alg, ok := checksum.ParseAlgorithm(*want)
	if !ok {
		return errInvalidRequest("Checksum algorithm %s is not supported.", *want)
	}
	h, _ := checksum.NewHash(alg)
	body, err := s.openBody(src.body())
	if err != nil {
		return err
	}
	defer body.Close()
	if _, err := io.Copy(h, body); err != nil {
		return err
	}
	rec.ChecksumAlg, rec.Checksum, rec.ChecksumType = string(alg), checksum.Value(h), "FULL_OBJECT"
	return nil
}

// UploadPartCopy uploads a part whose data is (a range of) an existing
// object.
func (s *Service) UploadPartCopy(ctx context.Context, in *s3api.UploadPartCopyInput) (*s3api.UploadPartCopyOutput, error) {
	up, err := s.uploadFor(ctx, "s3:PutObject", str(in.Bucket), str(in.Key), str(in.UploadId), in.PartNumber)
	if err != nil {
		return nil, err
	}
	_, src, srcCfg, err := s.source(ctx, str(in.CopySource), copyConditions{in.CopySourceIfMatch, in.CopySourceIfNoneMatch,
		in.CopySourceIfModifiedSince, in.CopySourceIfUnmodifiedSince})
	if err != nil {
		return nil, err
	}
	if err := partCopyKeys(up, src, in); err != nil {
		return nil, err
	}
	rng := &byteRange{0, src.Size}
	if r := str(in.CopySourceRange); r != "" {
		parsed, err := parseRange(r, src.Size)
		if err != nil || parsed == nil || !strings.Contains(r, "-") || strings.HasPrefix(strings.TrimPrefix(r, "bytes="), "-") {
			return nil, errInvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy").
				With("ArgumentName", "x-amz-copy-source-range")
		}
		if err := copyRangeWithin(r, src.Size); err != nil {
			return nil, err
		}
		rng = parsed
	}
	if rng.length > MaxObjectSize {
		return nil, errInvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: %d", MaxObjectSize)
	}
	body, err := s.openRange(src.body(), rng.start, rng.length)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	rv, err := s.receive(ctx, body, checksum.Algorithm(up.ChecksumAlg), MaxObjectSize, "")
	if err != nil {
		return nil, err
	}
	part, err := s.storePart(ctx, up, *in.PartNumber, rv)
	if err != nil {
		return nil, err
	}
	out := &s3api.UploadPartCopyOutput{CopyPartResult: &s3api.CopyPartResult{ETag: ptr(quote(part.ETag)), LastModified: ptr(part.Modified)}}
	r := out.CopyPartResult
	checksumSet{&r.ChecksumCRC32, &r.ChecksumCRC32C, &r.ChecksumCRC64NVME, &r.ChecksumSHA1, &r.ChecksumSHA256}.set(up.ChecksumAlg, part.Checksum)
	if srcCfg.rec.Versioning != "" {
		out.CopySourceVersionId = ptr(src.versionID())
	}
	s.echoUploadSSE(up, &out.ServerSideEncryption, &out.SSEKMSKeyId)
	echoSSEC(up.SSEC, &out.SSECustomerAlgorithm, &out.SSECustomerKeyMD5)
	return out, nil
}

// copyRangeWithin rejects an x-amz-copy-source-range whose last byte lies
// past the source: unlike a GET's Range, a copy range is never shortened.
func copyRangeWithin(r string, size int64) error {
	_, last, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(r), "bytes="), "-")
	end, err := strconv.ParseInt(strings.TrimSpace(last), 10, 64)
	if err != nil || end < size {
		return nil
	}
	return awsapi.Errorf("InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable").
		With("RangeRequested", r).With("ActualObjectSize", size)
}
