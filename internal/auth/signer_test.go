package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHMACSHA256 checks the stack-buffer HMAC against crypto/hmac for keys
// and messages on both sides of the block size and of the stack buffer.
func TestHMACSHA256(t *testing.T) {
	for _, kl := range []int{0, 1, 32, 44, 63, 64, 65, 200} {
		for _, ml := range []int{0, 1, 55, 64, 255, 256, 257, 1000} {
			t.Run(strconv.Itoa(kl)+"/"+strconv.Itoa(ml), func(t *testing.T) {
				key, msg := bytes.Repeat([]byte{0xa5}, kl), strings.Repeat("m", ml)
				m := hmac.New(sha256.New, key)
				m.Write([]byte(msg))
				want := m.Sum(nil)
				if got := hmacSHA256(key, msg); !bytes.Equal(got[:], want) {
					t.Errorf("string: %x, want %x", got, want)
				}
				if got := hmacSHA256(key, []byte(msg)); !bytes.Equal(got[:], want) {
					t.Errorf("bytes: %x, want %x", got, want)
				}
			})
		}
	}
}

// TestSignerMatchesSignV4 signs with one Signer across a date change and
// checks each signature against the one-shot SignV4 and the Verifier.
func TestSignerMatchesSignV4(t *testing.T) {
	tests := []struct {
		name    string
		cred    Credential
		service string
		at      time.Time
	}{
		{"sqs day one", root, "sqs", sdkTime},
		{"sqs day two", root, "sqs", sdkTime.Add(24 * time.Hour)},
		{"sqs back to day one", root, "sqs", sdkTime.Add(time.Minute)},
		{"s3 with session token", temp, "s3", sdkTime},
	}
	signers := map[string]*Signer{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.cred.AccessKeyID + "/" + tc.service
			if signers[id] == nil {
				signers[id] = NewSigner(tc.cred, "us-east-1", tc.service)
			}
			body := `{"QueueUrl":"q"}`
			mine, one := signerRequest(body), signerRequest(body)
			got := signers[id].Sign(mine, PayloadHash([]byte(body)), tc.at)
			want := SignV4(one, PayloadHash([]byte(body)), tc.cred, "us-east-1", tc.service, tc.at)
			if got != want || mine.Header.Get("Authorization") != one.Header.Get("Authorization") {
				t.Fatalf("Signer: %q\nSignV4: %q", mine.Header.Get("Authorization"), one.Header.Get("Authorization"))
			}
			if _, err := testVerifier(tc.at).Verify(toServer(t, mine), VerifyOptions{S3: tc.service == "s3"}); err != nil {
				t.Fatalf("verify: %v", err)
			}
		})
	}
}

// TestSignerConcurrent shares one Signer between goroutines signing on two
// dates (run with -race).
func TestSignerConcurrent(t *testing.T) {
	s := NewSigner(root, "us-east-1", "sqs")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := sdkTime.Add(time.Duration(i%2) * 24 * time.Hour)
			for range 20 {
				r := signerRequest("x")
				s.Sign(r, PayloadHash([]byte("x")), at)
				if _, err := testVerifier(at).Verify(toServer(t, r), VerifyOptions{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func signerRequest(body string) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "http://localhost:4566/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	r.Header.Set("X-Amz-Meta-Odd_Name", "v")
	return r
}

// TestHeaderValues checks the allocation-free lookup against http.Header.Values.
func TestHeaderValues(t *testing.T) {
	h := http.Header{}
	for _, k := range []string{"X-Amz-Date", "Content-Type", "X-Amz-Meta-A1-B2", "x-amz-meta-odd_name",
		"X-Amz-Meta-" + strings.Repeat("Long-", 14), "X-Amz-Meta-Multi"} {
		h[http.CanonicalHeaderKey(k)] = []string{"v:" + k}
	}
	h.Add("X-Amz-Meta-Multi", "second")
	for _, name := range []string{"x-amz-date", "content-type", "x-amz-meta-a1-b2", "x-amz-meta-odd_name",
		strings.ToLower("X-Amz-Meta-" + strings.Repeat("Long-", 14)), "x-amz-meta-multi", "absent", "", "-x"} {
		t.Run(name, func(t *testing.T) {
			got, want := headerValues(h, name), h.Values(name)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("headerValues(%q) = %q, want %q", name, got, want)
			}
		})
	}
}

// TestReadBody covers declared lengths that match, undercount and overcount
// the body, an unknown length, and the size limit.
func TestReadBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		declared int64
		limit    int64
		want     string // the body read, when fail is false
		fail     bool
		kind     Kind
	}{
		{"exact", "hello", 5, 100, "hello", false, 0},
		{"empty", "", 0, 100, "", false, 0},
		{"undeclared", "hello", -1, 100, "hello", false, 0},
		{"longer than declared", "hello world", 5, 100, "hello world", false, 0},
		{"shorter than declared", "hel", 5, 100, "", true, IncompleteBody},
		{"declared over limit", "hello", 5, 4, "", true, BodyTooLarge},
		{"undeclared over limit", "hello", -1, 4, "", true, BodyTooLarge},
		{"longer than declared over limit", "hello", 2, 4, "", true, BodyTooLarge},
		{"at limit", "hell", 4, 4, "hell", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPost, "http://localhost/", io.NopCloser(strings.NewReader(tc.body)))
			r.ContentLength = tc.declared
			got, err := readBody(r, tc.limit)
			if tc.fail {
				wantKind(t, err, tc.kind)
				return
			}
			if err != nil || got == nil || string(got) != tc.want {
				t.Fatalf("readBody = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
