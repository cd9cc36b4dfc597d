package s3

import (
	"context"
	"io"
)

// OpenObject opens a version of an object for Nubo's own use (Lambda reads
// function code from S3 with it): versionID "" is the current version. It
// returns the body, its size and its quoted ETag; the caller closes the body.
// Errors are S3's (NoSuchBucket, NoSuchKey, NoSuchVersion).
func (s *Service) OpenObject(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, int64, string, error) {
	if _, ok := s.lookupBucket(bucket); !ok {
		return nil, 0, "", errNoSuchBucket(bucket)
	}
	if err := checkKey(key); err != nil {
		return nil, 0, "", err
	}
	rec, err := s.getVersion(context.Background(), bucket, key, versionID, false)
	if err != nil {
		return nil, 0, "", err
	}
	rc, err := s.openBody(rec.body())
	if err != nil {
		return nil, 0, "", err
	}
	return rc, rec.Size, quote(rec.ETag), nil
}
