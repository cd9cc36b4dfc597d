package s3

import (
	"context"
	"net/http"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// publicAccess is a bucket's Block Public Access settings as stored.
type publicAccess struct {
	BlockPublicAcls       bool `json:"blockAcls,omitempty"`
	IgnorePublicAcls      bool `json:"ignoreAcls,omitempty"`
	BlockPublicPolicy     bool `json:"blockPolicy,omitempty"`
	RestrictPublicBuckets bool `json:"restrict,omitempty"`
}

// PutPublicAccessBlock sets the bucket's Block Public Access settings; an
// element left out is false, as in AWS.
func (s *Service) PutPublicAccessBlock(ctx context.Context, in *s3api.PutPublicAccessBlockInput) (*s3api.PutPublicAccessBlockOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketPublicAccessBlock", "")
	if err != nil {
		return nil, err
	}
	c := in.PublicAccessBlockConfiguration
	if c == nil {
		return nil, errMalformedXML()
	}
	pa := &publicAccess{
		BlockPublicAcls:       c.BlockPublicAcls != nil && *c.BlockPublicAcls,
		IgnorePublicAcls:      c.IgnorePublicAcls != nil && *c.IgnorePublicAcls,
		BlockPublicPolicy:     c.BlockPublicPolicy != nil && *c.BlockPublicPolicy,
		RestrictPublicBuckets: c.RestrictPublicBuckets != nil && *c.RestrictPublicBuckets,
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.PublicAccess = pa; return nil })
	return &s3api.PutPublicAccessBlockOutput{}, err
}

// GetPublicAccessBlock returns the bucket's Block Public Access settings.
func (s *Service) GetPublicAccessBlock(ctx context.Context, in *s3api.GetPublicAccessBlockInput) (*s3api.GetPublicAccessBlockOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketPublicAccessBlock", "")
	if err != nil {
		return nil, err
	}
	pa := b.config().rec.PublicAccess
	if pa == nil {
		return nil, awsapi.Errorf("NoSuchPublicAccessBlockConfiguration", http.StatusNotFound,
			"The public access block configuration was not found").With("BucketName", str(in.Bucket))
	}
	return &s3api.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{
		BlockPublicAcls:       ptr(pa.BlockPublicAcls),
		IgnorePublicAcls:      ptr(pa.IgnorePublicAcls),
		BlockPublicPolicy:     ptr(pa.BlockPublicPolicy),
		RestrictPublicBuckets: ptr(pa.RestrictPublicBuckets),
	}}, nil
}

// DeletePublicAccessBlock removes the bucket's Block Public Access settings.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, in *s3api.DeletePublicAccessBlockInput) (*s3api.DeletePublicAccessBlockOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketPublicAccessBlock", "")
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.PublicAccess = nil; return nil })
	return &s3api.DeletePublicAccessBlockOutput{}, err
}

// GetBucketPolicyStatus says whether the bucket policy is public in the sense
// of Block Public Access (policy.Policy.IsPublic).
func (s *Service) GetBucketPolicyStatus(ctx context.Context, in *s3api.GetBucketPolicyStatusInput) (*s3api.GetBucketPolicyStatusOutput, error) {
	_, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketPolicyStatus", "")
	if err != nil {
		return nil, err
	}
	if cfg.policy == nil {
		return nil, awsapi.Errorf("NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist").With("BucketName", str(in.Bucket))
	}
	return &s3api.GetBucketPolicyStatusOutput{PolicyStatus: &s3api.PolicyStatus{IsPublic: ptr(cfg.publicPolicy)}}, nil
}

// blocksPublicACLs reports whether the bucket's Block Public Access settings
// refuse public ACLs.
func (c *bucketConfig) blocksPublicACLs() bool {
	return c.rec.PublicAccess != nil && c.rec.PublicAccess.BlockPublicAcls
}

// blocksPublicPolicy reports whether they refuse public bucket policies.
func (c *bucketConfig) blocksPublicPolicy() bool {
	return c.rec.PublicAccess != nil && c.rec.PublicAccess.BlockPublicPolicy
}

// errPublicPolicyBlocked is S3's answer to a public policy on a bucket that
// blocks them.
func errPublicPolicyBlocked(ctx context.Context, bucket string) *awsapi.Error {
	who := "anonymous"
	if req := awsapi.RequestFrom(ctx); req != nil && req.Caller.ARN != "" {
		who = req.Caller.ARN
	}
	return awsapi.Errorf("AccessDenied", http.StatusForbidden,
		"User: %s is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::%s\" "+
			"because public policies are blocked by the BlockPublicPolicy block public access setting.", who, bucket)
}

// publicCannedACL reports whether a canned ACL grants access to everyone or
// to every AWS account.
func publicCannedACL(canned string) bool {
	return canned == "public-read" || canned == "public-read-write" || canned == "authenticated-read"
}

// publicGrant reports whether an x-amz-grant-* header value names the
// AllUsers or AuthenticatedUsers group.
func publicGrant(g *string) bool {
	v := str(g)
	return strings.Contains(v, "acs.amazonaws.com/groups/global/AllUsers") ||
		strings.Contains(v, "acs.amazonaws.com/groups/global/AuthenticatedUsers")
}

// publicACL reports whether a canned ACL or any grant header makes the ACL
// public.
func publicACL(canned *string, grants ...*string) bool {
	if publicCannedACL(str(canned)) {
		return true
	}
	for _, g := range grants {
		if publicGrant(g) {
			return true
		}
	}
	return false
}
