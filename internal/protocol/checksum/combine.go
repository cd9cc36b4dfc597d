package checksum

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// crcParams describes a reflected CRC with the usual all-ones initial value
// and final XOR, as CRC32, CRC32C and CRC64NVME all are.
type crcParams struct {
	width int    // bits: 32 or 64
	poly  uint64 // reversed polynomial
}

func crcOf(a Algorithm) (crcParams, bool) {
	switch a {
	case CRC32:
		return crcParams{32, crc32.IEEE}, true
	case CRC32C:
		return crcParams{32, crc32.Castagnoli}, true
	case CRC64NVME:
		return crcParams{64, crc64NVMEPoly}, true
	}
	return crcParams{}, false
}

// Combinable reports whether Combine supports a: the CRCs, whose checksum of
// a concatenation follows from the parts' checksums and lengths.
func Combinable(a Algorithm) bool {
	_, ok := crcOf(a)
	return ok
}

// Combine returns the big-endian checksum of A followed by B, given a's
// checksums of A (sumA) and of B (sumB) and B's length in bytes. It is how
// S3 derives a FULL_OBJECT multipart checksum from the parts' CRCs.
func Combine(a Algorithm, sumA, sumB []byte, lenB int64) ([]byte, error) {
	p, ok := crcOf(a)
	if !ok {
		return nil, fmt.Errorf("checksum: %s checksums cannot be combined", a)
	}
	n := p.width / 8
	if len(sumA) != n || len(sumB) != n || lenB < 0 {
		return nil, fmt.Errorf("checksum: combine %s: bad input", a)
	}
	crcA, crcB := beUint(sumA), beUint(sumB)
	// Appending lenB bytes to A multiplies its remainder by x^(8*lenB); the
	// all-ones pre- and post-conditioning of both CRCs then cancels out, so
	// crc(AB) = crc(A)·x^(8·lenB) mod P  xor  crc(B).
	sum := p.mulMod(p.xPow8n(lenB), crcA) ^ crcB
	out := make([]byte, n)
	if n == 4 {
		binary.BigEndian.PutUint32(out, uint32(sum))
	} else {
		binary.BigEndian.PutUint64(out, sum)
	}
	return out, nil
}

func beUint(b []byte) uint64 {
	if len(b) == 4 {
		return uint64(binary.BigEndian.Uint32(b))
	}
	return binary.BigEndian.Uint64(b)
}

// mulMod multiplies two polynomials modulo P in the reflected representation,
// where the top bit (1 << (width-1)) is the coefficient of x^0.
func (p crcParams) mulMod(a, b uint64) uint64 {
	var prod uint64
	for m := uint64(1) << (p.width - 1); m != 0; m >>= 1 {
		if a&m != 0 {
			prod ^= b
		}
		// b *= x: a shift right in the reflected form, reduced by P.
		if b&1 != 0 {
			b = b>>1 ^ p.poly
		} else {
			b >>= 1
		}
	}
	return prod
}

// xPow8n returns x^(8n) mod P by square-and-multiply over the bits of n.
func (p crcParams) xPow8n(n int64) uint64 {
	one := uint64(1) << (p.width - 1)
	result := one
	sq := one >> 8 // x^8: the power for one byte
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			result = p.mulMod(sq, result)
		}
		sq = p.mulMod(sq, sq)
	}
	return result
}
