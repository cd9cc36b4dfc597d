package s3

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/nubo/nubo/internal/platform/store"
)

// Multipart objects stored as their parts.
//
// CompleteMultipartUpload of two or more parts copies no bytes: the parts'
// bodies (blobs, or inline bodies under s3/d/<part seq>) become the object's
// body in the order the request names them. The version record's Blob is
// then a manifest id ("m" and 16 hex digits, never a valid blob hash) and
// s3/m/<id> lists the parts (manifest). Reference counting is two-level:
// version records count references to the manifest id under s3/r/<id>
// exactly as they count references to a blob (stage in versions.go adds and
// removes rec.Blob), and a manifest holds one reference to each of its part
// blobs. When a commit takes a manifest's count to zero, the same batch
// deletes the manifest and its inline part bodies and releases its part
// blobs, whose files are removed after the commit like any unreferenced
// blob's (commit in refs.go). A CopyObject of such an object is one more
// reference to the manifest.
//
// Crash safety: the parts' blobs were made durable by UploadPart, so
// completing writes metadata only, in one durable batch (the version record,
// the manifest, the manifest's count, the removal of the upload and its part
// records, and the release of parts the request did not name). The used
// parts' references pass from the part records to the manifest, so no part
// blob's count changes. A crash before the batch leaves the upload as it was;
// after it, everything is in place. Releasing a manifest is also part of the
// one batch that removes its last version record; blob files are removed
// after that commit under pending-removal markers that Start finishes.

// manifestPrefix is the prefix of manifest records: s3/m/<id>.
const manifestPrefix = "s3/m/"

// createdMark prefixes, in refDeltas, the id of a manifest the batch writes.
const createdMark = "+"

// manifest is the body of a multipart object: its parts in order.
type manifest struct {
	Parts []manifestPart `json:"parts"`
}

// manifestPart is one part of a manifest: a blob, an inline body stored
// under its part's seq, or nothing (an empty part).
type manifestPart struct {
	Number   int32  `json:"n"`
	Size     int64  `json:"size"`
	ETag     string `json:"etag"` // unquoted hex MD5 of the part
	Blob     string `json:"blob,omitempty"`
	Inline   bool   `json:"inline,omitempty"`
	Seq      uint64 `json:"seq,omitempty"`
	Checksum string `json:"cv,omitempty"` // the part's checksum of the upload's algorithm
}

func (p *manifestPart) body() bodyRef {
	return bodyRef{Blob: p.Blob, Inline: p.Inline, Seq: p.Seq, Size: p.Size}
}

// manifestID returns the id of the manifest of the version with seq.
func manifestID(seq uint64) string { return "m" + seqHex(seq) }

// isManifestID reports whether a record's Blob names a manifest.
func isManifestID(h string) bool { return len(h) == 17 && h[0] == 'm' }

func manifestKey(id string) []byte { return []byte(manifestPrefix + id) }

// newManifest returns the manifest of parts.
func newManifest(parts []*partRecord) *manifest {
	m := &manifest{Parts: make([]manifestPart, len(parts))}
	for i, p := range parts {
		m.Parts[i] = manifestPart{Number: p.Number, Size: p.Size, ETag: p.ETag, Blob: p.Blob, Inline: p.Inline,
			Checksum: p.Checksum}
		if p.Inline {
			m.Parts[i].Seq = p.Seq
		}
	}
	return m
}

// created records in d that the batch writes manifest id, so that commit
// accepts its first reference although the store does not hold it yet.
func (d refDeltas) created(id string) { d[createdMark+id] = 1 }

// loadManifest reads a manifest; the error wraps store.ErrNotFound when it
// does not exist.
func (s *Service) loadManifest(id string) (*manifest, error) {
	v, err := s.db.Get(manifestKey(id))
	if err != nil {
		return nil, fmt.Errorf("s3: manifest %s: %w", id, err)
	}
	var m manifest
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, fmt.Errorf("s3: decode manifest %s: %w", id, err)
	}
	return &m, nil
}

// dropManifest stages the removal of a manifest whose last reference goes:
// its record and inline part bodies are deleted and its part blobs lose a
// reference each (in deltas).
func dropManifest(batch store.Batch, deltas map[string]int, id string, m *manifest) {
	batch.Delete(manifestKey(id))
	for _, p := range m.Parts {
		if p.Inline {
			batch.Delete(inlineKey(p.Seq))
		}
		if p.Blob != "" {
			deltas[p.Blob]--
		}
	}
}

// maxEagerSegments is how many segments of a read are opened before the
// first byte is returned. A blob file opened stays readable after the blob
// is removed, so a read of up to this many parts sees the object as it was
// even if it is deleted meanwhile; beyond it, parts are opened as reached
// (and a deletion racing the read can cut it short with an error). The
// bound keeps a read from holding thousands of file descriptors.
const maxEagerSegments = 64

// segment is a slice of one part of a multipart body.
type segment struct {
	ref    bodyRef
	off, n int64     // where in the part it starts, and the bytes left
	r      io.Reader // exactly the segment's bytes once opened
	closer io.Closer
}

// openManifest opens length bytes of the body of the multipart object whose
// manifest is id and whose size is size, starting at off.
func (s *Service) openManifest(id string, size, off, length int64) (io.ReadCloser, error) {
	m, err := s.loadManifest(id)
	if err != nil {
		return nil, err
	}
	segs, err := m.segments(size, off, length)
	if err != nil {
		return nil, fmt.Errorf("s3: manifest %s: %w", id, err)
	}
	mr := &manifestReader{s: s, segs: segs}
	for i := 0; i < len(segs) && i < maxEagerSegments; i++ {
		if err := s.openSegment(&segs[i]); err != nil {
			mr.Close()
			return nil, err
		}
	}
	return mr, nil
}

// segments returns the slices of parts that hold [off, off+length) of a body
// of size bytes.
func (m *manifest) segments(size, off, length int64) ([]segment, error) {
	ends := make([]int64, len(m.Parts))
	var total int64
	for i, p := range m.Parts {
		total += p.Size
		ends[i] = total
	}
	if total != size || off < 0 || length < 0 || off+length > size {
		return nil, fmt.Errorf("range %d+%d of a %d-byte body whose parts hold %d bytes", off, length, size, total)
	}
	i := sort.Search(len(ends), func(i int) bool { return ends[i] > off })
	var segs []segment
	for ; i < len(m.Parts) && length > 0; i++ {
		if m.Parts[i].Size == 0 {
			continue // an empty last part, or an empty part S3 would refuse
		}
		start := ends[i] - m.Parts[i].Size
		n := min(ends[i]-off, length)
		segs = append(segs, segment{ref: m.Parts[i].body(), off: off - start, n: n})
		off, length = off+n, length-n
	}
	return segs, nil
}

// openSegment opens a segment's bytes. A blob's file is positioned and
// limited rather than wrapped, so that copying it to a connection can use
// sendfile.
func (s *Service) openSegment(seg *segment) error {
	if seg.r != nil {
		return nil
	}
	if seg.ref.Inline {
		data, err := s.inlineBody(seg.ref.Seq)
		if err != nil {
			return err
		}
		if int64(len(data)) < seg.off+seg.n {
			return fmt.Errorf("s3: inline part %x holds %d bytes, want %d", seg.ref.Seq, len(data), seg.off+seg.n)
		}
		seg.r = bytes.NewReader(data[seg.off : seg.off+seg.n])
		return nil
	}
	f, _, err := s.blobs.Open(seg.ref.Blob)
	if err != nil {
		return fmt.Errorf("s3: open part: %w", err)
	}
	if _, err := f.Seek(seg.off, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("s3: open part: %w", err)
	}
	seg.r, seg.closer = &io.LimitedReader{R: f, N: seg.n}, f
	return nil
}

// manifestReader streams segments of parts one after the other.
type manifestReader struct {
	s    *Service
	segs []segment // the segments not yet read to their end
}

// errShortPart reports a part body shorter than its manifest says.
var errShortPart = errors.New("s3: part body shorter than recorded")

// current returns the segment being read, opening it if needed, or nil at
// the end of the body.
func (r *manifestReader) current() (*segment, error) {
	if len(r.segs) == 0 {
		return nil, nil
	}
	seg := &r.segs[0]
	return seg, r.s.openSegment(seg)
}

// advance closes the current segment, which its reader says is at its end.
func (r *manifestReader) advance() error {
	seg := r.segs[0]
	if seg.closer != nil {
		seg.closer.Close()
	}
	r.segs = r.segs[1:]
	if seg.n > 0 {
		return errShortPart
	}
	return nil
}

func (r *manifestReader) Read(p []byte) (int, error) {
	for {
		seg, err := r.current()
		if err != nil {
			return 0, err
		}
		if seg == nil {
			return 0, io.EOF
		}
		if seg.n == 0 {
			if err := r.advance(); err != nil {
				return 0, err
			}
			continue
		}
		n, err := seg.r.Read(p)
		seg.n -= int64(n)
		if err == io.EOF {
			err = r.advance()
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// WriteTo copies the remaining segments to w one by one, so that a blob
// segment reaches w's ReadFrom as a limited *os.File.
func (r *manifestReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		seg, err := r.current()
		if seg == nil || err != nil {
			return total, err
		}
		n, err := io.Copy(w, seg.r)
		total += n
		seg.n -= n
		if err != nil {
			return total, err
		}
		if err := r.advance(); err != nil {
			return total, err
		}
	}
}

func (r *manifestReader) Close() error {
	for i := range r.segs {
		if c := r.segs[i].closer; c != nil {
			c.Close()
		}
	}
	r.segs = nil
	return nil
}
