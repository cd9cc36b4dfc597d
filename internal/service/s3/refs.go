package s3

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/blobs"
	"github.com/nubo/nubo/internal/platform/store"
)

// Blob reference counting. Every version or part stored in a blob holds one
// reference to its hash under s3/r/<hash>, changed in the same batch as the
// metadata. A multipart object stored as its parts holds a reference to its
// manifest under s3/r/<manifest id> instead, and the manifest one to each of
// its part blobs (manifest.go). When the count drops to zero the batch also records s3/g/<hash>;
// after the commit the blob file is removed and the marker deleted, and
// Start finishes removals a crash interrupted. Counts change only under the
// hash's stripe lock, so a blob is never removed while a commit that
// references it is under way: a commit taking a hash from zero checks, under
// the lock, that the file still exists (a concurrent removal may have raced a
// deduplicated Put) and fails with a retryable error otherwise.

// refDeltas accumulates reference count changes per blob hash or manifest
// id (manifest.go); an entry keyed createdMark+id says the batch writes the
// manifest id.
type refDeltas map[string]int

func (d refDeltas) add(h string, n int) {
	if h != "" {
		d[h] += n
	}
}

// refCount returns the reference count of a blob or manifest.
func (s *Service) refCount(h string) (int, error) {
	v, err := s.db.Get(refKey(h))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("s3: ref %s: %w", h, err)
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, fmt.Errorf("s3: ref %s: %w", h, err)
	}
	return n, nil
}

// commit applies the reference deltas to batch and commits it durably, then
// removes blobs that are no longer referenced. A manifest whose count drops
// to zero is released in the same batch, its part blobs losing a reference
// each.
func (s *Service) commit(batch store.Batch, deltas refDeltas) error {
	counts, created := map[string]int{}, map[string]bool{}
	for h, d := range deltas {
		switch {
		case strings.HasPrefix(h, createdMark):
			created[h[len(createdMark):]] = true
		case d != 0:
			counts[h] = d
		}
	}
	if len(counts) == 0 {
		if err := batch.Commit(true); err != nil {
			return fmt.Errorf("s3: commit: %w", err)
		}
		return nil
	}
	// A manifest losing references may be released, which changes its part
	// blobs' counts too: read it now (the references being dropped keep it
	// in place) so that its blobs are locked with the rest.
	dropping := map[string]*manifest{}
	hashes := make([]string, 0, len(counts))
	for h, d := range counts {
		hashes = append(hashes, h)
		if !isManifestID(h) || d > 0 {
			continue
		}
		m, err := s.loadManifest(h)
		if errors.Is(err, store.ErrNotFound) {
			s.log.Warn("s3: a referenced manifest is missing", "id", h)
			continue
		}
		if err != nil {
			return err
		}
		dropping[h] = m
		for _, p := range m.Parts {
			if p.Blob != "" {
				hashes = append(hashes, p.Blob)
			}
		}
	}
	unlock := s.lockHashes(hashes)
	defer unlock()
	if err := s.settleManifests(batch, counts, created, dropping); err != nil {
		return err
	}
	dead, err := s.settleBlobs(batch, counts)
	if err != nil {
		return err
	}
	if err := batch.Commit(true); err != nil {
		return fmt.Errorf("s3: commit: %w", err)
	}
	s.removeBlobs(dead)
	return nil
}

// settleManifests stages the new counts of the manifests in counts and
// releases those left unreferenced, adding their part blobs' decrements to
// counts. The caller holds the locks of the manifests and their blobs.
func (s *Service) settleManifests(batch store.Batch, counts map[string]int, created map[string]bool, dropping map[string]*manifest) error {
	for id, d := range counts {
		if !isManifestID(id) {
			continue
		}
		cur, err := s.refCount(id)
		if err != nil {
			return err
		}
		n := cur + d
		if cur == 0 && n > 0 && !created[id] {
			// A copy of a version whose manifest was released meanwhile.
			if _, err := s.db.Get(manifestKey(id)); err != nil {
				return errRetryCommit()
			}
		}
		if n > 0 {
			batch.Set(refKey(id), []byte(strconv.Itoa(n)))
			continue
		}
		batch.Delete(refKey(id))
		if m := dropping[id]; m != nil {
			dropManifest(batch, counts, id, m)
		}
	}
	return nil
}

// settleBlobs stages the new counts of the blobs in counts and returns the
// blobs left unreferenced, marked for removal in batch. The caller holds
// their locks.
func (s *Service) settleBlobs(batch store.Batch, counts map[string]int) ([]string, error) {
	var dead []string
	for h, d := range counts {
		if isManifestID(h) || d == 0 {
			continue
		}
		cur, err := s.refCount(h)
		if err != nil {
			return nil, err
		}
		n := cur + d
		if cur == 0 && n > 0 {
			if _, err := s.blobs.Stat(h); err != nil {
				return nil, errRetryCommit()
			}
		}
		if n <= 0 {
			batch.Delete(refKey(h))
			batch.Set(gcKey(h), nil)
			dead = append(dead, h)
			continue
		}
		batch.Set(refKey(h), []byte(strconv.Itoa(n)))
	}
	return dead, nil
}

// errRetryCommit is the error of a commit that would reference a blob or
// manifest a concurrent commit has just released.
func errRetryCommit() error {
	return &awsapi.Error{Code: "InternalError", Status: http.StatusInternalServerError, Receiver: true,
		Message: "We encountered an internal error. Please try again."}
}

// removeBlobs deletes unreferenced blob files and their pending-removal
// markers; the caller holds the hashes' locks.
func (s *Service) removeBlobs(hashes []string) {
	if len(hashes) == 0 {
		return
	}
	b := s.db.NewBatch()
	for _, h := range hashes {
		if err := s.blobs.Remove(h); err != nil && !errors.Is(err, blobs.ErrNotFound) {
			s.log.Warn("s3: removing blob", "hash", h, "err", err)
			continue
		}
		b.Delete(gcKey(h))
	}
	if err := b.Commit(false); err != nil {
		s.log.Warn("s3: clearing blob removal markers", "err", err)
	}
}

// collectGarbage finishes blob removals recorded before a crash.
func (s *Service) collectGarbage() error {
	var pending []string
	start := []byte(gcPrefix)
	err := s.db.Scan(start, store.PrefixEnd(start), func(k, _ []byte) bool {
		pending = append(pending, string(k[len(gcPrefix):]))
		return true
	})
	if err != nil {
		return fmt.Errorf("s3: scan removals: %w", err)
	}
	for _, h := range pending {
		if !blobs.ValidHash(h) {
			continue
		}
		unlock := s.lockHashes([]string{h})
		n, err := s.refCount(h)
		if err == nil && n == 0 {
			s.removeBlobs([]string{h})
		} else if err == nil {
			b := s.db.NewBatch()
			b.Delete(gcKey(h))
			_ = b.Commit(false)
		}
		unlock()
	}
	return nil
}

// orphanAge is how old an unreferenced blob must be before sweepOrphans
// removes it, so that uploads in flight are never touched.
const orphanAge = time.Hour

// sweepOrphans removes blobs that no record references: bodies stored by
// uploads that failed or were interrupted by a crash before their metadata
// was committed. It only runs on S3's private blob directory.
func (s *Service) sweepOrphans() {
	if s.blobDir == "" {
		return
	}
	var orphans []string
	err := s.blobs.Walk(func(h string, _ int64) error {
		if n, err := s.refCount(h); err == nil && n == 0 {
			orphans = append(orphans, h)
		}
		return nil
	})
	if err != nil {
		s.log.Warn("s3: scanning blobs", "err", err)
		return
	}
	for _, h := range orphans {
		// The blobs package keeps a blob at <dir>/<first two hex digits>/<hash>.
		fi, err := os.Stat(filepath.Join(s.blobDir, h[:2], h))
		if err != nil || time.Since(fi.ModTime()) < orphanAge {
			continue
		}
		unlock := s.lockHashes([]string{h})
		if n, err := s.refCount(h); err == nil && n == 0 {
			if err := s.blobs.Remove(h); err == nil {
				s.log.Info("s3: removed unreferenced blob", "hash", h)
			}
		}
		unlock()
	}
}
