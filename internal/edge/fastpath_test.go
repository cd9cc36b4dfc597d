package edge

import (
	"mime"
	"net/http"
	"strings"
	"testing"
)

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
