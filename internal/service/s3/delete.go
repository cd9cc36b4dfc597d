package s3

import (
	"context"
	"sync"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// maxDeleteObjects is the most keys one DeleteObjects request may name.
const maxDeleteObjects = 1000

// deleteWorkers bounds the deletions of one DeleteObjects run concurrently
// (so their durable commits share fsyncs).
const deleteWorkers = 16

// DeleteObjects deletes up to 1000 keys, reporting each success (unless
// Quiet) and each failure.
func (s *Service) DeleteObjects(ctx context.Context, in *s3api.DeleteObjectsInput) (*s3api.DeleteObjectsOutput, error) {
	name := str(in.Bucket)
	b, _, err := s.addressed(ctx, name) // each key is authorised, and refused, on its own
	if err != nil {
		return nil, err
	}
	if in.Delete == nil || len(in.Delete.Objects) == 0 || len(in.Delete.Objects) > maxDeleteObjects {
		return nil, errMalformedXML()
	}
	quiet := in.Delete.Quiet != nil && *in.Delete.Quiet
	type result struct {
		res *writeResult
		err error
	}
	results := make([]result, len(in.Delete.Objects))
	sem := make(chan struct{}, deleteWorkers)
	var wg sync.WaitGroup
	for i, o := range in.Delete.Objects {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			key := str(o.Key)
			if err := checkKey(key); err != nil {
				results[i].err = err
				return
			}
			cfg := b.config()
			if err := s.authorize(ctx, cfg, "s3:DeleteObject", name, key); err != nil {
				results[i].err = err
				return
			}
			if err := s.authorizeVersion(ctx, cfg, str(o.VersionId), "s3:DeleteObjectVersion", name, key); err != nil {
				results[i].err = err
				return
			}
			results[i].res, results[i].err = s.deleteKey(ctx, b, key, str(o.VersionId), deleteConds{o.ETag, o.LastModifiedTime, o.Size,
				s.bypassGovernance(ctx, b.config(), key, in.BypassGovernanceRetention)})
		}()
	}
	wg.Wait()
	out := &s3api.DeleteObjectsOutput{}
	for i, o := range in.Delete.Objects {
		r := results[i]
		if r.err != nil {
			ae := awsapi.AsError(r.err)
			out.Errors = append(out.Errors, s3api.Error{Key: o.Key, VersionId: o.VersionId, Code: ptr(ae.Code), Message: ptr(ae.Message)})
			continue
		}
		if quiet {
			continue
		}
		d := s3api.DeletedObject{Key: o.Key, VersionId: o.VersionId}
		if r.res.deleteMarker {
			d.DeleteMarker = ptr(true)
			if o.VersionId == nil {
				d.DeleteMarkerVersionId = ptr(r.res.versionID)
			}
		}
		out.Deleted = append(out.Deleted, d)
	}
	return out, nil
}

// modifyVersion rewrites one version's record in place (tags, Object Lock
// retention and legal hold), under the key's lock, and queues notifications
// for event; an empty event queues none (S3 sends no event for lock changes).
func (s *Service) modifyVersion(ctx context.Context, b *bucket, key, versionID, event string, change func(*objectRecord) error) (*objectRecord, error) {
	unlock := s.lockKey(b.name(), key)
	defer unlock()
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.deleted {
		return nil, errNoSuchBucket(b.name())
	}
	rec, err := s.getVersion(ctx, b.name(), key, versionID, false)
	if err != nil {
		return nil, err
	}
	if err := change(rec); err != nil {
		return nil, err
	}
	batch := s.db.NewBatch()
	batch.Set(versionKey(b.name(), key, rec.Seq), encodeObject(rec))
	if event != "" {
		s.stageEvents(ctx, batch, b.config(), key, rec, event)
	}
	if err := s.commit(batch, nil); err != nil {
		return nil, err
	}
	b.current.drop(key)
	s.wakeDelivery()
	return rec, nil
}

// PutObjectTagging replaces the tags of a version.
func (s *Service) PutObjectTagging(ctx context.Context, in *s3api.PutObjectTaggingInput) (*s3api.PutObjectTaggingOutput, error) {
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutObjectTagging", key)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeVersion(ctx, cfg, str(in.VersionId), "s3:PutObjectVersionTagging", b.name(), key); err != nil {
		return nil, err
	}
	if in.Tagging == nil {
		return nil, errMalformedXML()
	}
	tags, err := validateTags(in.Tagging.TagSet, 10)
	if err != nil {
		return nil, err
	}
	rec, err := s.modifyVersion(ctx, b, key, str(in.VersionId), "ObjectTagging:Put", func(r *objectRecord) error {
		r.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectTaggingOutput{VersionId: versionOut(b, rec)}, nil
}

// GetObjectTagging returns the tags of a version.
func (s *Service) GetObjectTagging(ctx context.Context, in *s3api.GetObjectTaggingInput) (*s3api.GetObjectTaggingOutput, error) {
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetObjectTagging", key)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeVersion(ctx, cfg, str(in.VersionId), "s3:GetObjectVersionTagging", b.name(), key); err != nil {
		return nil, err
	}
	rec, err := s.getVersion(ctx, b.name(), key, str(in.VersionId), false)
	if err != nil {
		return nil, err
	}
	return &s3api.GetObjectTaggingOutput{VersionId: versionOut(b, rec), TagSet: apiTags(rec.Tags)}, nil
}

// DeleteObjectTagging removes the tags of a version.
func (s *Service) DeleteObjectTagging(ctx context.Context, in *s3api.DeleteObjectTaggingInput) (*s3api.DeleteObjectTaggingOutput, error) {
	key := str(in.Key)
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:DeleteObjectTagging", key)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeVersion(ctx, cfg, str(in.VersionId), "s3:DeleteObjectVersionTagging", b.name(), key); err != nil {
		return nil, err
	}
	rec, err := s.modifyVersion(ctx, b, key, str(in.VersionId), "ObjectTagging:Delete", func(r *objectRecord) error {
		r.Tags = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.DeleteObjectTaggingOutput{VersionId: versionOut(b, rec)}, nil
}

// versionOut is the x-amz-version-id of a version in a (once) versioned
// bucket.
func versionOut(b *bucket, rec *objectRecord) *string {
	if b.config().rec.Versioning == "" {
		return nil
	}
	return ptr(rec.versionID())
}
