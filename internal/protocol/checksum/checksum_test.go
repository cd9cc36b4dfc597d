package checksum

import (
	"encoding/hex"
	"testing"
)

func TestSum(t *testing.T) {
	tests := []struct {
		alg  Algorithm
		data string
		want string
	}{
		{CRC32, "hello world", "DUoRhQ=="},
		{CRC32, "", "AAAAAA=="},
		{SHA256, "", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		{SHA1, "hello world", "Kq5sNclPz7QV2+lfQIuc6R7oRu0="},
	}
	for _, tc := range tests {
		t.Run(string(tc.alg)+"/"+tc.data, func(t *testing.T) {
			got, err := Sum(tc.alg, []byte(tc.data))
			if err != nil || got != tc.want {
				t.Fatalf("Sum = %q, %v; want %q", got, err, tc.want)
			}
			if !Valid(tc.alg, got) {
				t.Fatal("Valid rejects a computed value")
			}
		})
	}
}

func TestCheckValues(t *testing.T) {
	// Standard "check" values of the CRC catalogue for the input "123456789".
	tests := map[Algorithm]string{CRC32: "cbf43926", CRC32C: "e3069283", CRC64NVME: "ae8b14860a799888"}
	for alg, want := range tests {
		h, err := NewHash(alg)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte("123456789"))
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("%s check = %s, want %s", alg, got, want)
		}
		if h.Size() != alg.Size() {
			t.Errorf("%s size %d != %d", alg, h.Size(), alg.Size())
		}
	}
}

func TestFromHeader(t *testing.T) {
	tests := []struct {
		name      string
		alg       Algorithm
		known, ok bool
	}{
		{"x-amz-checksum-crc32", CRC32, true, true},
		{"X-Amz-Checksum-Crc64nvme", CRC64NVME, true, true},
		{"x-amz-checksum-sha256", SHA256, true, true},
		{"x-amz-checksum-xxhash64", "XXHASH64", true, false},
		{"x-amz-checksum-type", "", false, false},
		{"x-amz-checksum-mode", "", false, false},
		{"x-amz-checksum-algorithm", "", false, false},
		{"content-md5", "", false, false},
	}
	for _, tc := range tests {
		alg, known, ok := FromHeader(tc.name)
		if alg != tc.alg || known != tc.known || ok != tc.ok {
			t.Errorf("FromHeader(%q) = %q %v %v", tc.name, alg, known, ok)
		}
		if ok && alg.HeaderName() != "x-amz-checksum-"+map[Algorithm]string{CRC32: "crc32", CRC64NVME: "crc64nvme", SHA256: "sha256"}[alg] {
			t.Errorf("HeaderName(%s) = %s", alg, alg.HeaderName())
		}
	}
	if _, err := NewHash("MD4"); err == nil {
		t.Fatal("NewHash accepted an unknown algorithm")
	}
	if Valid(CRC32, "DUoRhQ") || Valid(CRC32, "AAAAAAAA") {
		t.Fatal("Valid accepted a malformed value")
	}
}
