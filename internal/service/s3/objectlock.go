package s3

import (
	"context"
	"net/http"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// Object Lock, as AWS documents it ("Locking objects with Object Lock"): a
// bucket created with x-amz-bucket-object-lock-enabled, or a versioned bucket
// given an Object Lock configuration, keeps versioning enabled for good. Each
// version may carry a retention (GOVERNANCE or COMPLIANCE mode and a
// retain-until date) and a legal hold. While a retention is in force on the
// Nubo clock, or a legal hold is ON, the version cannot be deleted
// permanently; GOVERNANCE gives way to x-amz-bypass-governance-retention
// when the caller may s3:BypassGovernanceRetention. Deletes without a version
// id only add delete markers, and lifecycle expiration skips locked versions.

const (
	lockGovernance = "GOVERNANCE"
	lockCompliance = "COMPLIANCE"
	// maxRetentionDays and maxRetentionYears bound a default retention period.
	maxRetentionDays  = 36500
	maxRetentionYears = 100
)

// objectLock is a version's (or a multipart upload's) Object Lock state. It
// is embedded in objectRecord and uploadRecord.
type objectLock struct {
	LockMode  string     `json:"lm,omitempty"` // GOVERNANCE, COMPLIANCE or ""
	LockUntil *time.Time `json:"lu,omitempty"` // retain-until date (nil without retention)
	LegalHold string     `json:"lh,omitempty"` // ON, OFF or "" (never set)
}

// retainedAt reports whether the retention is in force at now.
func (l *objectLock) retainedAt(now time.Time) bool {
	return l.LockMode != "" && l.LockUntil != nil && now.Before(*l.LockUntil)
}

func validLockMode(m string) bool { return m == lockGovernance || m == lockCompliance }

func errNoLockConfiguration() *awsapi.Error {
	return errInvalidRequest("Bucket is missing Object Lock Configuration")
}

func errLocked() *awsapi.Error {
	return awsapi.Errorf("AccessDenied", http.StatusForbidden, "Access Denied because object protected by object lock.")
}

func errInvalidBucketState(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidBucketState", http.StatusConflict, format, args...)
}

// lockEnabled reports whether the bucket has Object Lock.
func (c *bucketConfig) lockEnabled() bool { return c.rec.ObjectLock != nil }

// enableLockOnCreate turns Object Lock (and versioning) on for a bucket
// created with x-amz-bucket-object-lock-enabled: true.
func enableLockOnCreate(rec *bucketRecord, enabled *bool) {
	if enabled == nil || !*enabled {
		return
	}
	rec.Versioning = "Enabled"
	rec.ObjectLock = &s3api.ObjectLockConfiguration{ObjectLockEnabled: ptr("Enabled")}
}

// lockAllowsVersioning refuses to suspend versioning on a bucket with
// Object Lock, as AWS does.
func lockAllowsVersioning(rec *bucketRecord, status string) error {
	if rec.ObjectLock != nil && status != "Enabled" {
		return errInvalidBucketState("An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
	}
	return nil
}

// PutObjectLockConfiguration enables Object Lock on a versioned bucket and
// sets or removes its default retention rule.
func (s *Service) PutObjectLockConfiguration(ctx context.Context, in *s3api.PutObjectLockConfigurationInput) (*s3api.PutObjectLockConfigurationOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketObjectLockConfiguration", "")
	if err != nil {
		return nil, err
	}
	conf, err := validateLockConfiguration(in.ObjectLockConfiguration)
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(r *bucketRecord) error {
		if r.ObjectLock == nil && r.Versioning != "Enabled" {
			return errInvalidBucketState("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
		}
		r.ObjectLock = conf
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectLockConfigurationOutput{}, nil
}

// validateLockConfiguration checks a configuration as AWS does and returns
// the copy to store: ObjectLockEnabled must be Enabled, and a rule needs a
// mode and exactly one of Days and Years, positive and at most 100 years.
func validateLockConfiguration(c *s3api.ObjectLockConfiguration) (*s3api.ObjectLockConfiguration, error) {
	if c == nil || str(c.ObjectLockEnabled) != "Enabled" {
		return nil, errMalformedXML()
	}
	out := &s3api.ObjectLockConfiguration{ObjectLockEnabled: ptr("Enabled")}
	if c.Rule == nil {
		return out, nil
	}
	d := c.Rule.DefaultRetention
	if d == nil || !validLockMode(str(d.Mode)) || (d.Days == nil) == (d.Years == nil) {
		return nil, errMalformedXML()
	}
	n, name, max := d.Days, "Days", int32(maxRetentionDays)
	if d.Years != nil {
		n, name, max = d.Years, "Years", maxRetentionYears
	}
	switch {
	case *n <= 0:
		return nil, errInvalidArgument("Default retention period must be a positive integer value.").With("ArgumentName", name)
	case *n > max:
		return nil, errInvalidArgument("Default retention period is too large.").With("ArgumentName", name)
	}
	rule := &s3api.DefaultRetention{Mode: ptr(str(d.Mode))}
	if d.Days != nil {
		rule.Days = ptr(*d.Days)
	} else {
		rule.Years = ptr(*d.Years)
	}
	out.Rule = &s3api.ObjectLockRule{DefaultRetention: rule}
	return out, nil
}

// GetObjectLockConfiguration returns the bucket's Object Lock configuration
// (ObjectLockConfigurationNotFoundError when Object Lock is off).
func (s *Service) GetObjectLockConfiguration(ctx context.Context, in *s3api.GetObjectLockConfigurationInput) (*s3api.GetObjectLockConfigurationOutput, error) {
	_, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketObjectLockConfiguration", "")
	if err != nil {
		return nil, err
	}
	if !cfg.lockEnabled() {
		return nil, awsapi.Errorf("ObjectLockConfigurationNotFoundError", http.StatusNotFound,
			"Object Lock configuration does not exist for this bucket").With("BucketName", cfg.rec.Name)
	}
	return &s3api.GetObjectLockConfigurationOutput{ObjectLockConfiguration: cfg.rec.ObjectLock}, nil
}

// lockInput is the Object Lock headers of PutObject, CopyObject and
// CreateMultipartUpload.
type lockInput struct {
	mode      *string
	until     *time.Time
	legalHold *string
}

func (in lockInput) empty() bool { return in.mode == nil && in.until == nil && in.legalHold == nil }

// newLock validates the Object Lock headers of a write and returns the new
// version's lock: without retention headers the bucket's default retention,
// if any, applies from now.
func (s *Service) newLock(ctx context.Context, cfg *bucketConfig, in lockInput) (objectLock, error) {
	l, err := s.requestedLock(cfg, in)
	if err != nil {
		return l, err
	}
	defaultRetention(cfg, s.clock.Now(), &l)
	return l, nil
}

// requestedLock validates the Object Lock headers of a write and returns the
// lock they ask for (CreateMultipartUpload keeps it until completion).
func (s *Service) requestedLock(cfg *bucketConfig, in lockInput) (objectLock, error) {
	var l objectLock
	if !cfg.lockEnabled() {
		if !in.empty() {
			return l, errNoLockConfiguration()
		}
		return l, nil
	}
	switch {
	case (in.mode == nil) != (in.until == nil):
		return l, errInvalidArgument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied").
			With("ArgumentName", "x-amz-object-lock-mode")
	case in.mode != nil && !validLockMode(*in.mode):
		return l, errInvalidArgument("Unknown wormMode directive.").With("ArgumentName", "x-amz-object-lock-mode").With("ArgumentValue", *in.mode)
	case in.until != nil && !s.clock.Now().Before(*in.until):
		return l, errInvalidArgument("The retain until date must be in the future!").With("ArgumentName", "x-amz-object-lock-retain-until-date")
	case in.legalHold != nil && *in.legalHold != "ON" && *in.legalHold != "OFF":
		return l, errInvalidArgument("Legal Hold must be either of 'ON' or 'OFF'").With("ArgumentName", "x-amz-object-lock-legal-hold")
	}
	if in.mode != nil {
		l.LockMode, l.LockUntil = *in.mode, ptr(in.until.UTC())
	}
	l.LegalHold = str(in.legalHold)
	return l, nil
}

// defaultRetention gives l the bucket's default retention, counted from now,
// when l has no retention of its own.
func defaultRetention(cfg *bucketConfig, now time.Time, l *objectLock) {
	c := cfg.rec.ObjectLock
	if l.LockMode != "" || c == nil || c.Rule == nil || c.Rule.DefaultRetention == nil {
		return
	}
	d := c.Rule.DefaultRetention
	until := now.UTC()
	switch {
	case d.Days != nil:
		until = until.AddDate(0, 0, int(*d.Days))
	case d.Years != nil:
		until = until.AddDate(int(*d.Years), 0, 0)
	default:
		return
	}
	l.LockMode, l.LockUntil = str(d.Mode), &until
}

// lockHeaders fills the x-amz-object-lock-* response headers of a version.
func lockHeaders(rec *objectRecord, out *s3api.HeadObjectOutput) {
	if rec.LockMode != "" {
		out.ObjectLockMode, out.ObjectLockRetainUntilDate = ptr(rec.LockMode), rec.LockUntil
	}
	if rec.LegalHold != "" {
		out.ObjectLockLegalHoldStatus = ptr(rec.LegalHold)
	}
}

// bypassGovernance reports whether a request asked to bypass governance
// retention and its caller may (s3:BypassGovernanceRetention).
func (s *Service) bypassGovernance(ctx context.Context, cfg *bucketConfig, key string, asked *bool) bool {
	return asked != nil && *asked && s.authorize(ctx, cfg, "s3:BypassGovernanceRetention", cfg.rec.Name, key) == nil
}

// deleteRefusal says whether w may delete version rec permanently now: a
// legal hold or a retention in force refuses it (AccessDenied, or errSkip
// for lifecycle), unless the retention is GOVERNANCE and w bypasses it.
func (s *Service) deleteRefusal(w *write, rec *objectRecord) error {
	locked := rec.LegalHold == "ON" ||
		rec.retainedAt(s.clock.Now()) && (rec.LockMode == lockCompliance || !w.bypass)
	switch {
	case !locked:
		return nil
	case w.skipLocked:
		return errSkip
	}
	return errLocked()
}

// lockBucket returns the bucket of an object-level Object Lock operation
// after checking the key, the caller and that the bucket has Object Lock.
func (s *Service) lockBucket(ctx context.Context, bucketName, key, action string) (*bucket, *bucketConfig, error) {
	if err := checkKey(key); err != nil {
		return nil, nil, err
	}
	b, cfg, err := s.bucketFor(ctx, bucketName, action, key)
	if err != nil {
		return nil, nil, err
	}
	if !cfg.lockEnabled() {
		return nil, nil, errNoLockConfiguration()
	}
	return b, cfg, nil
}

// PutObjectRetention sets, changes or removes the retention of a version.
// COMPLIANCE retention in force can only be extended; GOVERNANCE retention
// in force can be extended, and shortened, removed or made COMPLIANCE only
// with a governance bypass.
func (s *Service) PutObjectRetention(ctx context.Context, in *s3api.PutObjectRetentionInput) (*s3api.PutObjectRetentionOutput, error) {
	key := str(in.Key)
	b, cfg, err := s.lockBucket(ctx, str(in.Bucket), key, "s3:PutObjectRetention")
	if err != nil {
		return nil, err
	}
	r := in.Retention
	if r == nil || (r.Mode == nil) != (r.RetainUntilDate == nil) || (r.Mode != nil && !validLockMode(*r.Mode)) {
		return nil, errMalformedXML()
	}
	now := s.clock.Now()
	if r.RetainUntilDate != nil && !now.Before(*r.RetainUntilDate) {
		return nil, errInvalidArgument("The retain until date must be in the future!").With("ArgumentName", "RetainUntilDate")
	}
	next := objectLock{}
	if r.Mode != nil {
		next.LockMode, next.LockUntil = *r.Mode, ptr(r.RetainUntilDate.UTC())
	}
	bypass := s.bypassGovernance(ctx, cfg, key, in.BypassGovernanceRetention)
	_, err = s.modifyVersion(ctx, b, key, str(in.VersionId), "", func(rec *objectRecord) error {
		if !retentionChangeAllowed(&rec.objectLock, &next, now, bypass) {
			return errLocked()
		}
		rec.LockMode, rec.LockUntil = next.LockMode, next.LockUntil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectRetentionOutput{}, nil
}

// retentionChangeAllowed applies AWS's rules for replacing retention cur by
// next at now.
func retentionChangeAllowed(cur, next *objectLock, now time.Time, bypass bool) bool {
	if !cur.retainedAt(now) {
		return true
	}
	keeps := next.LockMode != "" && !next.LockUntil.Before(*cur.LockUntil)
	switch cur.LockMode {
	case lockCompliance:
		return keeps && next.LockMode == lockCompliance
	default:
		return bypass || (keeps && next.LockMode == lockGovernance)
	}
}

// GetObjectRetention returns the retention of a version
// (NoSuchObjectLockConfiguration when it has none).
func (s *Service) GetObjectRetention(ctx context.Context, in *s3api.GetObjectRetentionInput) (*s3api.GetObjectRetentionOutput, error) {
	key := str(in.Key)
	b, _, err := s.lockBucket(ctx, str(in.Bucket), key, "s3:GetObjectRetention")
	if err != nil {
		return nil, err
	}
	rec, err := s.getVersion(ctx, b.name(), key, str(in.VersionId), false)
	if err != nil {
		return nil, err
	}
	if rec.LockMode == "" {
		return nil, errNoObjectLock()
	}
	return &s3api.GetObjectRetentionOutput{Retention: &s3api.ObjectLockRetention{Mode: ptr(rec.LockMode), RetainUntilDate: rec.LockUntil}}, nil
}

func errNoObjectLock() *awsapi.Error {
	return awsapi.Errorf("NoSuchObjectLockConfiguration", http.StatusNotFound, "The specified object does not have a ObjectLock configuration")
}

// PutObjectLegalHold turns a version's legal hold ON or OFF.
func (s *Service) PutObjectLegalHold(ctx context.Context, in *s3api.PutObjectLegalHoldInput) (*s3api.PutObjectLegalHoldOutput, error) {
	key := str(in.Key)
	b, _, err := s.lockBucket(ctx, str(in.Bucket), key, "s3:PutObjectLegalHold")
	if err != nil {
		return nil, err
	}
	if in.LegalHold == nil {
		return nil, errMalformedXML()
	}
	status := str(in.LegalHold.Status)
	if status != "ON" && status != "OFF" {
		return nil, errMalformedXML()
	}
	_, err = s.modifyVersion(ctx, b, key, str(in.VersionId), "", func(rec *objectRecord) error {
		rec.LegalHold = status
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectLegalHoldOutput{}, nil
}

// GetObjectLegalHold returns a version's legal hold status
// (NoSuchObjectLockConfiguration when none was ever set).
func (s *Service) GetObjectLegalHold(ctx context.Context, in *s3api.GetObjectLegalHoldInput) (*s3api.GetObjectLegalHoldOutput, error) {
	key := str(in.Key)
	b, _, err := s.lockBucket(ctx, str(in.Bucket), key, "s3:GetObjectLegalHold")
	if err != nil {
		return nil, err
	}
	rec, err := s.getVersion(ctx, b.name(), key, str(in.VersionId), false)
	if err != nil {
		return nil, err
	}
	if rec.LegalHold == "" {
		return nil, errNoObjectLock()
	}
	return &s3api.GetObjectLegalHoldOutput{LegalHold: &s3api.ObjectLockLegalHold{Status: ptr(rec.LegalHold)}}, nil
}
