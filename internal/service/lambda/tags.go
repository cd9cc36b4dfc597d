package lambda

import (
	"context"
	"fmt"

	"github.com/nubo/nubo/internal/awsapi/lambdaapi"
)

const maxTags = 50

func checkTags(tags map[string]string) error {
	var v validation
	for _, k := range sortedKeys(tags) {
		if len(k) < 1 || len(k) > 128 {
			v.add("tags", k, "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
		}
		if len(tags[k]) > 256 {
			v.add("tags", tags[k], "Map value must satisfy constraint: [Member must have length less than or equal to 256]")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if len(tags) > maxTags {
		return invalidParam("Number of tags exceeds resource tag limit.")
	}
	return nil
}

// taggedFunction parses a Resource ARN of a function (tags live on the
// unqualified function).
func (s *Service) taggedFunction(resource *string) (string, error) {
	ref, err := s.parseFunctionRef("resource", deref(resource), true)
	if err != nil {
		return "", err
	}
	if ref.Qualifier != "" {
		return "", invalidParam("Tags are not supported on function versions or aliases: %s", deref(resource))
	}
	return ref.Name, nil
}

// TagResource adds tags to a function.
func (s *Service) TagResource(ctx context.Context, in *lambdaapi.TagResourceInput) (*lambdaapi.TagResourceOutput, error) {
	name, err := s.taggedFunction(in.Resource)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(name)
	if err != nil {
		return nil, err
	}
	merged := map[string]string{}
	for k, v := range fn.Tags {
		merged[k] = v
	}
	for k, v := range in.Tags {
		merged[k] = v
	}
	if len(merged) > maxTags {
		return nil, invalidParam("Number of tags exceeds resource tag limit.")
	}
	fn.Tags = merged
	if err := s.fns.Save(name, fn, true); err != nil {
		return nil, fmt.Errorf("lambda: tag: %w", err)
	}
	return &lambdaapi.TagResourceOutput{}, nil
}

// UntagResource removes tags from a function.
func (s *Service) UntagResource(ctx context.Context, in *lambdaapi.UntagResourceInput) (*lambdaapi.UntagResourceOutput, error) {
	name, err := s.taggedFunction(in.Resource)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.loadFunction(name)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(fn.Tags, k)
	}
	if err := s.fns.Save(name, fn, true); err != nil {
		return nil, fmt.Errorf("lambda: untag: %w", err)
	}
	return &lambdaapi.UntagResourceOutput{}, nil
}

// ListTags returns a function's tags.
func (s *Service) ListTags(ctx context.Context, in *lambdaapi.ListTagsInput) (*lambdaapi.ListTagsOutput, error) {
	name, err := s.taggedFunction(in.Resource)
	if err != nil {
		return nil, err
	}
	fn, err := s.loadFunction(name)
	if err != nil {
		return nil, err
	}
	tags := fn.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return &lambdaapi.ListTagsOutput{Tags: tags}, nil
}
