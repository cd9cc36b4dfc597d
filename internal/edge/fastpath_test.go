package edge

import (
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestRequestIDFormat checks that request ids are distinct version-4 UUIDs in
// lower-case hex, as platform/arn.RequestID makes them.
func TestRequestIDFormat(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := requestID()
		if !uuid.MatchString(id) {
			t.Fatalf("requestID() = %q, not a v4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("requestID() repeated %q", id)
		}
		seen[id] = true
	}
}

var mediaTypeCases = []string{
	"", "application/x-amz-json-1.0", "Application/X-WWW-Form-URLEncoded; charset=utf-8",
	"  text/xml ;", "application/json; bad param", "weird", ";", "tëxt/plain", "a/b;c=\"d;e\"",
}

// TestMediaType checks mediaType against the mime.ParseMediaType-based
// definition it replaces.
func TestMediaType(t *testing.T) {
	for _, ct := range mediaTypeCases {
		t.Run(ct, func(t *testing.T) { checkMediaType(t, ct) })
	}
}

func FuzzMediaType(f *testing.F) {
	for _, ct := range mediaTypeCases {
		f.Add(ct)
	}
	f.Fuzz(checkMediaType)
}

func checkMediaType(t *testing.T, ct string) {
	r := &http.Request{Header: http.Header{}}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	want := ""
	if v := r.Header.Get("Content-Type"); v != "" {
		mt, _, err := mime.ParseMediaType(v)
		if err != nil {
			mt, _, _ = strings.Cut(v, ";")
		}
		want = strings.ToLower(strings.TrimSpace(mt))
	}
	if got := mediaType(r); got != want {
		t.Errorf("mediaType(%q) = %q, want %q", ct, got, want)
	}
}
