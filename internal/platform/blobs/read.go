package blobs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Open opens the blob with the given hash and returns it with its size. The
// reader is an *os.File, so it also implements io.ReaderAt for range reads.
// A blob removed while open stays readable through the handle.
func (s *Store) Open(h string) (io.ReadSeekCloser, int64, error) {
	p, err := s.path(h)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("%w: %s", ErrNotFound, h)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("blobs: open: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blobs: open: %w", err)
	}
	return f, fi.Size(), nil
}

// Stat returns the size of the blob with the given hash.
func (s *Store) Stat(h string) (int64, error) {
	p, err := s.path(h)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("%w: %s", ErrNotFound, h)
	}
	if err != nil {
		return 0, fmt.Errorf("blobs: stat: %w", err)
	}
	return fi.Size(), nil
}

// Remove deletes the blob with the given hash; the error wraps ErrNotFound
// when there is none. The store keeps no reference counts: the caller must
// know no record still points at the hash.
func (s *Store) Remove(h string) error {
	p, err := s.path(h)
	if err != nil {
		return err
	}
	err = os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNotFound, h)
	}
	if err != nil {
		return fmt.Errorf("blobs: remove: %w", err)
	}
	return nil
}

// Walk calls fn with the hash and size of every stored blob, in no
// particular order, stopping at the first error fn returns.
func (s *Store) Walk(fn func(h string, size int64) error) error {
	subs, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("blobs: walk: %w", err)
	}
	for _, sub := range subs {
		if !sub.IsDir() || len(sub.Name()) != 2 {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.dir, sub.Name()))
		if err != nil {
			return fmt.Errorf("blobs: walk: %w", err)
		}
		for _, e := range entries {
			if !ValidHash(e.Name()) || !strings.HasPrefix(e.Name(), sub.Name()) {
				continue
			}
			info, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed concurrently
			}
			if err != nil {
				return fmt.Errorf("blobs: walk: %w", err)
			}
			if err := fn(e.Name(), info.Size()); err != nil {
				return err
			}
		}
	}
	return nil
}

// RemoveAll deletes every blob and temporary file (the admin reset). Puts
// running concurrently may fail or survive.
func (s *Store) RemoveAll() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("blobs: remove all: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		isShard := e.IsDir() && len(name) == 2 && ValidHash(name+strings.Repeat("0", 62))
		if !isShard && !strings.HasPrefix(name, tempPrefix) {
			continue // not ours
		}
		if err := os.RemoveAll(filepath.Join(s.dir, name)); err != nil {
			return fmt.Errorf("blobs: remove all: %w", err)
		}
	}
	return s.syncDir(s.dir)
}
