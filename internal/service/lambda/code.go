package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

// Limits on deployment packages, as AWS documents them.
const (
	// MaxZippedDirect is the largest zip accepted inline in a request (50 MB).
	MaxZippedDirect = 50 << 20
	// MaxUnzipped is the largest total size of an extracted package.
	MaxUnzipped = 262144000
	// maxEntries bounds the number of entries in a package (a Nubo limit that
	// stops inode exhaustion; AWS has none but real packages stay far below).
	maxEntries = 100000
	// maxRatio is the largest compression ratio of one entry above 1 MiB.
	maxRatio = 1000
)

// CodeSource fetches code packages that CreateFunction and UpdateFunctionCode
// reference by S3Bucket/S3Key; the S3 service implements it.
type CodeSource interface {
	// OpenCode opens the object bucket/key (version "" for the latest). It
	// returns an *awsapi.Error with Lambda's code when the object cannot be read.
	OpenCode(ctx context.Context, bucket, key, version string) (io.ReadCloser, error)
}

var (
	errNotZip      = invalidParam("Could not unzip uploaded file. Please check your file, then try to upload again.")
	errTooUnzipped = invalidParam("Unzipped size must be smaller than %d bytes", MaxUnzipped)
)

// codeInfo describes a stored package.
type codeInfo struct {
	Sha256 string // base64
	Hex    string
	Size   int64
}

// codeInput is the Code member of CreateFunction or UpdateFunctionCode.
type codeInput struct {
	ZipFile                   []byte
	S3Bucket, S3Key, S3Object *string
	ImageURI                  *string
	Operation                 string
}

// ingestCode validates a package, stores it in the blob store and extracts it.
func (s *Service) ingestCode(ctx context.Context, in codeInput) (codeInfo, error) {
	data, err := s.codeBytes(ctx, in)
	if err != nil {
		return codeInfo{}, err
	}
	sum := sha256.Sum256(data)
	info := codeInfo{Sha256: base64.StdEncoding.EncodeToString(sum[:]), Hex: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	if _, err := s.ensureExtracted(info.Hex, data); err != nil {
		return codeInfo{}, err
	}
	ref, err := s.blobs.Put(ctx, bytes.NewReader(data))
	if err != nil {
		return codeInfo{}, fmt.Errorf("lambda: store code: %w", err)
	}
	if ref.SHA256 != info.Hex {
		return codeInfo{}, fmt.Errorf("lambda: blob hash %s differs from %s", ref.SHA256, info.Hex)
	}
	return info, nil
}

func (s *Service) codeBytes(ctx context.Context, in codeInput) ([]byte, error) {
	hasS3 := in.S3Bucket != nil || in.S3Key != nil || in.S3Object != nil
	switch {
	case in.ImageURI != nil:
		return nil, invalidParam("Nubo does not support container image functions (ImageUri); use a .zip file archive.")
	case in.ZipFile != nil && hasS3:
		return nil, invalidParam("Please provide a source for function code.")
	case in.ZipFile != nil:
		if len(in.ZipFile) > MaxZippedDirect {
			return nil, awsapi.Errorf("RequestEntityTooLargeException", http.StatusRequestEntityTooLarge,
				"Request must be smaller than 69905067 bytes for the %s operation", in.Operation)
		}
		return in.ZipFile, nil
	case hasS3:
		return s.s3Code(ctx, in)
	}
	return nil, invalidParam("Please provide a source for function code.")
}

func (s *Service) s3Code(ctx context.Context, in codeInput) ([]byte, error) {
	if deref(in.S3Bucket) == "" || deref(in.S3Key) == "" {
		return nil, invalidParam("Please provide a source for function code.")
	}
	s.hooksMu.RLock()
	src := s.codeSource
	s.hooksMu.RUnlock()
	if src == nil {
		return nil, invalidParam("S3 code source not available yet: Nubo's S3 service is not running; upload the package with ZipFile instead.")
	}
	rc, err := src.OpenCode(ctx, deref(in.S3Bucket), deref(in.S3Key), deref(in.S3Object))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxUnzipped+1))
	if err != nil {
		return nil, fmt.Errorf("lambda: read S3 code: %w", err)
	}
	if len(data) > MaxUnzipped {
		return nil, invalidParam("Unzipped size must be smaller than %d bytes", MaxUnzipped)
	}
	return data, nil
}

// CodeDir returns the directory holding the extracted package with the given
// SHA-256 (base64 as CodeSha256 reports it, or hex), extracting it from the
// blob store if needed. Files are world-readable and directories
// world-searchable; entries that were executable in the zip stay executable.
func (s *Service) CodeDir(ctx context.Context, codeSha string) (string, error) {
	h, err := codeHex(codeSha)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(s.codeRoot, h)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, nil
	}
	rc, _, err := s.blobs.Open(h)
	if err != nil {
		return "", fmt.Errorf("lambda: code %s: %w", h, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return "", fmt.Errorf("lambda: read code %s: %w", h, err)
	}
	return s.ensureExtracted(h, data)
}

func codeHex(sha string) (string, error) {
	if len(sha) == 64 {
		if _, err := hex.DecodeString(sha); err == nil {
			return strings.ToLower(sha), nil
		}
	}
	b, err := base64.StdEncoding.DecodeString(sha)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("lambda: invalid code hash %q", sha)
	}
	return hex.EncodeToString(b), nil
}

// ensureExtracted extracts data into codeRoot/<hex> unless it is there.
func (s *Service) ensureExtracted(h string, data []byte) (string, error) {
	s.extractMu.Lock()
	defer s.extractMu.Unlock()
	dir := filepath.Join(s.codeRoot, h)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, nil
	}
	if err := os.MkdirAll(s.codeRoot, 0o755); err != nil {
		return "", fmt.Errorf("lambda: code root: %w", err)
	}
	tmp, err := os.MkdirTemp(s.codeRoot, ".extract-")
	if err != nil {
		return "", fmt.Errorf("lambda: code temp dir: %w", err)
	}
	if err := extractZip(data, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("lambda: code dir mode: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("lambda: publish code dir: %w", err)
	}
	return dir, nil
}

// extractZip extracts the zip archive data into the empty directory root.
// It rejects absolute and escaping paths, symlinks that do not resolve inside
// the package, archives over MaxUnzipped bytes (counted while writing, never
// from headers), entries with a compression ratio over maxRatio, and anything
// archive/zip cannot read. Errors are *awsapi.Error values for the client.
func extractZip(data []byte, root string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return errNotZip
	}
	if len(zr.File) > maxEntries {
		return invalidParam("The deployment package has more than %d entries.", maxEntries)
	}
	var links []*zip.File
	var total int64
	for _, f := range zr.File {
		name, err := entryName(f.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		dst := filepath.Join(root, filepath.FromSlash(name))
		switch mode := f.Mode(); {
		case mode&fs.ModeSymlink != 0:
			links = append(links, f)
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if err := mkdirs(root, dst); err != nil {
				return err
			}
		default:
			n, err := writeEntry(f, root, dst, MaxUnzipped-total)
			total += n
			if err != nil {
				return err
			}
		}
	}
	return makeLinks(links, root)
}

// entryName returns the cleaned slash path of a zip entry ("" for the root).
func entryName(raw string) (string, error) {
	if strings.ContainsRune(raw, 0) {
		return "", errNotZip
	}
	if strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, `\`) || filepath.VolumeName(raw) != "" ||
		(len(raw) > 1 && raw[1] == ':') {
		return "", invalidParam("Could not unzip uploaded file: the entry %q has an absolute path.", raw)
	}
	clean := path.Clean(raw)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", invalidParam("Could not unzip uploaded file: the entry %q points outside the package.", raw)
	}
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

// mkdirs creates dir (inside root) and its parents with mode 0755.
func mkdirs(root, dir string) error {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return invalidParam("Could not unzip uploaded file: a path points outside the package.")
	}
	cur := root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if part == "." {
			continue
		}
		cur = filepath.Join(cur, part)
		st, err := os.Lstat(cur)
		switch {
		case err == nil && st.IsDir():
			continue
		case err == nil:
			return errNotZip // a file where a directory is needed
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("lambda: extract: %w", err)
		}
		if err := os.Mkdir(cur, 0o755); err != nil {
			return fmt.Errorf("lambda: extract: %w", err)
		}
		if err := os.Chmod(cur, 0o755); err != nil {
			return fmt.Errorf("lambda: extract: %w", err)
		}
	}
	return nil
}

// writeEntry writes one regular file, at most budget bytes; it returns the
// bytes written.
func writeEntry(f *zip.File, root, dst string, budget int64) (int64, error) {
	if err := mkdirs(root, filepath.Dir(dst)); err != nil {
		return 0, err
	}
	perm := os.FileMode(0o644)
	if f.Mode()&0o111 != 0 {
		perm = 0o755
	}
	rc, err := f.Open()
	if err != nil {
		return 0, errNotZip
	}
	defer rc.Close()
	// O_EXCL: a duplicate entry or one colliding with a directory is invalid;
	// no symlink exists yet, so nothing can redirect the write.
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return 0, invalidParam("Could not unzip uploaded file: duplicate or conflicting entry %q.", f.Name)
	}
	n, cerr := io.Copy(w, io.LimitReader(rc, budget+1))
	if err := w.Close(); err != nil && cerr == nil {
		cerr = err
	}
	if n > budget {
		return n, errTooUnzipped
	}
	if cerr != nil {
		return n, errNotZip
	}
	if n > 1<<20 && uint64(n) > maxRatio*max(f.CompressedSize64, 1) {
		return n, invalidParam("Could not unzip uploaded file: the entry %q expands more than %d times (zip bomb).", f.Name, maxRatio)
	}
	return n, os.Chmod(dst, perm)
}

// makeLinks creates the symbolic links after every file exists and checks
// that each resolves to an existing path inside root.
func makeLinks(links []*zip.File, root string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("lambda: extract: %w", err)
	}
	var created []string
	for _, f := range links {
		name, _ := entryName(f.Name)
		rc, err := f.Open()
		if err != nil {
			return errNotZip
		}
		target, err := io.ReadAll(io.LimitReader(rc, 4097))
		rc.Close()
		if err != nil || len(target) == 0 || len(target) > 4096 {
			return errNotZip
		}
		t := string(target)
		if strings.HasPrefix(t, "/") || strings.ContainsRune(t, 0) {
			return invalidParam("Could not unzip uploaded file: the symbolic link %q points outside the package.", f.Name)
		}
		dst := filepath.Join(root, filepath.FromSlash(name))
		if err := mkdirs(root, filepath.Dir(dst)); err != nil {
			return err
		}
		if err := os.Symlink(t, dst); err != nil {
			return invalidParam("Could not unzip uploaded file: duplicate or conflicting entry %q.", f.Name)
		}
		created = append(created, dst)
	}
	for _, l := range created {
		resolved, err := filepath.EvalSymlinks(l)
		if err != nil || (resolved != realRoot && !strings.HasPrefix(resolved, realRoot+string(filepath.Separator))) {
			rel, _ := filepath.Rel(root, l)
			return invalidParam("Could not unzip uploaded file: the symbolic link %q points outside the package.", filepath.ToSlash(rel))
		}
	}
	return nil
}

// newRevisionID returns a fresh RevisionId (a UUID like AWS's).
func newRevisionID() string { return arn.RequestID() }
