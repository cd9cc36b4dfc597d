package storetest

import (
	"fmt"
	"testing"

	"github.com/nubo/nubo/internal/platform/store"
)

func testScanOrderedBounds(t *testing.T, db store.DB) {
	// Inserted out of order, across several batches.
	fill(t, db, "m", "a", "z")
	fill(t, db, "b", "ab", "aa", "")
	set(t, db, "y", "x", false)
	tests := []struct {
		name       string
		start, end []byte
		want       string
	}{
		{"all", nil, nil, ",a,aa,ab,b,m,y,z"},
		{"from a", []byte("a"), nil, "a,aa,ab,b,m,y,z"},
		{"start inclusive end exclusive", []byte("aa"), []byte("m"), "aa,ab,b"},
		{"start between keys", []byte("ac"), []byte("n"), "b,m"},
		{"end nil", []byte("n"), nil, "y,z"},
		{"empty range", []byte("b"), []byte("b"), ""},
		{"inverted range", []byte("z"), []byte("a"), ""},
		{"past the end", []byte("zz"), nil, ""},
		{"empty start", []byte{}, []byte("aa"), ",a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := collect(t, db, false, tc.start, tc.end); got != tc.want {
				t.Fatalf("Scan(%q, %q) = %q, want %q", tc.start, tc.end, got, tc.want)
			}
		})
	}
}

func testScanReverse(t *testing.T, db store.DB) {
	fill(t, db, "a", "b", "c", "d", "e")
	tests := []struct {
		name       string
		start, end []byte
		want       string
	}{
		{"all", nil, nil, "e,d,c,b,a"},
		{"bounded", []byte("b"), []byte("d"), "c,b"},
		{"end nil", []byte("c"), nil, "e,d,c"},
		{"end between keys", nil, []byte("cc"), "c,b,a"},
		{"empty", []byte("x"), nil, ""},
		{"inverted", []byte("d"), []byte("b"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := collect(t, db, true, tc.start, tc.end); got != tc.want {
				t.Fatalf("ScanReverse(%q, %q) = %q, want %q", tc.start, tc.end, got, tc.want)
			}
		})
	}
	// Reverse scans over more entries than any internal chunk size.
	b := db.NewBatch()
	for i := range 500 {
		b.Set(fmt.Appendf(nil, "n/%04d", i), nil)
	}
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	next := 499
	err := db.ScanReverse([]byte("n/"), store.PrefixEnd([]byte("n/")), func(k, _ []byte) bool {
		if want := fmt.Sprintf("n/%04d", next); string(k) != want {
			t.Fatalf("reverse key %q, want %q", k, want)
		}
		next--
		return true
	})
	if err != nil || next != -1 {
		t.Fatalf("reverse scan ended at %d, err %v", next, err)
	}
}

func testScanPrefixEnd(t *testing.T, db store.DB) {
	fill(t, db, "sqs/", "sqs/q1", "sqs/q2", "sqs0", "sqr/x", "s3/b", "sqs/q1/m\xff", "sqs\xff")
	prefix := []byte("sqs/")
	got := collect(t, db, false, prefix, store.PrefixEnd(prefix))
	if want := "sqs/,sqs/q1,sqs/q1/m\xff,sqs/q2"; got != want {
		t.Fatalf("prefix scan = %q, want %q", got, want)
	}
	got = collect(t, db, true, prefix, store.PrefixEnd(prefix))
	if want := "sqs/q2,sqs/q1/m\xff,sqs/q1,sqs/"; got != want {
		t.Fatalf("reverse prefix scan = %q, want %q", got, want)
	}
	if end := store.PrefixEnd([]byte{0xff, 0xff}); end != nil {
		t.Fatalf("PrefixEnd(ff ff) = %x, want nil", end)
	}
	if end := store.PrefixEnd([]byte{'a', 0xff}); string(end) != "b" {
		t.Fatalf("PrefixEnd(a ff) = %q, want b", end)
	}
}

func testScanStop(t *testing.T, db store.DB) {
	b := db.NewBatch()
	for i := range 300 {
		b.Set(fmt.Appendf(nil, "%04d", i), fmt.Appendf(nil, "v%d", i))
	}
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	for _, reverse := range []bool{false, true} {
		n := 0
		scan := db.Scan
		if reverse {
			scan = db.ScanReverse
		}
		if err := scan(nil, nil, func(_, _ []byte) bool { n++; return n < 70 }); err != nil {
			t.Fatal(err)
		}
		if n != 70 {
			t.Fatalf("reverse=%v: fn called %d times after returning false at 70", reverse, n)
		}
	}
	// Values are delivered with their keys.
	err := db.Scan([]byte("0100"), []byte("0200"), func(k, v []byte) bool {
		if string(v) != "v"+trimZeros(string(k)) {
			t.Fatalf("key %s has value %s", k, v)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// testScanWriteDuringScan checks a scan callback may write to the same DB
// (services delete expired entries while scanning them).
func testScanWriteDuringScan(t *testing.T, db store.DB) {
	fill(t, db, "e/1", "e/2", "e/3", "f")
	err := db.Scan([]byte("e/"), store.PrefixEnd([]byte("e/")), func(k, _ []byte) bool {
		b := db.NewBatch()
		b.Delete(k)
		if err := b.Commit(false); err != nil {
			t.Errorf("delete during scan: %v", err)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, db, false, nil, nil); got != "f" {
		t.Fatalf("after deleting during scan: %q", got)
	}
}
