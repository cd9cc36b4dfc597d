package sns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/nubo/nubo/internal/platform/store"
)

// process attempts one outbox delivery and updates its record: deleted on
// success or final failure, rescheduled with the retry policy otherwise.
func (s *Service) process(ctx context.Context, key string) outcome {
	d, err := s.outbox.Get(key)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("sns: read delivery", "key", key, "err", err)
		}
		return outcome{}
	}
	s.mu.RLock()
	_, live := s.subs[d.SubARN]
	s.mu.RUnlock()
	if !live && d.DLQ == "" {
		s.finish(&d)
		return outcome{}
	}
	err = s.deliver(ctx, &d)
	switch {
	case errors.Is(err, errNoTarget):
		return outcome{park: true}
	case err == nil:
		s.finish(&d)
		s.delivered(&d)
		return outcome{}
	case ctx.Err() != nil:
		return outcome{} // stopping: the record stays for the next start
	}
	return s.failed(&d, err)
}

// delivered records the success metrics of a delivery.
func (s *Service) delivered(d *delivery) {
	switch {
	case d.Msg.Kind != "":
	case d.DLQ != "":
		s.record(d.Msg.TopicARN, "NumberOfNotificationsRedrivenToDlq", 1, "Count")
	default:
		s.record(d.Msg.TopicARN, "NumberOfNotificationsDelivered", 1, "Count")
	}
}

// finish deletes a delivery's outbox record.
func (s *Service) finish(d *delivery) {
	b := s.db.NewBatch()
	s.outbox.Delete(b, d.Key)
	if err := b.Commit(false); err != nil {
		s.log.Warn("sns: delete delivery", "key", d.Key, "err", err)
	}
}

// failed handles a failed attempt: schedule the next retry, move to the
// dead-letter queue, or drop the message when nothing is left.
func (s *Service) failed(d *delivery, cause error) outcome {
	d.Attempts++
	d.LastError = cause.Error()
	policy := s.retryPolicy(d)
	wait, retry := policy.delay(d.Attempts)
	if retry && !isPermanent(cause) {
		d.NextAt = s.clock.Now().Add(wait)
		if err := s.outbox.Save(d.Key, *d, false); err != nil {
			s.log.Warn("sns: save delivery", "key", d.Key, "err", err)
		}
		if wait <= 0 {
			return outcome{now: true}
		}
		return outcome{at: d.NextAt}
	}
	if d.DLQ != "" {
		s.record(d.Msg.TopicARN, "NumberOfNotificationsFailedToRedriveToDlq", 1, "Count")
		s.finish(d)
		return outcome{}
	}
	if d.Msg.Kind == "" {
		s.record(d.Msg.TopicARN, "NumberOfNotificationsFailed", 1, "Count")
	}
	s.mu.RLock()
	var dlq string
	if r := s.subs[d.SubARN]; r != nil && d.Msg.Kind == "" {
		dlq = redriveTarget(r.Attributes["RedrivePolicy"])
	}
	s.mu.RUnlock()
	if dlq == "" {
		s.log.Info("sns: delivery failed, message dropped", "subscription", d.SubARN, "err", cause)
		s.finish(d)
		return outcome{}
	}
	d.DLQ, d.Attempts, d.NextAt = dlq, 0, s.clock.Now()
	if err := s.outbox.Save(d.Key, *d, true); err != nil {
		s.log.Warn("sns: save delivery", "key", d.Key, "err", err)
	}
	return outcome{now: true}
}

// retryPolicy returns the policy for a delivery's endpoint.
func (s *Service) retryPolicy(d *delivery) RetryPolicy {
	if d.DLQ == "" && (d.Protocol == "http" || d.Protocol == "https") {
		p, _ := s.httpPolicy(d)
		return p
	}
	if s.cfg.ManagedRetry != nil {
		return *s.cfg.ManagedRetry
	}
	return defaultManagedRetry()
}

// httpPolicy returns the retry policy and content type of an HTTP delivery.
func (s *Service) httpPolicy(d *delivery) (RetryPolicy, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var topicDoc, subDoc string
	if t := s.topics[d.Msg.TopicARN]; t != nil {
		topicDoc = t.Attributes["DeliveryPolicy"]
	}
	if r := s.subs[d.SubARN]; r != nil {
		subDoc = r.Attributes["DeliveryPolicy"]
	}
	return effectiveHTTP(topicDoc, subDoc)
}

// deliver makes one delivery attempt.
func (s *Service) deliver(ctx context.Context, d *delivery) error {
	queueT, funcT := s.targets()
	switch {
	case d.DLQ != "" || d.Protocol == "sqs":
		if queueT == nil {
			return errNoTarget
		}
		m, err := s.queueMessage(ctx, d)
		if err != nil {
			return err
		}
		dest := d.Endpoint
		if d.DLQ != "" {
			dest = d.DLQ
		}
		return queueT.DeliverSQS(ctx, dest, m)
	case d.Protocol == "lambda":
		if funcT == nil {
			return errNoTarget
		}
		payload, err := s.lambdaPayload(ctx, d)
		if err != nil {
			return err
		}
		return funcT.InvokeLambdaAsync(ctx, d.Endpoint, payload)
	case d.Protocol == "http" || d.Protocol == "https":
		return s.deliverHTTP(ctx, d)
	case d.Protocol == protoEmail || d.Protocol == protoEmailJSN || d.Protocol == "sms":
		return s.deliverMail(ctx, d)
	}
	return Permanent(fmt.Errorf("sns: protocol %q is not deliverable", d.Protocol))
}

// queueMessage renders an SQS delivery (or a dead-letter redrive).
func (s *Service) queueMessage(ctx context.Context, d *delivery) (QueueMessage, error) {
	m := QueueMessage{MessageGroupID: d.Msg.GroupID, DeduplicationID: d.Msg.DedupID}
	if d.Raw {
		m.Body, m.Attributes = d.Msg.bodyFor(d.Protocol), d.Msg.Attrs
		return m, nil
	}
	body, err := s.jsonEnvelope(ctx, d)
	m.Body = string(body)
	return m, err
}

// deliverHTTP POSTs a message to an HTTP/S endpoint; any 2xx answer is a
// success.
func (s *Service) deliverHTTP(ctx context.Context, d *delivery) error {
	var body []byte
	var err error
	if d.Raw && d.Msg.Kind == "" {
		body = []byte(d.Msg.bodyFor(d.Protocol))
	} else if body, err = s.jsonEnvelope(ctx, d); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("sns: http endpoint: %w", err))
	}
	_, ctype := s.httpPolicy(d)
	kind := "Notification"
	if d.Msg.Kind != "" {
		kind = d.Msg.Kind
	}
	h := req.Header
	h.Set("Content-Type", ctype)
	h.Set("User-Agent", "Amazon Simple Notification Service Agent")
	h.Set("x-amz-sns-message-type", kind)
	h.Set("x-amz-sns-message-id", d.Msg.ID)
	h.Set("x-amz-sns-topic-arn", d.Msg.TopicARN)
	if d.Msg.Kind == "" {
		h.Set("x-amz-sns-subscription-arn", d.SubARN)
		if d.Raw {
			h.Set("x-amz-sns-rawdelivery", "true")
		}
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("sns: http delivery: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("sns: http delivery: endpoint answered %d", resp.StatusCode)
	}
	return nil
}

// deliverMail "sends" an email or SMS: it is stored in the mail outbox,
// readable through GET /_nubo/sns/messages.
func (s *Service) deliverMail(ctx context.Context, d *delivery) error {
	var text string
	var err error
	switch d.Protocol {
	case protoEmail:
		text, err = s.emailText(ctx, d)
	case protoEmailJSN:
		var b []byte
		b, err = s.jsonEnvelope(ctx, d)
		text = string(b)
	default:
		text = d.Msg.bodyFor("sms")
	}
	if err != nil {
		return err
	}
	r := &subRecord{ARN: d.SubARN, Protocol: d.Protocol, Endpoint: d.Endpoint}
	rec := s.mailRecord(r, d.Msg, text)
	if err := s.mail.Save(d.Key, rec, true); err != nil {
		return fmt.Errorf("sns: store mail: %w", err)
	}
	return nil
}
