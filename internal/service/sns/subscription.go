package sns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi/snsapi"
	"github.com/nubo/nubo/internal/platform/arn"
)

const (
	pendingARN = "PendingConfirmation"
	// tokenLifetime is how long a confirmation token stays valid (AWS: 3 days).
	tokenLifetime = 72 * time.Hour
)

var phoneRE = regexp.MustCompile(`^\+?[0-9]{7,15}$`)

// validateEndpoint checks a subscription endpoint against its protocol.
func validateEndpoint(protocol, endpoint string, fifo bool) error {
	switch protocol {
	case "application", "firehose":
		return invalidParameter("Protocol Reason: Nubo does not support %s subscriptions", protocol)
	case "":
		return missing("Protocol")
	}
	if !deliverable[protocol] {
		return invalidParameter("Amazon SNS does not support this protocol string: %s", protocol)
	}
	if fifo && protocol != "sqs" {
		return invalidParameter("Invalid protocol type: %s. FIFO topics support only SQS subscriptions", protocol)
	}
	if endpoint == "" {
		return invalidParameter("Endpoint")
	}
	switch protocol {
	case "sqs", "lambda":
		a, err := arn.Parse(endpoint)
		if err != nil || a.Service != protocol || (protocol == "lambda" && !strings.HasPrefix(a.Resource, "function:")) {
			if protocol == "sqs" {
				return invalidParameter("SQS endpoint ARN")
			}
			return invalidParameter("Lambda endpoint ARN")
		}
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return invalidParameter("Endpoint must match the specified protocol")
		}
	case protoEmail, protoEmailJSN:
		if _, err := mail.ParseAddress(endpoint); err != nil {
			return invalidParameter("Email address")
		}
	case "sms":
		if !phoneRE.MatchString(strings.NewReplacer("-", "", " ", "").Replace(endpoint)) {
			return invalidParameter("Invalid SMS endpoint: %s", endpoint)
		}
	}
	return nil
}

// checkFilter compiles the FilterPolicy of attrs against its scope.
func checkFilter(attrs map[string]string) error {
	doc := attrs["FilterPolicy"]
	if doc == "" {
		return nil
	}
	if _, err := parseFilterPolicy(doc, attrs["FilterPolicyScope"] == "MessageBody"); err != nil {
		return invalidParameter("FilterPolicy: %v", err)
	}
	return nil
}

// needsConfirmation reports whether a protocol's subscriptions start pending.
func needsConfirmation(protocol string) bool {
	switch protocol {
	case "http", "https", protoEmail, protoEmailJSN:
		return true
	}
	return false
}

// Subscribe subscribes an endpoint to a topic. SQS, Lambda and SMS
// subscriptions are confirmed at once; HTTP/S endpoints receive a
// SubscriptionConfirmation and email ones a confirmation in the mail outbox.
func (s *Service) Subscribe(ctx context.Context, in *snsapi.SubscribeInput) (*snsapi.SubscribeOutput, error) {
	protocol, endpoint := strings.ToLower(deref(in.Protocol)), deref(in.Endpoint)
	attrs := maps.Clone(in.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topicLocked(in.TopicArn)
	if err != nil {
		return nil, err
	}
	if err := validateEndpoint(protocol, endpoint, t.FIFO); err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(attrs) {
		if err := validateSubAttr(k, attrs[k], protocol, t.FIFO); err != nil {
			return nil, err
		}
	}
	if err := checkFilter(attrs); err != nil {
		return nil, err
	}
	wantARN := in.ReturnSubscriptionArn != nil && *in.ReturnSubscriptionArn
	if r := s.findSub(t.ARN, protocol, endpoint); r != nil {
		for k, v := range attrs {
			if r.Attributes[k] != v {
				return nil, invalidParameter("Attributes Reason: Subscription already exists with different attributes")
			}
		}
		return &snsapi.SubscribeOutput{SubscriptionArn: ptr(subscribeResult(r, wantARN))}, nil
	}
	r, d, err := s.newSubscription(ctx, t, protocol, endpoint, attrs)
	if err != nil {
		return nil, err
	}
	if d != nil {
		s.sched.enqueue(d.Key)
	}
	return &snsapi.SubscribeOutput{SubscriptionArn: ptr(subscribeResult(r, wantARN))}, nil
}

// subscribeResult is what Subscribe answers for r.
func subscribeResult(r *subRecord, wantARN bool) string {
	if r.Confirmed || wantARN {
		return r.ARN
	}
	return "pending confirmation"
}

// findSub returns the subscription of topic to endpoint; s.mu is held.
func (s *Service) findSub(topicARN, protocol, endpoint string) *subRecord {
	for _, r := range s.subs {
		if r.TopicARN == topicARN && r.Protocol == protocol && r.Endpoint == endpoint {
			return r
		}
	}
	return nil
}

// newSubscription stores a new subscription with its confirmation message,
// if it needs one; s.mu is held. The returned delivery is to be enqueued.
func (s *Service) newSubscription(ctx context.Context, t *topicRecord, protocol, endpoint string,
	attrs map[string]string) (*subRecord, *delivery, error) {
	now := s.now(ctx)
	r := &subRecord{ARN: t.ARN + ":" + arn.RequestID(), TopicARN: t.ARN, Owner: s.account, Protocol: protocol,
		Endpoint: endpoint, Attributes: attrs, Confirmed: !needsConfirmation(protocol), Created: now}
	b := s.db.NewBatch()
	var d *delivery
	if !r.Confirmed {
		r.Token = newToken()
		msg := s.confirmationMessage(ctx, t, r, now)
		switch protocol {
		case "http", "https":
			d = &delivery{Key: outboxKey(now), SubARN: r.ARN, Protocol: protocol, Endpoint: endpoint, Msg: msg}
			if err := s.outbox.Put(b, d.Key, *d); err != nil {
				return nil, nil, internal("subscribe", err)
			}
		default:
			m := s.mailRecord(r, msg, s.confirmationText(ctx, msg, protocol))
			if err := s.mail.Put(b, outboxKey(now), m); err != nil {
				return nil, nil, internal("subscribe", err)
			}
		}
	}
	if err := s.subsT.Put(b, r.ARN, *r); err != nil {
		return nil, nil, internal("subscribe", err)
	}
	if err := commit(b); err != nil {
		return nil, nil, err
	}
	s.subs[r.ARN] = r
	if r.Token != "" {
		s.tokens[r.Token] = r.ARN
	}
	return r, d, nil
}

// newToken returns a confirmation token (AWS's are long hex strings).
func newToken() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// confirmationMessage builds the SubscriptionConfirmation of r.
func (s *Service) confirmationMessage(ctx context.Context, t *topicRecord, r *subRecord, now time.Time) message {
	return message{ID: arn.RequestID(), TopicARN: t.ARN, Time: now, Kind: "SubscriptionConfirmation", Token: r.Token,
		SigVer: sigVersion(t), Body: "You have chosen to subscribe to the topic " + t.ARN +
			".\nTo confirm the subscription, visit the SubscribeURL included in this message."}
}

// ConfirmSubscription confirms a pending subscription with the token sent
// to its endpoint. It needs no signature (the edge lets it through unsigned,
// as AWS does).
func (s *Service) ConfirmSubscription(ctx context.Context, in *snsapi.ConfirmSubscriptionInput) (*snsapi.ConfirmSubscriptionOutput, error) {
	token := deref(in.Token)
	if token == "" {
		return nil, missing("Token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topicLocked(in.TopicArn)
	if err != nil {
		return nil, err
	}
	r := s.subs[s.tokens[token]]
	if r == nil || r.TopicARN != t.ARN {
		return nil, invalidParameter("Invalid token")
	}
	if r.Confirmed {
		return &snsapi.ConfirmSubscriptionOutput{SubscriptionArn: ptr(r.ARN)}, nil
	}
	if s.now(ctx).After(r.Created.Add(tokenLifetime)) {
		return nil, invalidParameter("Invalid token")
	}
	next := *r
	next.Confirmed = true
	next.Authenticated = strings.EqualFold(deref(in.AuthenticateOnUnsubscribe), "true")
	if err := s.subsT.Save(r.ARN, next, true); err != nil {
		return nil, internal("confirm subscription", err)
	}
	*r = next
	return &snsapi.ConfirmSubscriptionOutput{SubscriptionArn: ptr(r.ARN)}, nil
}

// Unsubscribe deletes a subscription; deleting one that does not exist
// succeeds.
func (s *Service) Unsubscribe(ctx context.Context, in *snsapi.UnsubscribeInput) (*snsapi.UnsubscribeOutput, error) {
	subARN := deref(in.SubscriptionArn)
	if subARN == "" {
		return nil, missing("SubscriptionArn")
	}
	if !arn.IsARN(subARN) {
		return nil, invalidParameter("SubscriptionArn")
	}
	return &snsapi.UnsubscribeOutput{}, s.unsubscribe(subARN)
}

// unsubscribe removes a subscription and counts it on its topic.
func (s *Service) unsubscribe(subARN string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.subs[subARN]
	if r == nil {
		return nil
	}
	b := s.db.NewBatch()
	s.subsT.Delete(b, subARN)
	t := s.topics[r.TopicARN]
	var next topicRecord
	if t != nil {
		next = *t
		next.Deleted++
		if err := s.topicsT.Put(b, t.ARN, next); err != nil {
			return internal("unsubscribe", err)
		}
	}
	if err := commit(b); err != nil {
		return err
	}
	if t != nil {
		*t = next
	}
	delete(s.subs, subARN)
	delete(s.tokens, r.Token)
	return nil
}

// ListSubscriptions lists every subscription, 100 at a time.
func (s *Service) ListSubscriptions(ctx context.Context, in *snsapi.ListSubscriptionsInput) (*snsapi.ListSubscriptionsOutput, error) {
	subs, next, err := s.listSubs(in.NextToken, "")
	if err != nil {
		return nil, err
	}
	return &snsapi.ListSubscriptionsOutput{Subscriptions: subs, NextToken: next}, nil
}

// ListSubscriptionsByTopic lists a topic's subscriptions, 100 at a time.
func (s *Service) ListSubscriptionsByTopic(ctx context.Context, in *snsapi.ListSubscriptionsByTopicInput) (*snsapi.ListSubscriptionsByTopicOutput, error) {
	s.mu.RLock()
	t, err := s.topicLocked(in.TopicArn)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	subs, next, err := s.listSubs(in.NextToken, t.ARN)
	if err != nil {
		return nil, err
	}
	return &snsapi.ListSubscriptionsByTopicOutput{Subscriptions: subs, NextToken: next}, nil
}

// listSubs pages through the subscriptions (of one topic when topicARN is set).
func (s *Service) listSubs(token *string, topicARN string) ([]snsapi.Subscription, *string, error) {
	after, err := decodeToken(token)
	if err != nil {
		return nil, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var keys []string
	for k, r := range s.subs {
		if topicARN == "" || r.TopicARN == topicARN {
			keys = append(keys, k)
		}
	}
	keys = sortedKeys(toSet(keys))
	page, next := paginate(keys, after)
	out := []snsapi.Subscription{}
	for _, k := range page {
		r := s.subs[k]
		shown := r.ARN
		if !r.Confirmed {
			shown = pendingARN
		}
		out = append(out, snsapi.Subscription{SubscriptionArn: ptr(shown), Owner: ptr(r.Owner),
			Protocol: ptr(r.Protocol), Endpoint: ptr(r.Endpoint), TopicArn: ptr(r.TopicARN)})
	}
	return out, next, nil
}

func toSet(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// subLocked returns the subscription named by a SubscriptionArn parameter;
// s.mu is held.
func (s *Service) subLocked(p *string) (*subRecord, error) {
	subARN := deref(p)
	if subARN == "" {
		return nil, missing("SubscriptionArn")
	}
	if !arn.IsARN(subARN) {
		return nil, invalidParameter("SubscriptionArn")
	}
	r := s.subs[subARN]
	if r == nil {
		return nil, errSubNotFound()
	}
	return r, nil
}

// GetSubscriptionAttributes returns a subscription's attributes.
func (s *Service) GetSubscriptionAttributes(ctx context.Context, in *snsapi.GetSubscriptionAttributesInput) (*snsapi.GetSubscriptionAttributesOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.subLocked(in.SubscriptionArn)
	if err != nil {
		return nil, err
	}
	attrs := maps.Clone(r.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["SubscriptionArn"] = r.ARN
	attrs["TopicArn"] = r.TopicARN
	attrs["Owner"] = r.Owner
	attrs["Protocol"] = r.Protocol
	attrs["Endpoint"] = r.Endpoint
	attrs["PendingConfirmation"] = strconv.FormatBool(!r.Confirmed)
	attrs["ConfirmationWasAuthenticated"] = strconv.FormatBool(r.Confirmed && r.Authenticated)
	if _, ok := attrs["RawMessageDelivery"]; !ok {
		attrs["RawMessageDelivery"] = "false"
	}
	if attrs["FilterPolicy"] != "" && attrs["FilterPolicyScope"] == "" {
		attrs["FilterPolicyScope"] = "MessageAttributes"
	}
	if r.Protocol == "http" || r.Protocol == "https" {
		topicDoc := ""
		if t := s.topics[r.TopicARN]; t != nil {
			topicDoc = t.Attributes["DeliveryPolicy"]
		}
		attrs["EffectiveDeliveryPolicy"] = effectiveSubDeliveryPolicy(topicDoc, r.Attributes["DeliveryPolicy"])
	}
	return &snsapi.GetSubscriptionAttributesOutput{Attributes: attrs}, nil
}

// SetSubscriptionAttributes sets one subscription attribute.
func (s *Service) SetSubscriptionAttributes(ctx context.Context, in *snsapi.SetSubscriptionAttributesInput) (*snsapi.SetSubscriptionAttributesOutput, error) {
	name, value := deref(in.AttributeName), deref(in.AttributeValue)
	if name == "" {
		return nil, missing("AttributeName")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.subLocked(in.SubscriptionArn)
	if err != nil {
		return nil, err
	}
	fifo := strings.HasSuffix(r.TopicARN, ".fifo")
	if err := validateSubAttr(name, value, r.Protocol, fifo); err != nil {
		return nil, err
	}
	next := *r
	next.Attributes = maps.Clone(r.Attributes)
	if next.Attributes == nil {
		next.Attributes = map[string]string{}
	}
	if value == "" {
		delete(next.Attributes, name)
	} else {
		next.Attributes[name] = value
	}
	if err := checkFilter(next.Attributes); err != nil {
		return nil, err
	}
	if err := s.subsT.Save(r.ARN, next, true); err != nil {
		return nil, internal("set subscription attributes", err)
	}
	*r = next
	return &snsapi.SetSubscriptionAttributesOutput{}, nil
}
