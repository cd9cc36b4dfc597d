package sqs

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// maxVisibility is the longest a message can stay in flight from its
// receive (12 hours).
const maxVisibility = 43200 * time.Second

// resolveHandle decodes a receipt handle of q and returns the message it
// names, or nil when the message is gone or was received again since (stale
// reports that). q.mu must be held.
func (q *queue) resolveHandle(h string) (m *message, stale bool, err error) {
	r, perr := parseReceipt(h)
	if perr != nil || r.queueID != q.idb {
		return nil, false, invalidHandle(h)
	}
	m = q.idx.msgs[r.seq]
	if m == nil || msgIDBytes(m.id) != r.msgID {
		return nil, true, nil
	}
	if m.receives != r.gen {
		return m, true, nil
	}
	return m, false, nil
}

// deleteHandles deletes the messages named by handles and returns one error
// (or nil) per handle. The deletions are committed durably in one batch.
func (s *Service) deleteHandles(q *queue, handles []string) ([]error, error) {
	errs := make([]error, len(handles))
	now := s.nowMS()
	b := s.db.NewBatch()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, errNoQueue()
	}
	q.idx.promote(now)
	for i, h := range handles {
		m, stale, err := q.resolveHandle(h)
		switch {
		case err != nil:
			errs[i] = err
		case m == nil || stale:
			// Gone already, or received again since: AWS succeeds without
			// deleting (FIFO: the handle expired).
			if q.fifo && m != nil {
				errs[i] = expiredHandle(h)
			}
		case q.fifo && m.where != whereInflight:
			errs[i] = expiredHandle(h)
		default:
			q.idx.remove(m)
			b.Delete(messageKey(prefixMessage, q.id, m.seq))
			b.Delete(messageKey(prefixReceive, q.id, m.seq))
			q.stats.deleted.Add(1)
		}
	}
	if q.fifo && b.Len() > 0 {
		q.signal() // the deletes may have unlocked message groups
	}
	q.mu.Unlock()
	if b.Len() > 0 {
		if err := b.Commit(true); err != nil {
			return nil, fmt.Errorf("sqs: delete: %w", err)
		}
	}
	return errs, nil
}

func expiredHandle(h string) *awsapi.Error {
	return awsapi.Errorf("ReceiptHandleIsInvalid", http.StatusBadRequest, "The receipt handle has expired.")
}

// DeleteMessage deletes a received message.
func (s *Service) DeleteMessage(ctx context.Context, in *sqsapi.DeleteMessageInput) (*sqsapi.DeleteMessageOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	errs, err := s.deleteHandles(q, []string{deref(in.ReceiptHandle)})
	if err != nil {
		return nil, err
	}
	return nil, errs[0]
}

// DeleteMessageBatch deletes up to ten received messages.
func (s *Service) DeleteMessageBatch(ctx context.Context, in *sqsapi.DeleteMessageBatchInput) (*sqsapi.DeleteMessageBatchOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	handles := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i], handles[i] = e.Id, deref(e.ReceiptHandle)
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	errs, err := s.deleteHandles(q, handles)
	if err != nil {
		return nil, err
	}
	out := &sqsapi.DeleteMessageBatchOutput{Successful: []sqsapi.DeleteMessageBatchResultEntry{}, Failed: []sqsapi.BatchResultErrorEntry{}}
	for i, e := range errs {
		if e != nil {
			out.Failed = append(out.Failed, failedEntry(ids[i], e))
			continue
		}
		out.Successful = append(out.Successful, sqsapi.DeleteMessageBatchResultEntry{Id: ids[i]})
	}
	return out, nil
}

// changeVisibility sets the visibility timeout of the message named by h.
// The change is recorded without waiting for an fsync.
func (s *Service) changeVisibility(q *queue, h string, timeout int32) error {
	if timeout < 0 || timeout > 43200 {
		return invalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", timeout)
	}
	state, seq, err := q.setVisibility(h, timeout, s.nowMS())
	if err != nil {
		return err
	}
	s.states.put(messageKey(prefixReceive, q.id, seq), encodeReceive(state))
	return nil
}

// setVisibility applies a visibility change in memory and returns the
// receive state to store.
func (q *queue) setVisibility(h string, timeout int32, now int64) (receiveState, uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return receiveState{}, 0, errNoQueue()
	}
	q.idx.promote(now)
	m, stale, err := q.resolveHandle(h)
	if err != nil {
		return receiveState{}, 0, err
	}
	if m == nil || stale {
		return receiveState{}, 0, invalidParameter("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", h)
	}
	if m.where != whereInflight {
		return receiveState{}, 0, awsapi.Errorf("MessageNotInflight", http.StatusBadRequest, "The message referred to isn't in flight.")
	}
	until := now + int64(timeout)*1000
	if until-m.recvAt > maxVisibility.Milliseconds() {
		return receiveState{}, 0, invalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]", timeout)
	}
	m.visibleAt = until
	q.idx.changeVisibility(m, until, now)
	if until <= now {
		q.signal()
	}
	q.armTimer()
	return m.receiveState, m.seq, nil
}

// ChangeMessageVisibility changes the visibility timeout of a received
// message, counted from now.
func (s *Service) ChangeMessageVisibility(ctx context.Context, in *sqsapi.ChangeMessageVisibilityInput) (*sqsapi.ChangeMessageVisibilityOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.VisibilityTimeout == nil {
		return nil, missingParameter("VisibilityTimeout")
	}
	return nil, s.changeVisibility(q, deref(in.ReceiptHandle), *in.VisibilityTimeout)
}

// ChangeMessageVisibilityBatch changes the visibility timeout of up to ten
// received messages.
func (s *Service) ChangeMessageVisibilityBatch(ctx context.Context, in *sqsapi.ChangeMessageVisibilityBatchInput) (*sqsapi.ChangeMessageVisibilityBatchOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]*string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	out := &sqsapi.ChangeMessageVisibilityBatchOutput{Successful: []sqsapi.ChangeMessageVisibilityBatchResultEntry{}, Failed: []sqsapi.BatchResultErrorEntry{}}
	for _, e := range in.Entries {
		var timeout int32
		if e.VisibilityTimeout != nil {
			timeout = *e.VisibilityTimeout
		}
		if err := s.changeVisibility(q, deref(e.ReceiptHandle), timeout); err != nil {
			out.Failed = append(out.Failed, failedEntry(e.Id, err))
			continue
		}
		out.Successful = append(out.Successful, sqsapi.ChangeMessageVisibilityBatchResultEntry{Id: e.Id})
	}
	return out, nil
}
