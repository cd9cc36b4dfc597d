package s3

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/store"
)

// CompleteMultipartUpload makes the listed parts the object's body without
// copying them: a single part's body becomes the object's as is, and two or
// more are listed in a manifest the object references (manifest.go). The
// object, the manifest and the removal of the upload and its parts are one
// durable batch.
func (s *Service) CompleteMultipartUpload(ctx context.Context, in *s3api.CompleteMultipartUploadInput) (*s3api.CompleteMultipartUploadOutput, error) {
	name, key := str(in.Bucket), str(in.Key)
	up, err := s.uploadFor(ctx, "s3:PutObject", name, key, str(in.UploadId), nil)
	if err != nil {
		if errorCode(err) == "NoSuchUpload" {
			if out := s.completedBefore(ctx, name, key, str(in.UploadId)); out != nil {
				return out, nil
			}
		}
		return nil, err
	}
	b, _, err := s.bucketFor(ctx, name, "s3:PutObject", key)
	if err != nil {
		return nil, err
	}
	if err := checkUploadKey(up.SSEC, ssecHeaders{alg: in.SSECustomerAlgorithm, key: in.SSECustomerKey, md5: in.SSECustomerKeyMD5},
		up.ChecksumAlg != ""); err != nil {
		return nil, err
	}
	parts, err := s.checkCompletion(up, in.MultipartUpload)
	if err != nil {
		return nil, err
	}
	rec := &objectRecord{Seq: s.nextSeq(), ETag: multipartETag(parts), Modified: s.now(ctx), Parts: int32(len(parts)),
		Headers: up.Headers, Meta: up.Meta, Tags: up.Tags, SSE: up.SSE, SSEKMSKeyID: up.SSEKMSKeyID, StorageClass: up.StorageClass,
		Upload: up.UploadID, SSEC: up.SSEC, objectLock: up.objectLock}
	defaultRetention(b.config(), s.clock.Now(), &rec.objectLock)
	for _, p := range parts {
		rec.Size += p.Size
		rec.PartSizes = append(rec.PartSizes, p.Size)
	}
	if err := setMultipartChecksum(rec, up, parts); err != nil {
		return nil, err
	}
	if err := checkCompleteChecksum(rec, up, in); err != nil {
		return nil, err
	}
	if in.MpuObjectSize != nil && *in.MpuObjectSize != rec.Size {
		return nil, errInvalidRequest("The provided 'x-amz-mp-object-size' header value %d does not match the object size %d.",
			*in.MpuObjectSize, rec.Size)
	}
	var inline []byte
	var m *manifest
	if len(parts) == 1 {
		if inline, err = s.singlePart(rec, parts[0]); err != nil {
			return nil, err
		}
	} else {
		m, rec.Blob = newManifest(parts), manifestID(rec.Seq)
	}
	res, err := s.apply(ctx, &write{bucket: b, key: key, put: rec, inline: inline, upload: up.UploadID,
		event: "ObjectCreated:CompleteMultipartUpload", check: writeConditions(key, in.IfMatch, in.IfNoneMatch),
		extra: func(batch store.Batch, deltas refDeltas) error {
			return s.finishUpload(up, parts, rec.Blob, m, batch, deltas)
		}})
	if err != nil {
		return nil, err
	}
	out := &s3api.CompleteMultipartUploadOutput{Bucket: ptr(name), Key: ptr(key), ETag: ptr(quote(rec.ETag)),
		Location: ptr(s.location(ctx, name, key)), VersionId: nonEmpty(res.versionID), Expiration: expiration(b.config(), key, rec)}
	s.echoSSE(rec, &out.ServerSideEncryption, &out.SSEKMSKeyId, &out.BucketKeyEnabled)
	echoCompleteChecksum(rec, out)
	return out, nil
}

// completedBefore answers a retried CompleteMultipartUpload as AWS does:
// while the current version of bucket/key is the one that upload id
// produced, the retry gets the same result instead of NoSuchUpload.
func (s *Service) completedBefore(ctx context.Context, bucket, key, id string) *s3api.CompleteMultipartUploadOutput {
	if id == "" {
		return nil
	}
	b, _, err := s.bucketFor(ctx, bucket, "s3:PutObject", key)
	if err != nil {
		return nil
	}
	cur, _, err := s.keyVersions(bucket, key, true)
	if err != nil || cur == nil || cur.DeleteMarker || cur.Upload != id {
		return nil
	}
	out := &s3api.CompleteMultipartUploadOutput{Bucket: ptr(bucket), Key: ptr(key), ETag: ptr(quote(cur.ETag)),
		Location: ptr(s.location(ctx, bucket, key))}
	if b.config().rec.Versioning != "" {
		out.VersionId = nonEmpty(cur.VersionID)
	}
	s.echoSSE(cur, &out.ServerSideEncryption, &out.SSEKMSKeyId, &out.BucketKeyEnabled)
	echoCompleteChecksum(cur, out)
	return out
}

// singlePart makes the body of an upload's only part the object's: the
// part's blob (whose reference passes from the part to the version), or a
// copy of its inline data, returned.
func (s *Service) singlePart(rec *objectRecord, p *partRecord) ([]byte, error) {
	rec.Blob, rec.Inline = p.Blob, p.Inline
	if !p.Inline {
		return nil, nil
	}
	return s.inlineBody(p.Seq)
}

// finishUpload deletes the upload and its part records in the completing
// batch, after checking under the upload's lock that nothing changed
// meanwhile. Parts the request did not name are released. With a manifest
// (named id), the used parts' bodies and blob references pass to it and it
// is written; else the single used part is released too, the version having
// taken its own reference to the blob or copy of the inline data.
func (s *Service) finishUpload(up *uploadRecord, used []*partRecord, id string, m *manifest, batch store.Batch, deltas refDeltas) error {
	if _, err := s.getUpload(up.Bucket, up.Key, up.UploadID); err != nil {
		return err
	}
	stored, _, err := s.parts(up.UploadID, 0, 0)
	if err != nil {
		return err
	}
	seqs := map[int32]uint64{}
	for _, p := range stored {
		seqs[p.Number] = p.Seq
	}
	inManifest := map[int32]bool{}
	for _, p := range used {
		if seqs[p.Number] != p.Seq {
			return errInvalidRequest("Part %d was replaced while the upload was being completed; retry.", p.Number)
		}
		inManifest[p.Number] = m != nil
	}
	for _, p := range stored {
		if inManifest[p.Number] {
			batch.Delete(partKey(up.UploadID, p.Number))
			continue
		}
		dropPart(batch, deltas, up.UploadID, p)
	}
	batch.Delete(uploadKey(up.Bucket, up.Key, up.UploadID))
	if m != nil {
		batch.Set(manifestKey(id), mustJSON(m))
		deltas.created(id)
	}
	return nil
}

// location is the object URL CompleteMultipartUpload reports.
func (s *Service) location(ctx context.Context, bucket, key string) string {
	base := "http://localhost"
	if r := awsapi.RequestFrom(ctx); r != nil && r.Endpoint != "" {
		base = r.Endpoint
	}
	return base + "/" + bucket + "/" + (&url.URL{Path: key}).EscapedPath()
}

// ListMultipartUploads lists the bucket's uploads in progress by key and
// upload id.
func (s *Service) ListMultipartUploads(ctx context.Context, in *s3api.ListMultipartUploadsInput) (*s3api.ListMultipartUploadsOutput, error) {
	name := str(in.Bucket)
	if _, _, err := s.bucketFor(ctx, name, "s3:ListBucketMultipartUploads", ""); err != nil {
		return nil, err
	}
	enc, err := newEncoder(in.EncodingType)
	if err != nil {
		return nil, err
	}
	max := 1000
	if in.MaxUploads != nil && *in.MaxUploads >= 0 && *in.MaxUploads < 1000 {
		max = int(*in.MaxUploads)
	}
	prefix, delim, keyMarker, idMarker := str(in.Prefix), str(in.Delimiter), str(in.KeyMarker), str(in.UploadIdMarker)
	start := append([]byte(uploadBucketPrefix(name)), escapeKey(nil, prefix)...)
	end := store.PrefixEnd(start)
	if keyMarker != "" && keyMarker >= prefix {
		mk := uploadKey(name, keyMarker, idMarker)
		if idMarker == "" {
			mk = store.PrefixEnd(mk)
		} else {
			mk = append(mk, 0)
		}
		start = mk
	}
	out := &s3api.ListMultipartUploadsOutput{Bucket: ptr(name), KeyMarker: ptr(enc.enc(keyMarker)), UploadIdMarker: ptr(idMarker),
		Prefix: ptr(enc.enc(prefix)), Delimiter: enc.ptr(in.Delimiter), MaxUploads: ptr(int32(max)), EncodingType: in.EncodingType}
	truncated, lastCP, n := false, "", 0
	var decodeErr error
	err = s.db.Scan(start, end, func(_, v []byte) bool {
		var up uploadRecord
		if decodeErr = json.Unmarshal(v, &up); decodeErr != nil {
			return false
		}
		cp := ""
		if delim != "" {
			if i := strings.Index(up.Key[len(prefix):], delim); i >= 0 {
				cp = up.Key[:len(prefix)+i+len(delim)]
			}
		}
		if cp != "" && cp == lastCP {
			return true
		}
		if n == max {
			truncated = true
			return false
		}
		n++
		if cp != "" {
			lastCP = cp
			out.CommonPrefixes = append(out.CommonPrefixes, s3api.CommonPrefix{Prefix: ptr(enc.enc(cp))})
			out.NextKeyMarker, out.NextUploadIdMarker = ptr(enc.enc(cp)), nil
			return true
		}
		out.Uploads = append(out.Uploads, s3api.MultipartUpload{UploadId: ptr(up.UploadID), Key: ptr(enc.enc(up.Key)),
			Initiated: ptr(up.Initiated), StorageClass: ptr(orDefault(up.StorageClass, "STANDARD")), Owner: s.owner(),
			Initiator: &s3api.Initiator{ID: ptr(orDefault(up.Initiator, s.ownerID)), DisplayName: ptr("nubo")}})
		out.NextKeyMarker, out.NextUploadIdMarker = ptr(enc.enc(up.Key)), ptr(up.UploadID)
		return true
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, fmt.Errorf("s3: list uploads: %w", err)
	}
	out.IsTruncated = ptr(truncated)
	if !truncated {
		out.NextKeyMarker, out.NextUploadIdMarker = nil, nil
	}
	return out, nil
}
