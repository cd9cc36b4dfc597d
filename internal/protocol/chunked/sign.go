package chunked

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// emptySHA256 is the hex SHA-256 of the empty string.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Signer computes the SigV4 chunk and trailer signatures of a
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] body.
type Signer struct {
	// Key is the SigV4 signing key (kSigning) of the request.
	Key []byte
	// Date is the request's X-Amz-Date (yyyymmddTHHMMSSZ).
	Date string
	// Scope is the credential scope, date/region/service/aws4_request.
	Scope string
	// Seed is the request signature, which chains into the first chunk's.
	Seed string
}

// ChunkSignature returns the signature of a chunk whose data has the SHA-256
// digest dataHash, chained to the previous signature prev (Seed for the first).
func (s *Signer) ChunkSignature(prev string, dataHash []byte) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.Date + "\n" + s.Scope + "\n" + prev + "\n" +
		emptySHA256 + "\n" + hex.EncodeToString(dataHash)
	return s.sign(sts)
}

// TrailerSignature returns the signature of the canonical trailer block
// ("name:value\n" per trailer), chained to the final chunk's signature prev.
func (s *Signer) TrailerSignature(prev string, canonicalTrailers []byte) string {
	h := sha256.Sum256(canonicalTrailers)
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.Date + "\n" + s.Scope + "\n" + prev + "\n" +
		hex.EncodeToString(h[:])
	return s.sign(sts)
}

func (s *Signer) sign(sts string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(sts))
	return hex.EncodeToString(m.Sum(nil))
}

// Trailer is one trailing header of an aws-chunked body.
type Trailer struct {
	Name, Value string
}

// Encode frames data as an aws-chunked body with chunks of at most chunkSize
// bytes (a non-positive size means one chunk). With a non-nil signer every chunk
// carries a chunk-signature; trailers, when non-nil, follow the final chunk, and
// with a signer are signed by x-amz-trailer-signature. Clients and tests use it.
func Encode(data []byte, chunkSize int, s *Signer, trailers []Trailer) []byte {
	if chunkSize <= 0 {
		chunkSize = max(len(data), 1)
	}
	var b strings.Builder
	prev := ""
	if s != nil {
		prev = s.Seed
	}
	writeChunk := func(p []byte) {
		b.WriteString(strconv.FormatInt(int64(len(p)), 16))
		if s != nil {
			h := sha256.Sum256(p)
			prev = s.ChunkSignature(prev, h[:])
			b.WriteString(";chunk-signature=" + prev)
		}
		b.WriteString("\r\n")
		b.Write(p)
		if len(p) > 0 {
			b.WriteString("\r\n")
		}
	}
	for off := 0; off < len(data); off += chunkSize {
		writeChunk(data[off:min(off+chunkSize, len(data))])
	}
	writeChunk(nil)
	if trailers != nil {
		var canon strings.Builder
		for _, t := range trailers {
			line := strings.ToLower(t.Name) + ":" + t.Value
			canon.WriteString(line + "\n")
			b.WriteString(line + "\r\n")
		}
		if s != nil {
			b.WriteString("x-amz-trailer-signature:" + s.TrailerSignature(prev, []byte(canon.String())) + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}
