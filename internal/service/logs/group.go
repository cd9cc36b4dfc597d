package logs

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// CreateLogGroup creates a log group.
func (s *Service) CreateLogGroup(ctx context.Context, in *logsapi.CreateLogGroupInput) (*logsapi.CreateLogGroupOutput, error) {
	name, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "aws/") {
		return nil, invalidParameter("Log group names can't start with 'aws/'.")
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	if len(deref(in.KmsKeyId)) > 256 {
		return nil, validationError(*in.KmsKeyId, "kmsKeyId", "Member must have length less than or equal to 256")
	}
	class := deref(in.LogGroupClass)
	switch class {
	case "":
		class = "STANDARD"
	case "STANDARD", "INFREQUENT_ACCESS", "DELIVERY":
	default:
		return nil, validationError(class, "logGroupClass",
			"Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := groupRecord{Name: name, Created: millis(s.now(ctx)), KmsKeyID: deref(in.KmsKeyId), Class: class,
		Protected: deref(in.DeletionProtectionEnabled), Tags: in.Tags}
	if err := s.createGroup(g); err != nil {
		return nil, err
	}
	return &logsapi.CreateLogGroupOutput{}, nil
}

// createGroup stores a new group. Callers hold s.mu exclusively.
func (s *Service) createGroup(g groupRecord) error {
	if _, ok, err := s.getGroup(g.Name); err != nil {
		return err
	} else if ok {
		return alreadyExists("The specified log group already exists")
	}
	b := s.db.NewBatch()
	id, err := s.allocIDs(b, 1)
	if err != nil {
		return err
	}
	g.ID = id
	if err := s.groups.Put(b, g.Name, g); err != nil {
		return err
	}
	return commit(b)
}

// DeleteLogGroup deletes a log group with its streams, events and filters.
func (s *Service) DeleteLogGroup(ctx context.Context, in *logsapi.DeleteLogGroupInput) (*logsapi.DeleteLogGroupOutput, error) {
	name, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.mustGroup(name)
	if err != nil {
		return nil, err
	}
	if g.Protected {
		return nil, awsapi.Errorf("ValidationException", 400,
			"Log group %s has deletion protection enabled and cannot be deleted.", name)
	}
	streams, err := s.listStreams(g, "")
	if err != nil {
		return nil, err
	}
	b := s.db.NewBatch()
	s.groups.Delete(b, name)
	for _, st := range streams {
		s.streams.Delete(b, streamKey(name, st.Name))
		s.forget(name, st.Name)
	}
	fp := []byte(filterPrefix + name + "\x00")
	b.DeleteRange(fp, store.PrefixEnd(fp))
	ep := groupEventsPrefix(g.ID)
	b.DeleteRange(ep, store.PrefixEnd(ep))
	if err := commit(b); err != nil {
		return nil, err
	}
	return &logsapi.DeleteLogGroupOutput{}, nil
}

// DescribeLogGroups lists log groups in name order.
func (s *Service) DescribeLogGroups(ctx context.Context, in *logsapi.DescribeLogGroupsInput) (*logsapi.DescribeLogGroupsOutput, error) {
	limit, err := checkLimit(in.Limit, 50, 50, "limit")
	if err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, invalidParameter("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.")
	}
	prefix := deref(in.LogGroupNamePrefix)
	if in.LogGroupNamePrefix != nil {
		if _, err := checkGroupName(in.LogGroupNamePrefix, "logGroupNamePrefix"); err != nil {
			return nil, err
		}
	}
	idents, err := s.identifierSet(in.LogGroupIdentifiers)
	if err != nil {
		return nil, err
	}
	after, err := decodeNameToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	pattern := deref(in.LogGroupNamePattern)
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &logsapi.DescribeLogGroupsOutput{LogGroups: []logsapi.LogGroup{}}
	var last string
	more := false
	err = s.groups.List(prefix, after, 0, func(name string, g groupRecord) bool {
		if !strings.Contains(name, pattern) || (idents != nil && !idents[name]) ||
			(in.LogGroupClass != nil && g.Class != *in.LogGroupClass) {
			return true
		}
		if len(out.LogGroups) == limit {
			more = true
			return false
		}
		out.LogGroups = append(out.LogGroups, s.describeGroup(g))
		last = name
		return true
	})
	if err != nil {
		return nil, wrapStore(err)
	}
	if more {
		out.NextToken = ptr(encodeNameToken(last))
	}
	return out, nil
}

// identifierSet returns the set of group names named by identifiers, or nil.
func (s *Service) identifierSet(ids []string) (map[string]bool, error) {
	if ids == nil {
		return nil, nil
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		name, err := s.groupFromIdentifier(id)
		if err != nil {
			if awsapi.AsError(err).Code == "ResourceNotFoundException" {
				continue
			}
			return nil, err
		}
		set[name] = true
	}
	return set, nil
}

// describeGroup renders a group; storedBytes sums its streams. Callers hold s.mu.
func (s *Service) describeGroup(g groupRecord) logsapi.LogGroup {
	var stored int64
	if streams, err := s.listStreams(g, ""); err == nil {
		for _, st := range streams {
			stored += st.Bytes
		}
	}
	lg := logsapi.LogGroup{
		LogGroupName:              ptr(g.Name),
		CreationTime:              ptr(g.Created),
		MetricFilterCount:         ptr(int32(0)),
		Arn:                       ptr(s.groupARN(g.Name) + ":*"),
		LogGroupArn:               ptr(s.groupARN(g.Name)),
		StoredBytes:               ptr(stored),
		LogGroupClass:             ptr(g.Class),
		DeletionProtectionEnabled: ptr(g.Protected),
	}
	if g.Class == "" {
		lg.LogGroupClass = ptr("STANDARD")
	}
	if g.Retention > 0 {
		lg.RetentionInDays = ptr(g.Retention)
	}
	if g.KmsKeyID != "" {
		lg.KmsKeyId = ptr(g.KmsKeyID)
	}
	return lg
}

// PutRetentionPolicy sets a group's retention; older events expire on the
// Nubo clock.
func (s *Service) PutRetentionPolicy(ctx context.Context, in *logsapi.PutRetentionPolicyInput) (*logsapi.PutRetentionPolicyOutput, error) {
	name, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	days, err := checkRetention(in.RetentionInDays)
	if err != nil {
		return nil, err
	}
	if err := s.updateGroup(name, func(g *groupRecord) error { g.Retention = days; return nil }); err != nil {
		return nil, err
	}
	if err := s.runSweep(); err != nil {
		return nil, err
	}
	return &logsapi.PutRetentionPolicyOutput{}, nil
}

// DeleteRetentionPolicy makes a group keep its events forever.
func (s *Service) DeleteRetentionPolicy(ctx context.Context, in *logsapi.DeleteRetentionPolicyInput) (*logsapi.DeleteRetentionPolicyOutput, error) {
	name, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	if err := s.updateGroup(name, func(g *groupRecord) error { g.Retention = 0; return nil }); err != nil {
		return nil, err
	}
	return &logsapi.DeleteRetentionPolicyOutput{}, nil
}

// updateGroup applies fn to the stored group called name.
func (s *Service) updateGroup(name string, fn func(*groupRecord) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.mustGroup(name)
	if err != nil {
		return err
	}
	if err := fn(&g); err != nil {
		return err
	}
	b := s.db.NewBatch()
	if err := s.groups.Put(b, name, g); err != nil {
		return err
	}
	return commit(b)
}

func encodeNameToken(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(name))
}

func decodeNameToken(tok *string) (string, error) {
	if tok == nil {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil || len(raw) == 0 {
		return "", invalidParameter("The specified nextToken is invalid.")
	}
	return string(raw), nil
}
