package logs

import (
	"context"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

// maxSubscriptionFilters is AWS's limit of subscription filters per group.
const maxSubscriptionFilters = 2

// PutSubscriptionFilter creates or updates a subscription filter. Nubo stores
// and describes it; delivering matching events to the destination lands with
// a later issue.
func (s *Service) PutSubscriptionFilter(ctx context.Context, in *logsapi.PutSubscriptionFilterInput) (*logsapi.PutSubscriptionFilterOutput, error) {
	group, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	name, err := checkStreamName(in.FilterName, "filterName")
	if err != nil {
		return nil, err
	}
	if in.FilterPattern == nil {
		return nil, invalidParameter("1 validation error detected: Value null at 'filterPattern' failed to satisfy constraint: Member must not be null")
	}
	if _, err := ParseFilterPattern(*in.FilterPattern); err != nil {
		return nil, invalidParameter("%s", err.Error())
	}
	dest := deref(in.DestinationArn)
	if dest == "" || !strings.HasPrefix(dest, "arn:") {
		return nil, invalidParameter("Invalid destination ARN: %q", dest)
	}
	dist := deref(in.Distribution)
	switch dist {
	case "":
		dist = "ByLogStream"
	case "ByLogStream", "Random":
	default:
		return nil, validationError(dist, "distribution", "Member must satisfy enum value set: [Random, ByLogStream]")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.mustGroup(group); err != nil {
		return nil, err
	}
	existing, err := s.listFilters(group, "")
	if err != nil {
		return nil, err
	}
	rec := filterRecord{Name: name, Group: group, Pattern: *in.FilterPattern, DestinationARN: dest,
		RoleARN: deref(in.RoleArn), Distribution: dist, Transformed: deref(in.ApplyOnTransformedLogs),
		FieldSelection: deref(in.FieldSelectionCriteria), SystemFields: in.EmitSystemFields, Created: millis(s.now(ctx))}
	replaced := false
	for _, f := range existing {
		if f.Name == name {
			replaced, rec.Created = true, f.Created
		}
	}
	if !replaced && len(existing) >= maxSubscriptionFilters {
		return nil, limitExceeded("Resource limit exceeded.")
	}
	b := s.db.NewBatch()
	if err := s.filters.Put(b, streamKey(group, name), rec); err != nil {
		return nil, err
	}
	if err := commit(b); err != nil {
		return nil, err
	}
	return &logsapi.PutSubscriptionFilterOutput{}, nil
}

// DescribeSubscriptionFilters lists a group's subscription filters by name.
func (s *Service) DescribeSubscriptionFilters(ctx context.Context, in *logsapi.DescribeSubscriptionFiltersInput) (*logsapi.DescribeSubscriptionFiltersOutput, error) {
	group, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit, 50, 50, "limit")
	if err != nil {
		return nil, err
	}
	after, err := decodeNameToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.mustGroup(group); err != nil {
		return nil, err
	}
	all, err := s.listFilters(group, deref(in.FilterNamePrefix))
	if err != nil {
		return nil, err
	}
	out := &logsapi.DescribeSubscriptionFiltersOutput{SubscriptionFilters: []logsapi.SubscriptionFilter{}}
	for _, f := range all {
		if after != "" && f.Name <= after {
			continue
		}
		if len(out.SubscriptionFilters) == limit {
			out.NextToken = ptr(encodeNameToken(*out.SubscriptionFilters[limit-1].FilterName))
			break
		}
		out.SubscriptionFilters = append(out.SubscriptionFilters, logsapi.SubscriptionFilter{
			FilterName: ptr(f.Name), LogGroupName: ptr(f.Group), FilterPattern: ptr(f.Pattern),
			DestinationArn: ptr(f.DestinationARN), Distribution: ptr(f.Distribution),
			ApplyOnTransformedLogs: ptr(f.Transformed), CreationTime: ptr(f.Created),
			RoleArn: nonEmpty(f.RoleARN), FieldSelectionCriteria: nonEmpty(f.FieldSelection),
			EmitSystemFields: f.SystemFields,
		})
	}
	return out, nil
}

// DeleteSubscriptionFilter deletes a subscription filter.
func (s *Service) DeleteSubscriptionFilter(ctx context.Context, in *logsapi.DeleteSubscriptionFilterInput) (*logsapi.DeleteSubscriptionFilterOutput, error) {
	group, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	name, err := checkStreamName(in.FilterName, "filterName")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.mustGroup(group); err != nil {
		return nil, err
	}
	ok, err := s.filters.Exists(streamKey(group, name))
	if err != nil {
		return nil, wrapStore(err)
	}
	if !ok {
		return nil, notFound("The specified subscription filter does not exist.")
	}
	b := s.db.NewBatch()
	s.filters.Delete(b, streamKey(group, name))
	if err := commit(b); err != nil {
		return nil, err
	}
	return &logsapi.DeleteSubscriptionFilterOutput{}, nil
}

// SubscriptionFilter is a stored subscription filter, for the later delivery
// of matching events to its destination.
type SubscriptionFilter struct {
	Group, Name, Pattern, DestinationARN, RoleARN, Distribution string
}

// SubscriptionFilters returns the subscription filters of a log group.
func (s *Service) SubscriptionFilters(group string) ([]SubscriptionFilter, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	recs, err := s.listFilters(group, "")
	if err != nil {
		return nil, err
	}
	out := make([]SubscriptionFilter, len(recs))
	for i, f := range recs {
		out[i] = SubscriptionFilter{Group: f.Group, Name: f.Name, Pattern: f.Pattern,
			DestinationARN: f.DestinationARN, RoleARN: f.RoleARN, Distribution: f.Distribution}
	}
	return out, nil
}

func (s *Service) listFilters(group, prefix string) ([]filterRecord, error) {
	var out []filterRecord
	err := s.filters.List(group+"\x00"+prefix, "", 0, func(_ string, f filterRecord) bool {
		out = append(out, f)
		return true
	})
	if err != nil {
		return nil, wrapStore(err)
	}
	return out, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
