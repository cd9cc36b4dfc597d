package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// disk measures the sequential bandwidth of the filesystem holding Nubo's
// data: mib MiB in 1 MiB writes followed by one fsync, then read back in
// 1 MiB reads after dropping the file from the page cache.
type disk struct {
	dir string
	mib int
}

func (d disk) baseline() string { return filepath.Join(d.dir, "disk.bin") }

// write writes the baseline file and returns the write bandwidth in MiB/s.
// The file stays, to be read, until remove.
func (d disk) write() float64 {
	buf := make([]byte, 1<<20)
	_, err := rand.Read(buf)
	check(err)
	w, err := writeFile(d.baseline(), buf, d.mib)
	check(err)
	return w
}

// openCold drops the baseline file from the page cache and opens it.
func (d disk) openCold() *os.File {
	check(dropCache(d.baseline()))
	f, err := os.Open(d.baseline())
	check(err)
	return f
}

func (d disk) remove() { check(os.Remove(d.baseline())) }

// files writes n distinct 1 MiB files into dir from conc goroutines as the
// blob store lays bodies out (a temporary file written, fsync'd and renamed
// into one of 256 subdirectories, which is fsync'd), then reads them back
// after dropping them from the page cache, and returns both rates in MiB/s.
// It is what the file system gives Nubo's layout with no HTTP, hashing or
// metadata. The files stay until the bench ends: deleting them would make
// the next file creations scan for recently deleted inodes (ext4 without a
// journal) and slow the PUTs measured after.
func (d disk) files(dir string, n, conc int) (write, read float64) {
	paths := make([]string, n)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("%02x", i%256), fmt.Sprintf("f%d", i))
		check(os.MkdirAll(filepath.Dir(paths[i]), 0o755))
	}
	write = parallelMiB(n, conc, func(i, _ int, b *clientBody) error {
		b.stamp(uint64(i))
		return writeDurably(dir, paths[i], b.buf)
	})
	for _, p := range paths {
		check(dropCache(p))
	}
	read = parallelMiB(n, conc, func(i, _ int, b *clientBody) error {
		f, err := os.Open(paths[i])
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, b.buf)
		return err
	})
	return write, read
}

// writeDurably publishes data at name as the blob store does.
func writeDurably(tmpDir, name string, data []byte) error {
	f, err := os.CreateTemp(tmpDir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return err
	}
	sub, err := os.Open(filepath.Dir(name))
	if err != nil {
		return err
	}
	defer sub.Close()
	return sub.Sync()
}

func writeFile(name string, buf []byte, mib int) (float64, error) {
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	t0 := time.Now()
	for i := 0; i < mib; i++ {
		buf[0] = byte(i) // distinct blocks, in case the device deduplicates
		if _, err := f.Write(buf); err != nil {
			return 0, err
		}
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return float64(mib) / time.Since(t0).Seconds(), nil
}

// dropCache evicts a file's (clean) pages from the page cache.
func dropCache(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	const fadvDontNeed = 4
	_, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, fadvDontNeed, 0, 0)
	if e != 0 {
		return fmt.Errorf("fadvise %s: %w", name, e)
	}
	return nil
}

// dropTree evicts every regular file under dir from the page cache.
func dropTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		return dropCache(p)
	})
}
