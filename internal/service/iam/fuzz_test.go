package iam

import (
	"net/url"
	"testing"
)

// FuzzEncodeDocument checks that encoded policy documents decode back exactly,
// as botocore's unquote and Go's url.QueryUnescape do.
func FuzzEncodeDocument(f *testing.F) {
	for _, s := range []string{lambdaTrust, s3Policy, "{\n  \"a\": \"b c+d%\"\n}", "é ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		enc := encodeDocument(doc)
		dec, err := url.PathUnescape(enc)
		if err != nil || dec != doc {
			t.Fatalf("round trip of %q: %q, %v", doc, dec, err)
		}
	})
}

// FuzzPageMarker feeds arbitrary markers to the pager: it must fail cleanly
// or return a page within the items.
func FuzzPageMarker(f *testing.F) {
	for _, m := range []string{"", "YQ", "Yg", "!!", "ZZZZ"} {
		f.Add(m, int32(2))
	}
	items := []string{"a", "b", "c", "d"}
	f.Fuzz(func(t *testing.T, marker string, max int32) {
		out, next, truncated, err := page(items, func(s string) string { return s }, &marker, &max)
		if err != nil {
			return
		}
		if len(out) > int(max) || (truncated != (next != nil)) {
			t.Fatalf("page = %v next=%v truncated=%v", out, next, truncated)
		}
	})
}
