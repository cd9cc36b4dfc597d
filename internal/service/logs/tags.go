package logs

import (
	"context"
	"maps"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

// TagLogGroup adds or replaces tags of a log group (the older tagging API).
func (s *Service) TagLogGroup(ctx context.Context, in *logsapi.TagLogGroupInput) (*logsapi.TagLogGroupOutput, error) {
	name, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	if err := s.addTags(name, in.Tags, "tags", false); err != nil {
		return nil, err
	}
	return &logsapi.TagLogGroupOutput{}, nil
}

// UntagLogGroup removes tags of a log group by key.
func (s *Service) UntagLogGroup(ctx context.Context, in *logsapi.UntagLogGroupInput) (*logsapi.UntagLogGroupOutput, error) {
	name, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	if err := s.removeTags(name, in.Tags); err != nil {
		return nil, err
	}
	return &logsapi.UntagLogGroupOutput{}, nil
}

// ListTagsLogGroup returns the tags of a log group.
func (s *Service) ListTagsLogGroup(ctx context.Context, in *logsapi.ListTagsLogGroupInput) (*logsapi.ListTagsLogGroupOutput, error) {
	name, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(name)
	if err != nil {
		return nil, err
	}
	return &logsapi.ListTagsLogGroupOutput{Tags: tags}, nil
}

// TagResource tags a log group named by its ARN.
func (s *Service) TagResource(ctx context.Context, in *logsapi.TagResourceInput) (*logsapi.TagResourceOutput, error) {
	name, err := s.resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, invalidParameter("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := s.addTags(name, in.Tags, "tags", true); err != nil {
		return nil, err
	}
	return &logsapi.TagResourceOutput{}, nil
}

// UntagResource removes tags of a log group named by its ARN.
func (s *Service) UntagResource(ctx context.Context, in *logsapi.UntagResourceInput) (*logsapi.UntagResourceOutput, error) {
	name, err := s.resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := s.removeTags(name, in.TagKeys); err != nil {
		return nil, err
	}
	return &logsapi.UntagResourceOutput{}, nil
}

// ListTagsForResource returns the tags of a log group named by its ARN.
func (s *Service) ListTagsForResource(ctx context.Context, in *logsapi.ListTagsForResourceInput) (*logsapi.ListTagsForResourceOutput, error) {
	name, err := s.resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(name)
	if err != nil {
		return nil, err
	}
	return &logsapi.ListTagsForResourceOutput{Tags: tags}, nil
}

// resourceGroup returns the log group named by a taggable resource ARN. Only
// log groups are taggable in Nubo.
func (s *Service) resourceGroup(resourceARN *string) (string, error) {
	arn := deref(resourceARN)
	if arn == "" {
		return "", invalidParameter("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "logs" {
		return "", invalidParameter("Invalid resource ARN: %s", arn)
	}
	if parts[5] != "log-group" {
		return "", notFound("The specified resource does not exist.")
	}
	return s.groupFromIdentifier(arn)
}

func (s *Service) addTags(name string, tags map[string]string, member string, tooMany bool) error {
	if err := checkTags(tags, member); err != nil {
		return err
	}
	return s.updateGroup(name, func(g *groupRecord) error {
		merged := maps.Clone(g.Tags)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, tags)
		if len(merged) > 50 {
			if tooMany {
				e := awsapi.Errorf("TooManyTagsException", 400, "A resource can have no more than 50 tags.")
				return e.With("resourceName", s.groupARN(name))
			}
			return invalidParameter("A log group can have no more than 50 tags.")
		}
		g.Tags = merged
		return nil
	})
}

func (s *Service) removeTags(name string, keys []string) error {
	return s.updateGroup(name, func(g *groupRecord) error {
		for _, k := range keys {
			delete(g.Tags, k)
		}
		return nil
	})
}

func (s *Service) tagsOf(name string) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.mustGroup(name)
	if err != nil {
		return nil, err
	}
	tags := maps.Clone(g.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return tags, nil
}
