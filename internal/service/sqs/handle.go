package sqs

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/nubo/nubo/internal/awsapi"
)

// A receipt handle names one receive of one message: the queue incarnation,
// the message's sequence number, the receive generation (its receive count at
// that receive) and the message id, so a handle from another queue, a deleted
// and re-created queue or an earlier receive is recognised.
type receipt struct {
	queueID [8]byte
	seq     uint64
	gen     uint32
	msgID   [16]byte
}

const handleVersion = 'R'

// String encodes the handle as URL-safe base64.
func (r receipt) String() string {
	var b [1 + 8 + 8 + 4 + 16]byte
	b[0] = handleVersion
	copy(b[1:9], r.queueID[:])
	binary.BigEndian.PutUint64(b[9:17], r.seq)
	binary.BigEndian.PutUint32(b[17:21], r.gen)
	copy(b[21:], r.msgID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// parseReceipt decodes a receipt handle.
func parseReceipt(s string) (receipt, error) {
	var r receipt
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) != 37 || raw[0] != handleVersion {
		return r, fmt.Errorf("sqs: malformed receipt handle")
	}
	copy(r.queueID[:], raw[1:9])
	r.seq = binary.BigEndian.Uint64(raw[9:17])
	r.gen = binary.BigEndian.Uint32(raw[17:21])
	copy(r.msgID[:], raw[21:])
	return r, nil
}

// msgIDBytes packs a UUID message id into 16 bytes (zero if it is not one).
func msgIDBytes(id string) [16]byte {
	var out [16]byte
	clean := make([]byte, 0, 32)
	for i := 0; i < len(id); i++ {
		if id[i] != '-' {
			clean = append(clean, id[i])
		}
	}
	_, _ = hex.Decode(out[:], clean)
	return out
}

// invalidHandle is ReceiptHandleIsInvalid for handle h.
func invalidHandle(h string) *awsapi.Error {
	return awsapi.Errorf("ReceiptHandleIsInvalid", http.StatusBadRequest,
		"The input receipt handle \"%s\" is not a valid receipt handle.", h)
}
