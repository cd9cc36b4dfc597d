package sqs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// sendRequest is one message to send, from SendMessage, a batch entry or the
// Go API.
type sendRequest struct {
	body    *string
	delay   *int32
	attrs   map[string]sqsapi.MessageAttributeValue
	sys     map[string]sqsapi.MessageSystemAttributeValue
	dedupID *string
	groupID *string
}

// sendResult is what a send returns to the client.
type sendResult struct {
	id, md5Body, md5Attrs, md5Sys, seqNum string
}

// senderID returns the SenderId of the request's caller.
func (s *Service) senderID(ctx context.Context) string {
	if r := awsapi.RequestFrom(ctx); r != nil {
		switch {
		case r.Caller.UserID != "":
			return r.Caller.UserID
		case r.Caller.AccessKeyID != "" && !r.Caller.Root:
			return r.Caller.AccessKeyID
		case r.Caller.Account != "":
			return r.Caller.Account
		}
	}
	return s.account
}

// prepare validates a send for queue q and builds its message (without a
// sequence number).
func (s *Service) prepare(q *queue, cfg queueConfig, r sendRequest, sender string, now int64) (*message, *awsapi.Error) {
	if err := validateBody(r.body); err != nil {
		return nil, err
	}
	attrSize, err := validateAttributes(r.attrs)
	if err != nil {
		return nil, err
	}
	trace, err := validateSystemAttributes(r.sys)
	if err != nil {
		return nil, err
	}
	size := len(*r.body) + attrSize
	if size > cfg.maxSize {
		return nil, invalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", cfg.maxSize)
	}
	m := &message{id: newMessageID(), body: *r.body, attrs: r.attrs, trace: trace, sent: now, sender: sender, size: size}
	delay := cfg.delay
	if r.delay != nil {
		if *r.delay < 0 || *r.delay > 900 {
			return nil, invalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *r.delay)
		}
		if q.fifo && *r.delay != 0 {
			return nil, invalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *r.delay)
		}
		delay = time.Duration(*r.delay) * time.Second
	}
	if delay > 0 {
		m.delay = now + delay.Milliseconds()
	}
	if err := prepareFIFO(q, cfg, r, m); err != nil {
		return nil, err
	}
	m.md5Body = md5Hex(m.body)
	m.md5Attrs = md5OfAttributes(m.attrs)
	m.md5Sys = md5OfSystemAttributes(m.trace)
	return m, nil
}

// prepareFIFO checks and records the group and deduplication ids.
func prepareFIFO(q *queue, cfg queueConfig, r sendRequest, m *message) *awsapi.Error {
	if !q.fifo {
		if r.dedupID != nil {
			return invalidParameter("Value %s for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.", *r.dedupID)
		}
		m.group = deref(r.groupID) // fair queues: recorded, not used for ordering
		return nil
	}
	if r.groupID == nil || *r.groupID == "" {
		return missingParameter("MessageGroupId")
	}
	if !dedupIDRE.MatchString(*r.groupID) {
		return invalidParameter("Value %s for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.", *r.groupID)
	}
	m.group = *r.groupID
	switch {
	case r.dedupID != nil:
		if !dedupIDRE.MatchString(*r.dedupID) {
			return invalidParameter("Value %s for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.", *r.dedupID)
		}
		m.dedup = *r.dedupID
	case cfg.contentDedup:
		sum := sha256.Sum256([]byte(m.body))
		m.dedup = hex.EncodeToString(sum[:])
	default:
		return invalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	}
	return nil
}

// enqueue stores prepared messages durably and makes them available; for
// FIFO queues it applies deduplication. results[i] describes msgs[i].
func (s *Service) enqueue(q *queue, msgs []*message) ([]sendResult, error) {
	if q.fifo {
		return s.enqueueFIFO(q, msgs)
	}
	b := s.db.NewBatch()
	for _, m := range msgs {
		m.seq = q.nextSeq()
		b.Set(messageKey(prefixMessage, q.id, m.seq), encodeMessage(m))
	}
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("sqs: send: %w", err)
	}
	if err := q.insert(msgs, s.nowMS(), true); err != nil {
		return nil, err
	}
	out := make([]sendResult, len(msgs))
	for i, m := range msgs {
		out[i] = resultOf(m, false)
	}
	return out, nil
}

// enqueueFIFO is enqueue for FIFO queues: sends are serialised per queue so
// sequence order is delivery order, and duplicates within the window return
// the original message's id without being stored.
func (s *Service) enqueueFIFO(q *queue, msgs []*message) ([]sendResult, error) {
	q.sendMu.Lock()
	defer q.sendMu.Unlock()
	now := s.nowMS()
	out := make([]sendResult, len(msgs))
	fresh := make([]*message, 0, len(msgs))
	seen := map[string]*message{}
	b := s.db.NewBatch()
	q.mu.Lock()
	groupScope := q.cfg.groupScope
	for i, m := range msgs {
		key := dedupKey(m, groupScope)
		if d, ok := q.dedup[key]; ok && d.Expires > now {
			out[i] = sendResult{id: d.MessageID, md5Body: m.md5Body, md5Attrs: m.md5Attrs, md5Sys: m.md5Sys, seqNum: fmtSeq(d.Seq)}
			continue
		}
		if orig := seen[key]; orig != nil {
			out[i] = sendResult{id: orig.id, md5Body: m.md5Body, md5Attrs: m.md5Attrs, md5Sys: m.md5Sys, seqNum: fmtSeq(orig.seq)}
			continue
		}
		m.seq = q.nextSeq()
		seen[key] = m
		fresh = append(fresh, m)
		out[i] = resultOf(m, true)
		b.Set(messageKey(prefixMessage, q.id, m.seq), encodeMessage(m))
		rec, _ := json.Marshal(dedupRecord{MessageID: m.id, Seq: m.seq, Expires: now + dedupWindow.Milliseconds()})
		b.Set([]byte(prefixDedup+q.id+"/"+key), rec)
	}
	q.mu.Unlock()
	if len(fresh) == 0 {
		return out, nil
	}
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("sqs: send: %w", err)
	}
	q.mu.Lock()
	for _, m := range fresh {
		q.dedup[dedupKey(m, groupScope)] = dedupRecord{MessageID: m.id, Seq: m.seq, Expires: now + dedupWindow.Milliseconds()}
	}
	q.mu.Unlock()
	return out, q.insert(fresh, s.nowMS(), true)
}

func dedupKey(m *message, groupScope bool) string {
	if groupScope {
		return m.group + "\x00" + m.dedup
	}
	return m.dedup
}

// insert adds stored messages to the index and wakes long polls; count
// says whether they count as sent in the queue's metrics.
func (q *queue) insert(msgs []*message, now int64, count bool) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return errNoQueue()
	}
	for _, m := range msgs {
		q.idx.add(m, now)
		if q.oldest == 0 || m.sent < q.oldest {
			q.oldest = m.sent
		}
		if count {
			q.stats.sent.Add(1)
			q.stats.addSize(int64(m.size))
		}
	}
	q.signal()
	q.armTimer()
	return nil
}

func resultOf(m *message, fifo bool) sendResult {
	r := sendResult{id: m.id, md5Body: m.md5Body, md5Attrs: m.md5Attrs, md5Sys: m.md5Sys}
	if fifo {
		r.seqNum = fmtSeq(m.seq)
	}
	return r
}

// fmtSeq formats a FIFO SequenceNumber (20 digits, as AWS's).
func fmtSeq(seq uint64) string { return fmt.Sprintf("%020d", seq) }

// SendMessage sends one message.
func (s *Service) SendMessage(ctx context.Context, in *sqsapi.SendMessageInput) (*sqsapi.SendMessageOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	res, err := s.send(ctx, q, sendRequest{body: in.MessageBody, delay: in.DelaySeconds, attrs: in.MessageAttributes,
		sys: in.MessageSystemAttributes, dedupID: in.MessageDeduplicationId, groupID: in.MessageGroupId})
	if err != nil {
		return nil, err
	}
	return &sqsapi.SendMessageOutput{MessageId: &res.id, MD5OfMessageBody: &res.md5Body,
		MD5OfMessageAttributes: optional(res.md5Attrs), MD5OfMessageSystemAttributes: optional(res.md5Sys),
		SequenceNumber: optional(res.seqNum)}, nil
}

// send validates and enqueues one message.
func (s *Service) send(ctx context.Context, q *queue, r sendRequest) (sendResult, error) {
	q.mu.Lock()
	cfg := q.cfg
	q.mu.Unlock()
	m, aerr := s.prepare(q, cfg, r, s.senderID(ctx), s.nowMS())
	if aerr != nil {
		return sendResult{}, aerr
	}
	res, err := s.enqueue(q, []*message{m})
	if err != nil {
		return sendResult{}, err
	}
	return res[0], nil
}

// SendMessageBatch sends up to ten messages; entries fail individually.
func (s *Service) SendMessageBatch(ctx context.Context, in *sqsapi.SendMessageBatchInput) (*sqsapi.SendMessageBatchOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i := range in.Entries {
		ids[i] = in.Entries[i].Id
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	q.mu.Lock()
	cfg := q.cfg
	q.mu.Unlock()
	sender, now := s.senderID(ctx), s.nowMS()
	out := &sqsapi.SendMessageBatchOutput{Successful: []sqsapi.SendMessageBatchResultEntry{}, Failed: []sqsapi.BatchResultErrorEntry{}}
	var msgs []*message
	var okIDs []*string
	total := 0
	for _, e := range in.Entries {
		m, aerr := s.prepare(q, cfg, sendRequest{body: e.MessageBody, delay: e.DelaySeconds, attrs: e.MessageAttributes,
			sys: e.MessageSystemAttributes, dedupID: e.MessageDeduplicationId, groupID: e.MessageGroupId}, sender, now)
		if aerr != nil {
			out.Failed = append(out.Failed, failedEntry(e.Id, aerr))
			continue
		}
		total += m.size
		msgs = append(msgs, m)
		okIDs = append(okIDs, e.Id)
	}
	if total > maxMessageSizeLimit {
		return nil, awsapi.Errorf("BatchRequestTooLong", http.StatusBadRequest, "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxMessageSizeLimit, total)
	}
	if len(msgs) == 0 {
		return out, nil
	}
	res, err := s.enqueue(q, msgs)
	if err != nil {
		return nil, err
	}
	for i, r := range res {
		out.Successful = append(out.Successful, sqsapi.SendMessageBatchResultEntry{Id: okIDs[i], MessageId: &r.id,
			MD5OfMessageBody: &r.md5Body, MD5OfMessageAttributes: optional(r.md5Attrs),
			MD5OfMessageSystemAttributes: optional(r.md5Sys), SequenceNumber: optional(r.seqNum)})
	}
	return out, nil
}

// checkBatch applies the batch-level rules shared by the batch operations.
func checkBatch(ids []*string) error {
	if len(ids) == 0 {
		return awsapi.Errorf("EmptyBatchRequest", http.StatusBadRequest, "There should be at least one SendMessageBatchRequestEntry in the request.")
	}
	if len(ids) > maxBatchEntries {
		return awsapi.Errorf("TooManyEntriesInBatchRequest", http.StatusBadRequest, "Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if id == nil || !batchIDRE.MatchString(*id) {
			return awsapi.Errorf("InvalidBatchEntryId", http.StatusBadRequest, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[*id] {
			return awsapi.Errorf("BatchEntryIdsNotDistinct", http.StatusBadRequest, "Id %s repeated.", *id)
		}
		seen[*id] = true
	}
	return nil
}

// failedEntry turns an error into a batch result error entry.
func failedEntry(id *string, err error) sqsapi.BatchResultErrorEntry {
	ae := awsapi.AsError(err)
	sender := !ae.Receiver && ae.Status < 500
	code := ae.Code
	return sqsapi.BatchResultErrorEntry{Id: id, Code: &code, Message: &ae.Message, SenderFault: &sender}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
