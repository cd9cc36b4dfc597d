package s3

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/auth/policy"
	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
)

// PutBucketVersioning enables or suspends versioning. A bucket that was
// versioned can only be suspended, never unversioned again.
func (s *Service) PutBucketVersioning(ctx context.Context, in *s3api.PutBucketVersioningInput) (*s3api.PutBucketVersioningOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketVersioning", "")
	if err != nil {
		return nil, err
	}
	vc := in.VersioningConfiguration
	if vc == nil {
		return nil, errMalformedXML()
	}
	status := str(vc.Status)
	if status != "Enabled" && status != "Suspended" {
		return nil, errMalformedXML()
	}
	if str(vc.MFADelete) == "Enabled" {
		return nil, errInvalidRequest("Nubo does not support MFA Delete.")
	}
	err = s.updateBucket(b, func(r *bucketRecord) error {
		if err := lockAllowsVersioning(r, status); err != nil {
			return err
		}
		r.Versioning = status
		return nil
	})
	return &s3api.PutBucketVersioningOutput{}, err
}

// GetBucketVersioning returns the versioning status (absent when never set).
func (s *Service) GetBucketVersioning(ctx context.Context, in *s3api.GetBucketVersioningInput) (*s3api.GetBucketVersioningOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketVersioning", "")
	if err != nil {
		return nil, err
	}
	out := &s3api.GetBucketVersioningOutput{}
	if v := b.config().rec.Versioning; v != "" {
		out.Status = ptr(v)
	}
	return out, nil
}

// validateTags checks a tag set as S3 does (InvalidTag) and returns it sorted
// by key: S3 defines no order for a tag set, and sorted answers are the same
// on every call and match what S3-compatible stores return.
func validateTags(tags []s3api.Tag, max int) ([]tagKV, error) {
	if len(tags) > max {
		return nil, awsapi.Errorf("BadRequest", http.StatusBadRequest, "Object tags cannot be greater than %d", max)
	}
	seen := map[string]bool{}
	out := make([]tagKV, 0, len(tags))
	for _, t := range tags {
		k, v := str(t.Key), str(t.Value)
		switch {
		case t.Key == nil || k == "" || utf8.RuneCountInString(k) > 128:
			return nil, awsapi.Errorf("InvalidTag", http.StatusBadRequest, "The TagKey you have provided is invalid")
		case utf8.RuneCountInString(v) > 256:
			return nil, awsapi.Errorf("InvalidTag", http.StatusBadRequest, "The TagValue you have provided is invalid")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, awsapi.Errorf("InvalidTag", http.StatusBadRequest, "System tags cannot be added/updated by requester")
		case seen[k]:
			return nil, awsapi.Errorf("InvalidTag", http.StatusBadRequest, "Cannot provide multiple Tags with the same key")
		}
		seen[k] = true
		out = append(out, tagKV{k, v})
	}
	slices.SortFunc(out, func(a, b tagKV) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func apiTags(tags []tagKV) []s3api.Tag {
	out := make([]s3api.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, s3api.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
	}
	return out
}

// PutBucketTagging replaces the bucket's tags.
func (s *Service) PutBucketTagging(ctx context.Context, in *s3api.PutBucketTaggingInput) (*s3api.PutBucketTaggingOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketTagging", "")
	if err != nil {
		return nil, err
	}
	if in.Tagging == nil {
		return nil, errMalformedXML()
	}
	tags, err := validateTags(in.Tagging.TagSet, 50)
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.Tags = tags; return nil })
	return &s3api.PutBucketTaggingOutput{}, err
}

// GetBucketTagging returns the bucket's tags (NoSuchTagSet when none).
func (s *Service) GetBucketTagging(ctx context.Context, in *s3api.GetBucketTaggingInput) (*s3api.GetBucketTaggingOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketTagging", "")
	if err != nil {
		return nil, err
	}
	tags := b.config().rec.Tags
	if len(tags) == 0 {
		return nil, awsapi.Errorf("NoSuchTagSet", http.StatusNotFound, "The TagSet does not exist").With("BucketName", str(in.Bucket))
	}
	return &s3api.GetBucketTaggingOutput{TagSet: apiTags(tags)}, nil
}

// DeleteBucketTagging removes the bucket's tags.
func (s *Service) DeleteBucketTagging(ctx context.Context, in *s3api.DeleteBucketTaggingInput) (*s3api.DeleteBucketTaggingOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketTagging", "")
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.Tags = nil; return nil })
	return &s3api.DeleteBucketTaggingOutput{}, err
}

// PutBucketPolicy validates and stores a bucket policy. Its Resource entries
// must name this bucket or its objects.
func (s *Service) PutBucketPolicy(ctx context.Context, in *s3api.PutBucketPolicyInput) (*s3api.PutBucketPolicyOutput, error) {
	name := str(in.Bucket)
	b, cfg, err := s.bucketFor(ctx, name, "s3:PutBucketPolicy", "")
	if err != nil {
		return nil, err
	}
	doc := str(in.Policy)
	p, err := policy.ParseWith([]byte(doc), policy.ParseOptions{Kind: policy.Resource})
	if err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) {
			return nil, awsapi.Errorf("MalformedPolicy", http.StatusBadRequest, "%s", me.Reason)
		}
		return nil, err
	}
	if err := checkPolicyResources([]byte(doc), name); err != nil {
		return nil, err
	}
	if cfg.blocksPublicPolicy() && p.IsPublic() {
		return nil, errPublicPolicyBlocked(ctx, name)
	}
	setStatus(ctx, http.StatusNoContent)
	err = s.updateBucket(b, func(r *bucketRecord) error { r.Policy = doc; return nil })
	return &s3api.PutBucketPolicyOutput{}, err
}

// checkPolicyResources rejects statements about other buckets, as S3 does.
// The document was already validated by policy.ParseWith.
func checkPolicyResources(doc []byte, bucket string) error {
	var top struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(doc, &top); err != nil {
		return awsapi.Errorf("MalformedPolicy", http.StatusBadRequest, "Policies must be valid JSON")
	}
	var stmts []map[string]json.RawMessage
	if err := json.Unmarshal(top.Statement, &stmts); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(top.Statement, &one); err != nil {
			return awsapi.Errorf("MalformedPolicy", http.StatusBadRequest, "Missing required field Statement")
		}
		stmts = append(stmts, one)
	}
	arn := "arn:aws:s3:::" + bucket
	for _, st := range stmts {
		for _, field := range []string{"Resource", "NotResource"} {
			for _, r := range stringOrList(st[field]) {
				if r == arn || strings.HasPrefix(r, arn+"/") || r == "*" || r == "arn:aws:s3:::*" {
					continue
				}
				return awsapi.Errorf("MalformedPolicy", http.StatusBadRequest, "Policy has invalid resource")
			}
		}
	}
	return nil
}

func stringOrList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []string
	_ = json.Unmarshal(raw, &list)
	return list
}

// GetBucketPolicy returns the stored policy document.
func (s *Service) GetBucketPolicy(ctx context.Context, in *s3api.GetBucketPolicyInput) (*s3api.GetBucketPolicyOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketPolicy", "")
	if err != nil {
		return nil, err
	}
	doc := b.config().rec.Policy
	if doc == "" {
		return nil, awsapi.Errorf("NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist").With("BucketName", str(in.Bucket))
	}
	return &s3api.GetBucketPolicyOutput{Policy: ptr(doc)}, nil
}

// DeleteBucketPolicy removes the bucket policy.
func (s *Service) DeleteBucketPolicy(ctx context.Context, in *s3api.DeleteBucketPolicyInput) (*s3api.DeleteBucketPolicyOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:DeleteBucketPolicy", "")
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.Policy = ""; return nil })
	return &s3api.DeleteBucketPolicyOutput{}, err
}

func validOwnership(o string) bool {
	return o == "BucketOwnerEnforced" || o == "BucketOwnerPreferred" || o == "ObjectWriter"
}

// GetBucketOwnershipControls returns the Object Ownership setting.
func (s *Service) GetBucketOwnershipControls(ctx context.Context, in *s3api.GetBucketOwnershipControlsInput) (*s3api.GetBucketOwnershipControlsOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketOwnershipControls", "")
	if err != nil {
		return nil, err
	}
	o := b.config().rec.Ownership
	if o == "" {
		return nil, awsapi.Errorf("OwnershipControlsNotFoundError", http.StatusNotFound,
			"The bucket ownership controls were not found").With("BucketName", str(in.Bucket))
	}
	return &s3api.GetBucketOwnershipControlsOutput{OwnershipControls: &s3api.OwnershipControls{
		Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: ptr(o)}}}}, nil
}

// PutBucketOwnershipControls sets the Object Ownership setting.
func (s *Service) PutBucketOwnershipControls(ctx context.Context, in *s3api.PutBucketOwnershipControlsInput) (*s3api.PutBucketOwnershipControlsOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketOwnershipControls", "")
	if err != nil {
		return nil, err
	}
	oc := in.OwnershipControls
	if oc == nil || len(oc.Rules) != 1 || !validOwnership(str(oc.Rules[0].ObjectOwnership)) {
		return nil, errMalformedXML()
	}
	o := str(oc.Rules[0].ObjectOwnership)
	err = s.updateBucket(b, func(r *bucketRecord) error { r.Ownership = o; return nil })
	return &s3api.PutBucketOwnershipControlsOutput{}, err
}

// DeleteBucketOwnershipControls removes the Object Ownership setting.
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, in *s3api.DeleteBucketOwnershipControlsInput) (*s3api.DeleteBucketOwnershipControlsOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketOwnershipControls", "")
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.Ownership = ""; return nil })
	return &s3api.DeleteBucketOwnershipControlsOutput{}, err
}

// grants returns the ACL grants of a canned ACL for the owner.
func (s *Service) grants(canned string) []s3api.Grant {
	owner := &s3api.Grantee{ID: ptr(s.ownerID), DisplayName: ptr("nubo"), Type: ptr("CanonicalUser")}
	g := []s3api.Grant{{Grantee: owner, Permission: ptr("FULL_CONTROL")}}
	group := func(uri, perm string) s3api.Grant {
		return s3api.Grant{Grantee: &s3api.Grantee{Type: ptr("Group"), URI: ptr(uri)}, Permission: ptr(perm)}
	}
	const all = "http://acs.amazonaws.com/groups/global/AllUsers"
	switch canned {
	case "public-read":
		g = append(g, group(all, "READ"))
	case "public-read-write":
		g = append(g, group(all, "READ"), group(all, "WRITE"))
	case "authenticated-read":
		g = append(g, group("http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "READ"))
	}
	return g
}

// GetBucketAcl returns the bucket's ACL: full control for the owner (plus the
// grants of a canned ACL set when ACLs are enabled).
func (s *Service) GetBucketAcl(ctx context.Context, in *s3api.GetBucketAclInput) (*s3api.GetBucketAclOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketAcl", "")
	if err != nil {
		return nil, err
	}
	return &s3api.GetBucketAclOutput{Owner: s.owner(), Grants: s.grants(b.config().rec.ACL)}, nil
}

// PutBucketAcl records a canned ACL. With BucketOwnerEnforced (the default)
// only ACLs that give the owner full control are accepted, as in AWS.
func (s *Service) PutBucketAcl(ctx context.Context, in *s3api.PutBucketAclInput) (*s3api.PutBucketAclOutput, error) {
	b, cfg, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutBucketAcl", "")
	if err != nil {
		return nil, err
	}
	canned := str(in.ACL)
	grantHeaders := in.GrantFullControl != nil || in.GrantRead != nil || in.GrantReadACP != nil || in.GrantWrite != nil || in.GrantWriteACP != nil
	switch canned {
	case "", "private", "public-read", "public-read-write", "authenticated-read", "bucket-owner-full-control":
	default:
		return nil, errInvalidArgument("Invalid canned ACL %s", canned).With("ArgumentName", "x-amz-acl")
	}
	ownerOnly := (canned == "" || canned == "private" || canned == "bucket-owner-full-control") && !grantHeaders && ownerOnlyPolicy(in.AccessControlPolicy, s.ownerID)
	if cfg.rec.Ownership == "BucketOwnerEnforced" && !ownerOnly {
		return nil, errACLNotSupported()
	}
	public := publicACL(in.ACL, in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWrite, in.GrantWriteACP) ||
		publicGrantees(in.AccessControlPolicy)
	if public && cfg.blocksPublicACLs() {
		return nil, errAccessDenied()
	}
	if grantHeaders || (in.AccessControlPolicy != nil && !ownerOnlyPolicy(in.AccessControlPolicy, s.ownerID)) {
		return nil, awsapi.NotImplemented("s3", "PutBucketAcl with explicit grants")
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.ACL = canned; return nil })
	return &s3api.PutBucketAclOutput{}, err
}

// publicGrantees reports whether an ACL document grants to the AllUsers or
// AuthenticatedUsers group.
func publicGrantees(p *s3api.AccessControlPolicy) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.Grantee != nil && publicGrant(g.Grantee.URI) {
			return true
		}
	}
	return false
}

func ownerOnlyPolicy(p *s3api.AccessControlPolicy, owner string) bool {
	if p == nil {
		return true
	}
	for _, g := range p.Grants {
		if g.Grantee == nil || str(g.Grantee.ID) != owner || str(g.Permission) != "FULL_CONTROL" {
			return false
		}
	}
	return true
}

// defaultEncryption is what AWS reports for buckets without an explicit
// configuration: SSE-S3 has been the default since January 2023.
func defaultEncryption() *s3api.ServerSideEncryptionConfiguration {
	return &s3api.ServerSideEncryptionConfiguration{Rules: []s3api.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &s3api.ServerSideEncryptionByDefault{SSEAlgorithm: ptr("AES256")},
		BucketKeyEnabled:                   ptr(false),
	}}}
}

// PutBucketEncryption records the default encryption configuration (Nubo
// does not encrypt at rest; the settings are echoed on objects).
func (s *Service) PutBucketEncryption(ctx context.Context, in *s3api.PutBucketEncryptionInput) (*s3api.PutBucketEncryptionOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutEncryptionConfiguration", "")
	if err != nil {
		return nil, err
	}
	c := in.ServerSideEncryptionConfiguration
	if c == nil || len(c.Rules) == 0 {
		return nil, errMalformedXML()
	}
	for _, r := range c.Rules {
		if bt := r.BlockedEncryptionTypes; bt != nil {
			for _, t := range bt.EncryptionType {
				if t != "SSE-C" && t != "NONE" {
					return nil, errMalformedXML()
				}
			}
		}
		d := r.ApplyServerSideEncryptionByDefault
		if d == nil {
			continue
		}
		switch str(d.SSEAlgorithm) {
		case "AES256", "aws:kms", "aws:kms:dsse":
		default:
			return nil, errMalformedXML()
		}
		if str(d.SSEAlgorithm) == "AES256" && d.KMSMasterKeyID != nil {
			return nil, errInvalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").
				With("ArgumentName", "ApplyServerSideEncryptionByDefault")
		}
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.Encryption = c; return nil })
	return &s3api.PutBucketEncryptionOutput{}, err
}

// GetBucketEncryption returns the default encryption configuration.
func (s *Service) GetBucketEncryption(ctx context.Context, in *s3api.GetBucketEncryptionInput) (*s3api.GetBucketEncryptionOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetEncryptionConfiguration", "")
	if err != nil {
		return nil, err
	}
	c := b.config().rec.Encryption
	if c == nil {
		c = defaultEncryption()
	}
	return &s3api.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: c}, nil
}

// DeleteBucketEncryption resets the default encryption to SSE-S3.
func (s *Service) DeleteBucketEncryption(ctx context.Context, in *s3api.DeleteBucketEncryptionInput) (*s3api.DeleteBucketEncryptionOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:PutEncryptionConfiguration", "")
	if err != nil {
		return nil, err
	}
	err = s.updateBucket(b, func(r *bucketRecord) error { r.Encryption = nil; return nil })
	return &s3api.DeleteBucketEncryptionOutput{}, err
}

// blocksSSEC reports whether the bucket's encryption configuration blocks
// writes with customer-provided keys (BlockedEncryptionTypes SSE-C).
func blocksSSEC(cfg *bucketConfig) bool {
	if cfg.rec.Encryption == nil {
		return false
	}
	for _, r := range cfg.rec.Encryption.Rules {
		if r.BlockedEncryptionTypes != nil && slices.Contains(r.BlockedEncryptionTypes.EncryptionType, "SSE-C") {
			return true
		}
	}
	return false
}

// bucketSSE returns the encryption applied to new objects by default.
func bucketSSE(cfg *bucketConfig) (alg, kmsKey string, bucketKey bool) {
	c := cfg.rec.Encryption
	if c == nil || len(c.Rules) == 0 || c.Rules[0].ApplyServerSideEncryptionByDefault == nil {
		return "AES256", "", false
	}
	d := c.Rules[0].ApplyServerSideEncryptionByDefault
	bk := c.Rules[0].BucketKeyEnabled != nil && *c.Rules[0].BucketKeyEnabled
	return str(d.SSEAlgorithm), str(d.KMSMasterKeyID), bk
}

func errACLNotSupported() *awsapi.Error {
	return awsapi.Errorf("AccessControlListNotSupported", http.StatusBadRequest, "The bucket does not allow ACLs")
}

// objectACL checks the ACL of an object write (PutObject, CopyObject,
// CreateMultipartUpload: canned and grant headers) or of PutObjectAcl (also
// an ACL document, doc). Objects carry no ACL of their own: ACLs that leave
// the bucket owner in full control are accepted, as AWS does under
// BucketOwnerEnforced; any other is AccessControlListNotSupported there, a
// public one is AccessDenied where Block Public Access blocks public ACLs, and
// the rest are NotImplemented on buckets that allow ACLs.
func (s *Service) objectACL(cfg *bucketConfig, canned *string, doc *s3api.AccessControlPolicy, grants ...*string) error {
	ownerOnly := ownerOnlyPolicy(doc, s.ownerID)
	switch str(canned) {
	case "", "private", "bucket-owner-full-control":
	case "public-read", "public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read":
		ownerOnly = false
	default:
		return errInvalidArgument("Invalid canned ACL %s", str(canned)).With("ArgumentName", "x-amz-acl")
	}
	for _, g := range grants {
		if g != nil {
			ownerOnly = false
		}
	}
	switch {
	case ownerOnly:
		return nil
	case cfg.rec.Ownership == "BucketOwnerEnforced":
		return errACLNotSupported()
	case (publicACL(canned, grants...) || publicGrantees(doc)) && cfg.blocksPublicACLs():
		return errAccessDenied()
	}
	return awsapi.NotImplemented("s3", "object ACLs other than private")
}
