package sqs

import (
	"fmt"
)

// queueByARN returns the queue named by an SQS ARN, or nil.
func (s *Service) queueByARN(a string) *queue {
	_, acct, name, ok := parseQueueARN(a)
	if !ok {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byName[acct+"/"+name]
}

// deadLetterQueue returns q's dead-letter queue, or nil.
func (s *Service) deadLetterQueue(q *queue) *queue {
	q.mu.Lock()
	rp := q.cfg.redrive
	q.mu.Unlock()
	if rp == nil {
		return nil
	}
	dlq := s.queueByARN(rp.DeadLetterTargetArn)
	if dlq == q {
		return nil
	}
	return dlq
}

// moveToDeadLetter moves messages already taken out of src's index to its
// dead-letter queue, durably.
func (s *Service) moveToDeadLetter(src, dlq *queue, msgs []*message) {
	if err := s.transfer(src, dlq, msgs, src.arn); err != nil {
		s.log.Warn("sqs: dead-letter move failed; messages stay in the source queue", "queue", src.name, "err", err)
	}
}

// transfer moves msgs, already removed from src's index, to dst in one
// durable batch. The copies keep their id, body, attributes and send time;
// their receive state starts afresh. On failure the messages go back into
// src's index (the store still has them there).
func (s *Service) transfer(src, dst *queue, msgs []*message, dlqFrom string) error {
	b := s.db.NewBatch()
	copies := make([]*message, len(msgs))
	for i, m := range msgs {
		c := &message{id: m.id, body: m.body, attrs: m.attrs, trace: m.trace, sent: m.sent, sender: m.sender,
			group: m.group, dedup: m.dedup, dlqFrom: dlqFrom, md5Body: m.md5Body, md5Attrs: m.md5Attrs,
			md5Sys: m.md5Sys, size: m.size}
		c.seq = dst.nextSeq()
		copies[i] = c
		b.Delete(messageKey(prefixMessage, src.id, m.seq))
		b.Delete(messageKey(prefixReceive, src.id, m.seq))
		b.Set(messageKey(prefixMessage, dst.id, c.seq), encodeMessage(c))
	}
	err := b.Commit(true)
	if err == nil {
		err = dst.insert(copies, s.nowMS(), false)
	}
	if err != nil {
		now := s.nowMS()
		src.mu.Lock()
		for _, m := range msgs {
			if !src.deleted {
				src.idx.add(m, now)
			}
		}
		src.signal()
		src.mu.Unlock()
		return fmt.Errorf("sqs: move messages: %w", err)
	}
	return nil
}
