package s3

import (
	"encoding/base64"
	"strconv"

	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

// Checksums of multipart objects. An upload created with a checksum
// algorithm and the COMPOSITE type (the default) gives its object a
// checksum of checksums, as S3 does: the algorithm applied to the
// concatenated binary checksums of the parts in order, base64-encoded and
// followed by "-" and the number of parts. The parts' own checksums stay in
// the manifest (or, for a single part, in the version record) so that
// GetObjectAttributes can list them. FULL_OBJECT uploads, whose checksum
// combines the parts' CRCs, record no object checksum yet.

// setMultipartChecksum records on rec the composite checksum of the parts
// an upload completes with. It records nothing unless the upload is
// COMPOSITE and every part has a checksum of its algorithm.
func setMultipartChecksum(rec *objectRecord, up *uploadRecord, parts []*partRecord) error {
	if up.ChecksumAlg == "" || orDefault(up.ChecksumType, "COMPOSITE") != "COMPOSITE" || len(parts) == 0 {
		return nil
	}
	h, err := checksum.NewHash(checksum.Algorithm(up.ChecksumAlg))
	if err != nil {
		return err
	}
	for _, p := range parts {
		sum, err := base64.StdEncoding.DecodeString(p.Checksum)
		if err != nil || p.Checksum == "" {
			return nil
		}
		h.Write(sum)
	}
	rec.ChecksumAlg, rec.ChecksumType = up.ChecksumAlg, "COMPOSITE"
	rec.Checksum = checksum.Value(h) + "-" + strconv.Itoa(len(parts))
	if len(parts) == 1 {
		rec.PartChecksums = []string{parts[0].Checksum}
	}
	return nil
}

// echoCompleteChecksum fills the checksum of a completed upload's object
// into the CompleteMultipartUpload response.
func echoCompleteChecksum(rec *objectRecord, out *s3api.CompleteMultipartUploadOutput) {
	if rec.Checksum == "" {
		return
	}
	checksumSet{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(rec.ChecksumAlg, rec.Checksum)
	out.ChecksumType = ptr(rec.ChecksumType)
}
