package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// readInput is what GetObject and HeadObject share.
type readInput struct {
	bucket, key, versionID, rangeHeader string
	ifMatch, ifNoneMatch                *string
	ifMod, ifUnmod                      *time.Time
	partNumber                          *int32
	checksumMode                        string
	overrides                           map[string]*string
	responseExpires                     *time.Time
	ssec                                ssecHeaders
}

// readResult is a version about to be returned.
type readResult struct {
	rec         *objectRecord
	data        []byte // the body when the version cache holds it, else nil
	cfg         *bucketConfig
	rng         *byteRange
	notModified bool
	head        *s3api.HeadObjectOutput
}

// read resolves the version, preconditions and range of a GET or HEAD and
// builds the response headers.
func (s *Service) read(ctx context.Context, in readInput) (*readResult, error) {
	if err := checkKey(in.key); err != nil {
		return nil, err
	}
	if err := rejectSSEOnRead(ctx); err != nil {
		return nil, err
	}
	b, cfg, err := s.bucketFor(ctx, in.bucket, ifVersion(in.versionID, "s3:GetObject", "s3:GetObjectVersion"), in.key)
	if err != nil {
		return nil, err
	}
	rec, data, err := s.readVersion(ctx, b, in.key, in.versionID)
	if err != nil {
		return nil, err
	}
	if err := checkReadKey(rec.SSEC, in.ssec); err != nil {
		return nil, err
	}
	res := &readResult{rec: rec, data: data, cfg: cfg}
	if res.notModified, err = readConditions(rec, in.ifMatch, in.ifNoneMatch, in.ifMod, in.ifUnmod); err != nil {
		return nil, err
	}
	switch {
	case in.partNumber != nil:
		if res.rng, err = partRange(rec, *in.partNumber); err != nil {
			return nil, err
		}
	case in.rangeHeader != "":
		if res.rng, err = parseRange(in.rangeHeader, rec.Size); err != nil {
			return nil, err
		}
	}
	res.head = s.headOutput(res, in)
	return res, nil
}

func (s *Service) headOutput(res *readResult, in readInput) *s3api.HeadObjectOutput {
	rec := res.rec
	h := rec.Headers
	out := &s3api.HeadObjectOutput{AcceptRanges: ptr("bytes"), LastModified: ptr(rec.Modified), ETag: ptr(quote(rec.ETag)),
		ContentLength: ptr(rec.Size), Metadata: rec.Meta}
	if in.versionID == "" {
		out.Expiration = expiration(res.cfg, in.key, rec)
	}
	hdr := func(name string) *string {
		if o := in.overrides[name]; o != nil {
			return o
		}
		if v, ok := h[name]; ok {
			return ptr(v)
		}
		return nil
	}
	out.ContentType, out.ContentEncoding = hdr("Content-Type"), hdr("Content-Encoding")
	out.ContentDisposition, out.ContentLanguage = hdr("Content-Disposition"), hdr("Content-Language")
	out.CacheControl, out.Expires = hdr("Cache-Control"), hdr("Expires")
	if in.responseExpires != nil {
		out.Expires = ptr(in.responseExpires.UTC().Format(http.TimeFormat))
	}
	out.WebsiteRedirectLocation = hdr("x-amz-website-redirect-location")
	if res.cfg.rec.Versioning != "" {
		out.VersionId = ptr(rec.versionID())
	}
	if len(rec.Tags) > 0 {
		out.TagCount = ptr(int32(len(rec.Tags)))
	}
	if rec.StorageClass != "" && rec.StorageClass != "STANDARD" {
		out.StorageClass = ptr(rec.StorageClass)
	}
	if rec.Parts > 0 && in.partNumber != nil {
		out.PartsCount = ptr(rec.Parts)
	}
	s.echoSSE(rec, &out.ServerSideEncryption, &out.SSEKMSKeyId, &out.BucketKeyEnabled)
	echoSSEC(rec.SSEC, &out.SSECustomerAlgorithm, &out.SSECustomerKeyMD5)
	lockHeaders(rec, out)
	wholeOrPart := res.rng == nil || (in.partNumber != nil && rec.Parts == 0)
	if in.checksumMode == "ENABLED" && wholeOrPart && rec.Checksum != "" {
		checksumSet{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(rec.ChecksumAlg, rec.Checksum)
		out.ChecksumType = ptr(orDefault(rec.ChecksumType, "FULL_OBJECT"))
	}
	if r := res.rng; r != nil {
		out.ContentLength = ptr(r.length)
		out.ContentRange = ptr(fmt.Sprintf("bytes %d-%d/%d", r.start, r.start+r.length-1, rec.Size))
	}
	if res.notModified {
		out.ContentLength = nil
		out.ContentRange = nil
	}
	return out
}

// responseStatus sets 304 or 206 as the read requires.
func responseStatus(ctx context.Context, res *readResult) {
	switch {
	case res.notModified:
		setStatus(ctx, http.StatusNotModified)
	case res.rng != nil:
		setStatus(ctx, http.StatusPartialContent)
	}
}

func overrides(ct, ce, cd, cl, cc *string) map[string]*string {
	return map[string]*string{"Content-Type": ct, "Content-Encoding": ce, "Content-Disposition": cd,
		"Content-Language": cl, "Cache-Control": cc}
}

// GetObject returns an object (or a range or part of it), honouring
// conditional headers and response-* overrides.
func (s *Service) GetObject(ctx context.Context, in *s3api.GetObjectInput) (*s3api.GetObjectOutput, error) {
	res, err := s.read(ctx, readInput{bucket: str(in.Bucket), key: str(in.Key), versionID: str(in.VersionId),
		rangeHeader: str(in.Range), ifMatch: in.IfMatch, ifNoneMatch: in.IfNoneMatch, ifMod: in.IfModifiedSince,
		ifUnmod: in.IfUnmodifiedSince, partNumber: in.PartNumber, checksumMode: str(in.ChecksumMode),
		overrides: overrides(in.ResponseContentType, in.ResponseContentEncoding, in.ResponseContentDisposition,
			in.ResponseContentLanguage, in.ResponseCacheControl), responseExpires: in.ResponseExpires,
		ssec: ssecHeaders{alg: in.SSECustomerAlgorithm, key: in.SSECustomerKey, md5: in.SSECustomerKeyMD5}})
	if err != nil {
		return nil, err
	}
	out := getOutput(res.head)
	responseStatus(ctx, res)
	if res.notModified {
		return out, nil
	}
	rng := res.rng
	if rng == nil {
		rng = &byteRange{0, res.rec.Size}
	}
	if res.data != nil {
		out.Body = io.NopCloser(bytes.NewReader(res.data[rng.start : rng.start+rng.length]))
		return out, nil
	}
	body, err := s.openRange(res.rec.body(), rng.start, rng.length)
	if err != nil {
		return nil, err
	}
	out.Body = body
	return out, nil
}

// HeadObject returns an object's metadata.
func (s *Service) HeadObject(ctx context.Context, in *s3api.HeadObjectInput) (*s3api.HeadObjectOutput, error) {
	res, err := s.read(ctx, readInput{bucket: str(in.Bucket), key: str(in.Key), versionID: str(in.VersionId),
		rangeHeader: str(in.Range), ifMatch: in.IfMatch, ifNoneMatch: in.IfNoneMatch, ifMod: in.IfModifiedSince,
		ifUnmod: in.IfUnmodifiedSince, partNumber: in.PartNumber, checksumMode: str(in.ChecksumMode),
		overrides: overrides(in.ResponseContentType, in.ResponseContentEncoding, in.ResponseContentDisposition,
			in.ResponseContentLanguage, in.ResponseCacheControl), responseExpires: in.ResponseExpires,
		ssec: ssecHeaders{alg: in.SSECustomerAlgorithm, key: in.SSECustomerKey, md5: in.SSECustomerKeyMD5}})
	if err != nil {
		return nil, err
	}
	responseStatus(ctx, res)
	return res.head, nil
}

func getOutput(h *s3api.HeadObjectOutput) *s3api.GetObjectOutput {
	return &s3api.GetObjectOutput{AcceptRanges: h.AcceptRanges, LastModified: h.LastModified, ContentLength: h.ContentLength,
		ETag: h.ETag, ChecksumCRC32: h.ChecksumCRC32, ChecksumCRC32C: h.ChecksumCRC32C, ChecksumCRC64NVME: h.ChecksumCRC64NVME,
		ChecksumSHA1: h.ChecksumSHA1, ChecksumSHA256: h.ChecksumSHA256, ChecksumType: h.ChecksumType, VersionId: h.VersionId,
		CacheControl: h.CacheControl, ContentDisposition: h.ContentDisposition, ContentEncoding: h.ContentEncoding,
		ContentLanguage: h.ContentLanguage, ContentRange: h.ContentRange, ContentType: h.ContentType, Expires: h.Expires,
		WebsiteRedirectLocation: h.WebsiteRedirectLocation, ServerSideEncryption: h.ServerSideEncryption, Metadata: h.Metadata,
		SSEKMSKeyId: h.SSEKMSKeyId, BucketKeyEnabled: h.BucketKeyEnabled, StorageClass: h.StorageClass,
		PartsCount: h.PartsCount, TagCount: h.TagCount, Expiration: h.Expiration,
		SSECustomerAlgorithm: h.SSECustomerAlgorithm, SSECustomerKeyMD5: h.SSECustomerKeyMD5, ObjectLockMode: h.ObjectLockMode,
		ObjectLockRetainUntilDate: h.ObjectLockRetainUntilDate, ObjectLockLegalHoldStatus: h.ObjectLockLegalHoldStatus}
}

// DeleteObject deletes an object: the null version of an unversioned
// bucket, a new delete marker in a versioned one, or the version named.
func (s *Service) DeleteObject(ctx context.Context, in *s3api.DeleteObjectInput) (*s3api.DeleteObjectOutput, error) {
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:DeleteObject", key)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeVersion(ctx, cfg, str(in.VersionId), "s3:DeleteObjectVersion", b.name(), key); err != nil {
		return nil, err
	}
	res, err := s.deleteKey(ctx, b, key, str(in.VersionId), deleteConds{in.IfMatch, in.IfMatchLastModifiedTime, in.IfMatchSize,
		s.bypassGovernance(ctx, cfg, key, in.BypassGovernanceRetention)})
	if err != nil {
		return nil, err
	}
	out := &s3api.DeleteObjectOutput{}
	if res.deleteMarker {
		out.DeleteMarker = ptr(true)
	}
	if res.versionID != "" {
		out.VersionId = ptr(res.versionID)
	}
	return out, nil
}

// deleteConds are a delete's preconditions on the current version:
// If-Match, x-amz-if-match-last-modified-time and x-amz-if-match-size (in
// DeleteObjects, an entry's ETag, LastModifiedTime and Size).
type deleteConds struct {
	etag  *string
	mtime *time.Time
	size  *int64
	// bypass is an authorized x-amz-bypass-governance-retention.
	bypass bool
}

func (c deleteConds) check(key string) func(*objectRecord) error {
	if c.etag == nil && c.mtime == nil && c.size == nil {
		return nil
	}
	return func(cur *objectRecord) error {
		switch {
		case cur == nil || cur.DeleteMarker:
			return errNoSuchKey(key)
		case c.etag != nil && !etagMatches(*c.etag, cur.ETag):
			return errPreconditionFailed("If-Match")
		case c.mtime != nil && !c.mtime.Truncate(time.Second).Equal(cur.Modified.Truncate(time.Second)):
			return errPreconditionFailed("x-amz-if-match-last-modified-time")
		case c.size != nil && *c.size != cur.Size:
			return errPreconditionFailed("x-amz-if-match-size")
		}
		return nil
	}
}

func (s *Service) deleteKey(ctx context.Context, b *bucket, key, versionID string, conds deleteConds) (*writeResult, error) {
	if versionID != "" && versionID != "null" {
		if _, ok := versionSeq(versionID); !ok {
			return nil, errInvalidArgument("Invalid version id specified").With("ArgumentName", "versionId").With("ArgumentValue", versionID)
		}
	}
	return s.apply(ctx, &write{bucket: b, key: key, deleteID: versionID, check: conds.check(key), bypass: conds.bypass})
}

// GetObjectAcl returns the object's ACL: full control for the bucket owner.
func (s *Service) GetObjectAcl(ctx context.Context, in *s3api.GetObjectAclInput) (*s3api.GetObjectAclOutput, error) {
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if _, _, err := s.bucketFor(ctx, str(in.Bucket), ifVersion(str(in.VersionId), "s3:GetObjectAcl", "s3:GetObjectVersionAcl"), key); err != nil {
		return nil, err
	}
	if _, err := s.getVersion(ctx, str(in.Bucket), key, str(in.VersionId), false); err != nil {
		return nil, err
	}
	return &s3api.GetObjectAclOutput{Owner: s.owner(), Grants: s.grants("")}, nil
}

// PutObjectAcl accepts the ACLs that leave the bucket owner in full control
// of an existing object, the only ones an object can have under
// BucketOwnerEnforced (the default); objects keep no ACL of their own, so
// there is nothing to record. Other ACLs get objectACL's answers.
func (s *Service) PutObjectAcl(ctx context.Context, in *s3api.PutObjectAclInput) (*s3api.PutObjectAclOutput, error) {
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	_, cfg, err := s.bucketFor(ctx, str(in.Bucket), ifVersion(str(in.VersionId), "s3:PutObjectAcl", "s3:PutObjectVersionAcl"), key)
	if err != nil {
		return nil, err
	}
	if _, err := s.getVersion(ctx, str(in.Bucket), key, str(in.VersionId), false); err != nil {
		return nil, err
	}
	if err := s.objectACL(cfg, in.ACL, in.AccessControlPolicy, in.GrantFullControl, in.GrantRead, in.GrantReadACP,
		in.GrantWrite, in.GrantWriteACP); err != nil {
		return nil, err
	}
	return &s3api.PutObjectAclOutput{}, nil
}
