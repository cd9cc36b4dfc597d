// Package checksum implements the S3 flexible checksum algorithms (CRC32, CRC32C,
// CRC64NVME, SHA1, SHA256): hash constructors, the base64 wire form of a digest and
// the mapping between algorithm names and x-amz-checksum-* header names.
package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// Algorithm is a flexible checksum algorithm named as S3 names it in
// x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm ("CRC32", "SHA256", …).
type Algorithm string

// The algorithms Nubo computes.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// HeaderPrefix is the common prefix of the checksum value headers and trailers.
const HeaderPrefix = "x-amz-checksum-"

// crc64NVMEPoly is the reversed CRC-64/NVME polynomial.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

// Algorithms returns every supported algorithm in a fixed order.
func Algorithms() []Algorithm {
	return []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}
}

// ParseAlgorithm returns the algorithm named s (case-insensitive) and whether it is
// supported.
func ParseAlgorithm(s string) (Algorithm, bool) {
	a := Algorithm(strings.ToUpper(strings.TrimSpace(s)))
	for _, b := range Algorithms() {
		if a == b {
			return a, true
		}
	}
	return "", false
}

// HeaderName returns the lowercase header (or trailer) name carrying a's value,
// e.g. "x-amz-checksum-crc32".
func (a Algorithm) HeaderName() string {
	return HeaderPrefix + strings.ToLower(string(a))
}

// Size returns the digest length of a in bytes, or 0 for an unknown algorithm.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// FromHeader maps a checksum value header name (any case) to its algorithm. known
// reports whether name is a checksum value header at all (x-amz-checksum-type,
// -algorithm and -mode are not); ok reports whether Nubo supports the algorithm.
func FromHeader(name string) (a Algorithm, known, ok bool) {
	n := strings.TrimSpace(name)
	if len(n) < len(HeaderPrefix) || !strings.EqualFold(n[:len(HeaderPrefix)], HeaderPrefix) {
		return "", false, false // most headers: no need to lower-case them
	}
	n = strings.ToLower(n)
	suffix, found := strings.CutPrefix(n, HeaderPrefix)
	if !found {
		return "", false, false
	}
	if a, ok := ParseAlgorithm(suffix); ok {
		return a, true, true
	}
	// Checksum header suffixes newer S3 models define but Nubo does not compute.
	for _, u := range [...]string{"md5", "sha512", "xxhash3", "xxhash64", "xxhash128"} {
		if suffix == u {
			return Algorithm(strings.ToUpper(suffix)), true, false
		}
	}
	return "", false, false
}

// NewHash returns a new hash.Hash computing a. The CRCs produce big-endian sums,
// which is the byte order S3 puts on the wire.
func NewHash(a Algorithm) (hash.Hash, error) {
	switch a {
	case CRC32:
		return crc32.NewIEEE(), nil
	case CRC32C:
		return crc32.New(crc32.MakeTable(crc32.Castagnoli)), nil
	case CRC64NVME:
		return crc64.New(crc64.MakeTable(crc64NVMEPoly)), nil
	case SHA1:
		return sha1.New(), nil
	case SHA256:
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("checksum: unsupported algorithm %q", string(a))
}

// Encode returns the wire form (standard base64) of a digest.
func Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// Value returns the base64 wire form of h's current sum.
func Value(h hash.Hash) string { return Encode(h.Sum(nil)) }

// Sum returns the base64 wire form of a's digest of data.
func Sum(a Algorithm, data []byte) (string, error) {
	h, err := NewHash(a)
	if err != nil {
		return "", err
	}
	h.Write(data)
	return Value(h), nil
}

// Valid reports whether v is a well-formed base64 value for a: standard padded
// base64 decoding to exactly a.Size() bytes.
func Valid(a Algorithm, v string) bool {
	b, err := base64.StdEncoding.Strict().DecodeString(v)
	return err == nil && len(b) == a.Size() && a.Size() > 0
}
