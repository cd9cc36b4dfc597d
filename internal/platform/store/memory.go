package store

import (
	"bytes"
	"slices"
	"sync"
)

// memDB is the volatile DB: a sorted slice of entries under a RWMutex. Scans
// read in chunks and release the lock between chunks, so a Scan callback may
// write to the same DB; unlike the Pebble DB a scan is therefore not a
// point-in-time snapshot. Writes cost O(n) in the number of keys, which is
// fine for test-sized data.
type memDB struct {
	mu     sync.RWMutex
	closed bool
	keys   [][]byte // sorted ascending
	vals   [][]byte // vals[i] belongs to keys[i]
}

// memScanChunk is how many entries a scan copies per lock acquisition.
const memScanChunk = 64

// OpenMemory returns an empty volatile DB for tests. Durable commits are
// accepted but the data lives only in memory.
func OpenMemory() DB { return &memDB{} }

func (m *memDB) find(key []byte) (int, bool) {
	return slices.BinarySearchFunc(m.keys, key, bytes.Compare)
}

// Get implements DB.
func (m *memDB) Get(key []byte) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	i, ok := m.find(key)
	if !ok {
		return nil, ErrNotFound
	}
	return append(make([]byte, 0, len(m.vals[i])), m.vals[i]...), nil
}

// NewBatch implements DB.
func (m *memDB) NewBatch() Batch { return &memBatch{m: m} }

// Scan implements DB.
func (m *memDB) Scan(start, end []byte, fn func(key, value []byte) bool) error {
	cursor, inclusive := start, true
	for {
		ks, vs, err := m.chunkForward(cursor, end, inclusive)
		if err != nil || len(ks) == 0 {
			return err
		}
		for i := range ks {
			if !fn(ks[i], vs[i]) {
				return nil
			}
		}
		cursor, inclusive = ks[len(ks)-1], false
	}
}

// chunkForward copies up to memScanChunk entries in [cursor, end) (or
// (cursor, end) when not inclusive).
func (m *memDB) chunkForward(cursor, end []byte, inclusive bool) (ks, vs [][]byte, err error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, nil, ErrClosed
	}
	i, found := m.find(cursor)
	if found && !inclusive {
		i++
	}
	for ; i < len(m.keys) && len(ks) < memScanChunk; i++ {
		if end != nil && bytes.Compare(m.keys[i], end) >= 0 {
			break
		}
		ks = append(ks, m.keys[i])
		vs = append(vs, m.vals[i])
	}
	return ks, vs, nil
}

// ScanReverse implements DB.
func (m *memDB) ScanReverse(start, end []byte, fn func(key, value []byte) bool) error {
	cursor := end // exclusive upper bound; nil means none
	for {
		ks, vs, err := m.chunkReverse(start, cursor)
		if err != nil || len(ks) == 0 {
			return err
		}
		for i := range ks {
			if !fn(ks[i], vs[i]) {
				return nil
			}
		}
		cursor = ks[len(ks)-1]
	}
}

// chunkReverse copies, in descending order, up to memScanChunk entries in
// [start, cursor).
func (m *memDB) chunkReverse(start, cursor []byte) (ks, vs [][]byte, err error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, nil, ErrClosed
	}
	i := len(m.keys)
	if cursor != nil {
		i, _ = m.find(cursor)
	}
	for i--; i >= 0 && len(ks) < memScanChunk; i-- {
		if bytes.Compare(m.keys[i], start) < 0 {
			break
		}
		ks = append(ks, m.keys[i])
		vs = append(vs, m.vals[i])
	}
	return ks, vs, nil
}

// DropAll implements DB.
func (m *memDB) DropAll() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.keys, m.vals = nil, nil
	return nil
}

// Close implements DB.
func (m *memDB) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	m.keys, m.vals = nil, nil
	return nil
}

// set and del must be called with mu held for writing. Stored slices are
// never mutated in place, so scans may hand them out after unlocking.
func (m *memDB) set(key, value []byte) {
	i, ok := m.find(key)
	if ok {
		m.vals[i] = value
		return
	}
	m.keys = slices.Insert(m.keys, i, key)
	m.vals = slices.Insert(m.vals, i, value)
}

func (m *memDB) delRange(start, end []byte) {
	i, _ := m.find(start)
	j, _ := m.find(end)
	if j > i {
		m.keys = slices.Delete(m.keys, i, j)
		m.vals = slices.Delete(m.vals, i, j)
	}
}

type memOp struct {
	kind       byte // 's' set, 'd' delete, 'r' delete range
	key, value []byte
}

// memBatch records copies of its writes and applies them under one lock.
type memBatch struct {
	m    *memDB
	ops  []memOp
	done bool
}

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }

func (b *memBatch) Set(key, value []byte) {
	b.ops = append(b.ops, memOp{'s', clone(key), clone(value)})
}

func (b *memBatch) Delete(key []byte) { b.ops = append(b.ops, memOp{'d', clone(key), nil}) }

func (b *memBatch) DeleteRange(start, end []byte) {
	b.ops = append(b.ops, memOp{'r', clone(start), clone(end)})
}

func (b *memBatch) Len() int { return len(b.ops) }

func (b *memBatch) Commit(durable bool) error {
	if b.done {
		return errBatchCommitted
	}
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	if b.m.closed {
		return ErrClosed
	}
	b.done = true
	for _, op := range b.ops {
		switch op.kind {
		case 's':
			b.m.set(op.key, op.value)
		case 'd':
			if i, ok := b.m.find(op.key); ok {
				b.m.keys = slices.Delete(b.m.keys, i, i+1)
				b.m.vals = slices.Delete(b.m.vals, i, i+1)
			}
		case 'r':
			if bytes.Compare(op.key, op.value) < 0 {
				b.m.delRange(op.key, op.value)
			}
		}
	}
	return nil
}
