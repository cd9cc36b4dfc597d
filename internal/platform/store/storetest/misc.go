package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/nubo/nubo/internal/platform/store"
)

func testBinaryKeys(t *testing.T, db store.DB) {
	keys := [][]byte{
		{0x00}, {0x00, 0x00}, {0x00, 0xff}, {0x01}, {'a', 0x00, 'b'},
		{'a', 0xff}, {0xff}, {0xff, 0x00}, {0xff, 0xff}, {0xff, 0xff, 0xff},
	}
	b := db.NewBatch()
	for i := len(keys) - 1; i >= 0; i-- {
		b.Set(keys[i], append([]byte{0xfe, 0x00}, keys[i]...))
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		v, err := db.Get(k)
		if err != nil || !bytes.Equal(v, append([]byte{0xfe, 0x00}, k...)) {
			t.Fatalf("Get(%x) = %x, %v", k, v, err)
		}
	}
	var got [][]byte
	if err := db.Scan(nil, nil, func(k, _ []byte) bool {
		got = append(got, bytes.Clone(k))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(keys) {
		t.Fatalf("scan returned %d keys, want %d", len(got), len(keys))
	}
	for i := range keys {
		if !bytes.Equal(got[i], keys[i]) {
			t.Fatalf("scan key %d = %x, want %x (byte order)", i, got[i], keys[i])
		}
	}
	// Bounds with binary bytes: [0x00 0xff, 0xff 0x00).
	n := 0
	if err := db.Scan([]byte{0x00, 0xff}, []byte{0xff, 0x00}, func(_, _ []byte) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Fatalf("bounded binary scan saw %d keys, want 5", n)
	}
	wantMissing(t, db, "\x00\x00\x00")
}

func testLargeValues(t *testing.T, db store.DB) {
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	b := db.NewBatch()
	b.Set([]byte("big1"), big)
	b.Set([]byte("big2"), big[:len(big)-1])
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		want []byte
	}{{"big1", big}, {"big2", big[:len(big)-1]}} {
		v, err := db.Get([]byte(tc.key))
		if err != nil || !bytes.Equal(v, tc.want) {
			t.Fatalf("%s: len %d err %v; want len %d", tc.key, len(v), err, len(tc.want))
		}
	}
	err := db.Scan(nil, nil, func(k, v []byte) bool {
		if len(v) < 1<<20-1 {
			t.Fatalf("scan value of %s truncated to %d", k, len(v))
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testDropAll(t *testing.T, db store.DB) {
	if err := db.DropAll(); err != nil {
		t.Fatalf("DropAll on empty DB: %v", err)
	}
	fill(t, db, "", "a", "m/1", "z")
	set(t, db, "\xff\xff\xff\xff", "x", true)
	if err := db.DropAll(); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, db, false, nil, nil); got != "" {
		t.Fatalf("after DropAll: %q", got)
	}
	wantMissing(t, db, "a")
	wantMissing(t, db, "\xff\xff\xff\xff")
	set(t, db, "a", "again", true)
	if got := mustGet(t, db, "a"); got != "again" {
		t.Fatalf("write after DropAll: %q", got)
	}
}

func testClosed(t *testing.T, db store.DB) {
	set(t, db, "a", "1", true)
	pending := db.NewBatch()
	pending.Set([]byte("b"), []byte("2"))
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checks := map[string]error{}
	_, checks["Get"] = db.Get([]byte("a"))
	checks["Scan"] = db.Scan(nil, nil, func(_, _ []byte) bool { return true })
	checks["ScanReverse"] = db.ScanReverse(nil, nil, func(_, _ []byte) bool { return true })
	checks["DropAll"] = db.DropAll()
	checks["pending Commit"] = pending.Commit(true)
	nb := db.NewBatch()
	nb.Set([]byte("c"), []byte("3"))
	checks["new Commit"] = nb.Commit(false)
	checks["Close again"] = db.Close()
	for name, err := range checks {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func testConcurrent(t *testing.T, db store.DB) {
	const writers, readers, perWriter = 4, 4, 100
	var wg sync.WaitGroup
	errs := make(chan error, writers+readers)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				b := db.NewBatch()
				// Two keys written atomically: readers must never see one without the other.
				b.Set(fmt.Appendf(nil, "c/%d/%03d/a", w, i), []byte("x"))
				b.Set(fmt.Appendf(nil, "c/%d/%03d/b", w, i), []byte("x"))
				if err := b.Commit(i%10 == 0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for range 20 {
				if err := checkPairs(db); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n := 0
	if err := db.Scan([]byte("c/"), store.PrefixEnd([]byte("c/")), func(_, _ []byte) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 2*writers*perWriter {
		t.Fatalf("%d keys after concurrent writes, want %d", n, 2*writers*perWriter)
	}
}

// checkPairs verifies each "/a" key seen by a scan is followed by its "/b"
// partner, written in the same batch. Writers only add pairs, so a pair's
// "/b" key is visible whenever its "/a" is.
func checkPairs(db store.DB) error {
	var pendingA []byte
	var bad error
	err := db.Scan([]byte("c/"), store.PrefixEnd([]byte("c/")), func(k, _ []byte) bool {
		switch {
		case bytes.HasSuffix(k, []byte("/a")):
			pendingA = bytes.Clone(k)
		case pendingA != nil && bytes.Equal(k[:len(k)-1], pendingA[:len(pendingA)-1]):
			pendingA = nil
		default:
			bad = fmt.Errorf("key %q without its partner (pending %q)", k, pendingA)
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if bad == nil && pendingA != nil {
		// With a non-snapshot scan the partner may legitimately appear later;
		// re-read it directly.
		if _, err := db.Get(append(pendingA[:len(pendingA)-1], 'b')); err != nil {
			return fmt.Errorf("batch not atomic: %q without partner: %w", pendingA, err)
		}
	}
	return bad
}
