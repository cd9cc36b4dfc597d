package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// keyVersions returns the current version of bucket/key (nil if none) and
// its null version (nil if none), scanning newest first. With stopAtFirst it
// reads only the current version.
func (s *Service) keyVersions(bucket, key string, stopAtFirst bool) (cur, null *objectRecord, err error) {
	start := objectKeyPrefix(bucket, key)
	var decodeErr error
	err = s.db.Scan(start, store.PrefixEnd(start), func(k, v []byte) bool {
		rec, err := decodeObject(v)
		if err != nil {
			decodeErr = err
			return false
		}
		if cur == nil {
			cur = rec
		}
		if rec.VersionID == "" {
			null = rec
			return false
		}
		return !stopAtFirst
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("s3: read %s/%s: %w", bucket, key, err)
	}
	return cur, null, nil
}

// getVersion returns the version of bucket/key named by versionID ("" for
// the current one), with S3's errors: NoSuchKey (a current delete marker
// sets x-amz-delete-marker), NoSuchVersion, and MethodNotAllowed for a
// delete marker named by id when allowMarker is false.
func (s *Service) getVersion(ctx context.Context, bucket, key, versionID string, allowMarker bool) (*objectRecord, error) {
	switch versionID {
	case "":
		cur, _, err := s.keyVersions(bucket, key, true)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			return nil, errNoSuchKey(key)
		}
		if cur.DeleteMarker && !allowMarker {
			e := errNoSuchKey(key)
			e.Header = http.Header{"X-Amz-Delete-Marker": {"true"}, "X-Amz-Version-Id": {cur.versionID()}}
			return nil, e
		}
		return cur, nil
	case "null":
		_, null, err := s.keyVersions(bucket, key, false)
		if err != nil {
			return nil, err
		}
		if null == nil {
			return nil, errNoSuchVersion(key, versionID)
		}
		return markerCheck(ctx, null, allowMarker)
	}
	seq, ok := versionSeq(versionID)
	if !ok {
		return nil, errInvalidArgument("Invalid version id specified").With("ArgumentName", "versionId").With("ArgumentValue", versionID)
	}
	v, err := s.db.Get(versionKey(bucket, key, seq))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchVersion(key, versionID)
	}
	if err != nil {
		return nil, fmt.Errorf("s3: read version: %w", err)
	}
	rec, err := decodeObject(v)
	if err != nil {
		return nil, err
	}
	if rec.VersionID != versionID {
		return nil, errNoSuchVersion(key, versionID)
	}
	return markerCheck(ctx, rec, allowMarker)
}

// readVersion is getVersion for GET and HEAD: the current version comes from
// the bucket's cache when it holds the key, with the body when the cache
// keeps it (data is nil otherwise). The record and body returned are shared:
// callers must not modify them.
func (s *Service) readVersion(ctx context.Context, b *bucket, key, versionID string) (rec *objectRecord, data []byte, err error) {
	if versionID != "" {
		rec, err = s.getVersion(ctx, b.name(), key, versionID, false)
		return rec, nil, err
	}
	if v := b.current.get(key); v.rec != nil {
		return v.rec, v.data, nil
	}
	gen := b.current.begin()
	rec, err = s.getVersion(ctx, b.name(), key, "", false)
	if err != nil {
		return nil, nil, err
	}
	if b.current.wantsBody(rec) {
		if data, err = s.inlineBody(rec.Seq); err != nil {
			return nil, nil, err
		}
	}
	b.current.fill(key, cachedVersion{rec, data}, gen)
	return rec, data, nil
}

func markerCheck(ctx context.Context, rec *objectRecord, allowMarker bool) (*objectRecord, error) {
	if rec.DeleteMarker && !allowMarker {
		e := awsapi.Errorf("MethodNotAllowed", http.StatusMethodNotAllowed,
			"The specified method is not allowed against this resource.").With("Method", "GET").With("ResourceType", "DeleteMarker")
		e.Header = http.Header{"X-Amz-Delete-Marker": {"true"}, "X-Amz-Version-Id": {rec.versionID()},
			"Last-Modified": {rec.Modified.UTC().Format(http.TimeFormat)}}
		return nil, e
	}
	return rec, nil
}

// write is one change to a key, applied by apply under the key's lock.
type write struct {
	bucket *bucket
	key    string
	// check runs against the current version before anything is written.
	check func(cur *objectRecord) error
	// put is the new version (nil for a deletion); its VersionID and Seq are
	// set by apply from the bucket's versioning state.
	put    *objectRecord
	inline []byte
	// deleteID names the version to remove permanently; with put nil and
	// deleteID "", the delete follows the bucket's versioning state.
	deleteID string
	// event is the notification event name of the change ("" for the
	// default: ObjectCreated:Put or the removal kind).
	event string
	// extra adds more writes and reference changes to the batch.
	extra func(store.Batch, refDeltas) error
	// upload, when set, is the multipart upload whose lock is held too.
	upload string
	// removal is the event family of a deletion: ObjectRemoved (default) or
	// LifecycleExpiration.
	removal string
	// bypass lets deleteID remove a version under GOVERNANCE retention;
	// skipLocked makes a version under Object Lock errSkip instead of
	// AccessDenied (objectlock.go).
	bypass, skipLocked bool
}

// removalEvent names the notification event of a deletion of kind
// ("Delete" or "DeleteMarkerCreated").
func (w *write) removalEvent(kind string) string {
	return orDefault(w.removal, "ObjectRemoved") + ":" + kind
}

// writeResult says what apply did.
type writeResult struct {
	rec          *objectRecord // the version written, or removed
	deleteMarker bool
	versionID    string // "" when the bucket is unversioned
	removed      bool   // a deletion found something to delete
}

// apply performs w atomically: the new version, the removal of a replaced
// null version, reference counts, counters and notifications are one batch.
func (s *Service) apply(ctx context.Context, w *write) (*writeResult, error) {
	unlockKey := s.lockKey(w.bucket.name(), w.key)
	defer unlockKey()
	if w.upload != "" {
		unlockUpload := s.lockUpload(w.upload)
		defer unlockUpload()
	}
	w.bucket.mu.RLock()
	defer w.bucket.mu.RUnlock()
	if w.bucket.deleted {
		return nil, errNoSuchBucket(w.bucket.name())
	}
	cfg := w.bucket.config()
	cur, null, err := s.keyVersions(cfg.rec.Name, w.key, cfg.rec.Versioning == "Enabled")
	if err != nil {
		return nil, err
	}
	if w.check != nil {
		if err := w.check(cur); err != nil {
			return nil, err
		}
	}
	batch := s.db.NewBatch()
	deltas := refDeltas{}
	res, counts, err := s.stage(ctx, cfg, w, batch, deltas, null)
	if err != nil || res == nil {
		return res, err
	}
	if w.extra != nil {
		if err := w.extra(batch, deltas); err != nil {
			return nil, err
		}
	}
	if err := s.commit(batch, deltas); err != nil {
		return nil, err
	}
	w.bucket.current.drop(w.key)
	w.bucket.objects.Add(counts[0])
	w.bucket.bytes.Add(counts[1])
	s.wakeDelivery()
	return res, nil
}

// stage adds w's writes to batch and returns the result and the changes to
// the bucket's object count and size.
func (s *Service) stage(ctx context.Context, cfg *bucketConfig, w *write, batch store.Batch, deltas refDeltas, null *objectRecord) (*writeResult, [2]int64, error) {
	var counts [2]int64
	name := cfg.rec.Name
	remove := func(rec *objectRecord) {
		batch.Delete(versionKey(name, w.key, rec.Seq))
		if rec.Inline {
			batch.Delete(inlineKey(rec.Seq))
		}
		deltas.add(rec.Blob, -1)
		counts[0]--
		counts[1] -= rec.Size
	}
	add := func(rec *objectRecord, data []byte) {
		batch.Set(versionKey(name, w.key, rec.Seq), encodeObject(rec))
		if rec.Inline {
			batch.Set(inlineKey(rec.Seq), data)
		}
		deltas.add(rec.Blob, 1)
		counts[0]++
		counts[1] += rec.Size
	}
	versioned := cfg.rec.Versioning == "Enabled"
	res := &writeResult{}
	switch {
	case w.put != nil:
		rec := w.put
		if rec.Seq == 0 {
			rec.Seq = s.nextSeq()
		}
		rec.VersionID = ""
		if versioned {
			rec.VersionID = newVersionID(rec.Seq)
			res.versionID = rec.VersionID
		} else if null != nil {
			remove(null)
		}
		add(rec, w.inline)
		res.rec = rec
		s.stageEvents(ctx, batch, cfg, w.key, rec, orDefault(w.event, "ObjectCreated:Put"))
	case w.deleteID != "":
		old, err := s.getVersion(ctx, name, w.key, w.deleteID, true)
		var ae *awsapi.Error
		if errors.As(err, &ae) && (ae.Code == "NoSuchVersion" || ae.Code == "NoSuchKey") {
			return &writeResult{versionID: w.deleteID}, counts, nil
		}
		if err != nil {
			return nil, counts, err
		}
		if err := s.deleteRefusal(w, old); err != nil {
			return nil, counts, err
		}
		remove(old)
		res.rec, res.removed, res.deleteMarker, res.versionID = old, true, old.DeleteMarker, w.deleteID
		s.stageEvents(ctx, batch, cfg, w.key, old, w.removalEvent("Delete"))
	case cfg.rec.Versioning == "":
		if null == nil {
			return &writeResult{}, counts, nil
		}
		remove(null)
		res.rec, res.removed = null, true
		s.stageEvents(ctx, batch, cfg, w.key, null, w.removalEvent("Delete"))
	default:
		marker := &objectRecord{Seq: s.nextSeq(), DeleteMarker: true, Modified: s.now(ctx)}
		if versioned {
			marker.VersionID = newVersionID(marker.Seq)
		} else if null != nil {
			remove(null)
		}
		add(marker, nil)
		res.rec, res.deleteMarker, res.versionID, res.removed = marker, true, marker.versionID(), true
		s.stageEvents(ctx, batch, cfg, w.key, marker, w.removalEvent("DeleteMarkerCreated"))
	}
	return res, counts, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (b *bucket) name() string { return b.config().rec.Name }
