package iam

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

// maxPolicyVersions is IAM's quota of versions per managed policy.
const maxPolicyVersions = 5

// policySortKey orders policies in listings: by name, then ARN.
func policySortKey(p *policyRecord) string { return strings.ToLower(p.Name) + "\x00" + p.ARN }

// localPolicyName returns the policy name in a customer managed policy ARN of
// this account.
func (s *Service) localPolicyName(arn string) (string, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::"+s.account+":policy/")
	if !ok || rest == "" || strings.HasSuffix(rest, "/") {
		return "", false
	}
	return rest[strings.LastIndex(rest, "/")+1:], true
}

// findPolicy returns the managed policy (AWS or customer) with arn; aws tells
// which. Callers hold mu.
func (s *Service) findPolicy(arn string) (p policyRecord, aws bool, err error) {
	if len(arn) < 20 || len(arn) > 2048 {
		return p, false, validationError("1 validation error detected: Value '%s' at 'policyArn' failed to satisfy constraint: Member must have length between 20 and 2048", arn)
	}
	if strings.HasPrefix(arn, awsPolicyARNPrefix+"/") {
		if p, ok := s.managed.get(arn); ok {
			return p, true, nil
		}
		return p, true, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	name, ok := s.localPolicyName(arn)
	if !ok {
		if strings.HasPrefix(arn, "arn:") {
			return p, false, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
		}
		return p, false, invalidInput("ARN %s is not valid.", arn)
	}
	p, found, err := getRecord(s.policies, nameKey(name))
	if err != nil {
		return p, false, err
	}
	if !found || p.ARN != arn {
		return p, false, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return p, false, nil
}

// localPolicy is findPolicy for operations that modify a policy: AWS managed
// policies are read-only.
func (s *Service) localPolicy(arnp *string) (policyRecord, error) {
	arn, err := required("policyArn", arnp)
	if err != nil {
		return policyRecord{}, err
	}
	p, aws, err := s.findPolicy(arn)
	if err != nil {
		return p, err
	}
	if aws {
		return p, awsManagedReadOnly(arn)
	}
	return p, nil
}

func awsManagedReadOnly(arn string) error {
	return invalidInput("Policy %s is an AWS managed policy; it cannot be modified.", arn)
}

// attachmentCount returns how many entities a managed policy is attached to.
func (s *Service) attachmentCount(arn string) (int32, error) {
	var n int32
	err := s.attach.List(arn+"\x00", "", 0, func(string, attachment) bool { n++; return true })
	if err != nil {
		return 0, fmt.Errorf("iam: %w", err)
	}
	return n, nil
}

// policyOut converts a managed policy; detail adds Description and Tags.
func policyOut(p *policyRecord, count int32, detail bool) *iamapi.Policy {
	out := &iamapi.Policy{
		PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(p.ARN), Path: ptr(p.Path),
		DefaultVersionId: ptr(p.DefaultVersion), AttachmentCount: ptr(count),
		PermissionsBoundaryUsageCount: ptr(int32(0)), IsAttachable: ptr(true),
		CreateDate: ptr(p.Created), UpdateDate: ptr(p.Updated),
	}
	if detail {
		out.Description = strPtr(p.Description)
		out.Tags = tagsOut(p.Tags)
	}
	return out
}

// CreatePolicy creates a customer managed policy.
func (s *Service) CreatePolicy(ctx context.Context, in *iamapi.CreatePolicyInput) (*iamapi.CreatePolicyOutput, error) {
	name, err := checkName("policyName", in.PolicyName, 128)
	if err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, policyPathPattern)
	if err != nil {
		return nil, err
	}
	doc, err := checkDocument("policyDocument", in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	if _, err := parseIdentity(doc); err != nil {
		return nil, err
	}
	desc, err := checkDescription(in.Description, 1000)
	if err != nil {
		return nil, err
	}
	tags := tagsIn(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok, err := getRecord(s.policies, nameKey(name)); err != nil {
		return nil, err
	} else if ok {
		return nil, alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
	}
	now := s.now(ctx)
	p := policyRecord{
		Name: name, Path: path, ID: arn.UniqueID(arn.PrefixPolicy), ARN: s.entityARN("policy", path, name),
		Description: desc, Created: now, Updated: now, DefaultVersion: "v1", NextVersion: 2,
		Versions: []policyVersion{{ID: "v1", Document: doc, Created: now}}, Tags: tags,
	}
	if err := s.policies.Save(nameKey(name), p, true); err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyOutput{Policy: policyOut(&p, 0, true)}, nil
}

// GetPolicy returns a managed policy.
func (s *Service) GetPolicy(ctx context.Context, in *iamapi.GetPolicyInput) (*iamapi.GetPolicyOutput, error) {
	arn, err := required("policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, _, err := s.findPolicy(arn)
	if err != nil {
		return nil, err
	}
	n, err := s.attachmentCount(p.ARN)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyOutput{Policy: policyOut(&p, n, true)}, nil
}

// DeletePolicy deletes a customer managed policy that is not attached and
// has only its default version.
func (s *Service) DeletePolicy(ctx context.Context, in *iamapi.DeletePolicyInput) (*iamapi.DeletePolicyOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.localPolicy(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	n, err := s.attachmentCount(p.ARN)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, deleteConflict("Cannot delete a policy attached to entities.")
	}
	if len(p.Versions) > 1 {
		return nil, deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	b := s.db.NewBatch()
	s.policies.Delete(b, nameKey(p.Name))
	if err := commit(b); err != nil {
		return nil, err
	}
	return &iamapi.DeletePolicyOutput{}, nil
}

// ListPolicies lists AWS and customer managed policies.
func (s *Service) ListPolicies(ctx context.Context, in *iamapi.ListPoliciesInput) (*iamapi.ListPoliciesOutput, error) {
	scope := "All"
	if in.Scope != nil {
		scope = string(*in.Scope)
	}
	if scope != "All" && scope != "AWS" && scope != "Local" {
		return nil, validationError("1 validation error detected: Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", scope)
	}
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	onlyAttached := in.OnlyAttached != nil && *in.OnlyAttached
	s.mu.RLock()
	all, counts, err := s.policiesInScope(scope)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	var match []*policyRecord
	for _, p := range all {
		if strings.HasPrefix(p.Path, prefix) && (!onlyAttached || counts[p.ARN] > 0) {
			match = append(match, p)
		}
	}
	items, marker, truncated, err := page(match, policySortKey, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListPoliciesOutput{Policies: []iamapi.Policy{}, Marker: marker, IsTruncated: &truncated}
	for _, p := range items {
		out.Policies = append(out.Policies, *policyOut(p, counts[p.ARN], false))
	}
	return out, nil
}

// policiesInScope returns the policies of a ListPolicies scope sorted for
// listing, with the attachment count of every attached policy.
func (s *Service) policiesInScope(scope string) ([]*policyRecord, map[string]int32, error) {
	var all []*policyRecord
	if scope != "Local" {
		all = append(all, s.managed.sorted...)
	}
	if scope != "AWS" {
		local, err := listAll(s.policies, "")
		if err != nil {
			return nil, nil, err
		}
		for i := range local {
			all = append(all, &local[i])
		}
	}
	slices.SortFunc(all, func(a, b *policyRecord) int { return strings.Compare(policySortKey(a), policySortKey(b)) })
	counts := make(map[string]int32)
	err := s.attach.List("", "", 0, func(key string, _ attachment) bool {
		arn, _, _ := strings.Cut(key, "\x00")
		counts[arn]++
		return true
	})
	if err != nil {
		return nil, nil, fmt.Errorf("iam: %w", err)
	}
	return all, counts, nil
}

// CreatePolicyVersion adds a version to a customer managed policy.
func (s *Service) CreatePolicyVersion(ctx context.Context, in *iamapi.CreatePolicyVersionInput) (*iamapi.CreatePolicyVersionOutput, error) {
	doc, err := checkDocument("policyDocument", in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	if _, err := parseIdentity(doc); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.localPolicy(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if len(p.Versions) >= maxPolicyVersions {
		return nil, limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
	}
	now := s.now(ctx)
	v := policyVersion{ID: "v" + strconv.Itoa(p.NextVersion), Document: doc, Created: now}
	p.NextVersion++
	p.Versions = append(p.Versions, v)
	isDefault := in.SetAsDefault != nil && *in.SetAsDefault
	if isDefault {
		p.DefaultVersion = v.ID
		p.Updated = now
	}
	if err := s.policies.Save(nameKey(p.Name), p, true); err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyVersionOutput{PolicyVersion: &iamapi.PolicyVersion{
		VersionId: ptr(v.ID), IsDefaultVersion: ptr(isDefault), CreateDate: ptr(v.Created),
	}}, nil
}

// GetPolicyVersion returns one version of a managed policy with its document.
func (s *Service) GetPolicyVersion(ctx context.Context, in *iamapi.GetPolicyVersionInput) (*iamapi.GetPolicyVersionOutput, error) {
	arn, err := required("policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	id, err := checkVersionID(in.VersionId)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, _, err := s.findPolicy(arn)
	if err != nil {
		return nil, err
	}
	v := p.version(id)
	if v == nil {
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	}
	return &iamapi.GetPolicyVersionOutput{PolicyVersion: &iamapi.PolicyVersion{
		Document: ptr(encodeDocument(v.Document)), VersionId: ptr(v.ID),
		IsDefaultVersion: ptr(v.ID == p.DefaultVersion), CreateDate: ptr(v.Created),
	}}, nil
}

func checkVersionID(p *string) (string, error) {
	id, err := required("versionId", p)
	if err != nil {
		return "", err
	}
	if !versionIDPattern.MatchString(id) {
		return "", validationError("1 validation error detected: Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", id)
	}
	return id, nil
}

// ListPolicyVersions lists the versions of a managed policy, newest first.
func (s *Service) ListPolicyVersions(ctx context.Context, in *iamapi.ListPolicyVersionsInput) (*iamapi.ListPolicyVersionsOutput, error) {
	arn, err := required("policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	p, _, err := s.findPolicy(arn)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	versions := slices.Clone(p.Versions)
	slices.Reverse(versions)
	// Sort key: the version number zero-padded, inverted so newer sorts first.
	key := func(v policyVersion) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(v.ID, "v"))
		return fmt.Sprintf("%010d", 1<<30-n)
	}
	items, marker, truncated, err := page(versions, key, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListPolicyVersionsOutput{Versions: []iamapi.PolicyVersion{}, Marker: marker, IsTruncated: &truncated}
	for _, v := range items {
		out.Versions = append(out.Versions, iamapi.PolicyVersion{
			VersionId: ptr(v.ID), IsDefaultVersion: ptr(v.ID == p.DefaultVersion), CreateDate: ptr(v.Created),
		})
	}
	return out, nil
}

// DeletePolicyVersion deletes a non-default version of a customer managed policy.
func (s *Service) DeletePolicyVersion(ctx context.Context, in *iamapi.DeletePolicyVersionInput) (*iamapi.DeletePolicyVersionOutput, error) {
	id, err := checkVersionID(in.VersionId)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.localPolicy(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if p.version(id) == nil {
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", p.ARN, id)
	}
	if id == p.DefaultVersion {
		return nil, deleteConflict("Cannot delete the default version of a policy.")
	}
	p.Versions = slices.DeleteFunc(p.Versions, func(v policyVersion) bool { return v.ID == id })
	if err := s.policies.Save(nameKey(p.Name), p, true); err != nil {
		return nil, err
	}
	return &iamapi.DeletePolicyVersionOutput{}, nil
}

// SetDefaultPolicyVersion makes a version the policy's default.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, in *iamapi.SetDefaultPolicyVersionInput) (*iamapi.SetDefaultPolicyVersionOutput, error) {
	id, err := checkVersionID(in.VersionId)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.localPolicy(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	if p.version(id) == nil {
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", p.ARN, id)
	}
	p.DefaultVersion = id
	p.Updated = s.now(ctx)
	if err := s.policies.Save(nameKey(p.Name), p, true); err != nil {
		return nil, err
	}
	return &iamapi.SetDefaultPolicyVersionOutput{}, nil
}
