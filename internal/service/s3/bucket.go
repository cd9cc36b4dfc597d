package s3

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/store"
)

// requestRegion is the region a request was signed for, else the service's.
func (s *Service) requestRegion(ctx context.Context) string {
	if r := awsapi.RequestFrom(ctx); r != nil && r.Region != "" {
		return r.Region
	}
	return s.region
}

// CreateBucket creates a bucket. As in AWS, re-creating a bucket the caller
// already owns succeeds in us-east-1 and is BucketAlreadyOwnedByYou elsewhere.
func (s *Service) CreateBucket(ctx context.Context, in *s3api.CreateBucketInput) (*s3api.CreateBucketOutput, error) {
	if err := callerAuthorized(ctx); err != nil {
		return nil, err
	}
	name := str(in.Bucket)
	if !validBucketName(name) {
		return nil, awsapi.Errorf("InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid.").With("BucketName", name)
	}
	region, err := s.locationConstraint(ctx, in.CreateBucketConfiguration)
	if err != nil {
		return nil, err
	}
	ownership := str(in.ObjectOwnership)
	if ownership == "" {
		ownership = "BucketOwnerEnforced"
	}
	if !validOwnership(ownership) {
		return nil, errInvalidArgument("Invalid x-amz-object-ownership header: %s", ownership).With("ArgumentName", "x-amz-object-ownership")
	}
	rec := bucketRecord{Name: name, Created: s.now(ctx), Region: region, Ownership: ownership, ACL: str(in.ACL)}
	enableLockOnCreate(&rec, in.ObjectLockEnabledForBucket)
	if cfg := in.CreateBucketConfiguration; cfg != nil {
		for _, t := range cfg.Tags {
			rec.Tags = append(rec.Tags, tagKV{str(t.Key), str(t.Value)})
		}
	}
	b, err := newBucket(rec)
	if err != nil {
		return nil, err
	}
	b.current.budget = &s.bodyBudget
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.buckets[name]; ok {
		if old.config().rec.Region == "us-east-1" && region == "us-east-1" {
			return &s3api.CreateBucketOutput{Location: ptr("/" + name), BucketArn: ptr("arn:aws:s3:::" + name)}, nil
		}
		return nil, awsapi.Errorf("BucketAlreadyOwnedByYou", http.StatusConflict,
			"Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", name)
	}
	batch := s.db.NewBatch()
	batch.Set(bucketKey(name), mustJSON(rec))
	if err := batch.Commit(true); err != nil {
		return nil, fmt.Errorf("s3: create bucket: %w", err)
	}
	s.buckets[name] = b
	return &s3api.CreateBucketOutput{Location: ptr("/" + name), BucketArn: ptr("arn:aws:s3:::" + name)}, nil
}

// locationConstraint checks the CreateBucketConfiguration against the region
// the request was sent to, as AWS does.
func (s *Service) locationConstraint(ctx context.Context, cfg *s3api.CreateBucketConfiguration) (string, error) {
	region := s.requestRegion(ctx)
	lc := ""
	if cfg != nil {
		lc = str(cfg.LocationConstraint)
	}
	switch {
	case lc == "" && region != "us-east-1":
		return "", awsapi.Errorf("IllegalLocationConstraintException", http.StatusBadRequest,
			"The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case lc == "":
		return "us-east-1", nil
	case lc == "us-east-1":
		return "", awsapi.Errorf("InvalidLocationConstraint", http.StatusBadRequest,
			"The specified location-constraint is not valid").With("LocationConstraint", lc)
	case lc == "EU" && region == "eu-west-1":
		return "eu-west-1", nil
	case lc != region:
		return "", awsapi.Errorf("IllegalLocationConstraintException", http.StatusBadRequest,
			"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", lc)
	}
	return lc, nil
}

// DeleteBucket deletes an empty bucket; its in-progress multipart uploads are
// aborted.
func (s *Service) DeleteBucket(ctx context.Context, in *s3api.DeleteBucketInput) (*s3api.DeleteBucketOutput, error) {
	name := str(in.Bucket)
	b, _, err := s.bucketFor(ctx, name, "s3:DeleteBucket", "")
	if err != nil {
		return nil, err
	}
	if err := s.abortAllUploads(name); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.deleted {
		return nil, errNoSuchBucket(name)
	}
	empty := true
	for _, prefix := range []string{objectBucketPrefix(name), uploadBucketPrefix(name)} {
		start := []byte(prefix)
		if err := s.db.Scan(start, store.PrefixEnd(start), func(k, v []byte) bool { empty = false; return false }); err != nil {
			return nil, fmt.Errorf("s3: delete bucket: %w", err)
		}
	}
	if !empty {
		return nil, awsapi.Errorf("BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty").With("BucketName", name)
	}
	batch := s.db.NewBatch()
	batch.Delete(bucketKey(name))
	if err := batch.Commit(true); err != nil {
		return nil, fmt.Errorf("s3: delete bucket: %w", err)
	}
	b.deleted = true
	s.mu.Lock()
	delete(s.buckets, name)
	s.mu.Unlock()
	return &s3api.DeleteBucketOutput{}, nil
}

// HeadBucket reports whether the bucket exists and the caller may reach it.
func (s *Service) HeadBucket(ctx context.Context, in *s3api.HeadBucketInput) (*s3api.HeadBucketOutput, error) {
	name := str(in.Bucket)
	b, _, err := s.bucketFor(ctx, name, "s3:ListBucket", "")
	if err != nil {
		return nil, err
	}
	return &s3api.HeadBucketOutput{BucketRegion: ptr(b.config().rec.Region), BucketArn: ptr("arn:aws:s3:::" + name),
		AccessPointAlias: ptr(false)}, nil
}

// ListBuckets lists the account's buckets by name, optionally filtered by
// prefix and region and paginated with MaxBuckets and ContinuationToken.
func (s *Service) ListBuckets(ctx context.Context, in *s3api.ListBucketsInput) (*s3api.ListBucketsOutput, error) {
	if err := callerAuthorized(ctx); err != nil {
		return nil, err
	}
	max := 10000
	if in.MaxBuckets != nil {
		if *in.MaxBuckets < 1 || *in.MaxBuckets > 10000 {
			return nil, errInvalidArgument("Argument max-buckets must be an integer between 1 and 10000.").With("ArgumentName", "max-buckets")
		}
		max = int(*in.MaxBuckets)
	}
	after := ""
	if t := str(in.ContinuationToken); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil {
			return nil, errInvalidArgument("The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
		}
		after = string(raw)
	}
	s.mu.RLock()
	names := make([]string, 0, len(s.buckets))
	recs := make(map[string]bucketRecord, len(s.buckets))
	for n, b := range s.buckets {
		rec := b.config().rec
		if !strings.HasPrefix(n, str(in.Prefix)) || n <= after || (in.BucketRegion != nil && rec.Region != *in.BucketRegion) {
			continue
		}
		names = append(names, n)
		recs[n] = rec
	}
	s.mu.RUnlock()
	sort.Strings(names)
	out := &s3api.ListBucketsOutput{Owner: s.owner(), Buckets: []s3api.Bucket{}, Prefix: in.Prefix}
	for i, n := range names {
		if i == max {
			out.ContinuationToken = ptr(base64.RawURLEncoding.EncodeToString([]byte(names[i-1])))
			break
		}
		rec := recs[n]
		out.Buckets = append(out.Buckets, s3api.Bucket{Name: ptr(n), CreationDate: ptr(rec.Created),
			BucketRegion: ptr(rec.Region), BucketArn: ptr("arn:aws:s3:::" + n)})
	}
	return out, nil
}

// GetBucketLocation returns the bucket's region; us-east-1 is an empty
// constraint, as in AWS.
func (s *Service) GetBucketLocation(ctx context.Context, in *s3api.GetBucketLocationInput) (*s3api.GetBucketLocationOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketLocation", "")
	if err != nil {
		return nil, err
	}
	region := b.config().rec.Region
	if region == "us-east-1" {
		return &s3api.GetBucketLocationOutput{}, nil
	}
	return &s3api.GetBucketLocationOutput{LocationConstraint: ptr(region)}, nil
}

// owner returns the account's canonical owner.
func (s *Service) owner() *s3api.Owner {
	return &s3api.Owner{ID: ptr(s.ownerID), DisplayName: ptr("nubo")}
}

// updateBucket applies change to a copy of the bucket's record and stores it.
func (s *Service) updateBucket(b *bucket, change func(*bucketRecord) error) error {
	return s.updateBucketWith(b, change, func(store.Batch) {})
}
