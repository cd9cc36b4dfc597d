package iam

import (
	"context"
	"slices"

	"github.com/nubo/nubo/internal/awsapi/iamapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

// maxKeysPerUser is IAM's quota of access keys per user.
const maxKeysPerUser = 2

// keyUserName resolves the optional UserName of the access key operations: the
// calling user when absent.
func (s *Service) keyUserName(ctx context.Context, p *string) (string, error) {
	if p == nil {
		name, ok := s.callerUserName(ctx)
		if !ok {
			return "", invalidInput("Nubo manages access keys of IAM users only; specify UserName.")
		}
		return name, nil
	}
	return checkName("userName", p, 128)
}

// loadKey returns the access key id of user, or NoSuchEntity.
func (s *Service) loadKey(user, id string) (accessKeyRecord, error) {
	k, ok, err := getRecord(s.keys, id)
	if err != nil {
		return k, err
	}
	if !ok || nameKey(k.UserName) != nameKey(user) {
		return k, noSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return k, nil
}

// CreateAccessKey creates a long-term access key for a user.
func (s *Service) CreateAccessKey(ctx context.Context, in *iamapi.CreateAccessKeyInput) (*iamapi.CreateAccessKeyOutput, error) {
	name, err := s.keyUserName(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.loadUser(name)
	if err != nil {
		return nil, err
	}
	if len(u.Keys) >= maxKeysPerUser {
		return nil, limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxKeysPerUser)
	}
	k := accessKeyRecord{ID: arn.AccessKeyID(false), Secret: arn.SecretAccessKey(), UserName: u.Name, Status: "Active", Created: s.now(ctx)}
	u.Keys = append(u.Keys, k.ID)
	b := s.db.NewBatch()
	if err := s.keys.Put(b, k.ID, k); err != nil {
		return nil, err
	}
	if err := s.users.Put(b, nameKey(u.Name), u); err != nil {
		return nil, err
	}
	if err := commit(b); err != nil {
		return nil, err
	}
	return &iamapi.CreateAccessKeyOutput{AccessKey: &iamapi.AccessKey{
		UserName: ptr(u.Name), AccessKeyId: ptr(k.ID), Status: ptr(k.Status),
		SecretAccessKey: ptr(k.Secret), CreateDate: ptr(k.Created),
	}}, nil
}

// DeleteAccessKey deletes a user's access key.
func (s *Service) DeleteAccessKey(ctx context.Context, in *iamapi.DeleteAccessKeyInput) (*iamapi.DeleteAccessKeyOutput, error) {
	name, err := s.keyUserName(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	id, err := required("accessKeyId", in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.loadUser(name)
	if err != nil {
		return nil, err
	}
	if _, err := s.loadKey(u.Name, id); err != nil {
		return nil, err
	}
	u.Keys = slices.DeleteFunc(u.Keys, func(k string) bool { return k == id })
	b := s.db.NewBatch()
	s.keys.Delete(b, id)
	if err := s.users.Put(b, nameKey(u.Name), u); err != nil {
		return nil, err
	}
	if err := commit(b); err != nil {
		return nil, err
	}
	return &iamapi.DeleteAccessKeyOutput{}, nil
}

// UpdateAccessKey activates or deactivates an access key.
func (s *Service) UpdateAccessKey(ctx context.Context, in *iamapi.UpdateAccessKeyInput) (*iamapi.UpdateAccessKeyOutput, error) {
	name, err := s.keyUserName(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	id, err := required("accessKeyId", in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	if in.Status == nil || (*in.Status != "Active" && *in.Status != "Inactive") {
		return nil, validationError("1 validation error detected: Value at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.loadUser(name); err != nil {
		return nil, err
	}
	k, err := s.loadKey(name, id)
	if err != nil {
		return nil, err
	}
	k.Status = string(*in.Status)
	if err := s.keys.Save(id, k, true); err != nil {
		return nil, err
	}
	return &iamapi.UpdateAccessKeyOutput{}, nil
}

// ListAccessKeys lists a user's access keys (without secrets).
func (s *Service) ListAccessKeys(ctx context.Context, in *iamapi.ListAccessKeysInput) (*iamapi.ListAccessKeysOutput, error) {
	name, err := s.keyUserName(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	u, err := s.loadUser(name)
	var keys []accessKeyRecord
	for _, id := range u.Keys {
		if err != nil {
			break
		}
		var k accessKeyRecord
		if k, err = s.loadKey(u.Name, id); err == nil {
			keys = append(keys, k)
		}
	}
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	items, marker, truncated, err := page(keys, func(k accessKeyRecord) string { return k.Created.Format("20060102150405") + k.ID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListAccessKeysOutput{AccessKeyMetadata: []iamapi.AccessKeyMetadata{}, Marker: marker, IsTruncated: &truncated}
	for _, k := range items {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamapi.AccessKeyMetadata{
			UserName: ptr(k.UserName), AccessKeyId: ptr(k.ID), Status: ptr(k.Status), CreateDate: ptr(k.Created),
		})
	}
	return out, nil
}

// GetAccessKeyLastUsed reports when an access key was last used.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, in *iamapi.GetAccessKeyLastUsedInput) (*iamapi.GetAccessKeyLastUsedOutput, error) {
	id, err := required("accessKeyId", in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	k, ok, err := getRecord(s.keys, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, noSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	used := &iamapi.AccessKeyLastUsed{ServiceName: ptr("N/A"), Region: ptr("N/A"), LastUsedDate: timePtr(k.LastUsed)}
	if !k.LastUsed.IsZero() {
		used.ServiceName, used.Region = ptr(k.Service), ptr(k.Region)
	}
	return &iamapi.GetAccessKeyLastUsedOutput{UserName: ptr(k.UserName), AccessKeyLastUsed: used}, nil
}
