// Package storetest is the conformance suite every store.DB implementation
// must pass: point reads and writes, atomic batches, ordered and bounded
// scans in both directions, DropAll, Close semantics, binary keys, large
// values and concurrent use (run it with -race).
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/nubo/nubo/internal/platform/store"
)

// Run runs the conformance suite; open must return a new, empty DB for each
// call. Run closes the DBs it opens unless a test closes them itself.
func Run(t *testing.T, open func(t *testing.T) store.DB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db store.DB)
	}{
		{"GetSetDelete", testGetSetDelete},
		{"GetReturnsCopy", testGetReturnsCopy},
		{"BatchAtomic", testBatchAtomic},
		{"BatchLastWriteWins", testBatchLastWriteWins},
		{"BatchCommitTwice", testBatchCommitTwice},
		{"DeleteRange", testDeleteRange},
		{"ScanOrderedBounds", testScanOrderedBounds},
		{"ScanReverse", testScanReverse},
		{"ScanPrefixEnd", testScanPrefixEnd},
		{"ScanStop", testScanStop},
		{"ScanWriteDuringScan", testScanWriteDuringScan},
		{"BinaryKeys", testBinaryKeys},
		{"LargeValues", testLargeValues},
		{"DropAll", testDropAll},
		{"Closed", testClosed},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			t.Cleanup(func() { _ = db.Close() })
			tc.fn(t, db)
		})
	}
}

// set commits one write or fails the test.
func set(t *testing.T, db store.DB, key, value string, durable bool) {
	t.Helper()
	b := db.NewBatch()
	b.Set([]byte(key), []byte(value))
	if err := b.Commit(durable); err != nil {
		t.Fatalf("commit %q: %v", key, err)
	}
}

// mustGet returns the value under key or fails the test.
func mustGet(t *testing.T, db store.DB, key string) string {
	t.Helper()
	v, err := db.Get([]byte(key))
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	return string(v)
}

// wantMissing fails the test unless key is absent.
func wantMissing(t *testing.T, db store.DB, key string) {
	t.Helper()
	if v, err := db.Get([]byte(key)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get %q = %q, %v; want ErrNotFound", key, v, err)
	}
}

// collect returns the keys of a scan, joined by ",".
func collect(t *testing.T, db store.DB, reverse bool, start, end []byte) string {
	t.Helper()
	var out [][]byte
	scan := db.Scan
	if reverse {
		scan = db.ScanReverse
	}
	if err := scan(start, end, func(k, _ []byte) bool {
		out = append(out, append([]byte(nil), k...))
		return true
	}); err != nil {
		t.Fatalf("scan: %v", err)
	}
	return string(bytes.Join(out, []byte(",")))
}

// fill stores each key with value "v-"+key in one batch.
func fill(t *testing.T, db store.DB, keys ...string) {
	t.Helper()
	b := db.NewBatch()
	for _, k := range keys {
		b.Set([]byte(k), []byte("v-"+k))
	}
	if err := b.Commit(false); err != nil {
		t.Fatalf("fill: %v", err)
	}
}

func testGetSetDelete(t *testing.T, db store.DB) {
	wantMissing(t, db, "a")
	set(t, db, "a", "1", true)
	set(t, db, "b", "", false)
	if got := mustGet(t, db, "a"); got != "1" {
		t.Fatalf("a = %q", got)
	}
	if got := mustGet(t, db, "b"); got != "" {
		t.Fatalf("empty value = %q", got)
	}
	set(t, db, "a", "2", false)
	if got := mustGet(t, db, "a"); got != "2" {
		t.Fatalf("overwrite: a = %q", got)
	}
	b := db.NewBatch()
	b.Delete([]byte("a"))
	b.Delete([]byte("never-existed"))
	if b.Len() != 2 {
		t.Fatalf("Len = %d, want 2", b.Len())
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	wantMissing(t, db, "a")
	wantMissing(t, db, "never-existed")
}

func testGetReturnsCopy(t *testing.T, db store.DB) {
	set(t, db, "k", "value", false)
	v, err := db.Get([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	copy(v, "XXXXX")
	if got := mustGet(t, db, "k"); got != "value" {
		t.Fatalf("modifying Get's result changed the store: %q", got)
	}
	// The batch must copy its inputs too.
	key, val := []byte("k2"), []byte("abc")
	b := db.NewBatch()
	b.Set(key, val)
	copy(key, "zz")
	copy(val, "zzz")
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, db, "k2"); got != "abc" {
		t.Fatalf("batch did not copy its value: %q", got)
	}
}

func testBatchAtomic(t *testing.T, db store.DB) {
	set(t, db, "gone", "x", false)
	b := db.NewBatch()
	for i := range 100 {
		b.Set(fmt.Appendf(nil, "k%03d", i), []byte("v"))
	}
	b.Delete([]byte("gone"))
	// Nothing is visible before Commit.
	wantMissing(t, db, "k000")
	if got := mustGet(t, db, "gone"); got != "x" {
		t.Fatalf("uncommitted delete applied")
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := db.Scan([]byte("k"), []byte("l"), func(_, _ []byte) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 100 {
		t.Fatalf("after commit %d keys, want 100", n)
	}
	wantMissing(t, db, "gone")
	// An uncommitted batch never applies.
	b2 := db.NewBatch()
	b2.Set([]byte("never"), []byte("x"))
	wantMissing(t, db, "never")
}

func testBatchLastWriteWins(t *testing.T, db store.DB) {
	b := db.NewBatch()
	b.Set([]byte("a"), []byte("1"))
	b.Delete([]byte("a"))
	b.Set([]byte("a"), []byte("3"))
	b.Set([]byte("b"), []byte("1"))
	b.Delete([]byte("b"))
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, db, "a"); got != "3" {
		t.Fatalf("a = %q, want 3", got)
	}
	wantMissing(t, db, "b")
}

func testBatchCommitTwice(t *testing.T, db store.DB) {
	b := db.NewBatch()
	if err := b.Commit(false); err != nil {
		t.Fatalf("empty commit: %v", err)
	}
	if err := b.Commit(false); err == nil {
		t.Fatal("second Commit of a batch succeeded")
	}
}

func testDeleteRange(t *testing.T, db store.DB) {
	fill(t, db, "a", "b1", "b2", "b3", "c")
	b := db.NewBatch()
	b.DeleteRange([]byte("b"), []byte("b3"))
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, db, false, nil, nil); got != "a,b3,c" {
		t.Fatalf("after DeleteRange [b,b3): %s", got)
	}
	b = db.NewBatch()
	b.DeleteRange([]byte("b3"), store.PrefixEnd([]byte("b")))
	b.Set([]byte("b5"), []byte("new")) // later set in the same batch survives
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, db, false, nil, nil); got != "a,b5,c" {
		t.Fatalf("after DeleteRange + Set: %s", got)
	}
}
