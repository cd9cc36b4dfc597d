package sqs

import (
	"context"
	"maps"
	"time"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// MessageAttribute is a message attribute value (DataType String, Number or
// Binary, optionally with a custom suffix such as "String.json").
type MessageAttribute = sqsapi.MessageAttributeValue

// Message is a received message with everything an event source mapping's
// SQS event needs.
type Message struct {
	MessageID     string
	ReceiptHandle string
	Body          string
	MD5OfBody     string
	// Attributes are the message system attributes: ApproximateReceiveCount,
	// SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, and when
	// they apply AWSTraceHeader, MessageGroupId, MessageDeduplicationId,
	// SequenceNumber and DeadLetterQueueSourceArn.
	Attributes             map[string]string
	MessageAttributes      map[string]MessageAttribute
	MD5OfMessageAttributes string
	// MessageGroupID is set for FIFO queues (and fair standard queues).
	MessageGroupID string
}

// QueueInfo describes a queue for other services.
type QueueInfo struct {
	Name, ARN, Account, Region string
	FIFO                       bool
	VisibilityTimeout          time.Duration
	// Attributes are the settable attributes with their defaults.
	Attributes map[string]string
	// RedriveDeadLetterARN and MaxReceiveCount are the RedrivePolicy, if any.
	RedriveDeadLetterARN string
	MaxReceiveCount      int
}

// OutgoingMessage is a message sent through the Go API.
type OutgoingMessage struct {
	Body              string
	MessageAttributes map[string]MessageAttribute
	// TraceHeader is the AWSTraceHeader system attribute.
	TraceHeader string
	// Delay, when positive, overrides the queue's DelaySeconds (standard
	// queues only); zero keeps the queue's.
	Delay time.Duration
	// MessageGroupID and DeduplicationID are for FIFO queues; without a
	// DeduplicationID the queue must use content-based deduplication.
	MessageGroupID  string
	DeduplicationID string
}

// SendResult is the outcome of a send through the Go API.
type SendResult struct {
	MessageID              string
	MD5OfMessageBody       string
	MD5OfMessageAttributes string
	SequenceNumber         string
}

// QueueByARN returns the queue named by arn, if it exists.
func (s *Service) QueueByARN(arn string) (QueueInfo, bool) {
	q := s.queueByARN(arn)
	if q == nil {
		return QueueInfo{}, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	info := QueueInfo{Name: q.name, ARN: q.arn, Account: q.account, Region: q.region, FIFO: q.fifo,
		VisibilityTimeout: q.cfg.visibility, Attributes: effectiveAttributes(q.rec)}
	if rp := q.cfg.redrive; rp != nil {
		info.RedriveDeadLetterARN, info.MaxReceiveCount = rp.DeadLetterTargetArn, rp.MaxReceiveCount
	}
	return info, true
}

// QueueURL returns the URL of the queue named by arn as seen from endpoint
// ("" for the service's configured endpoint).
func (s *Service) QueueURL(arn, endpoint string) (string, bool) {
	q := s.queueByARN(arn)
	if q == nil {
		return "", false
	}
	if endpoint == "" {
		endpoint = s.endpointOf(context.Background())
	}
	return queueURL(endpoint, q.account, q.name), true
}

// SendMessageToQueue sends body with attributes to the queue named by
// queueARN, with the same validation as the API, and returns the message
// id. Errors are *awsapi.Error values (QueueDoesNotExist, …).
func (s *Service) SendMessageToQueue(ctx context.Context, queueARN, body string, attrs map[string]MessageAttribute) (string, error) {
	r, err := s.Send(ctx, queueARN, OutgoingMessage{Body: body, MessageAttributes: attrs})
	return r.MessageID, err
}

// Send sends one message to the queue named by queueARN; for FIFO queues
// MessageGroupID (and a DeduplicationID unless the queue deduplicates by
// content) are required, and a duplicate within five minutes returns the
// original message id without enqueuing.
func (s *Service) Send(ctx context.Context, queueARN string, m OutgoingMessage) (SendResult, error) {
	q := s.queueByARN(queueARN)
	if q == nil {
		return SendResult{}, errNoQueue()
	}
	r := sendRequest{body: &m.Body, attrs: maps.Clone(m.MessageAttributes)}
	if m.Delay > 0 {
		d := int32((m.Delay + time.Second - 1) / time.Second)
		r.delay = &d
	}
	if m.TraceHeader != "" {
		typ := "String"
		r.sys = map[string]sqsapi.MessageSystemAttributeValue{"AWSTraceHeader": {DataType: &typ, StringValue: &m.TraceHeader}}
	}
	if m.MessageGroupID != "" {
		r.groupID = &m.MessageGroupID
	}
	if m.DeduplicationID != "" {
		r.dedupID = &m.DeduplicationID
	}
	res, err := s.send(ctx, q, r)
	if err != nil {
		return SendResult{}, err
	}
	return SendResult{MessageID: res.id, MD5OfMessageBody: res.md5Body, MD5OfMessageAttributes: res.md5Attrs,
		SequenceNumber: res.seqNum}, nil
}

// Receive receives up to max (1–10) messages from the queue named by
// queueARN, hiding them for visibility (< 0: the queue's timeout) and long
// polling up to wait (≤ 20 s) on the Nubo clock. Messages over the queue's
// maxReceiveCount move to its dead-letter queue as with ReceiveMessage.
func (s *Service) Receive(ctx context.Context, queueARN string, max int, visibility, wait time.Duration) ([]Message, error) {
	q := s.queueByARN(queueARN)
	if q == nil {
		return nil, errNoQueue()
	}
	if max < 1 || max > maxBatchEntries {
		return nil, invalidParameter("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", max)
	}
	if visibility > maxVisibility || wait < 0 || wait > 20*time.Second {
		return nil, invalidParameter("Visibility timeout or wait time out of range.")
	}
	got, err := s.receive(ctx, q, receiveOptions{max: max, visibility: visibility, wait: wait})
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(got))
	for i, r := range got {
		api := r.toAPI(q.fifo, []string{"All"}, []string{"All"})
		out[i] = Message{MessageID: r.m.id, ReceiptHandle: r.handle, Body: r.m.body, MD5OfBody: r.m.md5Body,
			Attributes: api.Attributes, MessageAttributes: api.MessageAttributes,
			MD5OfMessageAttributes: deref(api.MD5OfMessageAttributes), MessageGroupID: r.m.group}
	}
	return out, nil
}

// Delete deletes a received message of the queue named by queueARN.
func (s *Service) Delete(ctx context.Context, queueARN, receiptHandle string) error {
	q := s.queueByARN(queueARN)
	if q == nil {
		return errNoQueue()
	}
	errs, err := s.deleteHandles(q, []string{receiptHandle})
	if err != nil {
		return err
	}
	return errs[0]
}

// DeleteBatch deletes several received messages of one queue in one durable
// commit; the result has one error (or nil) per handle.
func (s *Service) DeleteBatch(ctx context.Context, queueARN string, receiptHandles []string) ([]error, error) {
	q := s.queueByARN(queueARN)
	if q == nil {
		return nil, errNoQueue()
	}
	return s.deleteHandles(q, receiptHandles)
}

// ChangeVisibility sets a received message's visibility timeout, counted
// from now (0 makes it visible at once).
func (s *Service) ChangeVisibility(ctx context.Context, queueARN, receiptHandle string, timeout time.Duration) error {
	q := s.queueByARN(queueARN)
	if q == nil {
		return errNoQueue()
	}
	return s.changeVisibility(q, receiptHandle, int32(timeout/time.Second))
}
