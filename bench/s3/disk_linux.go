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

// diskBW is the disk's sequential bandwidth in MiB/s measured in this run.
type diskBW struct{ write, read samples }

// benchDisk writes st.mib MiB in 1 MiB writes followed by one fsync, then
// reads the file back after dropping it from the page cache, st.runs times.
func benchDisk(st settings, dir string) diskBW {
	fmt.Printf("\n== disk baseline (%d MiB, 1 MiB writes + fsync; read after POSIX_FADV_DONTNEED), same filesystem as Nubo's data\n", st.mib)
	buf := make([]byte, 1<<20)
	_, err := rand.Read(buf)
	check(err)
	var bw diskBW
	for i := 0; i < st.runs; i++ {
		name := filepath.Join(dir, "disk.bin")
		w, err := writeFile(name, buf, st.mib)
		check(err)
		r, err := readCold(name, buf)
		check(err)
		os.Remove(name)
		bw.write = append(bw.write, w)
		bw.read = append(bw.read, r)
	}
	printRate("sequential write (fsync'd)", bw.write, "MiB/s")
	printRate("sequential read (cold)", bw.read, "MiB/s")
	return bw
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

func readCold(name string, buf []byte) (float64, error) {
	if err := dropCache(name); err != nil {
		return 0, err
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	t0 := time.Now()
	n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
	if err != nil {
		return 0, err
	}
	return float64(n) / (1 << 20) / time.Since(t0).Seconds(), nil
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
