package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Table is a typed view of the records of type T stored JSON-encoded under one
// key prefix. The record key is the prefix followed by the caller's key, so
// the prefix should end with a separator (for example "iam/users/"). A Table
// holds no state besides the DB and prefix and is safe for concurrent use.
type Table[T any] struct {
	db     DB
	prefix string
}

// NewTable returns the table of records of type T stored under prefix in db.
func NewTable[T any](db DB, prefix string) *Table[T] {
	return &Table[T]{db: db, prefix: prefix}
}

// DB returns the store the table reads and writes.
func (t *Table[T]) DB() DB { return t.db }

// Prefix returns the table's key prefix.
func (t *Table[T]) Prefix() string { return t.prefix }

func (t *Table[T]) fullKey(key string) []byte { return []byte(t.prefix + key) }

// Get returns the record stored under key; the error wraps ErrNotFound when
// there is none.
func (t *Table[T]) Get(key string) (T, error) {
	var v T
	raw, err := t.db.Get(t.fullKey(key))
	if err != nil {
		return v, fmt.Errorf("table %s: get %q: %w", t.prefix, key, err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("table %s: decode %q: %w", t.prefix, key, err)
	}
	return v, nil
}

// Exists reports whether a record is stored under key.
func (t *Table[T]) Exists(key string) (bool, error) {
	_, err := t.db.Get(t.fullKey(key))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("table %s: get %q: %w", t.prefix, key, err)
	}
	return true, nil
}

// Put adds the write of v under key to b; nothing is stored until b is
// committed.
func (t *Table[T]) Put(b Batch, key string, v T) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("table %s: encode %q: %w", t.prefix, key, err)
	}
	b.Set(t.fullKey(key), raw)
	return nil
}

// Save stores v under key in its own batch, durably when durable is set.
func (t *Table[T]) Save(key string, v T, durable bool) error {
	b := t.db.NewBatch()
	if err := t.Put(b, key, v); err != nil {
		return err
	}
	if err := b.Commit(durable); err != nil {
		return fmt.Errorf("table %s: save %q: %w", t.prefix, key, err)
	}
	return nil
}

// Delete adds the deletion of key to b.
func (t *Table[T]) Delete(b Batch, key string) {
	b.Delete(t.fullKey(key))
}

// List calls fn, in ascending key order, for each record whose key starts
// with prefix and sorts strictly after after (empty after starts at the
// beginning), stopping after limit records (limit <= 0 means no limit) or
// when fn returns false. Keys passed to fn have the table prefix removed.
func (t *Table[T]) List(prefix, after string, limit int, fn func(key string, v T) bool) error {
	start := t.fullKey(prefix)
	end := PrefixEnd(start)
	if after != "" && strings.Compare(after, prefix) >= 0 {
		start = append(t.fullKey(after), 0)
	}
	var decodeErr error
	n := 0
	err := t.db.Scan(start, end, func(k, raw []byte) bool {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			decodeErr = fmt.Errorf("table %s: decode %q: %w", t.prefix, k, err)
			return false
		}
		n++
		return fn(string(k[len(t.prefix):]), v) && (limit <= 0 || n < limit)
	})
	if err != nil {
		return fmt.Errorf("table %s: list: %w", t.prefix, err)
	}
	return decodeErr
}
