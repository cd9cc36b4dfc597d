package s3

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
)

// Store key layout (all under "s3/"). Object keys are escaped so that any
// byte sequence, NUL included, keeps its order and cannot collide with the
// separators: 0x00 becomes 0x00 0xFF and a key ends with 0x00 0x01.
//
//	s3/b/<bucket>                                  bucket record
//	s3/o/<bucket>\x00<esc key>\x00\x01<^seq:8>     object version (newest first)
//	s3/d/<seq:16 hex>                              inline body of a version or part
//	s3/u/<bucket>\x00<esc key>\x00\x01<upload id>  multipart upload
//	s3/p/<upload id>/<part:05d>                    uploaded part
//	s3/m/<manifest id>                             parts of a completed multipart object (manifest.go)
//	s3/r/<sha256 or manifest id>                   blob or manifest reference count
//	s3/g/<sha256>                                  blob pending removal
//	s3/n/<seq:16 hex>                              notification outbox entry
const (
	bucketPrefix = "s3/b/"
	objectPrefix = "s3/o/"
	inlinePrefix = "s3/d/"
	uploadPrefix = "s3/u/"
	partPrefix   = "s3/p/"
	refPrefix    = "s3/r/"
	gcPrefix     = "s3/g/"
	outboxPrefix = "s3/n/"
)

// escapeKey appends the order-preserving escape of key to dst.
func escapeKey(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == 0 {
			dst = append(dst, 0, 0xFF)
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// unescapeKey reverses escapeKey for an escaped key without its terminator.
func unescapeKey(esc []byte) (string, error) {
	var b strings.Builder
	b.Grow(len(esc))
	for i := 0; i < len(esc); i++ {
		c := esc[i]
		if c == 0 {
			if i+1 >= len(esc) || esc[i+1] != 0xFF {
				return "", errors.New("s3: malformed key encoding")
			}
			i++
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

func bucketKey(bucket string) []byte { return []byte(bucketPrefix + bucket) }

// objectBucketPrefix is the prefix of every version key of a bucket.
func objectBucketPrefix(bucket string) string { return objectPrefix + bucket + "\x00" }

// objectKeyPrefix returns the prefix of the version keys of bucket/key (with
// the key terminator).
func objectKeyPrefix(bucket, key string) []byte {
	b := make([]byte, 0, len(objectPrefix)+len(bucket)+len(key)+12)
	b = append(b, objectPrefix...)
	b = append(b, bucket...)
	b = append(b, 0)
	b = escapeKey(b, key)
	return append(b, 0, 1)
}

// listPrefix returns the scan start for keys of bucket beginning with prefix.
func listPrefix(bucket, prefix string) []byte {
	b := append([]byte(objectBucketPrefix(bucket)), nil...)
	return escapeKey(b, prefix)
}

// versionKey returns the store key of a version of bucket/key.
func versionKey(bucket, key string, seq uint64) []byte {
	b := objectKeyPrefix(bucket, key)
	return binary.BigEndian.AppendUint64(b, ^seq)
}

// parseVersionKey returns the object key and sequence of a version key of
// bucket.
func parseVersionKey(bucket string, k []byte) (string, uint64, error) {
	p := len(objectPrefix) + len(bucket) + 1
	if len(k) < p+10 || k[len(k)-10] != 0 || k[len(k)-9] != 1 {
		return "", 0, errors.New("s3: malformed version key")
	}
	key, err := unescapeKey(k[p : len(k)-10])
	return key, ^binary.BigEndian.Uint64(k[len(k)-8:]), err
}

// uploadKey returns the store key of a multipart upload.
func uploadKey(bucket, key, uploadID string) []byte {
	b := make([]byte, 0, len(uploadPrefix)+len(bucket)+len(key)+len(uploadID)+4)
	b = append(b, uploadPrefix...)
	b = append(b, bucket...)
	b = append(b, 0)
	b = escapeKey(b, key)
	b = append(b, 0, 1)
	return append(b, uploadID...)
}

// uploadBucketPrefix is the prefix of every upload key of a bucket.
func uploadBucketPrefix(bucket string) string { return uploadPrefix + bucket + "\x00" }

func partKey(uploadID string, n int32) []byte {
	return []byte(partPrefix + uploadID + "/" + pad5(n))
}

func pad5(n int32) string {
	s := strconv.Itoa(int(n))
	return strings.Repeat("0", 5-len(s)) + s
}

func seqHex(seq uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return hex.EncodeToString(b[:])
}

func inlineKey(seq uint64) []byte { return []byte(inlinePrefix + seqHex(seq)) }

func refKey(hash string) []byte { return []byte(refPrefix + hash) }

func gcKey(hash string) []byte { return []byte(gcPrefix + hash) }

// newVersionID returns the version id of a version with sequence seq: the
// sequence in hex followed by random hex, 32 characters.
func newVersionID(seq uint64) string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return seqHex(seq) + hex.EncodeToString(r[:])
}

// versionSeq returns the sequence a version id names.
func versionSeq(id string) (uint64, bool) {
	if len(id) != 32 {
		return 0, false
	}
	b, err := hex.DecodeString(id[:16])
	if err != nil {
		return 0, false
	}
	if _, err := hex.DecodeString(id[16:]); err != nil {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

// newUploadID returns a fresh multipart upload id.
func newUploadID(seq uint64) string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	return seqHex(seq) + hex.EncodeToString(r[:])
}

// validUploadID reports whether id has the shape newUploadID gives, so that
// only such strings become store keys.
func validUploadID(id string) bool {
	if len(id) != 48 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
