package logs

import (
	"container/heap"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

// filterToken is the position FilterLogEvents continues after: events are
// ordered by (timestamp, stream name, sequence).
type filterToken struct {
	TS     int64  `json:"t"`
	Stream string `json:"s"`
	Seq    uint64 `json:"q"`
}

// hit is one matching event.
type hit struct {
	ts     int64
	stream string
	sid    uint64
	seq    uint64
	ing    int64
	msg    string
}

func (h hit) after(o hit) bool {
	if h.ts != o.ts {
		return h.ts > o.ts
	}
	if h.stream != o.stream {
		return h.stream > o.stream
	}
	return h.seq > o.seq
}

// hitHeap is a max-heap of the best hits so far (the worst on top).
type hitHeap []hit

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return h[i].after(h[j]) }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(hit)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// FilterLogEvents searches a group's events (optionally some of its
// streams) in a time range with a filter pattern. Results are interleaved
// across streams in timestamp order and paged with nextToken.
func (s *Service) FilterLogEvents(ctx context.Context, in *logsapi.FilterLogEventsInput) (*logsapi.FilterLogEventsOutput, error) {
	group, err := s.resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit, 10000, 10000, "limit")
	if err != nil {
		return nil, err
	}
	if in.LogStreamNames != nil && in.LogStreamNamePrefix != nil {
		return nil, invalidParameter("You cannot specify both LogStreamNames and LogStreamNamePrefix.")
	}
	if in.LogStreamNames != nil && (len(in.LogStreamNames) < 1 || len(in.LogStreamNames) > 100) {
		return nil, validationError("[...]", "logStreamNames", "Member must have length between 1 and 100")
	}
	pat, err := ParseFilterPattern(deref(in.FilterPattern))
	if err != nil {
		return nil, invalidParameter("%s", err.Error())
	}
	tok, err := decodeFilterToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	q := filterQuery{pattern: pat, limit: limit, tok: tok, start: -1 << 63, end: 1<<63 - 1}
	if in.StartTime != nil {
		q.start = *in.StartTime
	}
	if in.EndTime != nil {
		q.end = *in.EndTime
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.mustGroup(group)
	if err != nil {
		return nil, err
	}
	streams, err := s.selectStreams(g, in.LogStreamNames, deref(in.LogStreamNamePrefix))
	if err != nil {
		return nil, err
	}
	return s.runFilter(g, streams, q)
}

// filterQuery is a parsed FilterLogEvents request.
type filterQuery struct {
	pattern    *Pattern
	limit      int
	tok        *filterToken
	start, end int64 // [start, end) in milliseconds
}

// selectStreams returns the streams a filter searches, in name order.
func (s *Service) selectStreams(g groupRecord, names []string, prefix string) ([]streamRecord, error) {
	all, err := s.listStreams(g, prefix)
	if err != nil || names == nil {
		return all, err
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	out := all[:0]
	for _, r := range all {
		if want[r.Name] {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Service) runFilter(g groupRecord, streams []streamRecord, q filterQuery) (*logsapi.FilterLogEventsOutput, error) {
	out := &logsapi.FilterLogEventsOutput{Events: []logsapi.FilteredLogEvent{}, SearchedLogStreams: []logsapi.SearchedLogStream{}}
	var candidates []streamRecord
	for _, r := range streams {
		out.SearchedLogStreams = append(out.SearchedLogStreams, logsapi.SearchedLogStream{LogStreamName: ptr(r.Name), SearchedCompletely: ptr(true)})
		if r.Count > 0 && r.Last >= q.start && r.First < q.end {
			candidates = append(candidates, r)
		}
	}
	// Streams with the oldest events first: the bound tightens sooner.
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].First < candidates[j].First })
	best := &hitHeap{}
	more := false
	for _, r := range candidates {
		m, err := s.scanStream(g.ID, r, q, best)
		if err != nil {
			return nil, err
		}
		more = more || m
	}
	hits := make([]hit, best.Len())
	for i := len(hits) - 1; i >= 0; i-- {
		hits[i] = heap.Pop(best).(hit)
	}
	size := 0
	for i, h := range hits {
		size += len(h.msg) + eventOverhead
		if size > maxResponseBytes && i > 0 {
			hits, more = hits[:i], true
			break
		}
		out.Events = append(out.Events, logsapi.FilteredLogEvent{
			LogStreamName: ptr(h.stream), Timestamp: ptr(h.ts), Message: ptr(h.msg),
			IngestionTime: ptr(h.ing), EventId: ptr(eventID(h)),
		})
	}
	if more && len(hits) > 0 {
		last := hits[len(hits)-1]
		out.NextToken = ptr(encodeFilterToken(filterToken{TS: last.ts, Stream: last.stream, Seq: last.seq}))
	}
	return out, nil
}

// scanStream adds a stream's matching events to best (keeping the limit
// best) and reports whether matching events were left out.
func (s *Service) scanStream(gid uint64, r streamRecord, q filterQuery, best *hitHeap) (bool, error) {
	from := position{ts: q.start}
	if t := q.tok; t != nil {
		var p position
		switch {
		case r.Name > t.Stream:
			p = position{ts: t.TS}
		case r.Name == t.Stream:
			p = position{ts: t.TS, seq: t.Seq + 1}
		default:
			p = position{ts: t.TS + 1}
		}
		if from.less(p) {
			from = p
		}
	}
	start := append(timeKey(gid, r.ID, from.ts), seqBytes(from.seq)...)
	end := timeKey(gid, r.ID, q.end)
	more := false
	var decErr error
	err := s.db.Scan(start, end, func(k, v []byte) bool {
		ts, seq := decodeEventKey(k)
		if best.Len() == q.limit && !(*best)[0].after(hit{ts: ts, stream: r.Name, seq: seq}) {
			more = true // everything from here on sorts after the current worst
			return false
		}
		ing, msg, err := decodeEventValue(v)
		if err != nil {
			decErr = err
			return false
		}
		text := string(msg)
		if !q.pattern.Match(text) {
			return true
		}
		heap.Push(best, hit{ts: ts, stream: r.Name, sid: r.ID, seq: seq, ing: ing, msg: text})
		if best.Len() > q.limit {
			heap.Pop(best)
			more = true
		}
		return true
	})
	if err == nil {
		err = decErr
	}
	if err != nil {
		return false, wrapStore(err)
	}
	return more, nil
}

// eventID renders an event's id as AWS's 56-digit decimal string.
func eventID(h hit) string {
	return fmt.Sprintf("%020d%018d%018d", uint64(h.ts)^(1<<63), h.sid%1e18, h.seq%1e18)
}

func encodeFilterToken(t filterToken) string {
	raw, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeFilterToken(tok *string) (*filterToken, error) {
	if tok == nil {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	var t filterToken
	if err != nil || json.Unmarshal(raw, &t) != nil || t.Stream == "" {
		return nil, invalidParameter("The specified nextToken is invalid.")
	}
	return &t, nil
}
