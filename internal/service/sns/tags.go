package sns

import (
	"context"
	"maps"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/snsapi"
)

const maxTags = 50

// tagMap validates a tag list and returns it as a map.
func tagMap(tags []snsapi.Tag) (map[string]string, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := deref(t.Key), deref(t.Value)
		if k == "" || utf8.RuneCountInString(k) > 128 {
			return nil, invalidParameter("Tags Reason: tag key must be between 1 and 128 characters")
		}
		if t.Value == nil || utf8.RuneCountInString(v) > 256 {
			return nil, invalidParameter("Tags Reason: tag value must be between 0 and 256 characters")
		}
		out[k] = v
	}
	return out, nil
}

// tagTopic returns the topic a tagging call names; s.mu is held.
func (s *Service) tagTopic(resource *string) (*topicRecord, error) {
	a := deref(resource)
	if a == "" {
		return nil, missing("ResourceArn")
	}
	t := s.topics[a]
	if t == nil {
		return nil, errResourceNotFound()
	}
	return t, nil
}

// TagResource adds or overwrites tags of a topic.
func (s *Service) TagResource(ctx context.Context, in *snsapi.TagResourceInput) (*snsapi.TagResourceOutput, error) {
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tagTopic(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	next := *t
	next.Tags = maps.Clone(t.Tags)
	if next.Tags == nil {
		next.Tags = map[string]string{}
	}
	maps.Copy(next.Tags, tags)
	if len(next.Tags) > maxTags {
		return nil, &awsapi.Error{Code: "TagLimitExceededException", Status: 400,
			Message: "Could not complete request: tag quota of per resource exceeded"}
	}
	if err := s.topicsT.Save(t.ARN, next, true); err != nil {
		return nil, internal("tag", err)
	}
	*t = next
	return &snsapi.TagResourceOutput{}, nil
}

// UntagResource removes tags from a topic.
func (s *Service) UntagResource(ctx context.Context, in *snsapi.UntagResourceInput) (*snsapi.UntagResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tagTopic(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	next := *t
	next.Tags = maps.Clone(t.Tags)
	for _, k := range in.TagKeys {
		delete(next.Tags, k)
	}
	if err := s.topicsT.Save(t.ARN, next, true); err != nil {
		return nil, internal("untag", err)
	}
	*t = next
	return &snsapi.UntagResourceOutput{}, nil
}

// ListTagsForResource lists a topic's tags by key.
func (s *Service) ListTagsForResource(ctx context.Context, in *snsapi.ListTagsForResourceInput) (*snsapi.ListTagsForResourceOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.tagTopic(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &snsapi.ListTagsForResourceOutput{Tags: []snsapi.Tag{}}
	for _, k := range sortedKeys(t.Tags) {
		out.Tags = append(out.Tags, snsapi.Tag{Key: ptr(k), Value: ptr(t.Tags[k])})
	}
	return out, nil
}
