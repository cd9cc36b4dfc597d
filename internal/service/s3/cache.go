package s3

import "sync"

// versionCacheSize bounds the keys whose current version one bucket caches.
const versionCacheSize = 4096

// versionCache remembers the current version of recently read keys of one
// bucket, so repeated GETs and HEADs of a key skip the store scan and the
// record decode. The records it holds are shared and must not be modified.
//
// Writers (apply and modifyVersion, under the key's lock) call drop after
// their commit. A reader calls begin before it reads the store and fill
// after; fill keeps the record only when no drop happened in between, so a
// reader that raced a writer never caches what the writer replaced.
type versionCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]*objectRecord
}

// get returns the cached current version of key, or nil.
func (c *versionCache) get(key string) *objectRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

// begin returns the generation a later fill must still find.
func (c *versionCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// fill caches rec as key's current version read from the store since begin
// returned gen, unless a writer dropped any key in between. A full cache
// evicts an arbitrary key.
func (c *versionCache) fill(key string, rec *objectRecord, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil {
		c.m = make(map[string]*objectRecord)
	}
	if len(c.m) >= versionCacheSize {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[key] = rec
}

// drop forgets key after a commit changed its versions and fails every fill
// begun before it.
func (c *versionCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, key)
}
