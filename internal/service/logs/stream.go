package logs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/nubo/nubo/internal/awsapi/logsapi"
	"github.com/nubo/nubo/internal/platform/store"
)

// CreateLogStream creates a log stream in a log group.
func (s *Service) CreateLogStream(ctx context.Context, in *logsapi.CreateLogStreamInput) (*logsapi.CreateLogStreamOutput, error) {
	group, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	stream, err := checkStreamName(in.LogStreamName, "logStreamName")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.mustGroup(group)
	if err != nil {
		return nil, err
	}
	if err := s.createStream(ctx, g, stream); err != nil {
		return nil, err
	}
	return &logsapi.CreateLogStreamOutput{}, nil
}

// createStream stores a new stream. Callers hold s.mu exclusively.
func (s *Service) createStream(ctx context.Context, g groupRecord, stream string) error {
	if st, err := s.state(g, stream); err != nil {
		return err
	} else if st != nil {
		return alreadyExists("The specified log stream already exists")
	}
	b := s.db.NewBatch()
	id, err := s.allocIDs(b, 1)
	if err != nil {
		return err
	}
	rec := streamRecord{Name: stream, ID: id, Created: millis(s.now(ctx))}
	if err := s.streams.Put(b, streamKey(g.Name, stream), rec); err != nil {
		return err
	}
	return commit(b)
}

// DeleteLogStream deletes a log stream and its events.
func (s *Service) DeleteLogStream(ctx context.Context, in *logsapi.DeleteLogStreamInput) (*logsapi.DeleteLogStreamOutput, error) {
	group, err := checkGroupName(in.LogGroupName, "logGroupName")
	if err != nil {
		return nil, err
	}
	stream, err := checkStreamName(in.LogStreamName, "logStreamName")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
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
	b := s.db.NewBatch()
	s.streams.Delete(b, streamKey(group, stream))
	ep := streamEventsPrefix(g.ID, st.rec.ID)
	b.DeleteRange(ep, store.PrefixEnd(ep))
	if err := commit(b); err != nil {
		return nil, err
	}
	s.forget(group, stream)
	return &logsapi.DeleteLogStreamOutput{}, nil
}

// streamToken is the position DescribeLogStreams continues after.
type streamToken struct {
	Name string `json:"n"`
	Last int64  `json:"t,omitempty"`
}

// DescribeLogStreams lists the streams of a group by name or by last event time.
func (s *Service) DescribeLogStreams(ctx context.Context, in *logsapi.DescribeLogStreamsInput) (*logsapi.DescribeLogStreamsOutput, error) {
	group, err := s.resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit, 50, 50, "limit")
	if err != nil {
		return nil, err
	}
	byTime := false
	switch deref(in.OrderBy) {
	case "", "LogStreamName":
	case "LastEventTime":
		byTime = true
	default:
		return nil, validationError(*in.OrderBy, "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]")
	}
	prefix := deref(in.LogStreamNamePrefix)
	if byTime && prefix != "" {
		return nil, invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	tok, err := decodeStreamToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.mustGroup(group)
	if err != nil {
		return nil, err
	}
	all, err := s.listStreams(g, prefix)
	if err != nil {
		return nil, err
	}
	desc := deref(in.Descending)
	less := orderStreams(all, byTime, desc)
	out := &logsapi.DescribeLogStreamsOutput{LogStreams: []logsapi.LogStream{}}
	for _, r := range all {
		if tok != nil {
			pos := streamRecord{Name: tok.Name, Last: tok.Last}
			if (!desc && !less(pos, r)) || (desc && !less(r, pos)) {
				continue
			}
		}
		if len(out.LogStreams) == limit {
			last := out.LogStreams[limit-1]
			out.NextToken = ptr(encodeStreamToken(streamToken{Name: *last.LogStreamName, Last: deref(last.LastEventTimestamp)}))
			break
		}
		out.LogStreams = append(out.LogStreams, s.describeStream(g.Name, r))
	}
	return out, nil
}

// orderStreams sorts streams (given in name order) by name or by last event
// time, descending if asked, and returns the ascending order used.
func orderStreams(all []streamRecord, byTime, desc bool) func(a, b streamRecord) bool {
	less := func(a, b streamRecord) bool { return a.Name < b.Name }
	if byTime {
		less = func(a, b streamRecord) bool {
			if a.Last != b.Last {
				return a.Last < b.Last
			}
			return a.Name < b.Name
		}
		sort.SliceStable(all, func(i, j int) bool { return less(all[i], all[j]) })
	}
	if desc {
		for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
			all[i], all[j] = all[j], all[i]
		}
	}
	return less
}

func (s *Service) describeStream(group string, r streamRecord) logsapi.LogStream {
	ls := logsapi.LogStream{
		LogStreamName:       ptr(r.Name),
		CreationTime:        ptr(r.Created),
		Arn:                 ptr(fmt.Sprintf("%s:log-stream:%s", s.groupARN(group), r.Name)),
		StoredBytes:         ptr(int64(0)), // AWS always reports 0 for streams since 2019
		UploadSequenceToken: ptr(sequenceToken(r)),
	}
	if r.Count > 0 {
		ls.FirstEventTimestamp = ptr(r.First)
		ls.LastEventTimestamp = ptr(r.Last)
	}
	if r.LastIngestion > 0 {
		ls.LastIngestionTime = ptr(r.LastIngestion)
	}
	return ls
}

// sequenceToken renders a stream's upload counter as AWS's 56-digit token.
func sequenceToken(r streamRecord) string {
	return fmt.Sprintf("49%018d%036d", r.ID, r.Uploads)
}

func encodeStreamToken(t streamToken) string {
	raw, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeStreamToken(tok *string) (*streamToken, error) {
	if tok == nil {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	var t streamToken
	if err != nil || json.Unmarshal(raw, &t) != nil || strings.TrimSpace(t.Name) == "" {
		return nil, invalidParameter("The specified nextToken is invalid.")
	}
	return &t, nil
}
