package logs

import (
	"context"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

// Limits of PutLogEvents as AWS documents them.
const (
	maxBatchEvents = 10000
	maxBatchBytes  = 1048576
	eventOverhead  = 26
	maxEventBytes  = maxBatchBytes - eventOverhead
	maxPastAge     = 14 * 24 * time.Hour
	maxFutureSkew  = 2 * time.Hour
	maxBatchSpan   = 24 * time.Hour
	day            = 24 * time.Hour
)

// Event is one log event written through the Go API.
type Event struct {
	Timestamp time.Time
	Message   string
}

// storedEvent is an event about to be stored (timestamp in milliseconds).
type storedEvent struct {
	ts  int64
	msg string
}

// PutLogEvents uploads a batch of events to a stream, with AWS's rules: at
// most 10,000 events and 1,048,576 bytes (26 bytes per event plus the UTF-8
// message), in chronological order, spanning at most 24 hours. Events more
// than 14 days old (or older than the group's retention) or more than 2 hours
// in the future are rejected and reported in rejectedLogEventsInfo while the
// others are stored. The sequence token is ignored.
func (s *Service) PutLogEvents(ctx context.Context, in *logsapi.PutLogEventsInput) (*logsapi.PutLogEventsOutput, error) {
	group, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	stream, err := checkStreamName(in.LogStreamName, "logStreamName")
	if err != nil {
		return nil, err
	}
	events, err := checkBatch(in.LogEvents)
	if err != nil {
		return nil, err
	}
	now := s.now(ctx)
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.mustGroup(group)
	if err != nil {
		return nil, err
	}
	st, err := s.state(g, stream)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errStreamNotFound()
	}
	first, end, rejected := triage(events, now, g.Retention)
	valid := events[first:end]
	if len(valid) > 0 && time.Duration(valid[len(valid)-1].ts-valid[0].ts)*time.Millisecond > maxBatchSpan {
		return nil, invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	rec, err := s.appendEvents(st, valid, millis(now))
	if err != nil {
		return nil, err
	}
	return &logsapi.PutLogEventsOutput{NextSequenceToken: ptr(sequenceToken(rec)), RejectedLogEventsInfo: rejected}, nil
}

// checkBatch validates a PutLogEvents batch and converts it.
func checkBatch(in []logsapi.InputLogEvent) ([]storedEvent, error) {
	if len(in) < 1 || len(in) > maxBatchEvents {
		return nil, validationError("[...]", "logEvents", "Member must have length between 1 and 10000")
	}
	events := make([]storedEvent, len(in))
	size := 0
	for i, e := range in {
		if e.Timestamp == nil || e.Message == nil {
			return nil, invalidParameter("1 validation error detected: Value null at 'logEvents.%d.member.%s' failed to satisfy constraint: Member must not be null",
				i+1, map[bool]string{true: "timestamp", false: "message"}[e.Timestamp == nil])
		}
		if len(*e.Message) < 1 {
			return nil, validationError("", "logEvents."+itoa(i+1)+".member.message", "Member must have length greater than or equal to 1")
		}
		if len(*e.Message) > maxEventBytes {
			return nil, invalidParameter("Log event too large: %d bytes exceeds limit of %d", len(*e.Message), maxEventBytes)
		}
		if i > 0 && *e.Timestamp < events[i-1].ts {
			return nil, invalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
		size += len(*e.Message) + eventOverhead
		events[i] = storedEvent{ts: *e.Timestamp, msg: *e.Message}
	}
	if size > maxBatchBytes {
		return nil, invalidParameter("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
	return events, nil
}

// triage returns the index range [first, end) of the events that may be
// stored and the rejection report for the others (nil when none). events are
// in chronological order.
func triage(events []storedEvent, now time.Time, retention int32) (first, end int, info *logsapi.RejectedLogEventsInfo) {
	tooOld := millis(now.Add(-maxPastAge))
	tooNew := millis(now.Add(maxFutureSkew))
	expired := int64(-1 << 63)
	if retention > 0 {
		expired = millis(now.Add(-time.Duration(retention) * day))
	}
	end = len(events)
	info = &logsapi.RejectedLogEventsInfo{}
	for i, e := range events {
		switch {
		case e.ts < tooOld:
			info.TooOldLogEventEndIndex = ptr(int32(i))
			first = i + 1
		case e.ts < expired:
			info.ExpiredLogEventEndIndex = ptr(int32(i))
			first = i + 1
		case e.ts > tooNew && end == len(events):
			info.TooNewLogEventStartIndex = ptr(int32(i))
			end = i
		}
	}
	if first > end {
		first = end
	}
	if info.TooOldLogEventEndIndex == nil && info.ExpiredLogEventEndIndex == nil && info.TooNewLogEventStartIndex == nil {
		info = nil
	}
	return first, end, info
}

// appendEvents stores events (any order) at the end of a stream in one
// durable batch, updates its statistics and notifies subscribers. Callers
// hold s.mu shared.
func (s *Service) appendEvents(st *streamState, events []storedEvent, ingestion int64) (streamRecord, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.deleted {
		return st.rec, errStreamNotFound()
	}
	rec := st.rec
	rec.Uploads++
	b := s.db.NewBatch()
	for _, e := range events {
		rec.Seq++
		b.Set(eventKey(st.groupID, rec.ID, e.ts, rec.Seq), encodeEventValue(ingestion, e.msg))
		if rec.Count == 0 || e.ts < rec.First {
			rec.First = e.ts
		}
		if rec.Count == 0 || e.ts > rec.Last {
			rec.Last = e.ts
		}
		rec.Count++
		rec.Bytes += int64(len(e.msg))
	}
	if len(events) > 0 {
		rec.LastIngestion = ingestion
	}
	if err := s.streams.Put(b, streamKey(st.group, rec.Name), rec); err != nil {
		return st.rec, err
	}
	if err := commit(b); err != nil {
		return st.rec, err
	}
	st.rec = rec
	if len(events) > 0 {
		s.sweep.noteEvents(s, st.group, rec.First)
		s.notify(st.group, rec.Name, events)
	}
	return rec, nil
}

// EnsureStream creates the log group and the log stream when they do not
// exist; it succeeds when they already do.
func (s *Service) EnsureStream(ctx context.Context, group, stream string) error {
	if _, err := checkGroupName(&group, "logGroupName"); err != nil {
		return err
	}
	if _, err := checkStreamName(&stream, "logStreamName"); err != nil {
		return err
	}
	s.mu.RLock()
	g, ok, err := s.getGroup(group)
	var st *streamState
	if err == nil && ok {
		st, err = s.state(g, stream)
	}
	s.mu.RUnlock()
	if err != nil || st != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok, err = s.getGroup(group)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.createGroup(groupRecord{Name: group, Created: millis(s.now(ctx)), Class: "STANDARD"}); err != nil {
			return err
		}
		if g, err = s.mustGroup(group); err != nil {
			return err
		}
	}
	if err := s.createStream(ctx, g, stream); err != nil && !isCode(err, "ResourceAlreadyExistsException") {
		return err
	}
	return nil
}

// Append stores events in an existing stream in one durable commit, ordered
// by timestamp (events with equal timestamps keep their order). Unlike
// PutLogEvents it applies no age, span or batch limits; a message longer
// than AWS's 1 MB event limit is truncated to it. The group and stream must
// exist (see EnsureStream).
func (s *Service) Append(ctx context.Context, group, stream string, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	batch := make([]storedEvent, len(events))
	for i, e := range events {
		batch[i] = storedEvent{ts: millis(e.Timestamp), msg: truncateUTF8(e.Message, maxEventBytes)}
	}
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].ts < batch[j].ts })
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.mustGroup(group)
	if err != nil {
		return err
	}
	st, err := s.state(g, stream)
	if err != nil {
		return err
	}
	if st == nil {
		return errStreamNotFound()
	}
	_, err = s.appendEvents(st, batch, millis(s.now(ctx)))
	return err
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Subscribe registers fn to receive every batch of events appended to any
// stream, after it is durably stored. Batches of one stream arrive in order.
// fn runs synchronously on the appending goroutine while the stream is
// locked: it must return quickly and must not append to the stream itself.
// The returned cancel unregisters fn.
func (s *Service) Subscribe(fn func(group, stream string, events []Event)) (cancel func()) {
	s.subsMu.Lock()
	defer s.subsMu.Unlock()
	s.nextSub++
	id := s.nextSub
	s.subs[id] = fn
	return func() {
		s.subsMu.Lock()
		delete(s.subs, id)
		s.subsMu.Unlock()
	}
}

// notify hands an appended batch to the subscribers.
func (s *Service) notify(group, stream string, events []storedEvent) {
	s.subsMu.Lock()
	fns := make([]func(string, string, []Event), 0, len(s.subs))
	for _, fn := range s.subs {
		fns = append(fns, fn)
	}
	s.subsMu.Unlock()
	if len(fns) == 0 {
		return
	}
	out := make([]Event, len(events))
	for i, e := range events {
		out[i] = Event{Timestamp: time.UnixMilli(e.ts).UTC(), Message: e.msg}
	}
	for _, fn := range fns {
		fn(group, stream, out)
	}
}
