package logs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nubo/nubo/internal/awsapi"
	"github.com/nubo/nubo/internal/awsapi/logsapi"
)

// maxResponseBytes bounds the events of one GetLogEvents or FilterLogEvents
// response, counted as FilterLogEvents and PutLogEvents count them.
const maxResponseBytes = 1048576

// position is a point in a stream's event order: (timestamp, sequence).
// Event sequence numbers start at 1, so (ts, 0) lies before every event at ts.
type position struct {
	ts  int64
	seq uint64
}

func (p position) less(q position) bool {
	return p.ts < q.ts || (p.ts == q.ts && p.seq < q.seq)
}

// token renders a GetLogEvents token: "f/" or "b/", 56 digits, "/s".
func (p position) token(dir byte) string {
	return fmt.Sprintf("%c/%020d%020d%016d/s", dir, uint64(p.ts)^(1<<63), p.seq, 0)
}

// parsePosition parses a GetLogEvents token.
func parsePosition(tok string) (position, byte, error) {
	bad := invalidParameter("The specified nextToken is invalid.")
	body, ok := strings.CutSuffix(tok, "/s")
	if !ok || len(body) != 58 || (body[0] != 'f' && body[0] != 'b') || body[1] != '/' {
		return position{}, 0, bad
	}
	ts, err1 := strconv.ParseUint(body[2:22], 10, 64)
	seq, err2 := strconv.ParseUint(body[22:42], 10, 64)
	if err1 != nil || err2 != nil {
		return position{}, 0, bad
	}
	return position{ts: int64(ts ^ (1 << 63)), seq: seq}, body[0], nil
}

// GetLogEvents reads a stream's events in a time range, from the tail by
// default or from the head with startFromHead, and pages with forward and
// backward tokens. At either end the same token comes back again.
func (s *Service) GetLogEvents(ctx context.Context, in *logsapi.GetLogEventsInput) (*logsapi.GetLogEventsOutput, error) {
	group, err := s.resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	stream, err := checkStreamName(in.LogStreamName, "logStreamName")
	if err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit, 10000, 10000, "limit")
	if err != nil {
		return nil, err
	}
	lo, hi := position{ts: -1 << 63}, position{ts: 1<<63 - 1}
	if in.StartTime != nil {
		lo = position{ts: *in.StartTime}
	}
	if in.EndTime != nil {
		hi = position{ts: *in.EndTime}
	}
	forward, from := deref(in.StartFromHead), lo
	if in.NextToken != nil {
		p, dir, err := parsePosition(*in.NextToken)
		if err != nil {
			return nil, err
		}
		forward, from = dir == 'f', p
		if forward && lo.less(p) {
			lo = position{ts: p.ts, seq: p.seq + 1}
		} else if !forward && p.less(hi) {
			hi = p
		}
	}
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
	events, first, last, err := s.readRange(g.ID, st.rec.ID, lo, hi, limit, forward)
	if err != nil {
		return nil, err
	}
	out := &logsapi.GetLogEventsOutput{Events: events}
	if len(events) == 0 {
		first, last = from, from
	}
	out.NextForwardToken = ptr(last.token('f'))
	out.NextBackwardToken = ptr(first.token('b'))
	return out, nil
}

// readRange returns up to limit events of a stream with positions in
// [lo, hi), the first ones when forward, else the last ones (in ascending
// order either way), and the positions of the first and last returned.
func (s *Service) readRange(gid, sid uint64, lo, hi position, limit int, forward bool) ([]logsapi.OutputLogEvent, position, position, error) {
	if !lo.less(hi) {
		return []logsapi.OutputLogEvent{}, lo, lo, nil
	}
	start := append(timeKey(gid, sid, lo.ts), seqBytes(lo.seq)...)
	end := append(timeKey(gid, sid, hi.ts), seqBytes(hi.seq)...)
	var (
		events  []logsapi.OutputLogEvent
		posns   []position
		size    int
		decErr  error
		collect = func(k, v []byte) bool {
			ts, seq := decodeEventKey(k)
			ing, msg, err := decodeEventValue(v)
			if err != nil {
				decErr = err
				return false
			}
			size += len(msg) + eventOverhead
			if size > maxResponseBytes && len(events) > 0 {
				return false
			}
			events = append(events, logsapi.OutputLogEvent{Timestamp: ptr(ts), Message: ptr(string(msg)), IngestionTime: ptr(ing)})
			posns = append(posns, position{ts: ts, seq: seq})
			return len(events) < limit
		}
		err error
	)
	if forward {
		err = s.db.Scan(start, end, collect)
	} else {
		err = s.db.ScanReverse(start, end, collect)
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
			posns[i], posns[j] = posns[j], posns[i]
		}
	}
	if err = errors.Join(err, decErr); err != nil {
		return nil, lo, lo, wrapStore(err)
	}
	if events == nil {
		return []logsapi.OutputLogEvent{}, lo, lo, nil
	}
	return events, posns[0], posns[len(posns)-1], nil
}

func seqBytes(seq uint64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte(seq)
		seq >>= 8
	}
	return b
}

// isCode reports whether err is an AWS error with the given code.
func isCode(err error, code string) bool {
	var ae *awsapi.Error
	return errors.As(err, &ae) && ae.Code == code
}

func itoa(i int) string { return strconv.Itoa(i) }
