package s3

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestVersionCacheFill(t *testing.T) {
	old, cur := cachedVersion{rec: &objectRecord{ETag: "old"}}, cachedVersion{rec: &objectRecord{ETag: "new"}}
	tests := []struct {
		name string
		run  func(c *versionCache)
		want *objectRecord
	}{
		{"fill without writes", func(c *versionCache) { c.fill("k", old, c.begin()) }, old.rec},
		{"writer dropped after the read began", func(c *versionCache) {
			g := c.begin()
			c.drop("k")
			c.fill("k", old, g)
		}, nil},
		{"writer dropped another key", func(c *versionCache) {
			g := c.begin()
			c.drop("other")
			c.fill("k", old, g)
		}, nil},
		{"drop after fill", func(c *versionCache) {
			c.fill("k", old, c.begin())
			c.drop("k")
		}, nil},
		{"read begun after the drop", func(c *versionCache) {
			g := c.begin()
			c.drop("k")
			c.fill("k", old, g)
			c.fill("k", cur, c.begin())
		}, cur.rec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c versionCache
			tt.run(&c)
			if got := c.get("k").rec; got != tt.want {
				t.Errorf("get = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVersionCacheBounded(t *testing.T) {
	var budget atomic.Int64
	c := versionCache{budget: &budget}
	body := make([]byte, 100)
	for i := range versionCacheSize + 100 {
		c.fill(fmt.Sprint(i), cachedVersion{&objectRecord{}, body}, c.begin())
	}
	if n := len(c.m); n != versionCacheSize {
		t.Errorf("cache holds %d keys, want %d", n, versionCacheSize)
	}
	if got, want := budget.Load(), int64(versionCacheSize*len(body)); got != want {
		t.Errorf("budget after evictions = %d, want %d", got, want)
	}
	c.fill("0", cachedVersion{&objectRecord{}, nil}, c.begin()) // replaces a cached body, if any
	c.drop("1")
	if got, want := budget.Load(), int64(len(c.m)-countBodies(&c, false))*int64(len(body)); got != want {
		t.Errorf("budget after replace and drop = %d, want %d", got, want)
	}
	c.retire()
	c.fill("x", cachedVersion{&objectRecord{}, body}, c.begin())
	if budget.Load() != 0 || len(c.m) != 0 {
		t.Errorf("retired cache holds %d keys and %d bytes", len(c.m), budget.Load())
	}
}

// countBodies counts the entries with (or, with bodies false, without) a body.
func countBodies(c *versionCache, bodies bool) int {
	n := 0
	for _, v := range c.m {
		if (v.data != nil) == bodies {
			n++
		}
	}
	return n
}

func TestVersionCacheWantsBody(t *testing.T) {
	var budget atomic.Int64
	c := versionCache{budget: &budget}
	tests := []struct {
		name string
		rec  objectRecord
		used int64
		want bool
	}{
		{"small inline", objectRecord{Inline: true, Size: 4096}, 0, true},
		{"largest cached", objectRecord{Inline: true, Size: cachedBodyMax}, 0, true},
		{"too large", objectRecord{Inline: true, Size: cachedBodyMax + 1}, 0, false},
		{"in a blob", objectRecord{Size: 10}, 0, false},
		{"budget spent", objectRecord{Inline: true, Size: 10}, cachedBodyBudget - 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			budget.Store(tt.used)
			if got := c.wantsBody(&tt.rec); got != tt.want {
				t.Errorf("wantsBody = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestReadAfterWrite reads a key between every kind of change to it: each
// read must see the change that returned before it.
func TestReadAfterWrite(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "raw")
	get := func() (string, string) {
		t.Helper()
		out, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("raw"), Key: aws.String("k")})
		if err != nil {
			return "", errCode(err)
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return fmt.Sprintf("%s tags=%d", b, aws.ToInt32(out.TagCount)), ""
	}
	want := func(step, body, code string) {
		t.Helper()
		if gotBody, gotCode := get(); gotBody != body || gotCode != code {
			t.Fatalf("after %s: got %q %q, want %q %q", step, gotBody, gotCode, body, code)
		}
	}
	want("nothing", "", "NoSuchKey")
	f.put(t, "raw", "k", "one")
	want("put", "one tags=0", "")
	f.put(t, "raw", "k", "two")
	want("overwrite", "two tags=0", "")
	if _, err := f.client.PutObjectTagging(ctx, &sdks3.PutObjectTaggingInput{Bucket: aws.String("raw"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}}); err != nil {
		t.Fatal(err)
	}
	want("tagging", "two tags=1", "")
	if _, err := f.client.CopyObject(ctx, &sdks3.CopyObjectInput{Bucket: aws.String("raw"), Key: aws.String("k"),
		CopySource: aws.String("raw/k"), MetadataDirective: types.MetadataDirectiveReplace}); err != nil {
		t.Fatal(err)
	}
	want("copy to itself", "two tags=1", "")
	if _, err := f.client.DeleteObject(ctx, &sdks3.DeleteObjectInput{Bucket: aws.String("raw"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	want("delete", "", "NoSuchKey")
}

// TestReadsRacingWrites has readers GET a key while a writer overwrites it:
// once the writer is done, every reader must see the last body.
func TestReadsRacingWrites(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.mkBucket(t, "race")
	f.put(t, "race", "k", "v0")
	read := func() string {
		out, err := f.client.GetObject(ctx, &sdks3.GetObjectInput{Bucket: aws.String("race"), Key: aws.String("k")})
		if err != nil {
			return errCode(err)
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return string(b)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					read()
				}
			}
		}()
	}
	const writes = 50
	for i := 1; i <= writes; i++ {
		f.put(t, "race", "k", fmt.Sprintf("v%d", i))
	}
	close(stop)
	wg.Wait()
	if got, want := read(), fmt.Sprintf("v%d", writes); got != want {
		t.Errorf("after the last write GET = %q, want %q", got, want)
	}
}
