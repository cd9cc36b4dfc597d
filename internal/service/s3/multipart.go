package s3

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/store"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

// maxParts is the most parts an upload may have.
const maxParts = 10000

// CreateMultipartUpload starts a multipart upload.
func (s *Service) CreateMultipartUpload(ctx context.Context, in *s3api.CreateMultipartUploadInput) (*s3api.CreateMultipartUploadOutput, error) {
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
	meta, err := buildMeta(cfg, metaInput{ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage, CacheControl: in.CacheControl,
		Expires: in.Expires, WebsiteRedirect: in.WebsiteRedirectLocation, Metadata: in.Metadata, Tagging: in.Tagging,
		SSE: in.ServerSideEncryption, KMSKeyID: in.SSEKMSKeyId, BucketKey: in.BucketKeyEnabled,
		StorageClass: in.StorageClass, SSECustomerAlgorithm: in.SSECustomerAlgorithm, SSECustomerKey: in.SSECustomerKey,
		SSECustomerKeyMD5: in.SSECustomerKeyMD5})
	if err != nil {
		return nil, err
	}
	up := uploadRecord{UploadID: newUploadID(s.nextSeq()), Bucket: name, Key: key, Initiated: s.now(ctx),
		Headers: meta.headers, Meta: meta.meta, Tags: meta.tags, SSE: meta.sse, SSEKMSKeyID: meta.kms,
		StorageClass: meta.storageClass, SSEC: meta.ssec}
	if up.objectLock, err = s.requestedLock(cfg, lockInput{in.ObjectLockMode, in.ObjectLockRetainUntilDate, in.ObjectLockLegalHoldStatus}); err != nil {
		return nil, err
	}
	if up.ChecksumAlg, up.ChecksumType, err = uploadChecksum(str(in.ChecksumAlgorithm), str(in.ChecksumType)); err != nil {
		return nil, err
	}
	if r := awsapi.RequestFrom(ctx); r != nil {
		up.Initiator = r.Caller.ARN
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.deleted {
		return nil, errNoSuchBucket(name)
	}
	batch := s.db.NewBatch()
	batch.Set(uploadKey(name, key, up.UploadID), mustJSON(up))
	if err := batch.Commit(true); err != nil {
		return nil, fmt.Errorf("s3: create upload: %w", err)
	}
	out := &s3api.CreateMultipartUploadOutput{Bucket: ptr(name), Key: ptr(key), UploadId: ptr(up.UploadID)}
	s.echoUploadSSE(&up, &out.ServerSideEncryption, &out.SSEKMSKeyId)
	echoSSEC(up.SSEC, &out.SSECustomerAlgorithm, &out.SSECustomerKeyMD5)
	if up.ChecksumAlg != "" {
		out.ChecksumAlgorithm, out.ChecksumType = ptr(up.ChecksumAlg), ptr(up.ChecksumType)
	}
	return out, nil
}

// getUpload reads an upload record.
func (s *Service) getUpload(bucket, key, id string) (*uploadRecord, error) {
	if !validUploadID(id) {
		return nil, errNoSuchUpload(id)
	}
	v, err := s.db.Get(uploadKey(bucket, key, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchUpload(id)
	}
	if err != nil {
		return nil, fmt.Errorf("s3: read upload: %w", err)
	}
	var up uploadRecord
	if err := json.Unmarshal(v, &up); err != nil {
		return nil, fmt.Errorf("s3: decode upload: %w", err)
	}
	return &up, nil
}

// uploadFor checks a request on a multipart upload, which needs action on
// its key, and returns the upload.
func (s *Service) uploadFor(ctx context.Context, action, bucket, key, id string, part *int32) (*uploadRecord, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if _, _, err := s.bucketFor(ctx, bucket, action, key); err != nil {
		return nil, err
	}
	if part != nil && (*part < 1 || *part > maxParts) {
		return nil, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive").
			With("ArgumentName", "partNumber").With("ArgumentValue", *part)
	}
	return s.getUpload(bucket, key, id)
}

// UploadPart stores one part of a multipart upload, replacing an earlier
// part with the same number.
func (s *Service) UploadPart(ctx context.Context, in *s3api.UploadPartInput) (*s3api.UploadPartOutput, error) {
	defer closeBody(in.Body)
	if err := checkTransferCoding(ctx); err != nil {
		return nil, err
	}
	if in.PartNumber == nil {
		return nil, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive").With("ArgumentName", "partNumber")
	}
	up, err := s.uploadFor(ctx, "s3:PutObject", str(in.Bucket), str(in.Key), str(in.UploadId), in.PartNumber)
	if err != nil {
		return nil, err
	}
	if err := checkUploadKey(up.SSEC, ssecHeaders{alg: in.SSECustomerAlgorithm, key: in.SSECustomerKey, md5: in.SSECustomerKeyMD5}, true); err != nil {
		return nil, err
	}
	sums := checksumSet{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}
	alg, err := requestedChecksum(ctx, in.ChecksumAlgorithm, sums.values())
	if err != nil {
		return nil, err
	}
	if alg == "" {
		alg = checksum.Algorithm(up.ChecksumAlg)
	}
	rv, err := s.receive(ctx, in.Body, alg, MaxObjectSize, signedSHA256(ctx))
	if err != nil {
		return nil, err
	}
	part, err := s.storePart(ctx, up, *in.PartNumber, rv)
	if err != nil {
		s.dropIfUnreferenced(rv.Blob)
		return nil, err
	}
	out := &s3api.UploadPartOutput{ETag: ptr(quote(part.ETag))}
	checksumSet{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(string(alg), part.Checksum)
	s.echoUploadSSE(up, &out.ServerSideEncryption, &out.SSEKMSKeyId)
	echoSSEC(up.SSEC, &out.SSECustomerAlgorithm, &out.SSECustomerKeyMD5)
	return out, nil
}

// storePart commits a received part body.
func (s *Service) storePart(ctx context.Context, up *uploadRecord, n int32, rv *received) (*partRecord, error) {
	unlock := s.lockUpload(up.UploadID)
	defer unlock()
	if _, err := s.getUpload(up.Bucket, up.Key, up.UploadID); err != nil {
		return nil, err
	}
	p := &partRecord{Number: n, Seq: s.nextSeq(), Size: rv.Size, ETag: rv.MD5, Blob: rv.Blob,
		Inline: rv.Blob == "" && rv.Size > 0, Modified: s.now(ctx), Checksum: rv.Checksum}
	batch := s.db.NewBatch()
	deltas := refDeltas{}
	if old, err := s.getPart(up.UploadID, n); err == nil {
		dropPart(batch, deltas, up.UploadID, old)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	batch.Set(partKey(up.UploadID, n), mustJSON(p))
	if p.Inline {
		batch.Set(inlineKey(p.Seq), rv.Data)
	}
	deltas.add(p.Blob, 1)
	if err := s.commit(batch, deltas); err != nil {
		return nil, err
	}
	return p, nil
}

func dropPart(batch store.Batch, deltas refDeltas, uploadID string, p *partRecord) {
	batch.Delete(partKey(uploadID, p.Number))
	if p.Inline {
		batch.Delete(inlineKey(p.Seq))
	}
	deltas.add(p.Blob, -1)
}

func (s *Service) getPart(uploadID string, n int32) (*partRecord, error) {
	v, err := s.db.Get(partKey(uploadID, n))
	if err != nil {
		return nil, err
	}
	var p partRecord
	if err := json.Unmarshal(v, &p); err != nil {
		return nil, fmt.Errorf("s3: decode part: %w", err)
	}
	return &p, nil
}

// parts returns the upload's parts in order, after marker, at most max
// (max <= 0: all); more reports whether parts remain.
func (s *Service) parts(uploadID string, marker int32, max int) (out []*partRecord, more bool, err error) {
	start := []byte(partPrefix + uploadID + "/")
	end := store.PrefixEnd(start)
	if marker > 0 {
		start = append(partKey(uploadID, marker), 0)
	}
	var decodeErr error
	err = s.db.Scan(start, end, func(_, v []byte) bool {
		if max > 0 && len(out) == max {
			more = true
			return false
		}
		var p partRecord
		if decodeErr = json.Unmarshal(v, &p); decodeErr != nil {
			return false
		}
		out = append(out, &p)
		return true
	})
	if err == nil {
		err = decodeErr
	}
	return out, more, err
}

// ListParts lists the uploaded parts of an upload.
func (s *Service) ListParts(ctx context.Context, in *s3api.ListPartsInput) (*s3api.ListPartsOutput, error) {
	up, err := s.uploadFor(ctx, "s3:ListMultipartUploadParts", str(in.Bucket), str(in.Key), str(in.UploadId), nil)
	if err != nil {
		return nil, err
	}
	max := 1000
	if in.MaxParts != nil && *in.MaxParts >= 0 && *in.MaxParts < 1000 {
		max = int(*in.MaxParts)
	}
	marker := int32(0)
	if in.PartNumberMarker != nil {
		marker = *in.PartNumberMarker
	}
	ps, more, err := s.parts(up.UploadID, marker, max)
	if err != nil {
		return nil, err
	}
	out := &s3api.ListPartsOutput{Bucket: ptr(up.Bucket), Key: ptr(up.Key), UploadId: ptr(up.UploadID),
		PartNumberMarker: ptr(marker), MaxParts: ptr(int32(max)), IsTruncated: ptr(more),
		Initiator: &s3api.Initiator{ID: ptr(orDefault(up.Initiator, s.ownerID)), DisplayName: ptr("nubo")},
		Owner:     s.owner(), StorageClass: ptr(orDefault(up.StorageClass, "STANDARD"))}
	if up.ChecksumAlg != "" {
		out.ChecksumAlgorithm, out.ChecksumType = ptr(up.ChecksumAlg), ptr(up.ChecksumType)
	}
	for _, p := range ps {
		part := s3api.Part{PartNumber: ptr(p.Number), LastModified: ptr(p.Modified), ETag: ptr(quote(p.ETag)), Size: ptr(p.Size)}
		checksumSet{&part.ChecksumCRC32, &part.ChecksumCRC32C, &part.ChecksumCRC64NVME, &part.ChecksumSHA1, &part.ChecksumSHA256}.set(up.ChecksumAlg, p.Checksum)
		out.Parts = append(out.Parts, part)
	}
	if more && len(ps) > 0 {
		out.NextPartNumberMarker = ptr(ps[len(ps)-1].Number)
	}
	return out, nil
}

// AbortMultipartUpload discards an upload and its parts.
func (s *Service) AbortMultipartUpload(ctx context.Context, in *s3api.AbortMultipartUploadInput) (*s3api.AbortMultipartUploadOutput, error) {
	up, err := s.uploadFor(ctx, "s3:AbortMultipartUpload", str(in.Bucket), str(in.Key), str(in.UploadId), nil)
	if err != nil {
		return nil, err
	}
	return &s3api.AbortMultipartUploadOutput{}, s.abortUpload(up)
}

func (s *Service) abortUpload(up *uploadRecord) error {
	unlock := s.lockUpload(up.UploadID)
	defer unlock()
	if _, err := s.getUpload(up.Bucket, up.Key, up.UploadID); err != nil {
		return err
	}
	ps, _, err := s.parts(up.UploadID, 0, 0)
	if err != nil {
		return err
	}
	batch := s.db.NewBatch()
	deltas := refDeltas{}
	for _, p := range ps {
		dropPart(batch, deltas, up.UploadID, p)
	}
	batch.Delete(uploadKey(up.Bucket, up.Key, up.UploadID))
	return s.commit(batch, deltas)
}

// abortAllUploads aborts every upload of a bucket (DeleteBucket).
func (s *Service) abortAllUploads(bucket string) error {
	var ups []uploadRecord
	start := []byte(uploadBucketPrefix(bucket))
	err := s.db.Scan(start, store.PrefixEnd(start), func(_, v []byte) bool {
		var up uploadRecord
		if json.Unmarshal(v, &up) == nil {
			ups = append(ups, up)
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("s3: list uploads: %w", err)
	}
	for i := range ups {
		if err := s.abortUpload(&ups[i]); err != nil && awsapi.AsError(err).Code != "NoSuchUpload" {
			return err
		}
	}
	return nil
}

// checkCompletion validates the part list of CompleteMultipartUpload against
// the stored parts and returns them in order.
func (s *Service) checkCompletion(up *uploadRecord, req *s3api.CompletedMultipartUpload) ([]*partRecord, error) {
	if req == nil || len(req.Parts) == 0 {
		return nil, errMalformedXML()
	}
	stored, _, err := s.parts(up.UploadID, 0, 0)
	if err != nil {
		return nil, err
	}
	byNum := make(map[int32]*partRecord, len(stored))
	for _, p := range stored {
		byNum[p.Number] = p
	}
	invalidPart := awsapi.Errorf("InvalidPart", http.StatusBadRequest,
		"One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
	out := make([]*partRecord, 0, len(req.Parts))
	prev := int32(0)
	for i, cp := range req.Parts {
		if cp.PartNumber == nil || *cp.PartNumber <= prev {
			return nil, awsapi.Errorf("InvalidPartOrder", http.StatusBadRequest,
				"The list of parts was not in ascending order. Parts must be ordered by part number.").With("UploadId", up.UploadID)
		}
		prev = *cp.PartNumber
		p := byNum[*cp.PartNumber]
		if p == nil || strings.Trim(str(cp.ETag), `"`) != p.ETag || !listedChecksumMatches(up, p, cp) {
			return nil, invalidPart.With("UploadId", up.UploadID).With("PartNumber", *cp.PartNumber).With("ETag", str(cp.ETag))
		}
		if i < len(req.Parts)-1 && p.Size < s.opts.MinPartSize {
			return nil, awsapi.Errorf("EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size.").
				With("ProposedSize", p.Size).With("MinSizeAllowed", s.opts.MinPartSize).With("PartNumber", p.Number).With("ETag", quote(p.ETag))
		}
		out = append(out, p)
	}
	return out, nil
}

// listedChecksumMatches reports whether the checksum a completion lists for
// part p, in the upload's algorithm, is the part's own; a part listed
// without one matches. Like a wrong ETag, a wrong checksum is InvalidPart.
func listedChecksumMatches(up *uploadRecord, p *partRecord, cp s3api.CompletedPart) bool {
	if up.ChecksumAlg == "" {
		return true
	}
	listed := checksumSet{&cp.ChecksumCRC32, &cp.ChecksumCRC32C, &cp.ChecksumCRC64NVME, &cp.ChecksumSHA1, &cp.ChecksumSHA256}.
		values()[checksum.Algorithm(up.ChecksumAlg)]
	return listed == nil || *listed == p.Checksum
}

// multipartETag is S3's ETag of a multipart object: the MD5 of the parts'
// binary MD5s, a dash and the part count.
func multipartETag(parts []*partRecord) string {
	h := md5.New()
	for _, p := range parts {
		b, _ := hex.DecodeString(p.ETag)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts))
}
