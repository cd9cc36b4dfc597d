// Package store is Nubo's durable embedded metadata store: an ordered key-value
// store with atomic batches, crash-safe with write-ahead logging and group-committed
// fsync. Services keep their state in it under their own key prefix
// ("<service>/…"); a service never reads another service's keys.
//
// DB is the narrow interface services use; Open returns the Pebble-backed
// implementation and OpenMemory a volatile one for tests. Both pass the conformance
// suite in package storetest.
package store

import "errors"

// ErrNotFound is returned by Get when the key does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("store: closed")

// DB is an ordered key-value store.
type DB interface {
	// Get returns a copy of the value stored under key, or ErrNotFound.
	Get(key []byte) ([]byte, error)
	// NewBatch returns an empty batch of writes applied atomically by Commit.
	NewBatch() Batch
	// Scan calls fn for each key in [start, end) in ascending order until fn
	// returns false. A nil end means "no upper bound". key and value are valid
	// only during the call.
	Scan(start, end []byte, fn func(key, value []byte) bool) error
	// ScanReverse is Scan in descending order.
	ScanReverse(start, end []byte, fn func(key, value []byte) bool) error
	// DropAll deletes every key (the admin reset).
	DropAll() error
	// Close flushes and closes the store.
	Close() error
}

// Batch is a set of writes applied atomically.
type Batch interface {
	Set(key, value []byte)
	Delete(key []byte)
	// DeleteRange deletes every key in [start, end).
	DeleteRange(start, end []byte)
	// Len is the number of writes in the batch.
	Len() int
	// Commit applies the batch. With durable set it returns only after the
	// writes are on stable storage; concurrent durable commits share one fsync.
	Commit(durable bool) error
}

// PrefixEnd returns the smallest key greater than every key with the given prefix,
// for use as Scan's end bound. It returns nil when no such key exists.
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}
