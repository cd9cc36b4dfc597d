package store

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// syncCountingFS counts fsyncs of WAL files (Pebble names them *.log).
type syncCountingFS struct {
	vfs.FS
	syncs *atomic.Int64
}

type countingFile struct {
	vfs.File
	syncs *atomic.Int64
}

func (f countingFile) Sync() error     { f.syncs.Add(1); return f.File.Sync() }
func (f countingFile) SyncData() error { f.syncs.Add(1); return f.File.SyncData() }

func (f countingFile) SyncTo(n int64) (bool, error) {
	f.syncs.Add(1)
	return f.File.SyncTo(n)
}

func (fs syncCountingFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || !strings.HasSuffix(name, ".log") {
		return f, err
	}
	return countingFile{File: f, syncs: fs.syncs}, nil
}

func (fs syncCountingFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, c)
	return fs.wrap(name, f, err)
}

func (fs syncCountingFS) ReuseForWrite(old, name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(old, name, c)
	return fs.wrap(name, f, err)
}

func (fs syncCountingFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, o ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, c, o...)
	return fs.wrap(name, f, err)
}

// TestGroupCommit shows concurrent durable commits share WAL fsyncs, and that
// every durable commit is covered by at least one.
func TestGroupCommit(t *testing.T) {
	fs := syncCountingFS{FS: vfs.Default, syncs: new(atomic.Int64)}
	db, err := openPebble(t.TempDir(), fs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	commit := func(key string, durable bool) {
		b := db.NewBatch()
		b.Set([]byte(key), []byte("v"))
		if err := b.Commit(durable); err != nil {
			t.Error(err)
		}
	}
	before := fs.syncs.Load()
	commit("sequential", true)
	if fs.syncs.Load() == before {
		t.Fatal("a durable commit returned without a WAL fsync")
	}
	before = fs.syncs.Load()
	for i := range 50 {
		commit(fmt.Sprintf("nosync/%d", i), false)
	}
	if n := fs.syncs.Load() - before; n > 5 {
		t.Fatalf("50 non-durable commits caused %d WAL fsyncs", n)
	}
	const workers, each = 32, 20
	before = fs.syncs.Load()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				commit(fmt.Sprintf("par/%d/%d", w, i), true)
			}
		})
	}
	wg.Wait()
	syncs := fs.syncs.Load() - before
	t.Logf("%d concurrent durable commits used %d WAL fsyncs", workers*each, syncs)
	if syncs >= workers*each {
		t.Fatalf("no group commit: %d commits, %d fsyncs", workers*each, syncs)
	}
}

func benchmarkDurableCommit(b *testing.B, parallel bool) {
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var seq atomic.Int64
	value := make([]byte, 100)
	commit := func() {
		batch := db.NewBatch()
		batch.Set(fmt.Appendf(nil, "bench/%012d", seq.Add(1)), value)
		if err := batch.Commit(true); err != nil {
			b.Error(err)
		}
	}
	b.ResetTimer()
	if !parallel {
		for b.Loop() {
			commit()
		}
		return
	}
	b.SetParallelism(16) // 16 goroutines per GOMAXPROCS
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			commit()
		}
	})
}

// BenchmarkDurableCommitSequential is one writer committing with fsync.
func BenchmarkDurableCommitSequential(b *testing.B) { benchmarkDurableCommit(b, false) }

// BenchmarkDurableCommitParallel is many writers sharing fsyncs.
func BenchmarkDurableCommitParallel(b *testing.B) { benchmarkDurableCommit(b, true) }
