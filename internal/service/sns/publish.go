package sns

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/platform/arn"
	"github.com/nubo/nubo/internal/platform/store"
)

// dedupWindow is the FIFO deduplication interval.
const dedupWindow = 5 * time.Minute

// publishRequest is a validated publish.
type publishRequest struct {
	subject   string
	body      string
	structure map[string]string
	attrs     map[string]AttributeValue
	groupID   string
	dedupID   string
	size      int
}

// PublishMessage publishes message (with an optional subject and
// attributes) to the topic topicARN and returns the message id, with the
// same validation and fan-out as the Publish operation. It is the Go API for
// other services (S3 notifications, CloudWatch alarm actions, Lambda
// destinations). Errors are *awsapi.Error values (NotFound, InvalidParameter).
func (s *Service) PublishMessage(ctx context.Context, topicARN, subject, message string, attrs map[string]AttributeValue) (string, error) {
	in := &snsapi.PublishInput{TopicArn: &topicARN, Message: &message}
	if subject != "" {
		in.Subject = &subject
	}
	if len(attrs) > 0 {
		in.MessageAttributes = make(map[string]snsapi.MessageAttributeValue, len(attrs))
		for k, a := range attrs {
			v := snsapi.MessageAttributeValue{DataType: ptr(a.DataType), BinaryValue: a.BinaryValue}
			if a.StringValue != "" {
				v.StringValue = ptr(a.StringValue)
			}
			in.MessageAttributes[k] = v
		}
	}
	if strings.HasSuffix(topicARN, ".fifo") {
		in.MessageGroupId = ptr("default")
	}
	out, err := s.Publish(ctx, in)
	if err != nil {
		return "", err
	}
	return *out.MessageId, nil
}

// Publish publishes a message to a topic (TopicArn or TargetArn) or sends an
// SMS (PhoneNumber).
func (s *Service) Publish(ctx context.Context, in *snsapi.PublishInput) (*snsapi.PublishOutput, error) {
	target := deref(in.TopicArn)
	if target == "" {
		target = deref(in.TargetArn)
	}
	phone := deref(in.PhoneNumber)
	switch {
	case target == "" && phone == "":
		return nil, invalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
	case target != "" && phone != "":
		return nil, invalidParameter("Only one of TopicArn, TargetArn or PhoneNumber may be given")
	case strings.Contains(target, ":endpoint/"):
		return nil, invalidParameter("TargetArn Reason: Nubo does not support mobile push endpoints")
	}
	req, err := validatePublish(in.Message, in.Subject, in.MessageStructure, in.MessageAttributes)
	if err != nil {
		return nil, err
	}
	req.groupID, req.dedupID = deref(in.MessageGroupId), deref(in.MessageDeduplicationId)
	if phone != "" {
		id, err := s.sendSMS(ctx, phone, req)
		if err != nil {
			return nil, err
		}
		return &snsapi.PublishOutput{MessageId: &id}, nil
	}
	if !arn.IsARN(target) {
		return nil, invalidParameter("TopicArn")
	}
	id, seq, err := s.publish(ctx, target, req)
	if err != nil {
		return nil, err
	}
	out := &snsapi.PublishOutput{MessageId: &id}
	if seq != "" {
		out.SequenceNumber = &seq
	}
	return out, nil
}

// validatePublish checks the message, subject, structure and attributes of
// a publish.
func validatePublish(msg, subject, structure *string, attrs map[string]snsapi.MessageAttributeValue) (publishRequest, error) {
	var req publishRequest
	if msg == nil || *msg == "" {
		return req, invalidParameter("Empty message")
	}
	if err := validateSubject(subject); err != nil {
		return req, err
	}
	conv, attrSize, err := convertAttributes(attrs)
	if err != nil {
		return req, err
	}
	req.body, req.subject, req.attrs = *msg, deref(subject), conv
	req.size = len(*msg) + attrSize
	if req.size > maxMessageBytes {
		return req, invalidParameter("Message too long")
	}
	switch deref(structure) {
	case "":
	case "json":
		if req.structure, err = parseStructure(*msg); err != nil {
			return req, err
		}
	default:
		return req, invalidParameter("MessageStructure")
	}
	return req, nil
}

// checkFIFO validates the FIFO parameters of req for a topic and fills in the
// content-based deduplication id.
func checkFIFO(t *topicRecord, req *publishRequest) error {
	if !t.FIFO {
		if req.dedupID != "" {
			return invalidParameter("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
		}
		if req.groupID != "" && !fifoIDRE.MatchString(req.groupID) {
			return invalidParameter("MessageGroupId Reason: MessageGroupId can only contain alphanumeric characters and punctuation, up to 128 characters")
		}
		return nil
	}
	if req.groupID == "" {
		return invalidParameter("The MessageGroupId parameter is required for FIFO topics")
	}
	if !fifoIDRE.MatchString(req.groupID) {
		return invalidParameter("MessageGroupId Reason: MessageGroupId can only contain alphanumeric characters and punctuation, up to %d characters", maxGroupIDLen)
	}
	if req.dedupID == "" {
		if t.Attributes["ContentBasedDeduplication"] != "true" {
			return invalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		sum := sha256.Sum256([]byte(req.body))
		req.dedupID = hex.EncodeToString(sum[:])
	} else if !fifoIDRE.MatchString(req.dedupID) {
		return invalidParameter("MessageDeduplicationId Reason: MessageDeduplicationId can only contain alphanumeric characters and punctuation, up to 128 characters")
	}
	return nil
}

// publish stores the message's deliveries for every matching confirmed
// subscription in one durable batch, then schedules them; it returns the
// message id and, for FIFO topics, the sequence number.
func (s *Service) publish(ctx context.Context, topicARN string, req publishRequest) (string, string, error) {
	now := s.now(ctx)
	if strings.HasSuffix(topicARN, ".fifo") {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	t := s.topics[topicARN]
	if t == nil {
		return "", "", errTopicNotFound()
	}
	if err := checkFIFO(t, &req); err != nil {
		return "", "", err
	}
	msg := message{ID: arn.RequestID(), TopicARN: t.ARN, Subject: req.subject, Body: req.body, Time: now,
		Attrs: req.attrs, GroupID: req.groupID, DedupID: req.dedupID, SigVer: sigVersion(t), Structure: req.structure}
	b := s.db.NewBatch()
	var next topicRecord
	if t.FIFO {
		if d, ok := s.duplicate(t.ARN, req.dedupID, now); ok {
			return d.MessageID, d.Sequence, nil
		}
		next = *t
		next.Sequence++
		msg.Sequence = fmt.Sprintf("%020d", next.Sequence)
		if err := s.topicsT.Put(b, t.ARN, next); err != nil {
			return "", "", internal("publish", err)
		}
		dr := dedupRecord{MessageID: msg.ID, Sequence: msg.Sequence, Expires: now.Add(dedupWindow)}
		if err := s.dedup.Put(b, t.ARN+"/"+req.dedupID, dr); err != nil {
			return "", "", internal("publish", err)
		}
	}
	keys, err := s.fanOut(b, t, msg, now)
	if err != nil {
		return "", "", err
	}
	if err := commit(b); err != nil {
		return "", "", err
	}
	if t.FIFO {
		*t = next
	}
	for _, k := range keys {
		s.sched.enqueue(k)
	}
	s.record(t.ARN, "NumberOfMessagesPublished", 1, "Count")
	s.record(t.ARN, "PublishSize", float64(req.size), "Bytes")
	return msg.ID, msg.Sequence, nil
}

// duplicate returns the earlier publish with the same deduplication id
// within the window.
func (s *Service) duplicate(topicARN, dedupID string, now time.Time) (dedupRecord, bool) {
	d, err := s.dedup.Get(topicARN + "/" + dedupID)
	if err != nil || !now.Before(d.Expires) {
		return dedupRecord{}, false
	}
	return d, true
}

// fanOut adds an outbox record to b for each confirmed subscription of t
// whose filter policy accepts msg; it returns the records' keys.
func (s *Service) fanOut(b store.Batch, t *topicRecord, msg message, now time.Time) ([]string, error) {
	var keys []string
	for _, r := range s.subs {
		if r.TopicARN != t.ARN || !r.Confirmed {
			continue
		}
		if !s.accepts(r, msg) {
			s.record(t.ARN, "NumberOfNotificationsFilteredOut", 1, "Count")
			continue
		}
		d := delivery{Key: outboxKey(now), SubARN: r.ARN, Protocol: r.Protocol, Endpoint: r.Endpoint,
			Raw: r.Attributes["RawMessageDelivery"] == "true", Msg: msg}
		if err := s.outbox.Put(b, d.Key, d); err != nil {
			return nil, internal("publish", err)
		}
		keys = append(keys, d.Key)
	}
	return keys, nil
}

// accepts applies a subscription's filter policy to a message.
func (s *Service) accepts(r *subRecord, msg message) bool {
	doc := r.Attributes["FilterPolicy"]
	if doc == "" {
		return true
	}
	body := r.Attributes["FilterPolicyScope"] == "MessageBody"
	p, err := s.compiledFilter(doc, body)
	if err != nil {
		return false
	}
	if body {
		return p.matchBody(msg.bodyFor(r.Protocol))
	}
	return p.matchAttributes(msg.Attrs)
}

// compiledFilter returns the compiled policy, caching it by document.
func (s *Service) compiledFilter(doc string, body bool) (*filterPolicy, error) {
	key := fmt.Sprintf("%t/%s", body, doc)
	if p, ok := s.filters.Load(key); ok {
		return p.(*filterPolicy), nil
	}
	p, err := parseFilterPolicy(doc, body)
	if err != nil {
		return nil, err
	}
	s.filters.Store(key, p)
	return p, nil
}

// bodyFor returns the message text for a protocol: its MessageStructure
// entry, else the default.
func (m message) bodyFor(protocol string) string {
	if m.Structure == nil {
		return m.Body
	}
	if v, ok := m.Structure[protocol]; ok {
		return v
	}
	return m.Structure["default"]
}

// outboxKey returns a new time-ordered record key.
func outboxKey(now time.Time) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%020d-%s", now.UnixNano(), hex.EncodeToString(b))
}

// sigVersion is the topic's SignatureVersion ("1" by default).
func sigVersion(t *topicRecord) string {
	if v := t.Attributes["SignatureVersion"]; v != "" {
		return v
	}
	return "1"
}

// sendSMS records a direct SMS publish in the mail outbox.
func (s *Service) sendSMS(ctx context.Context, phone string, req publishRequest) (string, error) {
	if err := validateEndpoint("sms", phone, false); err != nil {
		return "", err
	}
	now := s.now(ctx)
	id := arn.RequestID()
	rec := MailRecord{ID: id, Time: now, Type: "Notification", Protocol: "sms", Endpoint: phone, MessageID: id,
		Message: message{Body: req.body, Structure: req.structure}.bodyFor("sms")}
	if err := s.mail.Save(outboxKey(now), rec, true); err != nil {
		return "", internal("publish sms", err)
	}
	return id, nil
}
