package store

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// pebbleDB is the durable DB on Pebble. Every operation registers itself in
// inflight so Close can wait for running scans and commits before closing the
// engine (Pebble panics on use after close and refuses to close with open
// iterators).
type pebbleDB struct {
	db    *pebble.DB
	cache interface{ Unref() }

	mu       sync.RWMutex
	closed   bool
	inflight sync.WaitGroup
}

// Open opens (creating if needed) the durable store in dir. Writes go through
// Pebble's write-ahead log; durable commits use fsync with group commit.
func Open(dir string, opts Options) (DB, error) {
	return openPebble(dir, vfs.Default, opts)
}

func openPebble(dir string, fs vfs.FS, opts Options) (*pebbleDB, error) {
	opts = opts.withDefaults()
	cache := pebble.NewCache(opts.CacheSize)
	po := &pebble.Options{
		FS:                          fs,
		Cache:                       cache,
		MemTableSize:                opts.MemTableSize,
		MemTableStopWritesThreshold: 4,
		MaxOpenFiles:                opts.MaxOpenFiles,
		FormatMajorVersion:          pebble.FormatNewest,
		Logger:                      logger{opts.Logf},
		CompactionConcurrencyRange:  func() (int, int) { return 1, 1 },
	}
	// Bloom filters (10 bits per key, set on L0 and inherited by every level)
	// let Get skip the tables that cannot hold its key.
	po.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	db, err := pebble.Open(dir, po)
	if err != nil {
		cache.Unref()
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	return &pebbleDB{db: db, cache: cache}, nil
}

// logger adapts an optional printf function to Pebble's Logger. Fatalf panics,
// as Pebble expects it not to return.
type logger struct {
	logf func(format string, args ...any)
}

func (l logger) Infof(format string, args ...any) {
	if l.logf != nil {
		l.logf(format, args...)
	}
}

func (l logger) Errorf(format string, args ...any) {
	if l.logf != nil {
		l.logf(format, args...)
	}
}

func (l logger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("store: pebble fatal: "+format, args...))
}

// enter registers an operation; the caller must call d.inflight.Done when it
// succeeds.
func (d *pebbleDB) enter() error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return ErrClosed
	}
	d.inflight.Add(1)
	return nil
}

// Get implements DB.
func (d *pebbleDB) Get(key []byte) ([]byte, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer d.inflight.Done()
	v, closer, err := d.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get: %w", err)
	}
	out := append(make([]byte, 0, len(v)), v...)
	if err := closer.Close(); err != nil {
		return nil, fmt.Errorf("store: get: %w", err)
	}
	return out, nil
}

// NewBatch implements DB.
func (d *pebbleDB) NewBatch() Batch {
	if err := d.enter(); err != nil {
		return &pebbleBatch{d: d, err: err}
	}
	defer d.inflight.Done()
	return &pebbleBatch{d: d, b: d.db.NewBatch()}
}

// Scan implements DB.
func (d *pebbleDB) Scan(start, end []byte, fn func(key, value []byte) bool) error {
	return d.scan(start, end, false, fn)
}

// ScanReverse implements DB.
func (d *pebbleDB) ScanReverse(start, end []byte, fn func(key, value []byte) bool) error {
	return d.scan(start, end, true, fn)
}

func (d *pebbleDB) scan(start, end []byte, reverse bool, fn func(key, value []byte) bool) (err error) {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.inflight.Done()
	if end != nil && bytes.Compare(start, end) >= 0 {
		return nil
	}
	if len(start) == 0 {
		start = nil // Pebble's race-build invariants reject an empty, non-nil bound
	}
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: start, UpperBound: end})
	if err != nil {
		return fmt.Errorf("store: scan: %w", err)
	}
	defer func() {
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("store: scan: %w", cerr)
		}
	}()
	step := it.Next
	valid := it.First()
	if reverse {
		step, valid = it.Prev, it.Last()
	}
	for ; valid; valid = step() {
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("store: scan value: %w", err)
		}
		if !fn(it.Key(), v) {
			return nil
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("store: scan: %w", err)
	}
	return nil
}

// DropAll implements DB. It deletes, in one durable batch, every key up to
// and including the largest key present when it starts; a write committed
// concurrently with DropAll may or may not survive it.
func (d *pebbleDB) DropAll() error {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.inflight.Done()
	var last []byte
	err := d.scan(nil, nil, true, func(k, _ []byte) bool {
		last = append([]byte(nil), k...)
		return false
	})
	if err != nil || last == nil {
		return err
	}
	b := d.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange([]byte{}, append(last, 0), nil); err != nil {
		return fmt.Errorf("store: drop all: %w", err)
	}
	if err := d.db.Apply(b, pebble.Sync); err != nil {
		return fmt.Errorf("store: drop all: %w", err)
	}
	return nil
}

// Close implements DB. It waits for running operations (including scans whose
// callbacks are still running), so it must not be called from a Scan callback.
func (d *pebbleDB) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	d.closed = true
	d.mu.Unlock()
	d.inflight.Wait()
	err := d.db.Close()
	d.cache.Unref()
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// pebbleBatch buffers writes in a Pebble batch. A Batch is not safe for
// concurrent use and cannot be reused after Commit.
type pebbleBatch struct {
	d    *pebbleDB
	b    *pebble.Batch // nil when the batch was created after Close
	err  error         // reported by Commit when b is nil
	n    int
	done bool
}

// errBatchCommitted is returned when a batch is committed twice.
var errBatchCommitted = errors.New("store: batch already committed")

func (b *pebbleBatch) Set(key, value []byte) {
	b.n++
	if b.b != nil && !b.done {
		_ = b.b.Set(key, value, nil) // errors only on a read-only DB
	}
}

func (b *pebbleBatch) Delete(key []byte) {
	b.n++
	if b.b != nil && !b.done {
		_ = b.b.Delete(key, nil) // errors only on a read-only DB
	}
}

func (b *pebbleBatch) DeleteRange(start, end []byte) {
	b.n++
	if b.b != nil && !b.done {
		_ = b.b.DeleteRange(start, end, nil) // errors only on a read-only DB
	}
}

func (b *pebbleBatch) Len() int { return b.n }

func (b *pebbleBatch) Commit(durable bool) error {
	if b.done {
		return errBatchCommitted
	}
	if b.b == nil {
		return b.err
	}
	if err := b.d.enter(); err != nil {
		return err
	}
	defer b.d.inflight.Done()
	b.done = true
	defer b.b.Close()
	if b.n == 0 {
		return nil
	}
	wo := pebble.NoSync
	if durable {
		wo = pebble.Sync
	}
	if err := b.d.db.Apply(b.b, wo); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
