package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// md5Hex returns the hex MD5 of s (MD5OfMessageBody).
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes returns MD5OfMessageAttributes as AWS computes it: over the
// attributes sorted by name, each encoded as the name, the data type, one
// transport byte (1 for String and Number values, 2 for Binary) and the value,
// every variable-length part preceded by its length as 4 big-endian bytes.
// It returns "" when there are no attributes.
func md5OfAttributes(attrs map[string]sqsapi.MessageAttributeValue) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	for _, name := range sortedNames(attrs) {
		v := attrs[name]
		writeLenPrefixed(h, name)
		writeLenPrefixed(h, deref(v.DataType))
		if isBinaryType(deref(v.DataType)) {
			h.Write([]byte{2})
			writeLenPrefixed(h, string(v.BinaryValue))
		} else {
			h.Write([]byte{1})
			writeLenPrefixed(h, deref(v.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// md5OfSystemAttributes is md5OfAttributes for message system attributes
// (AWSTraceHeader, a String).
func md5OfSystemAttributes(trace string) string {
	if trace == "" {
		return ""
	}
	typ := "String"
	return md5OfAttributes(map[string]sqsapi.MessageAttributeValue{"AWSTraceHeader": {DataType: &typ, StringValue: &trace}})
}

func writeLenPrefixed(h hash.Hash, s string) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// isBinaryType reports whether a data type ("Binary", "Binary.png") carries a
// binary value.
func isBinaryType(t string) bool {
	return baseType(t) == "Binary"
}

// baseType returns the type before any custom suffix ("String.x" → "String").
func baseType(t string) string {
	if i := strings.IndexByte(t, '.'); i >= 0 {
		return t[:i]
	}
	return t
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
