package sqs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
	"github.com/nubo/nubo/internal/platform/store"
)

const (
	maxTags         = 50
	purgeInterval   = 60_000 // ms
	maxListResults  = 1000
	fifoSuffix      = ".fifo"
	defaultListSize = 1000
)

// reqAccount returns the account of the request (the caller's), else the
// service's.
func (s *Service) reqAccount(ctx context.Context) string {
	if r := awsapi.RequestFrom(ctx); r != nil && r.Account != "" {
		return r.Account
	}
	return s.account
}

// endpointOf returns the base URL for queue URLs handed back to the caller.
func (s *Service) endpointOf(ctx context.Context) string {
	if r := awsapi.RequestFrom(ctx); r != nil && r.Endpoint != "" {
		return r.Endpoint
	}
	if s.endpoint != "" {
		return s.endpoint
	}
	return "http://localhost:4566"
}

// lookup resolves a QueueUrl to its queue.
func (s *Service) lookup(ctx context.Context, rawURL *string) (*queue, error) {
	acct, name, ok := parseQueueURL(deref(rawURL), s.reqAccount(ctx))
	if !ok {
		return nil, errNoQueue()
	}
	s.mu.RLock()
	q := s.byName[acct+"/"+name]
	s.mu.RUnlock()
	if q == nil {
		return nil, errNoQueue()
	}
	return q, nil
}

// validateQueueName checks a queue name against the FifoQueue attribute.
func validateQueueName(name string, fifo bool) *awsapi.Error {
	base, hasSuffix := strings.CutSuffix(name, fifoSuffix)
	if fifo != hasSuffix {
		return invalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
	}
	if !queueNameRE.MatchString(base) || len(name) > 80 {
		if fifo {
			return invalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
		return invalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	return nil
}

func validateTags(tags map[string]string) *awsapi.Error {
	if len(tags) > maxTags {
		return invalidParameter("Too many tags added for queue. Maximum number of tags per queue is %d.", maxTags)
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParameter("Tag key or value is invalid: %q.", k)
		}
	}
	return nil
}

// CreateQueue creates a queue, or returns the URL of an existing one whose
// attributes match those given.
func (s *Service) CreateQueue(ctx context.Context, in *sqsapi.CreateQueueInput) (*sqsapi.CreateQueueOutput, error) {
	name := deref(in.QueueName)
	fifo := strings.EqualFold(in.Attributes[attrFifoQueue], "true")
	if err := validateQueueName(name, fifo); err != nil {
		return nil, err
	}
	attrs, aerr := validateQueueAttributes(in.Attributes, fifo)
	if aerr != nil {
		return nil, aerr
	}
	if err := checkThroughputLimit(effectiveAttributes(queueRecord{FIFO: fifo, Attributes: attrs})); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	acct := s.reqAccount(ctx)
	if err := s.checkRedriveTarget(queueARN(s.region, acct, name), attrs[attrRedrivePolicy], fifo); err != nil {
		return nil, err
	}
	url := queueURL(s.endpointOf(ctx), acct, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.byName[acct+"/"+name]; q != nil {
		q.mu.Lock()
		defer q.mu.Unlock()
		current := effectiveAttributes(q.rec)
		for k, v := range attrs {
			if k != attrFifoQueue && current[k] != v { // the name already fixes the kind
				return nil, awsapi.Errorf("QueueNameExists", http.StatusBadRequest,
					"A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		return &sqsapi.CreateQueueOutput{QueueUrl: &url}, nil
	}
	now := s.now().Unix()
	delete(attrs, attrFifoQueue)
	rec := queueRecord{ID: newQueueID(), Account: acct, Name: name, Region: s.region, FIFO: fifo,
		Attributes: attrs, Tags: maps.Clone(in.Tags), Created: now, Modified: now}
	if err := s.queues.Save(acct+"/"+name, rec, true); err != nil {
		return nil, err
	}
	q := s.newQueue(rec)
	s.byName[acct+"/"+name] = q
	return &sqsapi.CreateQueueOutput{QueueUrl: &url}, nil
}

// checkRedriveTarget verifies that a RedrivePolicy's dead-letter queue
// exists, is of the same kind and lets srcARN redrive to it (its
// RedriveAllowPolicy).
func (s *Service) checkRedriveTarget(srcARN, policy string, fifo bool) error {
	if policy == "" {
		return nil
	}
	rp, err := parseRedrivePolicy(policy)
	if err != nil {
		return err
	}
	invalid := func(reason string) error {
		return awsapi.Errorf("InvalidAttributeValue", http.StatusBadRequest,
			"Value %s for parameter RedrivePolicy is invalid. Reason: %s", policy, reason)
	}
	dlq := s.queueByARN(rp.DeadLetterTargetArn)
	if dlq == nil {
		return invalid("Dead letter target does not exist.")
	}
	if dlq.fifo != fifo {
		return invalid("Dead-letter target must be of the same type (standard or FIFO) as the source.")
	}
	dlq.mu.Lock()
	allow := dlq.rec.Attributes[attrRedriveAllowPolicy]
	dlq.mu.Unlock()
	if !redriveAllowed(allow, srcARN) {
		return invalid("Dead-letter queue's RedriveAllowPolicy does not allow this source queue.")
	}
	return nil
}

// redriveAllowed applies a (validated) RedriveAllowPolicy to a source queue.
func redriveAllowed(allowPolicy, srcARN string) bool {
	if allowPolicy == "" {
		return true
	}
	var rap struct {
		RedrivePermission string   `json:"redrivePermission"`
		SourceQueueArns   []string `json:"sourceQueueArns"`
	}
	if json.Unmarshal([]byte(allowPolicy), &rap) != nil {
		return true
	}
	switch rap.RedrivePermission {
	case "denyAll":
		return false
	case "byQueue":
		return slices.Contains(rap.SourceQueueArns, srcARN)
	}
	return true
}

// effectiveAttributes returns a queue's settable attributes with defaults.
func effectiveAttributes(rec queueRecord) map[string]string {
	out := maps.Clone(standardDefaults)
	if rec.FIFO {
		maps.Copy(out, fifoDefaults)
	}
	maps.Copy(out, rec.Attributes)
	if out[attrKmsMasterKeyID] != "" && out[attrKmsReuse] == "" {
		out[attrKmsReuse] = "300"
	}
	for k, v := range out {
		if v == "" {
			delete(out, k)
		}
	}
	return out
}

// DeleteQueue deletes a queue and its messages.
func (s *Service) DeleteQueue(ctx context.Context, in *sqsapi.DeleteQueueInput) (*sqsapi.DeleteQueueOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.byName[q.account+"/"+q.name] != q {
		s.mu.Unlock()
		return nil, errNoQueue()
	}
	delete(s.byName, q.account+"/"+q.name)
	s.mu.Unlock()
	q.mu.Lock()
	q.deleted = true
	q.mu.Unlock()
	q.close()
	b := s.db.NewBatch()
	s.queues.Delete(b, q.account+"/"+q.name)
	for _, p := range []string{prefixMessage, prefixReceive, prefixDedup} {
		start := []byte(p + q.id + "/")
		b.DeleteRange(start, store.PrefixEnd(start))
	}
	if err := b.Commit(true); err != nil {
		return nil, err
	}
	return nil, nil
}

// GetQueueUrl returns the URL of a queue by name.
func (s *Service) GetQueueUrl(ctx context.Context, in *sqsapi.GetQueueUrlInput) (*sqsapi.GetQueueUrlOutput, error) {
	acct := s.reqAccount(ctx)
	if o := deref(in.QueueOwnerAWSAccountId); o != "" {
		acct = o
	}
	name := deref(in.QueueName)
	s.mu.RLock()
	q := s.byName[acct+"/"+name]
	s.mu.RUnlock()
	if q == nil {
		return nil, errNoQueue()
	}
	url := queueURL(s.endpointOf(ctx), acct, name)
	return &sqsapi.GetQueueUrlOutput{QueueUrl: &url}, nil
}

// ListQueues lists the caller's queues by name prefix, paged with
// MaxResults/NextToken.
func (s *Service) ListQueues(ctx context.Context, in *sqsapi.ListQueuesInput) (*sqsapi.ListQueuesOutput, error) {
	limit := defaultListSize
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxListResults {
			return nil, invalidParameter("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
		}
		limit = int(*in.MaxResults)
	}
	after := ""
	if t := deref(in.NextToken); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil {
			return nil, invalidParameter("Invalid NextToken value.")
		}
		after = string(raw)
	}
	acct, prefix := s.reqAccount(ctx), deref(in.QueueNamePrefix)
	s.mu.RLock()
	var names []string
	for key, q := range s.byName {
		if q.account == acct && strings.HasPrefix(q.name, prefix) && key > acct+"/"+after {
			names = append(names, q.name)
		}
	}
	s.mu.RUnlock()
	slices.Sort(names)
	out := &sqsapi.ListQueuesOutput{}
	if len(names) > limit {
		names = names[:limit]
		if in.MaxResults != nil {
			tok := base64.RawURLEncoding.EncodeToString([]byte(names[limit-1]))
			out.NextToken = &tok
		}
	}
	ep := s.endpointOf(ctx)
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, queueURL(ep, acct, n))
	}
	return out, nil
}

// GetQueueAttributes returns the requested attributes of a queue.
func (s *Service) GetQueueAttributes(ctx context.Context, in *sqsapi.GetQueueAttributesInput) (*sqsapi.GetQueueAttributesOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	for _, n := range in.AttributeNames {
		if !knownAttribute(n, q.fifo) {
			return nil, invalidAttrName(n)
		}
	}
	all := s.queueAttributes(q)
	out := map[string]string{}
	for _, n := range in.AttributeNames {
		if n == attrAll {
			maps.Copy(out, all)
			continue
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return &sqsapi.GetQueueAttributesOutput{Attributes: out}, nil
}

// queueAttributes returns every attribute of q, counts included.
func (s *Service) queueAttributes(q *queue) map[string]string {
	now := s.nowMS()
	q.mu.Lock()
	q.refresh(s, now)
	attrs := effectiveAttributes(q.rec)
	attrs[attrApproxMessages] = strconv.Itoa(q.idx.nVisible)
	attrs[attrApproxNotVisible] = strconv.Itoa(q.idx.nInflight)
	attrs[attrApproxDelayed] = strconv.Itoa(q.idx.nDelayed)
	attrs[attrCreatedTimestamp] = fmtSeconds(q.rec.Created)
	attrs[attrLastModifiedTimestamp] = fmtSeconds(q.rec.Modified)
	attrs[attrQueueArn] = q.arn
	q.mu.Unlock()
	return attrs
}

// refresh promotes due messages and drops expired ones. q.mu must be held.
func (q *queue) refresh(s *Service, now int64) {
	if q.idx.promote(now) > 0 {
		q.signal()
	}
	if keys := q.expire(now, false); len(keys) > 0 {
		b := s.db.NewBatch()
		for _, k := range keys {
			b.Delete(k)
		}
		if err := b.Commit(false); err != nil {
			s.log.Warn("sqs: dropping expired messages", "queue", q.name, "err", err)
		}
	}
}

// SetQueueAttributes changes a queue's attributes.
func (s *Service) SetQueueAttributes(ctx context.Context, in *sqsapi.SetQueueAttributesInput) (*sqsapi.SetQueueAttributesOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if _, ok := in.Attributes[attrFifoQueue]; ok {
		return nil, awsapi.Errorf("InvalidAttributeName", http.StatusBadRequest, "Unknown Attribute FifoQueue.")
	}
	attrs, aerr := validateQueueAttributes(in.Attributes, q.fifo)
	if aerr != nil {
		return nil, aerr
	}
	if err := s.checkRedriveTarget(q.arn, attrs[attrRedrivePolicy], q.fifo); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	rec := q.rec
	rec.Attributes = maps.Clone(rec.Attributes)
	if rec.Attributes == nil {
		rec.Attributes = map[string]string{}
	}
	maps.Copy(rec.Attributes, attrs)
	if err := checkThroughputLimit(effectiveAttributes(rec)); err != nil {
		return nil, err
	}
	rec.Modified = s.now().Unix()
	if err := s.saveRecord(q, rec); err != nil {
		return nil, err
	}
	return nil, nil
}

// saveRecord durably stores rec as q's record and applies it. q.mu must be
// held.
func (s *Service) saveRecord(q *queue, rec queueRecord) error {
	if q.deleted {
		return errNoQueue()
	}
	if err := s.queues.Save(rec.Account+"/"+rec.Name, rec, true); err != nil {
		return err
	}
	q.rec = rec
	q.cfg = configFrom(rec.Attributes)
	return nil
}

// PurgeQueue deletes every message of a queue, at most once per 60 seconds.
func (s *Service) PurgeQueue(ctx context.Context, in *sqsapi.PurgeQueueInput) (*sqsapi.PurgeQueueOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := s.nowMS()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.rec.LastPurge != 0 && now-q.rec.LastPurge < purgeInterval {
		return nil, awsapi.Errorf("PurgeQueueInProgress", http.StatusForbidden,
			"Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.name)
	}
	rec := q.rec
	rec.LastPurge = now
	b := s.db.NewBatch()
	if err := s.queues.Put(b, rec.Account+"/"+rec.Name, rec); err != nil {
		return nil, err
	}
	for seq, m := range q.idx.msgs {
		b.Delete(messageKey(prefixMessage, q.id, seq))
		b.Delete(messageKey(prefixReceive, q.id, seq))
		q.idx.remove(m)
	}
	q.oldest = 0
	if err := b.Commit(true); err != nil {
		return nil, err
	}
	q.rec = rec
	return nil, nil
}

// TagQueue adds or replaces tags.
func (s *Service) TagQueue(ctx context.Context, in *sqsapi.TagQueueInput) (*sqsapi.TagQueueOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, missingParameter("Tags")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	rec := q.rec
	rec.Tags = maps.Clone(rec.Tags)
	if rec.Tags == nil {
		rec.Tags = map[string]string{}
	}
	maps.Copy(rec.Tags, in.Tags)
	if err := validateTags(rec.Tags); err != nil {
		return nil, err
	}
	return nil, s.saveRecord(q, rec)
}

// UntagQueue removes tags.
func (s *Service) UntagQueue(ctx context.Context, in *sqsapi.UntagQueueInput) (*sqsapi.UntagQueueOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, missingParameter("TagKeys")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	rec := q.rec
	rec.Tags = maps.Clone(rec.Tags)
	for _, k := range in.TagKeys {
		delete(rec.Tags, k)
	}
	return nil, s.saveRecord(q, rec)
}

// ListQueueTags returns a queue's tags.
func (s *Service) ListQueueTags(ctx context.Context, in *sqsapi.ListQueueTagsInput) (*sqsapi.ListQueueTagsOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return &sqsapi.ListQueueTagsOutput{Tags: maps.Clone(q.rec.Tags)}, nil
}

// ListDeadLetterSourceQueues lists the queues whose RedrivePolicy targets
// the given queue.
func (s *Service) ListDeadLetterSourceQueues(ctx context.Context, in *sqsapi.ListDeadLetterSourceQueuesInput) (*sqsapi.ListDeadLetterSourceQueuesOutput, error) {
	dlq, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	limit := maxListResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxListResults {
			return nil, invalidParameter("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
		}
		limit = int(*in.MaxResults)
	}
	after := ""
	if t := deref(in.NextToken); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil {
			return nil, invalidParameter("Invalid NextToken value.")
		}
		after = string(raw)
	}
	names := s.sourcesOf(dlq.arn)
	out := &sqsapi.ListDeadLetterSourceQueuesOutput{QueueUrls: []string{}}
	ep := s.endpointOf(ctx)
	for _, n := range names {
		if n <= after {
			continue
		}
		if len(out.QueueUrls) == limit {
			tok := base64.RawURLEncoding.EncodeToString([]byte(out.QueueUrls[limit-1][strings.LastIndexByte(out.QueueUrls[limit-1], '/')+1:]))
			out.NextToken = &tok
			break
		}
		out.QueueUrls = append(out.QueueUrls, queueURL(ep, dlq.account, n))
	}
	return out, nil
}

// sourcesOf returns the sorted names of the queues redriving to dlqARN.
func (s *Service) sourcesOf(dlqARN string) []string {
	s.mu.RLock()
	qs := slices.Collect(maps.Values(s.byName))
	s.mu.RUnlock()
	var names []string
	for _, q := range qs {
		q.mu.Lock()
		if rp := q.cfg.redrive; rp != nil && rp.DeadLetterTargetArn == dlqARN {
			names = append(names, q.name)
		}
		q.mu.Unlock()
	}
	slices.Sort(names)
	return names
}
