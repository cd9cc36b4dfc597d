package sns

import (
	"context"
	"encoding/base64"
	"maps"
	"regexp"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// pageSize is the number of topics or subscriptions a List call returns.
const pageSize = 100

// CreateTopic creates a topic, or returns the existing topic of that name
// when its attributes and tags match.
func (s *Service) CreateTopic(ctx context.Context, in *snsapi.CreateTopicInput) (*snsapi.CreateTopicOutput, error) {
	name := deref(in.Name)
	attrs := maps.Clone(in.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	fifo := attrs["FifoTopic"] == "true"
	if err := validateTopicName(name, fifo); err != nil {
		return nil, err
	}
	delete(attrs, "FifoTopic")
	for _, k := range sortedKeys(attrs) {
		if err := validateTopicAttr(k, attrs[k], fifo, true); err != nil {
			return nil, err
		}
	}
	if in.DataProtectionPolicy != nil && *in.DataProtectionPolicy != "" {
		return nil, invalidParameter("DataProtectionPolicy Reason: Nubo does not support message data protection")
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	topicARN := s.topicARN(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.topics[topicARN]; t != nil {
		return s.existingTopic(t, attrs, tags)
	}
	t := &topicRecord{ARN: topicARN, Name: name, FIFO: fifo, Attributes: attrs, Tags: tags, Created: s.now(ctx)}
	if _, ok := attrs["Policy"]; !ok {
		attrs["Policy"] = defaultTopicPolicy(topicARN, s.account)
	}
	if err := s.topicsT.Save(topicARN, *t, true); err != nil {
		return nil, internal("create topic", err)
	}
	s.topics[topicARN] = t
	return &snsapi.CreateTopicOutput{TopicArn: &topicARN}, nil
}

// existingTopic answers CreateTopic for a topic that exists: AWS returns it
// when the request's attributes and tags agree with it.
func (s *Service) existingTopic(t *topicRecord, attrs, tags map[string]string) (*snsapi.CreateTopicOutput, error) {
	for k, v := range attrs {
		if t.Attributes[k] != v {
			return nil, invalidParameter("Attributes Reason: Topic already exists with different attributes")
		}
	}
	for k, v := range tags {
		if cur, ok := t.Tags[k]; !ok || cur != v {
			return nil, invalidParameter("Tags Reason: Topic already exists with different tags")
		}
	}
	topicARN := t.ARN
	return &snsapi.CreateTopicOutput{TopicArn: &topicARN}, nil
}

// validateTopicName checks a topic name for a standard or FIFO topic.
func validateTopicName(name string, fifo bool) error {
	if fifo {
		base, ok := strings.CutSuffix(name, ".fifo")
		if !ok || !topicNameRE.MatchString(base) || len(name) > 256 {
			return invalidParameter("Fifo Topic names must end with .fifo and must be made up of only uppercase " +
				"and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
		}
		return nil
	}
	if !topicNameRE.MatchString(name) {
		return invalidParameter("Topic Name")
	}
	return nil
}

// DeleteTopic deletes a topic and its subscriptions; deleting a topic that
// does not exist succeeds, as in AWS.
func (s *Service) DeleteTopic(ctx context.Context, in *snsapi.DeleteTopicInput) (*snsapi.DeleteTopicOutput, error) {
	topicARN := deref(in.TopicArn)
	if topicARN == "" {
		return nil, missing("TopicArn")
	}
	if !arn.IsARN(topicARN) {
		return nil, invalidParameter("TopicArn")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.topics[topicARN] == nil {
		return &snsapi.DeleteTopicOutput{}, nil
	}
	b := s.db.NewBatch()
	s.topicsT.Delete(b, topicARN)
	var gone []*subRecord
	for _, r := range s.subs {
		if r.TopicARN == topicARN {
			s.subsT.Delete(b, r.ARN)
			gone = append(gone, r)
		}
	}
	if err := commit(b); err != nil {
		return nil, err
	}
	delete(s.topics, topicARN)
	for _, r := range gone {
		delete(s.subs, r.ARN)
		delete(s.tokens, r.Token)
	}
	return &snsapi.DeleteTopicOutput{}, nil
}

// ListTopics lists the topics by ARN, 100 at a time.
func (s *Service) ListTopics(ctx context.Context, in *snsapi.ListTopicsInput) (*snsapi.ListTopicsOutput, error) {
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	keys := sortedKeys(s.topics)
	s.mu.RUnlock()
	page, next := paginate(keys, after)
	out := &snsapi.ListTopicsOutput{Topics: []snsapi.Topic{}, NextToken: next}
	for _, k := range page {
		out.Topics = append(out.Topics, snsapi.Topic{TopicArn: ptr(k)})
	}
	return out, nil
}

// paginate returns the page of sorted keys after the given key and the token
// of the next page.
func paginate(keys []string, after string) ([]string, *string) {
	start := 0
	if after != "" {
		for start < len(keys) && keys[start] <= after {
			start++
		}
	}
	end := min(start+pageSize, len(keys))
	page := keys[start:end]
	if end < len(keys) {
		tok := base64.RawURLEncoding.EncodeToString([]byte(page[len(page)-1]))
		return page, &tok
	}
	return page, nil
}

// decodeToken decodes a NextToken handed out by paginate.
func decodeToken(tok *string) (string, error) {
	if tok == nil || *tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil || !arn.IsARN(string(b)) {
		return "", invalidParameter("NextToken")
	}
	return string(b), nil
}

// GetTopicAttributes returns a topic's attributes, including the computed
// ones (Owner, subscription counts, EffectiveDeliveryPolicy).
func (s *Service) GetTopicAttributes(ctx context.Context, in *snsapi.GetTopicAttributesInput) (*snsapi.GetTopicAttributesOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.topicLocked(in.TopicArn)
	if err != nil {
		return nil, err
	}
	attrs := maps.Clone(t.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	confirmed, pending := 0, 0
	for _, r := range s.subs {
		if r.TopicARN != t.ARN {
			continue
		}
		if r.Confirmed {
			confirmed++
		} else {
			pending++
		}
	}
	attrs["TopicArn"] = t.ARN
	attrs["Owner"] = s.account
	attrs["SubscriptionsConfirmed"] = strconv.Itoa(confirmed)
	attrs["SubscriptionsPending"] = strconv.Itoa(pending)
	attrs["SubscriptionsDeleted"] = strconv.FormatInt(t.Deleted, 10)
	attrs["EffectiveDeliveryPolicy"] = effectiveTopicDeliveryPolicy(t.Attributes["DeliveryPolicy"])
	if _, ok := attrs["DisplayName"]; !ok {
		attrs["DisplayName"] = ""
	}
	if t.FIFO {
		attrs["FifoTopic"] = "true"
		if _, ok := attrs["ContentBasedDeduplication"]; !ok {
			attrs["ContentBasedDeduplication"] = "false"
		}
	}
	return &snsapi.GetTopicAttributesOutput{Attributes: attrs}, nil
}

// topicLocked returns the topic named by a TopicArn parameter; s.mu is held.
func (s *Service) topicLocked(p *string) (*topicRecord, error) {
	topicARN := deref(p)
	if topicARN == "" {
		return nil, missing("TopicArn")
	}
	if !arn.IsARN(topicARN) {
		return nil, invalidParameter("TopicArn")
	}
	t := s.topics[topicARN]
	if t == nil {
		return nil, errTopicNotFound()
	}
	return t, nil
}

// SetTopicAttributes sets one topic attribute.
func (s *Service) SetTopicAttributes(ctx context.Context, in *snsapi.SetTopicAttributesInput) (*snsapi.SetTopicAttributesOutput, error) {
	name, value := deref(in.AttributeName), deref(in.AttributeValue)
	if name == "" {
		return nil, missing("AttributeName")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topicLocked(in.TopicArn)
	if err != nil {
		return nil, err
	}
	if err := validateTopicAttr(name, value, t.FIFO, false); err != nil {
		return nil, err
	}
	next := *t
	next.Attributes = maps.Clone(t.Attributes)
	if next.Attributes == nil {
		next.Attributes = map[string]string{}
	}
	switch {
	case name == "Policy" && value == "":
		next.Attributes["Policy"] = defaultTopicPolicy(t.ARN, s.account)
	case value == "" && name != "DisplayName":
		delete(next.Attributes, name)
	default:
		next.Attributes[name] = value
	}
	if err := s.topicsT.Save(t.ARN, next, true); err != nil {
		return nil, internal("set topic attributes", err)
	}
	*t = next
	return &snsapi.SetTopicAttributesOutput{}, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
