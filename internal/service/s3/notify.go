package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/s3api"
	"github.com/nubo/nubo/internal/platform/arn"
	"github.com/nubo/nubo/internal/platform/store"
)

// TargetType is the kind of a notification destination.
type TargetType string

// Notification destination kinds.
const (
	TargetLambda TargetType = "Lambda"
	TargetSQS    TargetType = "SQS"
	TargetSNS    TargetType = "SNS"
)

// Target is a notification destination: a function, queue or topic ARN.
type Target struct {
	Type TargetType `json:"type"`
	ARN  string     `json:"arn"`
}

// Notifier delivers S3 event notifications. Deliver gets the JSON document
// S3 sends (a {"Records":[…]} event, or an s3:TestEvent); an error leaves the
// event in the outbox to be retried with backoff.
type Notifier interface {
	Deliver(ctx context.Context, target Target, event []byte) error
}

// SetNotifier installs the notification deliverer (nil stops deliveries;
// events then wait in the outbox).
func (s *Service) SetNotifier(n Notifier) {
	s.notifierMu.Lock()
	s.notifier = n
	s.notifierMu.Unlock()
	s.wakeDelivery()
}

func (s *Service) getNotifier() Notifier {
	s.notifierMu.RLock()
	defer s.notifierMu.RUnlock()
	return s.notifier
}

// eventNames are the notification event types S3 accepts.
var eventNames = map[string]bool{
	"s3:ObjectCreated:*": true, "s3:ObjectCreated:Put": true, "s3:ObjectCreated:Post": true,
	"s3:ObjectCreated:Copy": true, "s3:ObjectCreated:CompleteMultipartUpload": true,
	"s3:ObjectRemoved:*": true, "s3:ObjectRemoved:Delete": true, "s3:ObjectRemoved:DeleteMarkerCreated": true,
	"s3:ObjectRestore:*": true, "s3:ObjectRestore:Post": true, "s3:ObjectRestore:Completed": true,
	"s3:ObjectRestore:Delete": true, "s3:ReducedRedundancyLostObject": true,
	"s3:Replication:*": true, "s3:Replication:OperationFailedReplication": true,
	"s3:Replication:OperationMissedThreshold": true, "s3:Replication:OperationReplicatedAfterThreshold": true,
	"s3:Replication:OperationNotTracked": true, "s3:LifecycleExpiration:*": true,
	"s3:LifecycleExpiration:Delete": true, "s3:LifecycleExpiration:DeleteMarkerCreated": true,
	"s3:LifecycleTransition": true, "s3:IntelligentTiering": true, "s3:ObjectTagging:*": true,
	"s3:ObjectTagging:Put": true, "s3:ObjectTagging:Delete": true, "s3:ObjectAcl:Put": true,
}

// notifyRule is a compiled notification configuration.
type notifyRule struct {
	id             string
	target         Target
	events         []string
	prefix, suffix string
}

// matches reports whether the rule fires for eventName ("ObjectCreated:Put")
// on key.
func (r *notifyRule) matches(eventName, key string) bool {
	if !strings.HasPrefix(key, r.prefix) || !strings.HasSuffix(key, r.suffix) {
		return false
	}
	full := "s3:" + eventName
	for _, e := range r.events {
		if e == full || strings.HasSuffix(e, ":*") && strings.HasPrefix(full, strings.TrimSuffix(e, "*")) {
			return true
		}
	}
	return false
}

func filterValues(f *s3api.NotificationConfigurationFilter) (prefix, suffix string) {
	if f == nil || f.Key == nil {
		return "", ""
	}
	for _, r := range f.Key.FilterRules {
		switch strings.ToLower(str(r.Name)) {
		case "prefix":
			prefix = str(r.Value)
		case "suffix":
			suffix = str(r.Value)
		}
	}
	return prefix, suffix
}

// compileRules turns a stored configuration into rules.
func compileRules(c *s3api.NotificationConfiguration) []notifyRule {
	var out []notifyRule
	add := func(id string, t Target, events []string, f *s3api.NotificationConfigurationFilter) {
		p, sfx := filterValues(f)
		out = append(out, notifyRule{id: id, target: t, events: events, prefix: p, suffix: sfx})
	}
	for _, l := range c.LambdaFunctionConfigurations {
		add(str(l.Id), Target{TargetLambda, str(l.LambdaFunctionArn)}, l.Events, l.Filter)
	}
	for _, q := range c.QueueConfigurations {
		add(str(q.Id), Target{TargetSQS, str(q.QueueArn)}, q.Events, q.Filter)
	}
	for _, t := range c.TopicConfigurations {
		add(str(t.Id), Target{TargetSNS, str(t.TopicArn)}, t.Events, t.Filter)
	}
	return out
}

// validateNotification checks a configuration and gives unnamed ones an id.
func validateNotification(c *s3api.NotificationConfiguration) error {
	check := func(id **string, target, service, resource string, events []string, f *s3api.NotificationConfigurationFilter) error {
		a, err := arn.Parse(target)
		if err != nil || a.Service != service || (resource != "" && a.ResourceType() != resource) {
			return errInvalidArgument("Unable to validate the following destination configurations").
				With("ArgumentName", target).With("ArgumentValue", "The destination ARN is not valid")
		}
		if len(events) == 0 {
			return errInvalidArgument("At least one event must be specified")
		}
		for _, e := range events {
			if !eventNames[e] {
				return errInvalidArgument("The event is not supported for notifications").With("ArgumentName", e)
			}
		}
		if err := validateFilter(f); err != nil {
			return err
		}
		if str(*id) == "" {
			*id = ptr(randomID())
		}
		return nil
	}
	for i := range c.LambdaFunctionConfigurations {
		l := &c.LambdaFunctionConfigurations[i]
		if err := check(&l.Id, str(l.LambdaFunctionArn), "lambda", "function", l.Events, l.Filter); err != nil {
			return err
		}
	}
	for i := range c.QueueConfigurations {
		q := &c.QueueConfigurations[i]
		if err := check(&q.Id, str(q.QueueArn), "sqs", "", q.Events, q.Filter); err != nil {
			return err
		}
	}
	for i := range c.TopicConfigurations {
		t := &c.TopicConfigurations[i]
		if err := check(&t.Id, str(t.TopicArn), "sns", "", t.Events, t.Filter); err != nil {
			return err
		}
	}
	return nil
}

func validateFilter(f *s3api.NotificationConfigurationFilter) error {
	if f == nil || f.Key == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, r := range f.Key.FilterRules {
		n := strings.ToLower(str(r.Name))
		if (n != "prefix" && n != "suffix") || seen[n] {
			return errInvalidArgument("filter rule name must be either prefix or suffix").With("ArgumentName", "FilterRule.Name")
		}
		if len(str(r.Value)) > MaxKeyLength {
			return errInvalidArgument("filter value is too long").With("ArgumentName", "FilterRule.Value")
		}
		seen[n] = true
	}
	return nil
}

func randomID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// PutBucketNotificationConfiguration replaces the bucket's notification
// configuration and queues an s3:TestEvent for each queue and topic.
func (s *Service) PutBucketNotificationConfiguration(ctx context.Context, in *s3api.PutBucketNotificationConfigurationInput) (*s3api.PutBucketNotificationConfigurationOutput, error) {
	name := str(in.Bucket)
	b, _, err := s.bucketFor(ctx, name, "s3:PutBucketNotification", "")
	if err != nil {
		return nil, err
	}
	c := in.NotificationConfiguration
	if c == nil {
		c = &s3api.NotificationConfiguration{}
	}
	if c.EventBridgeConfiguration != nil {
		return nil, awsapi.NotImplemented("s3", "PutBucketNotificationConfiguration with EventBridgeConfiguration")
	}
	if err := validateNotification(c); err != nil {
		return nil, err
	}
	empty := len(c.LambdaFunctionConfigurations)+len(c.QueueConfigurations)+len(c.TopicConfigurations) == 0
	err = s.updateBucketWith(b, func(r *bucketRecord) error {
		r.Notify = c
		if empty {
			r.Notify = nil
		}
		return nil
	}, func(batch store.Batch) {
		for _, rule := range compileRules(c) {
			if rule.target.Type != TargetLambda {
				s.stageOutbox(batch, rule.target, testEvent(ctx, name, s.clock.Now()))
			}
		}
	})
	s.wakeDelivery()
	return &s3api.PutBucketNotificationConfigurationOutput{}, err
}

// GetBucketNotificationConfiguration returns the stored configuration.
func (s *Service) GetBucketNotificationConfiguration(ctx context.Context, in *s3api.GetBucketNotificationConfigurationInput) (*s3api.GetBucketNotificationConfigurationOutput, error) {
	b, _, err := s.bucketFor(ctx, str(in.Bucket), "s3:GetBucketNotification", "")
	if err != nil {
		return nil, err
	}
	out := &s3api.GetBucketNotificationConfigurationOutput{}
	if c := b.config().rec.Notify; c != nil {
		out.LambdaFunctionConfigurations = c.LambdaFunctionConfigurations
		out.QueueConfigurations = c.QueueConfigurations
		out.TopicConfigurations = c.TopicConfigurations
	}
	return out, nil
}

// The event record, field order as S3 sends it.
type (
	eventDoc struct {
		Records []eventRecord `json:"Records"`
	}
	eventRecord struct {
		EventVersion      string            `json:"eventVersion"`
		EventSource       string            `json:"eventSource"`
		AWSRegion         string            `json:"awsRegion"`
		EventTime         string            `json:"eventTime"`
		EventName         string            `json:"eventName"`
		UserIdentity      principal         `json:"userIdentity"`
		RequestParameters map[string]string `json:"requestParameters"`
		ResponseElements  responseElements  `json:"responseElements"`
		S3                eventS3           `json:"s3"`
	}
	principal struct {
		PrincipalID string `json:"principalId"`
	}
	responseElements struct {
		RequestID string `json:"x-amz-request-id"`
		ID2       string `json:"x-amz-id-2"`
	}
	eventS3 struct {
		SchemaVersion   string      `json:"s3SchemaVersion"`
		ConfigurationID string      `json:"configurationId"`
		Bucket          eventBucket `json:"bucket"`
		Object          eventObject `json:"object"`
	}
	eventBucket struct {
		Name          string    `json:"name"`
		OwnerIdentity principal `json:"ownerIdentity"`
		ARN           string    `json:"arn"`
	}
	eventObject struct {
		Key       string `json:"key"`
		Size      *int64 `json:"size,omitempty"`
		ETag      string `json:"eTag,omitempty"`
		VersionID string `json:"versionId,omitempty"`
		Sequencer string `json:"sequencer"`
	}
)

// eventTimeFormat is S3's eventTime layout (milliseconds, Z).
const eventTimeFormat = "2006-01-02T15:04:05.000Z"

// stageEvents adds an outbox entry to batch for every rule of cfg matching
// eventName on key.
func (s *Service) stageEvents(ctx context.Context, batch store.Batch, cfg *bucketConfig, key string, rec *objectRecord, eventName string) {
	if len(cfg.rules) == 0 {
		return
	}
	for i := range cfg.rules {
		r := &cfg.rules[i]
		if !r.matches(eventName, key) {
			continue
		}
		doc := eventDoc{Records: []eventRecord{s.eventRecord(ctx, cfg, r.id, key, rec, eventName)}}
		s.stageOutbox(batch, r.target, mustJSON(doc))
	}
}

func (s *Service) eventRecord(ctx context.Context, cfg *bucketConfig, configID, key string, rec *objectRecord, eventName string) eventRecord {
	ev := eventRecord{EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: cfg.rec.Region, EventName: eventName,
		UserIdentity: principal{s.account}, RequestParameters: map[string]string{"sourceIPAddress": "127.0.0.1"}}
	t := s.clock.Now()
	if r := awsapi.RequestFrom(ctx); r != nil {
		if !r.Time.IsZero() {
			t = r.Time
		}
		ev.UserIdentity.PrincipalID = principalID(r.Caller, s.account)
		if r.SourceIP != "" {
			ev.RequestParameters["sourceIPAddress"] = r.SourceIP
		}
		ev.ResponseElements = responseElements{RequestID: r.ID, ID2: base64.StdEncoding.EncodeToString([]byte("nubo/" + r.ID))}
	}
	ev.EventTime = t.UTC().Format(eventTimeFormat)
	obj := eventObject{Key: formEncode(key), Sequencer: strings.ToUpper(seqHex(rec.Seq))}
	if strings.HasPrefix(eventName, "ObjectCreated:") {
		obj.Size, obj.ETag = ptr(rec.Size), rec.ETag
	}
	if rec.VersionID != "" {
		obj.VersionID = rec.VersionID
	}
	ev.S3 = eventS3{SchemaVersion: "1.0", ConfigurationID: configID,
		Bucket: eventBucket{Name: cfg.rec.Name, OwnerIdentity: principal{s.account}, ARN: "arn:aws:s3:::" + cfg.rec.Name},
		Object: obj}
	return ev
}

// principalID is the userIdentity S3 reports for a caller.
func principalID(c awsapi.Caller, account string) string {
	switch {
	case c.Anonymous:
		return "ANONYMOUS"
	case c.Root || c.UserID == "":
		return account
	}
	return "AWS:" + c.UserID
}

// formEncode encodes a key as S3 event records do: URL form encoding, so a
// space is '+' (slashes stay as they are).
func formEncode(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}

// testEvent is the document S3 sends to a queue or topic when a
// configuration is saved.
func testEvent(ctx context.Context, bucket string, now time.Time) []byte {
	id := ""
	if r := awsapi.RequestFrom(ctx); r != nil {
		id = r.ID
		if !r.Time.IsZero() {
			now = r.Time
		}
	}
	return mustJSON(struct {
		Service   string
		Event     string
		Time      string
		Bucket    string
		RequestID string `json:"RequestId"`
		HostID    string `json:"HostId"`
	}{"Amazon S3", "s3:TestEvent", now.UTC().Format(eventTimeFormat), bucket, id,
		base64.StdEncoding.EncodeToString([]byte("nubo/" + id))})
}

// updateBucketWith is updateBucket with extra writes in the same batch.
func (s *Service) updateBucketWith(b *bucket, change func(*bucketRecord) error, extra func(store.Batch)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.deleted {
		return errNoSuchBucket(b.name())
	}
	rec := b.config().rec
	if err := change(&rec); err != nil {
		return err
	}
	batch := s.db.NewBatch()
	batch.Set(bucketKey(rec.Name), mustJSON(rec))
	extra(batch)
	if err := batch.Commit(true); err != nil {
		return awsapi.Errorf("InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again.")
	}
	return b.setRecord(rec)
}
