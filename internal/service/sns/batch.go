package sns

import (
	"context"
	"regexp"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/snsapi"
)

const maxBatchEntries = 10

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// PublishBatch publishes up to ten messages to a topic; entries that fail
// validation are reported in Failed while the others are published.
func (s *Service) PublishBatch(ctx context.Context, in *snsapi.PublishBatchInput) (*snsapi.PublishBatchOutput, error) {
	topicARN := deref(in.TopicArn)
	if topicARN == "" {
		return nil, missing("TopicArn")
	}
	if err := checkBatch(in.PublishBatchRequestEntries); err != nil {
		return nil, err
	}
	s.mu.RLock()
	_, err := s.topicLocked(in.TopicArn)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	out := &snsapi.PublishBatchOutput{Successful: []snsapi.PublishBatchResultEntry{}, Failed: []snsapi.BatchResultErrorEntry{}}
	for _, e := range in.PublishBatchRequestEntries {
		id, seq, err := s.publishEntry(ctx, topicARN, e)
		if err != nil {
			ae := awsapi.AsError(err)
			if ae.Status >= 500 {
				return nil, err
			}
			code := ae.Code
			if sh := s.API().ErrorShape(code); sh != nil && sh.Error != nil && sh.Error.Code != "" {
				code = sh.Error.Code
			}
			out.Failed = append(out.Failed, snsapi.BatchResultErrorEntry{Id: e.Id, Code: ptr(code),
				Message: ptr(ae.Message), SenderFault: ptr(true)})
			continue
		}
		r := snsapi.PublishBatchResultEntry{Id: e.Id, MessageId: ptr(id)}
		if seq != "" {
			r.SequenceNumber = ptr(seq)
		}
		out.Successful = append(out.Successful, r)
	}
	return out, nil
}

// checkBatch applies the request-level checks of PublishBatch.
func checkBatch(entries []snsapi.PublishBatchRequestEntry) error {
	switch {
	case len(entries) == 0:
		return errBatch("EmptyBatchRequestException", "The batch request doesn't contain any entries")
	case len(entries) > maxBatchEntries:
		return errBatch("TooManyEntriesInBatchRequestException", "The batch request contains more entries than permissible")
	}
	seen := map[string]bool{}
	total := 0
	for _, e := range entries {
		id := deref(e.Id)
		if !batchIDRE.MatchString(id) {
			return errBatch("InvalidBatchEntryIdException", "A batch entry id can only contain alphanumeric characters, "+
				"hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[id] {
			return errBatch("BatchEntryIdsNotDistinctException", "Two or more batch entries in the request have the same Id.")
		}
		seen[id] = true
		total += len(deref(e.Message))
		for k, v := range e.MessageAttributes {
			total += len(k) + len(deref(v.DataType)) + len(deref(v.StringValue)) + len(v.BinaryValue)
		}
	}
	if total > maxMessageBytes {
		return errBatch("BatchRequestTooLongException", "The length of all the messages put together is more than the limit.")
	}
	return nil
}

// publishEntry validates and publishes one batch entry.
func (s *Service) publishEntry(ctx context.Context, topicARN string, e snsapi.PublishBatchRequestEntry) (string, string, error) {
	req, err := validatePublish(e.Message, e.Subject, e.MessageStructure, e.MessageAttributes)
	if err != nil {
		return "", "", err
	}
	req.groupID, req.dedupID = deref(e.MessageGroupId), deref(e.MessageDeduplicationId)
	return s.publish(ctx, topicARN, req)
}
