package s3

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/protocol/checksum"
)

// Checksums of multipart objects, as S3 computes them. An upload created
// with a checksum algorithm has a checksum type: COMPOSITE (the default, and
// the only type for SHA-1 and SHA-256) gives its object a checksum of
// checksums: the algorithm applied to the concatenated binary checksums of
// the parts in order, base64-encoded and followed by "-" and the number of
// parts. FULL_OBJECT (the only type, and so the default, for CRC64NVME; also
// allowed for CRC32 and CRC32C) gives it the CRC of its whole content,
// derived from the parts' CRCs and sizes without reading them. The parts' own
// checksums stay in the manifest (or, for a single part, in the version
// record) so that GetObjectAttributes can list them.

// uploadChecksum validates the checksum algorithm and type a
// CreateMultipartUpload asks for and returns them with the type defaulted.
func uploadChecksum(alg, typ string) (string, string, error) {
	if alg == "" {
		if typ != "" {
			return "", "", errInvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		return "", "", nil
	}
	a, ok := checksum.ParseAlgorithm(alg)
	if !ok {
		return "", "", errInvalidRequest("Checksum algorithm %s is not supported.", alg)
	}
	if typ == "" {
		typ = "COMPOSITE"
		if a == checksum.CRC64NVME {
			typ = "FULL_OBJECT"
		}
	}
	switch {
	case typ != "COMPOSITE" && typ != "FULL_OBJECT":
		return "", "", errInvalidRequest("Value for x-amz-checksum-type header is invalid.")
	case typ == "FULL_OBJECT" && !checksum.Combinable(a), typ == "COMPOSITE" && a == checksum.CRC64NVME:
		return "", "", errInvalidRequest("The %s checksum type cannot be used with the %s checksum algorithm.",
			typ, strings.ToLower(string(a)))
	}
	return string(a), typ, nil
}

// setMultipartChecksum records on rec the checksum of the object an upload
// completes with, of the upload's type. It records nothing unless every part
// has a checksum of the upload's algorithm.
func setMultipartChecksum(rec *objectRecord, up *uploadRecord, parts []*partRecord) error {
	if up.ChecksumAlg == "" || len(parts) == 0 {
		return nil
	}
	alg := checksum.Algorithm(up.ChecksumAlg)
	sums := make([][]byte, len(parts))
	for i, p := range parts {
		sum, err := base64.StdEncoding.DecodeString(p.Checksum)
		if err != nil || len(sum) != alg.Size() {
			return nil
		}
		sums[i] = sum
	}
	if up.ChecksumType == "FULL_OBJECT" {
		whole := sums[0]
		for i, p := range parts[1:] {
			var err error
			if whole, err = checksum.Combine(alg, whole, sums[i+1], p.Size); err != nil {
				return err
			}
		}
		rec.ChecksumAlg, rec.ChecksumType, rec.Checksum = up.ChecksumAlg, "FULL_OBJECT", checksum.Encode(whole)
	} else {
		h, err := checksum.NewHash(alg)
		if err != nil {
			return err
		}
		for _, sum := range sums {
			h.Write(sum)
		}
		rec.ChecksumAlg, rec.ChecksumType = up.ChecksumAlg, "COMPOSITE"
		rec.Checksum = checksum.Value(h) + "-" + strconv.Itoa(len(parts))
	}
	if len(parts) == 1 {
		rec.PartChecksums = []string{parts[0].Checksum}
	}
	return nil
}

// checkCompleteChecksum compares an object checksum sent with
// CompleteMultipartUpload with the one the parts give (a COMPOSITE one may be
// sent with or without its "-<parts>" suffix) for uploads created with a
// checksum algorithm. A checksum of another algorithm than the upload's is
// InvalidRequest, a different value BadDigest.
func checkCompleteChecksum(rec *objectRecord, up *uploadRecord, in *s3api.CompleteMultipartUploadInput) error {
	if up.ChecksumAlg == "" {
		return nil
	}
	sent := checksumSet{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}.values()
	for alg, v := range sent {
		if v == nil {
			continue
		}
		if string(alg) != up.ChecksumAlg {
			return errInvalidRequest("The upload was created using a %s checksum. The complete request must use the same checksum algorithm.",
				strings.ToLower(up.ChecksumAlg))
		}
		got, _, _ := strings.Cut(*v, "-")
		want, _, _ := strings.Cut(rec.Checksum, "-")
		if rec.Checksum != "" && got != want {
			return awsapi.Errorf("BadDigest", http.StatusBadRequest,
				"The %s you specified did not match the calculated checksum.", alg.HeaderName())
		}
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
