package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"time"
)

// QueueSource is the SQS API event source mappings poll; the server adapts
// the SQS service to it. Errors are returned as they are (a missing queue
// makes the poller back off and retry).
type QueueSource interface {
	// QueueInfo reports whether the queue named by arn exists, whether it is
	// a FIFO queue and its visibility timeout.
	QueueInfo(arn string) (fifo bool, visibilityTimeout time.Duration, exists bool)
	// Receive receives up to max (1–10) messages with the queue's own
	// visibility timeout, long polling up to wait (≤ 20 s). It returns early
	// with ctx's error when ctx is done. Messages past the queue's
	// maxReceiveCount go to its dead-letter queue inside SQS, as with
	// ReceiveMessage.
	Receive(ctx context.Context, queueARN string, max int, wait time.Duration) ([]QueueMessage, error)
	// DeleteBatch deletes received messages by receipt handle (any number of
	// them); handles that are no longer valid are ignored.
	DeleteBatch(ctx context.Context, queueARN string, receiptHandles []string) error
	// ChangeVisibility makes a received message visible again after timeout
	// (0: at once).
	ChangeVisibility(ctx context.Context, queueARN, receiptHandle string, timeout time.Duration) error
}

// QueueMessage is a received SQS message with everything the SQS event
// record carries.
type QueueMessage struct {
	MessageID     string
	ReceiptHandle string
	Body          string
	// MD5OfBody is the hex MD5 of Body.
	MD5OfBody string
	// Attributes are the system attributes as ReceiveMessage returns them
	// with AttributeNames=All: ApproximateReceiveCount, SentTimestamp,
	// SenderId, ApproximateFirstReceiveTimestamp and, when they apply,
	// SequenceNumber, MessageGroupId, MessageDeduplicationId, AWSTraceHeader,
	// DeadLetterQueueSourceArn.
	Attributes map[string]string
	// MessageAttributes are the user attributes.
	MessageAttributes map[string]QueueMessageAttribute
	// MessageGroupID is the FIFO message group ("" on standard queues).
	MessageGroupID string
}

// QueueMessageAttribute is a message attribute value.
type QueueMessageAttribute struct {
	// DataType is String, Number or Binary, optionally with a custom suffix.
	DataType         string
	StringValue      *string
	BinaryValue      []byte
	StringListValues []string
	BinaryListValues [][]byte
}

// SetQueueSource installs the SQS API that event source mappings poll.
// Mappings cannot be created, and pollers wait, until one is installed.
func (s *Service) SetQueueSource(q QueueSource) {
	s.hooksMu.Lock()
	s.queueSrc = q
	s.hooksMu.Unlock()
	s.esm.kick()
}

func (s *Service) queueSource() QueueSource {
	s.hooksMu.RLock()
	defer s.hooksMu.RUnlock()
	return s.queueSrc
}

// sqsRecord is one record of AWS's SQS event, fields in AWS's order.
type sqsRecord struct {
	MessageID         string                     `json:"messageId"`
	ReceiptHandle     string                     `json:"receiptHandle"`
	Body              string                     `json:"body"`
	Attributes        map[string]string          `json:"attributes"`
	MessageAttributes map[string]sqsEventMsgAttr `json:"messageAttributes"`
	MD5OfBody         string                     `json:"md5OfBody"`
	EventSource       string                     `json:"eventSource"`
	EventSourceARN    string                     `json:"eventSourceARN"`
	AWSRegion         string                     `json:"awsRegion"`
}

// sqsEventMsgAttr is a message attribute in lowerCamel, as the event spells it.
type sqsEventMsgAttr struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues [][]byte `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

// newSQSRecord builds the event record of m received from queueARN.
func newSQSRecord(m QueueMessage, queueARN, region string) sqsRecord {
	attrs := m.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	mas := make(map[string]sqsEventMsgAttr, len(m.MessageAttributes))
	for k, a := range m.MessageAttributes {
		ea := sqsEventMsgAttr{StringValue: a.StringValue, BinaryValue: a.BinaryValue,
			StringListValues: a.StringListValues, BinaryListValues: a.BinaryListValues, DataType: a.DataType}
		if ea.StringListValues == nil {
			ea.StringListValues = []string{}
		}
		if ea.BinaryListValues == nil {
			ea.BinaryListValues = [][]byte{}
		}
		mas[k] = ea
	}
	return sqsRecord{MessageID: m.MessageID, ReceiptHandle: m.ReceiptHandle, Body: m.Body, Attributes: attrs,
		MessageAttributes: mas, MD5OfBody: m.MD5OfBody, EventSource: "aws:sqs", EventSourceARN: queueARN,
		AWSRegion: region}
}

// filterView returns the record as filter patterns see it: the record's
// JSON with the body parsed when it is JSON.
func filterView(encoded []byte, body string) map[string]any {
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(encoded))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		return map[string]any{}
	}
	bd := json.NewDecoder(bytes.NewReader([]byte(body)))
	bd.UseNumber()
	var parsed any
	if err := bd.Decode(&parsed); err == nil && !bd.More() {
		ev["body"] = parsed
	}
	return ev
}

// encodeEvent joins encoded records into {"Records":[…]}.
func encodeEvent(records [][]byte) []byte {
	n := 14
	for _, r := range records {
		n += len(r) + 1
	}
	buf := make([]byte, 0, n)
	buf = append(buf, `{"Records":[`...)
	for i, r := range records {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, r...)
	}
	return append(buf, "]}"...)
}

// batchFailures interprets a ReportBatchItemFailures response: the ids of
// the failed messages, or all=true when the whole batch counts as failed.
// AWS treats a null or empty response, or a null or empty
// batchItemFailures, as complete success; invalid JSON, an empty or null
// itemIdentifier, a misnamed key or an id not in the batch as complete
// failure.
func batchFailures(payload []byte, inBatch map[string]bool) (failed map[string]bool, all bool) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, false
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &resp); err != nil {
		return nil, true
	}
	raw, ok := resp["batchItemFailures"]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, true
	}
	failed = map[string]bool{}
	for _, it := range items {
		var id string
		if err := json.Unmarshal(it["itemIdentifier"], &id); err != nil || id == "" || !inBatch[id] {
			return nil, true
		}
		failed[id] = true
	}
	return failed, false
}
