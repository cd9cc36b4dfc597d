package sqs

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// received is a snapshot of one message as handed to a consumer.
type received struct {
	m      *message // immutable fields only
	state  receiveState
	handle string
}

// receiveOptions are the parameters of one receive.
type receiveOptions struct {
	max        int
	visibility time.Duration // < 0: the queue's VisibilityTimeout
	wait       time.Duration
	attemptID  string
}

// ReceiveMessage receives up to MaxNumberOfMessages messages, long polling
// for up to WaitTimeSeconds.
func (s *Service) ReceiveMessage(ctx context.Context, in *sqsapi.ReceiveMessageInput) (*sqsapi.ReceiveMessageOutput, error) {
	q, err := s.lookup(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	opts := receiveOptions{max: 1, visibility: -1}
	if in.MaxNumberOfMessages != nil {
		if n := *in.MaxNumberOfMessages; n < 1 || n > maxBatchEntries {
			return nil, invalidParameter("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", n)
		}
		opts.max = int(*in.MaxNumberOfMessages)
	}
	if in.VisibilityTimeout != nil {
		if v := *in.VisibilityTimeout; v < 0 || v > 43200 {
			return nil, invalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", v)
		}
		opts.visibility = time.Duration(*in.VisibilityTimeout) * time.Second
	}
	q.mu.Lock()
	opts.wait = q.cfg.wait
	q.mu.Unlock()
	if in.WaitTimeSeconds != nil {
		if w := *in.WaitTimeSeconds; w < 0 || w > 20 {
			return nil, invalidParameter("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", w)
		}
		opts.wait = time.Duration(*in.WaitTimeSeconds) * time.Second
	}
	if id := deref(in.ReceiveRequestAttemptId); id != "" {
		if !attemptIDRE.MatchString(id) {
			return nil, invalidParameter("Value %s for parameter ReceiveRequestAttemptId is invalid. Reason: ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.", id)
		}
		if q.fifo {
			opts.attemptID = id
		}
	}
	got, err := s.receive(ctx, q, opts)
	if err != nil {
		return nil, err
	}
	sysNames := append(slices.Clone(in.AttributeNames), in.MessageSystemAttributeNames...)
	out := &sqsapi.ReceiveMessageOutput{Messages: make([]sqsapi.Message, 0, len(got))}
	for _, r := range got {
		out.Messages = append(out.Messages, r.toAPI(q.fifo, sysNames, in.MessageAttributeNames))
	}
	return out, nil
}

// toAPI renders a received message with the requested attributes.
func (r received) toAPI(fifo bool, sysNames, attrNames []string) sqsapi.Message {
	m := r.m
	id, body, md5, handle := m.id, m.body, m.md5Body, r.handle
	out := sqsapi.Message{MessageId: &id, ReceiptHandle: &handle, Body: &body, MD5OfBody: &md5}
	if sys := r.systemAttributes(fifo, sysNames); len(sys) > 0 {
		out.Attributes = sys
	}
	if attrs := selectAttributes(m.attrs, attrNames); len(attrs) > 0 {
		out.MessageAttributes = attrs
		sum := m.md5Attrs
		if len(attrs) != len(m.attrs) {
			sum = md5OfAttributes(attrs)
		}
		out.MD5OfMessageAttributes = &sum
	}
	return out
}

// systemAttributes returns the message system attributes named (or All).
func (r received) systemAttributes(fifo bool, names []string) map[string]string {
	if len(names) == 0 {
		return nil
	}
	m := r.m
	all := map[string]string{
		"ApproximateReceiveCount":          strconv.FormatUint(uint64(r.state.receives), 10),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(r.state.firstRecv, 10),
		"SentTimestamp":                    strconv.FormatInt(m.sent, 10),
		"SenderId":                         m.sender,
	}
	if m.trace != "" {
		all["AWSTraceHeader"] = m.trace
	}
	if m.dlqFrom != "" {
		all["DeadLetterQueueSourceArn"] = m.dlqFrom
	}
	if m.group != "" {
		all["MessageGroupId"] = m.group
	}
	if fifo {
		all["MessageDeduplicationId"] = m.dedup
		all["SequenceNumber"] = fmtSeq(m.seq)
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out
}

// selectAttributes returns the message attributes matching names: "All",
// ".*", exact names and "prefix.*" patterns.
func selectAttributes(attrs map[string]sqsapi.MessageAttributeValue, names []string) map[string]sqsapi.MessageAttributeValue {
	if len(attrs) == 0 || len(names) == 0 {
		return nil
	}
	out := map[string]sqsapi.MessageAttributeValue{}
	for _, n := range names {
		if n == "All" || n == ".*" {
			return attrs
		}
		if prefix, ok := strings.CutSuffix(n, ".*"); ok {
			for k, v := range attrs {
				if strings.HasPrefix(k, prefix) {
					out[k] = v
				}
			}
			continue
		}
		if v, ok := attrs[n]; ok {
			out[n] = v
		}
	}
	return out
}

// receive takes up to opts.max messages from q, waiting up to opts.wait on
// the Nubo clock for one to arrive.
func (s *Service) receive(ctx context.Context, q *queue, opts receiveOptions) ([]received, error) {
	var expired chan struct{}
	if opts.wait > 0 {
		expired = make(chan struct{})
		t := s.clock.AfterFunc(opts.wait, func() { close(expired) })
		defer t.Stop()
	}
	dlq := s.deadLetterQueue(q)
	for {
		got, moves, ch, err := s.tryReceive(q, dlq, opts)
		if err != nil {
			return nil, err
		}
		if len(moves) > 0 {
			s.moveToDeadLetter(q, dlq, moves)
		}
		if len(got) > 0 || ch == nil {
			if len(got) == 0 {
				q.stats.emptyReceives.Add(1)
			}
			return got, nil
		}
		select {
		case <-ch:
		case <-expired:
			expired = nil // one last look, then give up
		case <-ctx.Done():
			q.stats.emptyReceives.Add(1)
			return nil, nil
		}
		if expired == nil && opts.wait > 0 {
			opts.wait = 0
		}
	}
}

// tryReceive takes what is available now. With nothing available and time
// left to wait it returns the channel to wait on.
func (s *Service) tryReceive(q *queue, dlq *queue, opts receiveOptions) ([]received, []*message, <-chan struct{}, error) {
	return s.takeAvailable(q, dlq, opts)
}

// takeAvailable is tryReceive's work under the queue's lock; the receive
// states go to the background state writer.
func (s *Service) takeAvailable(q *queue, dlq *queue, opts receiveOptions) (got []received, moves []*message, wait <-chan struct{}, err error) {
	now := s.nowMS()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, nil, nil, errNoQueue()
	}
	q.refresh(s, now)
	if opts.attemptID != "" {
		if again := q.replayAttempt(opts.attemptID, now); again != nil {
			return again, nil, nil, nil
		}
	}
	vis := opts.visibility
	if vis < 0 {
		vis = q.cfg.visibility
	}
	maxRecv := 0
	if q.cfg.redrive != nil && dlq != nil {
		maxRecv = q.cfg.redrive.MaxReceiveCount
	}
	for len(got) < opts.max {
		cands := q.idx.candidates(opts.max - len(got))
		if len(cands) == 0 {
			break
		}
		for _, m := range cands {
			if maxRecv > 0 && int(m.receives) >= maxRecv {
				q.idx.remove(m)
				moves = append(moves, m)
				continue
			}
			got = append(got, q.take(m, now, vis))
			s.states.put(messageKey(prefixReceive, q.id, m.seq), encodeReceive(m.receiveState))
		}
	}
	q.armTimer()
	if len(got) > 0 {
		q.stats.received.Add(int64(len(got)))
		if opts.attemptID != "" {
			q.rememberAttempt(opts.attemptID, got, now)
		}
		return got, moves, nil, nil
	}
	if opts.wait > 0 && len(moves) == 0 {
		return nil, nil, q.waitCh(), nil
	}
	return nil, moves, nil, nil
}

// take moves a visible message in flight for vis and returns its snapshot.
// q.mu must be held.
func (q *queue) take(m *message, now int64, vis time.Duration) received {
	m.receives++
	if m.firstRecv == 0 {
		m.firstRecv = now
	}
	m.recvAt = now
	m.visibleAt = now + vis.Milliseconds()
	// With a zero timeout the message waits in flight until the next
	// promotion, so one receive never returns it twice.
	q.idx.setInflight(m, m.visibleAt)
	return received{m: m, state: m.receiveState, handle: q.handleOf(m)}
}

// handleOf returns the receipt handle of m's current receive.
func (q *queue) handleOf(m *message) string {
	return receipt{queueID: q.idb, seq: m.seq, gen: m.receives, msgID: msgIDBytes(m.id)}.String()
}

// replayAttempt returns the messages of a FIFO receive attempt being
// retried, when they are all still in flight from it. q.mu must be held.
func (q *queue) replayAttempt(id string, now int64) []received {
	a, ok := q.attempts[id]
	if !ok || a.expires <= now {
		delete(q.attempts, id)
		return nil
	}
	out := make([]received, 0, len(a.seqs))
	for i, seq := range a.seqs {
		m := q.idx.msgs[seq]
		if m == nil || m.receives != a.gens[i] || m.where != whereInflight {
			delete(q.attempts, id)
			return nil
		}
		out = append(out, received{m: m, state: m.receiveState, handle: q.handleOf(m)})
	}
	return out
}

// rememberAttempt records a FIFO receive attempt for five minutes.
func (q *queue) rememberAttempt(id string, got []received, now int64) {
	a := attempt{expires: now + dedupWindow.Milliseconds()}
	for _, r := range got {
		a.seqs = append(a.seqs, r.m.seq)
		a.gens = append(a.gens, r.state.receives)
	}
	for k, v := range q.attempts {
		if v.expires <= now {
			delete(q.attempts, k)
		}
	}
	q.attempts[id] = a
}
