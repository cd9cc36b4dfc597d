package s3

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

func closeBody(rc io.ReadCloser) {
	if rc != nil {
		rc.Close()
	}
}

// PutObject stores an object. The body is read to its end (and verified by
// auth) before anything is published; then the version, its reference count
// and its notifications are committed in one durable batch.
func (s *Service) PutObject(ctx context.Context, in *s3api.PutObjectInput) (*s3api.PutObjectOutput, error) {
	defer closeBody(in.Body)
	if err := checkTransferCoding(ctx); err != nil {
		return nil, err
	}
	name, key := str(in.Bucket), str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, cfg, err := s.bucketFor(ctx, name, "s3:PutObject", key)
	if err != nil {
		return nil, err
	}
	// Setting tags or an ACL with the object also needs their own actions.
	if str(in.Tagging) != "" {
		if err := s.authorize(ctx, cfg, "s3:PutObjectTagging", name, key); err != nil {
			return nil, err
		}
	}
	if str(in.ACL) != "" || in.GrantFullControl != nil || in.GrantRead != nil || in.GrantReadACP != nil || in.GrantWriteACP != nil {
		if err := s.authorize(ctx, cfg, "s3:PutObjectAcl", name, key); err != nil {
			return nil, err
		}
	}
	if err := s.objectACL(cfg, in.ACL, nil, in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP); err != nil {
		return nil, err
	}
	if in.WriteOffsetBytes != nil {
		return nil, awsapi.NotImplemented("s3", "PutObject with x-amz-write-offset-bytes (append)")
	}
	meta, err := buildMeta(cfg, metaInput{ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage, CacheControl: in.CacheControl,
		Expires: in.Expires, WebsiteRedirect: in.WebsiteRedirectLocation, Metadata: in.Metadata, Tagging: in.Tagging,
		SSE: in.ServerSideEncryption, KMSKeyID: in.SSEKMSKeyId, BucketKey: in.BucketKeyEnabled,
		StorageClass: in.StorageClass, SSECustomerAlgorithm: in.SSECustomerAlgorithm, SSECustomerKey: in.SSECustomerKey,
		SSECustomerKeyMD5: in.SSECustomerKeyMD5})
	if err != nil {
		return nil, err
	}
	lock, err := s.newLock(ctx, cfg, lockInput{in.ObjectLockMode, in.ObjectLockRetainUntilDate, in.ObjectLockLegalHoldStatus})
	if err != nil {
		return nil, err
	}
	if in.ContentLength != nil && *in.ContentLength > MaxObjectSize && !awsChunked(ctx) {
		return nil, awsapi.Errorf("EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size")
	}
	out := &s3api.PutObjectOutput{}
	sums := checksumSet{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}
	alg, err := requestedChecksum(ctx, in.ChecksumAlgorithm, sums.values())
	if err != nil {
		return nil, err
	}
	rv, err := s.receive(ctx, in.Body, alg, MaxObjectSize, signedSHA256(ctx))
	if err != nil {
		return nil, err
	}
	rec := s.newVersion(ctx, rv, meta, string(alg))
	rec.objectLock = lock
	res, err := s.apply(ctx, &write{bucket: b, key: key, put: rec, inline: rv.Data,
		check: writeConditions(key, in.IfMatch, in.IfNoneMatch)})
	if err != nil {
		s.dropIfUnreferenced(rv.Blob)
		return nil, err
	}
	out.ETag = ptr(quote(rec.ETag))
	out.Expiration = expiration(cfg, key, rec)
	if res.versionID != "" {
		out.VersionId = ptr(res.versionID)
	}
	s.echoSSE(rec, &out.ServerSideEncryption, &out.SSEKMSKeyId, &out.BucketKeyEnabled)
	echoSSEC(rec.SSEC, &out.SSECustomerAlgorithm, &out.SSECustomerKeyMD5)
	checksumSet{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(rec.ChecksumAlg, rec.Checksum)
	if rec.Checksum != "" {
		out.ChecksumType = ptr("FULL_OBJECT")
	}
	out.Size = ptr(rec.Size)
	return out, nil
}

// awsChunked reports whether the request body is aws-chunked, whose
// Content-Length is the encoded length.
func awsChunked(ctx context.Context) bool {
	r := awsapi.RequestFrom(ctx)
	return r != nil && r.HTTP != nil && r.HTTP.Header.Get("X-Amz-Decoded-Content-Length") != ""
}

// checkTransferCoding answers a body sent with HTTP's chunked transfer coding
// and no x-amz-decoded-content-length as S3 does: S3 needs the object's
// length up front, so it refuses the request with 501 NotImplemented naming
// the Transfer-Encoding header. An aws-chunked body inside HTTP chunks
// declares its length and is accepted.
func checkTransferCoding(ctx context.Context) error {
	r := awsapi.RequestFrom(ctx)
	if r == nil || r.HTTP == nil || len(r.HTTP.TransferEncoding) == 0 || awsChunked(ctx) {
		return nil
	}
	return awsapi.Errorf("NotImplemented", http.StatusNotImplemented,
		"A header you provided implies functionality that is not implemented").With("Header", "Transfer-Encoding")
}

// newVersion returns the record of a version holding a received body.
func (s *Service) newVersion(ctx context.Context, rv *received, meta *objectMeta, alg string) *objectRecord {
	rec := &objectRecord{Seq: s.nextSeq(), Size: rv.Size, ETag: rv.MD5, Blob: rv.Blob,
		Inline: rv.Blob == "" && rv.Size > 0, Modified: s.now(ctx)}
	meta.apply(rec)
	if rv.Checksum != "" {
		rec.ChecksumAlg, rec.Checksum, rec.ChecksumType = alg, rv.Checksum, "FULL_OBJECT"
	}
	return rec
}

// writeConditions implements PutObject's If-Match / If-None-Match: *.
func writeConditions(key string, ifMatch, ifNoneMatch *string) func(*objectRecord) error {
	if ifMatch == nil && ifNoneMatch == nil {
		return nil
	}
	return func(cur *objectRecord) error {
		live := cur != nil && !cur.DeleteMarker
		if ifNoneMatch != nil {
			if *ifNoneMatch != "*" {
				return errNotImplementedCond()
			}
			if live {
				return errPreconditionFailed("If-None-Match")
			}
		}
		if ifMatch != nil {
			if !live {
				return errNoSuchKey(key)
			}
			if !etagMatches(*ifMatch, cur.ETag) {
				return errPreconditionFailed("If-Match")
			}
		}
		return nil
	}
}

func errNotImplementedCond() *awsapi.Error {
	return awsapi.Errorf("NotImplemented", http.StatusNotImplemented,
		"A header you provided implies functionality that is not implemented").With("Header", "If-None-Match")
}

// etagMatches reports whether an If-Match/If-None-Match list names etag.
func etagMatches(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
		if e == "*" || strings.Trim(e, `"`) == etag {
			return true
		}
	}
	return false
}

// echoSSE fills the encryption response headers of a version.
func (s *Service) echoSSE(rec *objectRecord, sse, kms **string, bk **bool) {
	if rec.SSE == "" {
		return
	}
	*sse = ptr(rec.SSE)
	if rec.SSEKMSKeyID != "" {
		*kms = ptr(rec.SSEKMSKeyID)
	} else if strings.HasPrefix(rec.SSE, "aws:kms") {
		*kms = ptr("arn:aws:kms:" + s.region + ":" + s.account + ":alias/aws/s3")
	}
	if rec.BucketKey {
		*bk = ptr(true)
	}
}

// readConditions evaluates GET/HEAD preconditions as S3 does: If-Match and
// If-Unmodified-Since fail with 412; If-None-Match and If-Modified-Since give
// 304 (notModified).
func readConditions(rec *objectRecord, ifMatch, ifNoneMatch *string, ifMod, ifUnmod *time.Time) (notModified bool, err error) {
	mod := rec.Modified.Truncate(time.Second)
	if ifMatch != nil {
		if !etagMatches(*ifMatch, rec.ETag) {
			return false, errPreconditionFailed("If-Match")
		}
	} else if ifUnmod != nil && mod.After(*ifUnmod) {
		return false, errPreconditionFailed("If-Unmodified-Since")
	}
	if ifNoneMatch != nil {
		return etagMatches(*ifNoneMatch, rec.ETag), nil
	}
	if ifMod != nil && !mod.After(*ifMod) {
		return true, nil
	}
	return false, nil
}

// byteRange is a satisfiable range of an object.
type byteRange struct{ start, length int64 }

// parseRange parses a Range header against an object of size bytes. A header
// S3 would ignore (not "bytes=", several ranges, malformed) gives nil; an
// unsatisfiable one is InvalidRange (416).
func parseRange(h string, size int64) (*byteRange, error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	a, z, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	invalid := awsapi.Errorf("InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable").
		With("RangeRequested", h).With("ActualObjectSize", size)
	if a == "" {
		n, err := strconv.ParseInt(z, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, invalid
		}
		n = min(n, size)
		return &byteRange{size - n, n}, nil
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return nil, nil
	}
	end := size - 1
	if z != "" {
		if end, err = strconv.ParseInt(z, 10, 64); err != nil || end < start {
			return nil, nil
		}
		end = min(end, size-1)
	}
	if start >= size {
		return nil, invalid
	}
	return &byteRange{start, end - start + 1}, nil
}

// partRange returns the byte range of part n of a version.
func partRange(rec *objectRecord, n int32) (*byteRange, error) {
	bad := errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive").With("ArgumentName", "partNumber")
	if n < 1 || n > 10000 {
		return nil, bad
	}
	if rec.Parts == 0 {
		if n != 1 {
			return nil, awsapi.Errorf("InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "The requested partnumber is not satisfiable")
		}
		return &byteRange{0, rec.Size}, nil
	}
	if int(n) > len(rec.PartSizes) {
		return nil, awsapi.Errorf("InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "The requested partnumber is not satisfiable")
	}
	var off int64
	for _, sz := range rec.PartSizes[:n-1] {
		off += sz
	}
	return &byteRange{off, rec.PartSizes[n-1]}, nil
}
