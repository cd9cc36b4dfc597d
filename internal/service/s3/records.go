package s3

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// bucketRecord is a bucket as stored under s3/b/<name>.
type bucketRecord struct {
	Name       string                                   `json:"name"`
	Created    time.Time                                `json:"created"`
	Region     string                                   `json:"region"`
	Versioning string                                   `json:"versioning,omitempty"` // "", Enabled, Suspended
	Tags       []tagKV                                  `json:"tags,omitempty"`
	Policy     string                                   `json:"policy,omitempty"`
	Ownership  string                                   `json:"ownership,omitempty"`
	ACL        string                                   `json:"acl,omitempty"`
	Encryption *s3api.ServerSideEncryptionConfiguration `json:"encryption,omitempty"`
	Notify     *s3api.NotificationConfiguration         `json:"notify,omitempty"`
	CORS       []s3api.CORSRule                         `json:"cors,omitempty"`
	Lifecycle  []s3api.LifecycleRule                    `json:"lifecycle,omitempty"`
	Logging    *s3api.LoggingEnabled                    `json:"logging,omitempty"` // server access logging (logging.go)
	// ObjectLock is the Object Lock configuration (nil: off; objectlock.go).
	ObjectLock *s3api.ObjectLockConfiguration `json:"objectLock,omitempty"`
	// PublicAccess is the Block Public Access settings (nil: none;
	// publicaccess.go).
	PublicAccess *publicAccess `json:"publicAccess,omitempty"`
}

type tagKV struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// bucketConfig is an immutable snapshot of a bucket's record with its parsed
// policy and notification rules.
type bucketConfig struct {
	rec    bucketRecord
	policy *policy.Policy
	// publicPolicy is policy.IsPublic(), for Block Public Access.
	publicPolicy bool
	// existingTags says the policy names s3:ExistingObjectTag keys, so
	// authorize must look up the tags of the object a request addresses.
	existingTags bool
	rules        []notifyRule
}

// bucket is a cached bucket. mu is held for reading by object commits and for
// writing by DeleteBucket, so a bucket cannot vanish under a commit.
type bucket struct {
	mu      sync.RWMutex
	cfg     atomic.Pointer[bucketConfig]
	deleted bool // guarded by mu
	objects atomic.Int64
	bytes   atomic.Int64
	// current caches the current version of recently read keys.
	current versionCache
}

func newBucket(rec bucketRecord) (*bucket, error) {
	b := &bucket{}
	if err := b.setRecord(rec); err != nil {
		return nil, err
	}
	return b, nil
}

// setRecord replaces the bucket's configuration snapshot.
func (b *bucket) setRecord(rec bucketRecord) error {
	c := &bucketConfig{rec: rec}
	if rec.Policy != "" {
		p, err := policy.ParseWith([]byte(rec.Policy), policy.ParseOptions{Kind: policy.Resource})
		if err != nil {
			return fmt.Errorf("s3: bucket %s policy: %w", rec.Name, err)
		}
		c.policy, c.publicPolicy = p, p.IsPublic()
		c.existingTags = strings.Contains(strings.ToLower(rec.Policy), strings.ToLower(existingTagKey))
	}
	if rec.Notify != nil {
		c.rules = compileRules(rec.Notify)
	}
	b.cfg.Store(c)
	return nil
}

func (b *bucket) config() *bucketConfig { return b.cfg.Load() }

func decodeBucket(v []byte) (*bucket, error) {
	var rec bucketRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, err
	}
	return newBucket(rec)
}

// objectRecord is one version of an object (or a delete marker).
type objectRecord struct {
	Seq          uint64            `json:"seq"`
	VersionID    string            `json:"vid,omitempty"` // "" is the null version
	DeleteMarker bool              `json:"dm,omitempty"`
	Size         int64             `json:"size"`
	ETag         string            `json:"etag,omitempty"` // unquoted
	Blob         string            `json:"blob,omitempty"` // sha256 of the body file
	Inline       bool              `json:"inline,omitempty"`
	Modified     time.Time         `json:"mod"`
	Parts        int32             `json:"parts,omitempty"`
	PartSizes    []int64           `json:"psz,omitempty"`
	Headers      map[string]string `json:"hdr,omitempty"` // Content-Type etc. by canonical name
	Meta         map[string]string `json:"meta,omitempty"`
	Tags         []tagKV           `json:"tags,omitempty"`
	SSE          string            `json:"sse,omitempty"`
	SSEKMSKeyID  string            `json:"kms,omitempty"`
	BucketKey    bool              `json:"bk,omitempty"`
	SSEC         *ssecRecord       `json:"ssec,omitempty"` // SSE-C key fingerprint
	ChecksumAlg  string            `json:"ca,omitempty"`
	Checksum     string            `json:"cv,omitempty"`
	ChecksumType string            `json:"ct,omitempty"`
	StorageClass string            `json:"sc,omitempty"`
	Upload       string            `json:"up,omitempty"` // id of the multipart upload that made it
	objectLock                     // retention and legal hold (objectlock.go)

	// PartChecksums holds the part's checksum of a single-part multipart
	// object with a composite checksum (mpchecksum.go); a manifest holds
	// those of two or more parts.
	PartChecksums []string `json:"pcs,omitempty"`
}

// Version records are stored as a binary header holding the fields a
// listing needs (so listing never parses JSON) followed by the whole record
// as JSON:
//
//	0x01 seq:uvarint flags:byte size:uvarint mod:varint(unix ns)
//	vid etag sc ca ct (each uvarint length + bytes) JSON
const recordFormat = 1

// encodeObject returns the stored form of a version record.
func encodeObject(rec *objectRecord) []byte {
	b := make([]byte, 0, 256)
	b = append(b, recordFormat)
	b = binary.AppendUvarint(b, rec.Seq)
	var flags byte
	if rec.DeleteMarker {
		flags |= 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(rec.Size))
	b = binary.AppendVarint(b, rec.Modified.UnixNano())
	for _, str := range []string{rec.VersionID, rec.ETag, rec.StorageClass, rec.ChecksumAlg, rec.ChecksumType} {
		b = binary.AppendUvarint(b, uint64(len(str)))
		b = append(b, str...)
	}
	return append(b, mustJSON(rec)...)
}

var errBadRecord = errors.New("s3: malformed version record")

// decodeListRecord decodes the header of a stored version record and returns
// the offset of its JSON part.
func decodeListRecord(v []byte, r *listRecord) (int, error) {
	if len(v) == 0 || v[0] != recordFormat {
		return 0, errBadRecord
	}
	i := 1
	uv := func() uint64 {
		x, n := binary.Uvarint(v[i:])
		if n <= 0 {
			i = -1 << 30
			return 0
		}
		i += n
		return x
	}
	r.Seq = uv()
	if i < 0 || i >= len(v) {
		return 0, errBadRecord
	}
	r.DeleteMarker = v[i]&1 != 0
	i++
	r.Size = int64(uv())
	if i < 0 {
		return 0, errBadRecord
	}
	mod, n := binary.Varint(v[i:])
	if n <= 0 {
		return 0, errBadRecord
	}
	i += n
	r.Modified = time.Unix(0, mod).UTC()
	for _, dst := range []*string{&r.VersionID, &r.ETag, &r.StorageClass, &r.ChecksumAlg, &r.ChecksumType} {
		l := uv()
		if i < 0 || uint64(len(v)-i) < l {
			return 0, errBadRecord
		}
		*dst = string(v[i : i+int(l)])
		i += int(l)
	}
	return i, nil
}

func decodeObject(v []byte) (*objectRecord, error) {
	var lr listRecord
	off, err := decodeListRecord(v, &lr)
	if err != nil {
		return nil, err
	}
	var rec objectRecord
	if err := json.Unmarshal(v[off:], &rec); err != nil {
		return nil, fmt.Errorf("s3: decode object: %w", err)
	}
	return &rec, nil
}

// versionID returns the id clients see: "null" for the null version.
func (o *objectRecord) versionID() string {
	if o.VersionID == "" {
		return "null"
	}
	return o.VersionID
}

// uploadRecord is a multipart upload in progress.
type uploadRecord struct {
	UploadID     string            `json:"id"`
	Bucket       string            `json:"bucket"`
	Key          string            `json:"key"`
	Initiated    time.Time         `json:"init"`
	Headers      map[string]string `json:"hdr,omitempty"`
	Meta         map[string]string `json:"meta,omitempty"`
	Tags         []tagKV           `json:"tags,omitempty"`
	SSE          string            `json:"sse,omitempty"`
	SSEKMSKeyID  string            `json:"kms,omitempty"`
	SSEC         *ssecRecord       `json:"ssec,omitempty"` // SSE-C key fingerprint
	ChecksumAlg  string            `json:"ca,omitempty"`
	ChecksumType string            `json:"ct,omitempty"`
	StorageClass string            `json:"sc,omitempty"`
	Initiator    string            `json:"initiator,omitempty"`
	objectLock                     // requested retention and legal hold (objectlock.go)
}

// partRecord is an uploaded part.
type partRecord struct {
	Number   int32     `json:"n"`
	Seq      uint64    `json:"seq"`
	Size     int64     `json:"size"`
	ETag     string    `json:"etag"` // unquoted hex MD5
	Blob     string    `json:"blob,omitempty"`
	Inline   bool      `json:"inline,omitempty"`
	Modified time.Time `json:"mod"`
	Checksum string    `json:"cv,omitempty"`
}

// body is where a version's or part's bytes are: a blob, inline data, or
// nothing for an empty body.
func (o *objectRecord) body() bodyRef {
	return bodyRef{Blob: o.Blob, Inline: o.Inline, Seq: o.Seq, Size: o.Size}
}

// bodyRef locates stored bytes.
type bodyRef struct {
	Blob   string
	Inline bool
	Seq    uint64
	Size   int64
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("s3: encode %T: %v", v, err))
	}
	return b
}
