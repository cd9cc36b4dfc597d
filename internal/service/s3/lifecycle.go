package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/store"
)

const day = 24 * time.Hour

// PutBucketLifecycleConfiguration stores lifecycle rules. Expiration of
// current and noncurrent versions, expired delete marker removal and
// aborting incomplete uploads are carried out on the Nubo clock; storage
// class transitions are not supported.
func (s *Service) PutBucketLifecycleConfiguration(ctx context.Context, in *s3api.PutBucketLifecycleConfigurationInput) (*s3api.PutBucketLifecycleConfigurationOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutLifecycleConfiguration", "")
	if err != nil {
		return nil, err
	}
	c := in.LifecycleConfiguration
	if c == nil || len(c.Rules) == 0 || len(c.Rules) > 1000 {
		return nil, errMalformedXML()
	}
	ids := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if err := validateLifecycleRule(r); err != nil {
			return nil, err
		}
		if r.ID == nil || *r.ID == "" {
			r.ID = ptr(randomID())
		}
		if ids[*r.ID] {
			return nil, errInvalidArgument("Rule ID must be unique. Found same ID for more than one rule").With("ArgumentName", "ID")
		}
		ids[*r.ID] = true
	}
	err = s.updateBucket(b, func(rec *bucketRecord) error { rec.Lifecycle = c.Rules; return nil })
	return &s3api.PutBucketLifecycleConfigurationOutput{TransitionDefaultMinimumObjectSize: ptr("all_storage_classes_128K")}, err
}

func validateLifecycleRule(r *s3api.LifecycleRule) error {
	if len(str(r.ID)) > 255 {
		return errInvalidArgument("ID length should not exceed allowed limit of 255").With("ArgumentName", "ID")
	}
	if st := str(r.Status); st != "Enabled" && st != "Disabled" {
		return errMalformedXML()
	}
	if len(r.Transitions) > 0 || len(r.NoncurrentVersionTransitions) > 0 {
		return awsapi.NotImplemented("s3", "lifecycle storage class transitions")
	}
	if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil {
		return errInvalidRequest("At least one action needs to be specified in a rule")
	}
	if e := r.Expiration; e != nil {
		n := 0
		for _, set := range []bool{e.Days != nil, e.Date != nil, e.ExpiredObjectDeleteMarker != nil} {
			if set {
				n++
			}
		}
		switch {
		case n != 1:
			return errMalformedXML()
		case e.Days != nil && *e.Days <= 0:
			return errInvalidArgument("'Days' for Expiration action must be a positive integer").With("ArgumentName", "Days")
		case e.Date != nil && !e.Date.UTC().Equal(e.Date.UTC().Truncate(day)):
			return errInvalidArgument("'Date' must be at midnight GMT").With("ArgumentName", "Date")
		}
	}
	if n := r.NoncurrentVersionExpiration; n != nil && (n.NoncurrentDays == nil || *n.NoncurrentDays <= 0) {
		return errInvalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer").With("ArgumentName", "NoncurrentDays")
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil && (a.DaysAfterInitiation == nil || *a.DaysAfterInitiation <= 0) {
		return errInvalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer").
			With("ArgumentName", "DaysAfterInitiation")
	}
	return nil
}

// GetBucketLifecycleConfiguration returns the lifecycle rules.
func (s *Service) GetBucketLifecycleConfiguration(ctx context.Context, in *s3api.GetBucketLifecycleConfigurationInput) (*s3api.GetBucketLifecycleConfigurationOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetLifecycleConfiguration", "")
	if err != nil {
		return nil, err
	}
	rules := b.config().rec.Lifecycle
	if len(rules) == 0 {
		return nil, awsapi.Errorf("NoSuchLifecycleConfiguration", http.StatusNotFound, "The lifecycle configuration does not exist").
			With("BucketName", str(in.Bucket))
	}
	return &s3api.GetBucketLifecycleConfigurationOutput{Rules: rules, TransitionDefaultMinimumObjectSize: ptr("all_storage_classes_128K")}, nil
}

// DeleteBucketLifecycle removes the lifecycle rules.
func (s *Service) DeleteBucketLifecycle(ctx context.Context, in *s3api.DeleteBucketLifecycleInput) (*s3api.DeleteBucketLifecycleOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutLifecycleConfiguration", "")
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(rec *bucketRecord) error { rec.Lifecycle = nil; return nil })
	return &s3api.DeleteBucketLifecycleOutput{}, err
}

// ruleMatches reports whether a rule's filter selects a version.
func ruleMatches(r *s3api.LifecycleRule, key string, rec *objectRecord) bool {
	prefix := str(r.Prefix)
	var tags []s3api.Tag
	var gt, lt *int64
	if f := r.Filter; f != nil {
		prefix = orDefault(str(f.Prefix), prefix)
		if f.Tag != nil {
			tags = append(tags, *f.Tag)
		}
		gt, lt = f.ObjectSizeGreaterThan, f.ObjectSizeLessThan
		if a := f.And; a != nil {
			prefix = orDefault(str(a.Prefix), prefix)
			tags = append(tags, a.Tags...)
			gt, lt = a.ObjectSizeGreaterThan, a.ObjectSizeLessThan
		}
	}
	if !strings.HasPrefix(key, prefix) || (gt != nil && rec.Size <= *gt) || (lt != nil && rec.Size >= *lt) {
		return false
	}
	for _, t := range tags {
		found := false
		for _, have := range rec.Tags {
			if have.Key == str(t.Key) && have.Value == str(t.Value) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// expiresAt is when an object modified at mod expires after days: AWS
// rounds up to the next midnight UTC.
func expiresAt(mod time.Time, days int32) time.Time {
	t := mod.UTC().Add(time.Duration(days) * day)
	if m := t.Truncate(day); m.Equal(t) {
		return m
	} else {
		return m.Add(day)
	}
}

// expiration returns the x-amz-expiration value S3 sends with a current
// version that an enabled Expiration rule will expire: the earliest
// expiry-date and its rule-id (URL-encoded), or nil.
func expiration(cfg *bucketConfig, key string, rec *objectRecord) *string {
	if rec == nil || rec.DeleteMarker {
		return nil
	}
	var when time.Time
	var id string
	for i := range cfg.rec.Lifecycle {
		r := &cfg.rec.Lifecycle[i]
		e := r.Expiration
		if str(r.Status) != "Enabled" || e == nil || !ruleMatches(r, key, rec) {
			continue
		}
		var t time.Time
		switch {
		case e.Days != nil:
			t = expiresAt(rec.Modified, *e.Days)
		case e.Date != nil:
			t = e.Date.UTC()
		default:
			continue
		}
		if when.IsZero() || t.Before(when) {
			when, id = t, str(r.ID)
		}
	}
	if when.IsZero() {
		return nil
	}
	return ptr(fmt.Sprintf("expiry-date=%q, rule-id=%q", when.Format(http.TimeFormat), url.PathEscape(id)))
}

// lifecycleAction is one expiration found by a sweep.
type lifecycleAction struct {
	key      string
	seq      uint64 // the version concerned
	deleteID string // permanent deletion of this version; "" expires the current one
}

// ApplyLifecycle runs the lifecycle rules of every bucket at the current
// Nubo time. The service runs it every Options.LifecycleInterval.
func (s *Service) ApplyLifecycle(ctx context.Context) error {
	now := s.clock.Now()
	s.mu.RLock()
	var bs []*bucket
	for _, b := range s.buckets {
		if len(b.config().rec.Lifecycle) > 0 {
			bs = append(bs, b)
		}
	}
	s.mu.RUnlock()
	var errs []error
	for _, b := range bs {
		errs = append(errs, s.applyBucketLifecycle(ctx, b, now))
	}
	return errors.Join(errs...)
}

func (s *Service) applyBucketLifecycle(ctx context.Context, b *bucket, now time.Time) error {
	cfg := b.config()
	actions, err := s.lifecycleActions(cfg, now)
	if err != nil {
		return err
	}
	for _, a := range actions {
		w := &write{bucket: b, key: a.key, deleteID: a.deleteID, removal: "LifecycleExpiration", skipLocked: true}
		if a.deleteID == "" {
			seq := a.seq
			w.check = func(cur *objectRecord) error {
				if cur == nil || cur.Seq != seq {
					return errSkip
				}
				return nil
			}
		}
		if _, err := s.apply(ctx, w); err != nil && !errors.Is(err, errSkip) {
			return fmt.Errorf("s3: lifecycle %s/%s: %w", cfg.rec.Name, a.key, err)
		}
	}
	return s.abortExpiredUploads(cfg, now)
}

var errSkip = errors.New("s3: skipped")

// lifecycleActions scans a bucket and lists the expirations due at now.
func (s *Service) lifecycleActions(cfg *bucketConfig, now time.Time) ([]lifecycleAction, error) {
	var out []lifecycleAction
	var versions []*objectRecord
	curKey := ""
	flush := func() {
		out = append(out, keyActions(cfg, curKey, versions, now)...)
		versions = versions[:0]
	}
	start := []byte(objectBucketPrefix(cfg.rec.Name))
	var scanErr error
	err := s.db.Scan(start, store.PrefixEnd(start), func(k, v []byte) bool {
		key, _, err := parseVersionKey(cfg.rec.Name, k)
		if err != nil {
			scanErr = err
			return false
		}
		rec, err := decodeObject(v)
		if err != nil {
			scanErr = err
			return false
		}
		if key != curKey && len(versions) > 0 {
			flush()
		}
		curKey = key
		versions = append(versions, rec)
		return true
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return nil, fmt.Errorf("s3: lifecycle scan: %w", err)
	}
	if len(versions) > 0 {
		flush()
	}
	return out, nil
}

// keyActions applies the enabled rules to one key's versions (newest first).
func keyActions(cfg *bucketConfig, key string, versions []*objectRecord, now time.Time) []lifecycleAction {
	var out []lifecycleAction
	cur := versions[0]
	for i := range cfg.rec.Lifecycle {
		r := &cfg.rec.Lifecycle[i]
		if str(r.Status) != "Enabled" {
			continue
		}
		if e := r.Expiration; e != nil && ruleMatches(r, key, cur) {
			switch {
			case cur.DeleteMarker && len(versions) == 1 && e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker:
				return []lifecycleAction{{key: key, seq: cur.Seq, deleteID: cur.versionID()}}
			case cur.DeleteMarker:
			case e.Days != nil && !now.Before(expiresAt(cur.Modified, *e.Days)),
				e.Date != nil && !now.Before(*e.Date):
				out = append(out, lifecycleAction{key: key, seq: cur.Seq})
			}
		}
		nv := r.NoncurrentVersionExpiration
		if nv == nil || nv.NoncurrentDays == nil {
			continue
		}
		keep := 0
		if nv.NewerNoncurrentVersions != nil {
			keep = int(*nv.NewerNoncurrentVersions)
		}
		for j := 1; j < len(versions); j++ {
			if j-1 < keep || !ruleMatches(r, key, versions[j]) {
				continue
			}
			if !now.Before(expiresAt(versions[j-1].Modified, *nv.NoncurrentDays)) {
				out = append(out, lifecycleAction{key: key, seq: versions[j].Seq, deleteID: versions[j].versionID()})
			}
		}
	}
	return out
}

// abortExpiredUploads aborts uploads older than an enabled rule allows.
func (s *Service) abortExpiredUploads(cfg *bucketConfig, now time.Time) error {
	var rules []*s3api.LifecycleRule
	for i := range cfg.rec.Lifecycle {
		r := &cfg.rec.Lifecycle[i]
		if str(r.Status) == "Enabled" && r.AbortIncompleteMultipartUpload != nil {
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return nil
	}
	var due []uploadRecord
	start := []byte(uploadBucketPrefix(cfg.rec.Name))
	err := s.db.Scan(start, store.PrefixEnd(start), func(_, v []byte) bool {
		var up uploadRecord
		if json.Unmarshal(v, &up) != nil {
			return true
		}
		for _, r := range rules {
			if ruleMatches(r, up.Key, &objectRecord{}) && !now.Before(expiresAt(up.Initiated, *r.AbortIncompleteMultipartUpload.DaysAfterInitiation)) {
				due = append(due, up)
				break
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("s3: lifecycle uploads: %w", err)
	}
	for i := range due {
		if err := s.abortUpload(&due[i]); err != nil && awsapi.AsError(err).Code != "NoSuchUpload" {
			return err
		}
	}
	return nil
}

// armLifecycle schedules the next lifecycle run; runMu is held.
func (s *Service) armLifecycle() {
	s.lcTimer = s.clock.AfterFunc(s.opts.LifecycleInterval, s.lifecycleTick)
}

func (s *Service) lifecycleTick() {
	if err := s.ApplyLifecycle(context.Background()); err != nil {
		s.log.Warn("s3: applying lifecycle rules", "err", err)
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.started.Load() {
		s.armLifecycle()
	}
}
