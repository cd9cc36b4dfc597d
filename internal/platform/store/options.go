package store

// Options tunes the Pebble-backed store. The zero value is a small-footprint
// configuration suitable for a laptop.
type Options struct {
	// CacheSize is the block cache size in bytes; zero means 128 MiB.
	CacheSize int64
	// MemTableSize is the size of one memtable in bytes; zero means 32 MiB.
	MemTableSize uint64
	// MaxOpenFiles bounds the table files kept open; zero means 256.
	MaxOpenFiles int
	// Logf, when set, receives Pebble's informational and error log lines;
	// nil discards them.
	Logf func(format string, args ...any)
}

const (
	defaultCacheSize    = 128 << 20
	defaultMemTableSize = 32 << 20
	defaultMaxOpenFiles = 256
)

func (o Options) withDefaults() Options {
	if o.CacheSize <= 0 {
		o.CacheSize = defaultCacheSize
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = defaultMemTableSize
	}
	if o.MaxOpenFiles <= 0 {
		o.MaxOpenFiles = defaultMaxOpenFiles
	}
	return o
}
