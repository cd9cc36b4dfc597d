package checksum

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

func TestCombineMatchesWholeChecksum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 300000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	splits := []int{0, 1, 7, 4096, 65537, 299999, 300000}
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		whole := sum(t, a, data)
		for _, at := range splits {
			got, err := Combine(a, sum(t, a, data[:at]), sum(t, a, data[at:]), int64(len(data)-at))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, whole) {
				t.Errorf("%s split at %d: combined %x, whole %x", a, at, got, whole)
			}
		}
	}
}

func TestCombineRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Algorithm
		x, y []byte
		n    int64
	}{
		{"sha256", SHA256, make([]byte, 32), make([]byte, 32), 1},
		{"short sum", CRC32, make([]byte, 3), make([]byte, 4), 1},
		{"wrong width", CRC64NVME, make([]byte, 4), make([]byte, 4), 1},
		{"negative length", CRC32C, make([]byte, 4), make([]byte, 4), -1},
	} {
		if _, err := Combine(tc.a, tc.x, tc.y, tc.n); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if Combinable(SHA1) || !Combinable(CRC64NVME) {
		t.Error("Combinable")
	}
}

func sum(t *testing.T, a Algorithm, data []byte) []byte {
	t.Helper()
	v, err := Sum(a, data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
