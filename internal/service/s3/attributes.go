package s3

import (
	"context"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// GetObjectAttributes, as AWS documents it: the x-amz-object-attributes
// header selects which of ETag, Checksum, ObjectParts, StorageClass and
// ObjectSize the body holds; Last-Modified, x-amz-version-id (versioned
// buckets) and x-amz-delete-marker are headers. A current version that is a
// delete marker answers 404 NoSuchKey with x-amz-delete-marker: true, a
// version id naming a delete marker 405 MethodNotAllowed. SSE-C objects need
// the key their writer used, as for GetObject.
//
// ObjectParts is only given for multipart objects. For general purpose
// buckets AWS lists the parts (with their sizes and checksums, a page at a
// time like ListParts) only when the object has a COMPOSITE checksum;
// otherwise ObjectParts holds just TotalPartsCount. The checksum of a
// multipart object is given without the "-<parts>" suffix that
// CompleteMultipartUpload and GetObject show.

// Names of the attributes x-amz-object-attributes can select.
const (
	attrETag         = "ETag"
	attrChecksum     = "Checksum"
	attrObjectParts  = "ObjectParts"
	attrStorageClass = "StorageClass"
	attrObjectSize   = "ObjectSize"
)

// maxAttributeParts is the most parts one GetObjectAttributes lists.
const maxAttributeParts = 1000

// GetObjectAttributes returns the attributes of an object version the
// request selects, without its body.
func (s *Service) GetObjectAttributes(ctx context.Context, in *s3api.GetObjectAttributesInput) (*s3api.GetObjectAttributesOutput, error) {
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	sel, err := parseAttributes(in.ObjectAttributes)
	if err != nil {
		return nil, err
	}
	if err := rejectSSEOnRead(ctx); err != nil {
		return nil, err
	}
	v := str(in.VersionId)
	b, cfg, err := s.bucketFor(ctx, str(in.Bucket), ifVersion(v, "s3:GetObject", "s3:GetObjectVersion"), key)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, cfg, ifVersion(v, "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"), b.name(), key); err != nil {
		return nil, err
	}
	rec, err := s.getVersion(ctx, b.name(), key, str(in.VersionId), false)
	if err != nil {
		return nil, err
	}
	if err := checkReadKey(rec.SSEC, ssecHeaders{alg: in.SSECustomerAlgorithm, key: in.SSECustomerKey, md5: in.SSECustomerKeyMD5}); err != nil {
		return nil, err
	}
	out := &s3api.GetObjectAttributesOutput{LastModified: ptr(rec.Modified)}
	if cfg.rec.Versioning != "" {
		out.VersionId = ptr(rec.versionID())
	}
	if sel[attrETag] {
		out.ETag = ptr(rec.ETag)
	}
	if sel[attrChecksum] {
		out.Checksum = objectChecksum(rec)
	}
	if sel[attrStorageClass] {
		out.StorageClass = ptr(orDefault(rec.StorageClass, "STANDARD"))
	}
	if sel[attrObjectSize] {
		out.ObjectSize = ptr(rec.Size)
	}
	if sel[attrObjectParts] && rec.Parts > 0 {
		if out.ObjectParts, err = s.objectParts(rec, in.PartNumberMarker, in.MaxParts); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseAttributes validates the x-amz-object-attributes values (AWS
// answers InvalidArgument for an empty list or an unknown name) and returns
// the set selected.
func parseAttributes(names []string) (map[string]bool, error) {
	sel := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch n {
		case attrETag, attrChecksum, attrObjectParts, attrStorageClass, attrObjectSize:
			sel[n] = true
		default:
			return nil, errInvalidArgument("Invalid attribute name specified.").
				With("ArgumentName", "x-amz-object-attributes").With("ArgumentValue", n)
		}
	}
	if len(sel) == 0 {
		return nil, errInvalidArgument("Empty attribute list").With("ArgumentName", "x-amz-object-attributes")
	}
	return sel, nil
}

// objectChecksum returns the checksum recorded for a version (nil when it
// has none) with its type: FULL_OBJECT unless the version recorded another.
// A multipart object's composite checksum loses its part count suffix.
func objectChecksum(rec *objectRecord) *s3api.Checksum {
	if rec.ChecksumAlg == "" || rec.Checksum == "" {
		return nil
	}
	v := rec.Checksum
	if i := strings.LastIndexByte(v, '-'); i > 0 && rec.Parts > 0 {
		v = v[:i]
	}
	c := &s3api.Checksum{ChecksumType: ptr(orDefault(rec.ChecksumType, "FULL_OBJECT"))}
	checksumSet{&c.ChecksumCRC32, &c.ChecksumCRC32C, &c.ChecksumCRC64NVME, &c.ChecksumSHA1, &c.ChecksumSHA256}.set(rec.ChecksumAlg, v)
	return c
}

// attributePart is a part of a multipart object as GetObjectAttributes
// reports it.
type attributePart struct {
	number   int32
	size     int64
	checksum string
}

// objectParts returns the ObjectParts of a multipart version: the part
// count, and a page of its parts after marker when the version has a
// COMPOSITE checksum.
func (s *Service) objectParts(rec *objectRecord, marker, maxParts *int32) (*s3api.GetObjectAttributesParts, error) {
	out := &s3api.GetObjectAttributesParts{TotalPartsCount: ptr(rec.Parts)}
	if rec.ChecksumAlg == "" || rec.ChecksumType != "COMPOSITE" {
		return out, nil
	}
	parts, err := s.versionParts(rec)
	if err != nil {
		return nil, err
	}
	page, next, truncated := pageParts(parts, derefInt32(marker), partsLimit(maxParts))
	out.PartNumberMarker, out.MaxParts, out.IsTruncated = ptr(derefInt32(marker)), ptr(int32(partsLimit(maxParts))), ptr(truncated)
	out.NextPartNumberMarker = ptr(next)
	for _, p := range page {
		op := s3api.ObjectPart{PartNumber: ptr(p.number), Size: ptr(p.size)}
		checksumSet{&op.ChecksumCRC32, &op.ChecksumCRC32C, &op.ChecksumCRC64NVME, &op.ChecksumSHA1, &op.ChecksumSHA256}.set(rec.ChecksumAlg, p.checksum)
		out.Parts = append(out.Parts, op)
	}
	return out, nil
}

// versionParts returns the parts of a multipart version: from its manifest
// when it has one (two or more parts), else from its recorded part sizes
// and checksums (the single part is reported as part 1).
func (s *Service) versionParts(rec *objectRecord) ([]attributePart, error) {
	if isManifestID(rec.Blob) {
		m, err := s.loadManifest(rec.Blob)
		if err != nil {
			return nil, err
		}
		parts := make([]attributePart, len(m.Parts))
		for i, p := range m.Parts {
			parts[i] = attributePart{number: p.Number, size: p.Size, checksum: p.Checksum}
		}
		return parts, nil
	}
	parts := make([]attributePart, len(rec.PartSizes))
	for i, n := range rec.PartSizes {
		parts[i] = attributePart{number: int32(i + 1), size: n}
		if i < len(rec.PartChecksums) {
			parts[i].checksum = rec.PartChecksums[i]
		}
	}
	return parts, nil
}

// pageParts returns up to max parts numbered above marker, the number of
// the last one returned (0 for none) and whether more follow.
func pageParts(parts []attributePart, marker int32, max int) (page []attributePart, next int32, truncated bool) {
	for _, p := range parts {
		if p.number <= marker {
			continue
		}
		if len(page) == max {
			truncated = true
			break
		}
		page = append(page, p)
		next = p.number
	}
	return page, next, truncated
}

// partsLimit returns the page size x-amz-max-parts asks for: 1000 when
// absent, negative or larger.
func partsLimit(v *int32) int {
	if v == nil || *v < 0 || *v > maxAttributeParts {
		return maxAttributeParts
	}
	return int(*v)
}

func derefInt32(v *int32) int32 {
	if v == nil {
		return 0
	}
	return *v
}
