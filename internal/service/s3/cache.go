package s3

import (
	"sync"
	"sync/atomic"
)

const (
	// versionCacheSize bounds the keys whose current version one bucket
	// caches.
	versionCacheSize = 4096
	// cachedBodyMax is the largest inline body the cache keeps beside its
	// record.
	cachedBodyMax = 16 << 10
	// cachedBodyBudget bounds the bytes of bodies cached by all buckets.
	cachedBodyBudget = 64 << 20
)

// versionCache remembers the current version of recently read keys of one
// bucket, and the bodies of small ones, so repeated GETs and HEADs of a key
// skip the store. The records and bodies it holds are shared and must not be
// modified.
//
// Writers (apply and modifyVersion, under the key's lock) call drop after
// their commit. A reader calls begin before it reads the store and fill
// after; fill keeps the version only when no drop happened in between, so a
// reader that raced a writer never caches what the writer replaced.
//
// budget, shared by the service's buckets, counts the cached body bytes.
type versionCache struct {
	budget  *atomic.Int64
	mu      sync.Mutex
	gen     uint64
	m       map[string]cachedVersion
	retired bool // the bucket was replaced; fill does nothing
}

// cachedVersion is a current version and, for a small inline body, its
// bytes (nil when not cached).
type cachedVersion struct {
	rec  *objectRecord
	data []byte
}

// get returns the cached current version of key; rec is nil on a miss.
func (c *versionCache) get(key string) cachedVersion {
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

// wantsBody reports whether the body of rec may be cached: an inline body
// small enough that the budget has room for it.
func (c *versionCache) wantsBody(rec *objectRecord) bool {
	return rec.Inline && rec.Size <= cachedBodyMax && c.budget != nil && c.budget.Load()+rec.Size <= cachedBodyBudget
}

// fill caches v as key's current version read from the store since begin
// returned gen, unless a writer dropped any key in between. A full cache
// evicts an arbitrary key.
func (c *versionCache) fill(key string, v cachedVersion, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.retired {
		return
	}
	if c.m == nil {
		c.m = make(map[string]cachedVersion)
	}
	if len(c.m) >= versionCacheSize {
		for k := range c.m {
			c.remove(k)
			break
		}
	}
	c.remove(key)
	c.m[key] = v
	c.charge(int64(len(v.data)))
}

// drop forgets key after a commit changed its versions and fails every fill
// begun before it.
func (c *versionCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.remove(key)
}

// retire empties the cache of a bucket the service no longer uses, giving
// its bytes back to the budget, and keeps it empty.
func (c *versionCache) retire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retired = true
	for k := range c.m {
		c.remove(k)
	}
}

// remove deletes key; c.mu is held.
func (c *versionCache) remove(key string) {
	if v, ok := c.m[key]; ok {
		delete(c.m, key)
		c.charge(-int64(len(v.data)))
	}
}

func (c *versionCache) charge(n int64) {
	if c.budget != nil && n != 0 {
		c.budget.Add(n)
	}
}
