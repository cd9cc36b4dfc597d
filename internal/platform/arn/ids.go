package arn

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Alphabets for random identifiers.
const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretSet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// IAM unique id prefixes (the first four characters AWS uses per entity).
const (
	PrefixUser            = "AIDA"
	PrefixRole            = "AROA"
	PrefixPolicy          = "ANPA"
	PrefixGroup           = "AGPA"
	PrefixInstanceProfile = "AIPA"
	PrefixLongTermKey     = "AKIA"
	PrefixTemporaryKey    = "ASIA"
)

// randomBytes fills a new slice from crypto/rand, which never fails on
// supported platforms (it crashes the program instead).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// randomString returns n characters drawn uniformly from alphabet (at most
// 256 characters), by rejection sampling so no character is favoured.
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	var sb strings.Builder
	sb.Grow(n)
	for sb.Len() < n {
		for _, b := range randomBytes(n + n/2) {
			if int(b) < limit && sb.Len() < n {
				sb.WriteByte(alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return sb.String()
}

// RequestID returns a random UUID version 4, AWS's request id format
// ("x-amzn-RequestId").
func RequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	// Built without fmt: every request gets one, on the hot path.
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// AccessKeyID returns a new access key id: "AKIA" (long-term) or "ASIA"
// (temporary) followed by 16 uppercase letters and digits.
func AccessKeyID(temporary bool) string {
	if temporary {
		return PrefixTemporaryKey + randomString(upperAlnum, 16)
	}
	return PrefixLongTermKey + randomString(upperAlnum, 16)
}

// SecretAccessKey returns a new 40-character secret key of base64 characters.
func SecretAccessKey() string { return randomString(secretSet, 40) }

// UniqueID returns an IAM unique id: prefix (PrefixUser, PrefixRole …)
// followed by 17 uppercase letters and digits.
func UniqueID(prefix string) string { return prefix + randomString(upperAlnum, 17) }

// Hex returns n random lowercase hex digits, such as the 32
// used in log stream names.
func Hex(n int) string { return hex.EncodeToString(randomBytes((n + 1) / 2))[:n] }

// S3RequestID returns an S3-style request id: 16 uppercase hex digits.
func S3RequestID() string { return strings.ToUpper(Hex(16)) }

// AmzID2 returns an S3-style "x-amz-id-2" host id: 76 base64 characters.
func AmzID2() string { return base64.StdEncoding.EncodeToString(randomBytes(57)) }

// SessionToken returns an opaque session token for temporary credentials.
func SessionToken() string { return base64.StdEncoding.EncodeToString(randomBytes(192)) }
