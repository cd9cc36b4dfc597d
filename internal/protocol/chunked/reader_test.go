package chunked

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nubo/nubo/internal/protocol/checksum"
)

func testSigner() *Signer {
	return &Signer{Key: []byte("0123456789abcdef0123456789abcdef"), Date: "20261128T090026Z",
		Scope: "20261128/us-east-1/s3/aws4_request", Seed: strings.Repeat("ab", 32)}
}

type readerCase struct {
	name    string
	body    string
	opts    Options
	want    string
	wantErr error
}

func readerCases() []readerCase {
	crcTrailer := Options{Trailer: true, DeclaredTrailers: []string{"x-amz-checksum-crc32"}, DecodedLength: 11}
	data := strings.Repeat("0123456789", 3000)
	sum, _ := checksum.Sum(checksum.CRC32C, []byte(data))
	signedTrl := string(Encode([]byte(data), 8192, testSigner(), []Trailer{{"x-amz-checksum-crc32c", sum}}))
	signed := string(Encode([]byte(data), 8192, testSigner(), nil))
	sOpts := Options{Signer: testSigner(), DecodedLength: int64(len(data))}
	stOpts := Options{Signer: testSigner(), Trailer: true, DeclaredTrailers: []string{"x-amz-checksum-crc32c"}, DecodedLength: int64(len(data))}
	return []readerCase{
		{"captured", "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", crcTrailer, "hello world", nil},
		{"no final crlf", "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n", crcTrailer, "hello world", nil},
		{"wrong checksum", "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", crcTrailer, "", ErrChecksum},
		{"missing checksum", "b\r\nhello world\r\n0\r\n\r\n", crcTrailer, "", ErrChecksumMissing},
		{"bad checksum value", "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:xx\r\n\r\n", crcTrailer, "", ErrChecksumMissing},
		{"undeclared trailer", "b\r\nhello world\r\n0\r\nx-amz-meta:1\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", crcTrailer, "", ErrMalformed},
		{"wrong decoded length", "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
			Options{Trailer: true, DeclaredTrailers: []string{"x-amz-checksum-crc32"}, DecodedLength: 12}, "", ErrLength},
		{"chunk beyond decoded length", "b\r\nhello world\r\n0\r\n\r\n", Options{DecodedLength: 5}, "", ErrLength},
		{"truncated data", "b\r\nhello", crcTrailer, "", ErrTruncated},
		{"truncated header", "b", crcTrailer, "", ErrTruncated},
		{"no final chunk", "b\r\nhello world\r\n", crcTrailer, "", ErrTruncated},
		{"empty", "", crcTrailer, "", ErrTruncated},
		{"garbage size", "zz\r\nhello\r\n0\r\n\r\n", Options{DecodedLength: -1}, "", ErrMalformed},
		{"huge size", "ffffffffffffffffff\r\n", Options{DecodedLength: -1}, "", ErrMalformed},
		{"too large chunk", "100\r\n", Options{DecodedLength: -1, MaxChunkSize: 16}, "", ErrChunkTooLarge},
		{"data longer than size", "3\r\nhello\r\n0\r\n\r\n", Options{DecodedLength: -1}, "", ErrMalformed},
		{"long line", strings.Repeat("1", 5000) + "\r\n", Options{DecodedLength: -1}, "", ErrMalformed},
		{"unsigned plain", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", Options{DecodedLength: 11}, "hello world", nil},
		{"trailer when none expected", "5\r\nhello\r\n0\r\nx:y\r\n\r\n", Options{DecodedLength: -1}, "", ErrMalformed},
		{"unsupported trailer", "0\r\n\r\n", Options{Trailer: true, DeclaredTrailers: []string{"x-amz-checksum-xxhash64"}, DecodedLength: -1}, "", ErrUnsupported},
		{"signed", signed, sOpts, data, nil},
		{"signed trailer", signedTrl, stOpts, data, nil},
		{"signed tampered data", strings.Replace(signed, "0123", "0124", 1), sOpts, "", ErrSignature},
		{"signed missing signature", "5\r\nhello\r\n0\r\n\r\n", sOpts, "", ErrMalformed},
		{"signed tampered trailer sig", signedTrl[:len(signedTrl)-5] + "0\r\n\r\n", stOpts, "", ErrSignature},
		{"signed wrong seed", signed, Options{Signer: &Signer{Key: testSigner().Key, Date: testSigner().Date, Scope: testSigner().Scope, Seed: "00"}, DecodedLength: -1}, "", ErrSignature},
	}
}

func TestReader(t *testing.T) {
	for _, tc := range readerCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				var src io.Reader = strings.NewReader(tc.body)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				r := NewReader(src, tc.opts)
				got, err := io.ReadAll(r)
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) {
						t.Fatalf("err = %v, want %v", err, tc.wantErr)
					}
					if r.Checksums() != nil {
						t.Fatal("checksums reported after a failure")
					}
					continue
				}
				if err != nil || string(got) != tc.want {
					t.Fatalf("got %d bytes, err %v", len(got), err)
				}
				if len(tc.opts.DeclaredTrailers) > 0 && len(r.Checksums()) != 1 {
					t.Fatalf("checksums = %v", r.Checksums())
				}
			}
		})
	}
}

func TestReaderErrorSticks(t *testing.T) {
	r := NewReader(strings.NewReader("zz\r\n"), Options{DecodedLength: -1})
	for range 3 {
		if _, err := r.Read(make([]byte, 4)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v", err)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 100)
	for _, size := range []int{0, 1, 7, 100, 1000} {
		enc := Encode(data, size, nil, []Trailer{})
		got, err := io.ReadAll(NewReader(bytes.NewReader(enc), Options{Trailer: true, DecodedLength: 100}))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: %v", size, err)
		}
	}
}

func FuzzChunkedReader(f *testing.F) {
	for _, tc := range readerCases() {
		f.Add([]byte(tc.body), tc.opts.Signer != nil, tc.opts.Trailer)
	}
	f.Fuzz(func(t *testing.T, body []byte, signed, trailer bool) {
		opts := Options{Trailer: trailer, DeclaredTrailers: []string{"x-amz-checksum-crc32"}, DecodedLength: -1, MaxChunkSize: 1 << 20}
		if signed {
			opts.Signer = testSigner()
		}
		r := NewReader(bytes.NewReader(body), opts)
		n, err := io.Copy(io.Discard, r)
		if err == nil && n > int64(len(body)) {
			t.Fatalf("decoded %d bytes from %d", n, len(body))
		}
	})
}
