package logs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/nubo/nubo/internal/platform/store"
)

// Key layout under "logs/":
//
//	logs/g/<group>                      groupRecord
//	logs/s/<group>\x00<stream>          streamRecord
//	logs/f/<group>\x00<filter>          filterRecord (subscription filter)
//	logs/id                             next group/stream id (8 bytes, big-endian)
//	logs/e/<gid><sid><ts><seq>          event: ingestion time (8 bytes) + message
//
// gid and sid are the 8-byte big-endian ids of the group and the stream, ts is
// the event timestamp in milliseconds with the sign bit flipped (so keys sort
// by time) and seq the stream's event counter, all big-endian. A stream's
// events are thus one key range ordered by (timestamp, arrival), and a time
// range is a range scan. Group names cannot hold \x00 (their pattern forbids
// it) so the name separators are unambiguous.
const (
	groupPrefix  = "logs/g/"
	streamPrefix = "logs/s/"
	filterPrefix = "logs/f/"
	eventPrefix  = "logs/e/"
	idKey        = "logs/id"
)

// groupRecord is a stored log group.
type groupRecord struct {
	Name      string            `json:"name"`
	ID        uint64            `json:"id"`
	Created   int64             `json:"created"`
	Retention int32             `json:"retention,omitempty"`
	KmsKeyID  string            `json:"kms,omitempty"`
	Class     string            `json:"class,omitempty"`
	Protected bool              `json:"protected,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
}

// streamRecord is a stored log stream with its event statistics.
type streamRecord struct {
	Name    string `json:"name"`
	ID      uint64 `json:"id"`
	Created int64  `json:"created"`
	// First and Last are the smallest and largest event timestamps stored
	// (valid when Count > 0); LastIngestion the latest ingestion time.
	First         int64 `json:"first,omitempty"`
	Last          int64 `json:"last,omitempty"`
	LastIngestion int64 `json:"lastIngestion,omitempty"`
	Count         int64 `json:"count,omitempty"`
	Bytes         int64 `json:"bytes,omitempty"`
	// Seq is the number of events ever appended; the next event gets Seq+1.
	Seq uint64 `json:"seq,omitempty"`
	// Uploads counts PutLogEvents/Append batches (the sequence token).
	Uploads uint64 `json:"uploads,omitempty"`
}

// filterRecord is a stored subscription filter.
type filterRecord struct {
	Name           string   `json:"name"`
	Group          string   `json:"group"`
	Pattern        string   `json:"pattern"`
	DestinationARN string   `json:"destination"`
	RoleARN        string   `json:"role,omitempty"`
	Distribution   string   `json:"distribution,omitempty"`
	Transformed    bool     `json:"transformed,omitempty"`
	FieldSelection string   `json:"fieldSelection,omitempty"`
	SystemFields   []string `json:"systemFields,omitempty"`
	Created        int64    `json:"created"`
}

// streamState is the cached, authoritative metadata of one stream while the
// service runs. mu serialises appends to the stream.
type streamState struct {
	mu      sync.Mutex
	group   string
	groupID uint64
	rec     streamRecord
	deleted bool
}

func streamKey(group, stream string) string { return group + "\x00" + stream }

// eventKey returns the store key of an event.
func eventKey(gid, sid uint64, ts int64, seq uint64) []byte {
	k := make([]byte, 0, len(eventPrefix)+32)
	k = append(k, eventPrefix...)
	k = binary.BigEndian.AppendUint64(k, gid)
	k = binary.BigEndian.AppendUint64(k, sid)
	k = binary.BigEndian.AppendUint64(k, uint64(ts)^(1<<63))
	return binary.BigEndian.AppendUint64(k, seq)
}

// groupEventsPrefix is the key prefix of every event of a group.
func groupEventsPrefix(gid uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(eventPrefix), gid)
}

// streamEventsPrefix is the key prefix of every event of a stream.
func streamEventsPrefix(gid, sid uint64) []byte {
	return binary.BigEndian.AppendUint64(groupEventsPrefix(gid), sid)
}

// timeKey returns the first key of a stream at or after timestamp ts.
func timeKey(gid, sid uint64, ts int64) []byte {
	return binary.BigEndian.AppendUint64(streamEventsPrefix(gid, sid), uint64(ts)^(1<<63))
}

// decodeEventKey returns the timestamp and sequence number of an event key.
func decodeEventKey(k []byte) (ts int64, seq uint64) {
	n := len(k)
	return int64(binary.BigEndian.Uint64(k[n-16:n-8]) ^ (1 << 63)), binary.BigEndian.Uint64(k[n-8:])
}

// encodeEventValue returns the stored value of an event.
func encodeEventValue(ingestion int64, msg string) []byte {
	v := make([]byte, 8, 8+len(msg))
	binary.BigEndian.PutUint64(v, uint64(ingestion))
	return append(v, msg...)
}

// decodeEventValue splits a stored event value.
func decodeEventValue(v []byte) (ingestion int64, msg []byte, err error) {
	if len(v) < 8 {
		return 0, nil, errors.New("logs: corrupt event value")
	}
	return int64(binary.BigEndian.Uint64(v)), v[8:], nil
}

// allocIDs reserves n fresh ids, adding the counter update to b. Callers hold
// s.mu exclusively.
func (s *Service) allocIDs(b store.Batch, n int) (uint64, error) {
	var next uint64 = 1
	raw, err := s.db.Get([]byte(idKey))
	switch {
	case err == nil && len(raw) == 8:
		next = binary.BigEndian.Uint64(raw)
	case err == nil:
		return 0, errors.New("logs: corrupt id counter")
	case !errors.Is(err, store.ErrNotFound):
		return 0, wrapStore(err)
	}
	b.Set([]byte(idKey), binary.BigEndian.AppendUint64(nil, next+uint64(n)))
	return next, nil
}

// getGroup returns the stored group called name; ok is false when none exists.
func (s *Service) getGroup(name string) (groupRecord, bool, error) {
	g, err := s.groups.Get(name)
	if errors.Is(err, store.ErrNotFound) {
		return g, false, nil
	}
	if err != nil {
		return g, false, wrapStore(err)
	}
	return g, true, nil
}

// mustGroup returns the group called name or ResourceNotFoundException.
func (s *Service) mustGroup(name string) (groupRecord, error) {
	g, ok, err := s.getGroup(name)
	if err != nil {
		return g, err
	}
	if !ok {
		return g, errGroupNotFound()
	}
	return g, nil
}

// state returns the cached state of a stream, loading it from the store;
// nil when the stream does not exist. Callers hold s.mu (shared or exclusive).
func (s *Service) state(g groupRecord, stream string) (*streamState, error) {
	key := streamKey(g.Name, stream)
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if st, ok := s.cache[key]; ok {
		return st, nil
	}
	rec, err := s.streams.Get(key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrapStore(err)
	}
	st := &streamState{group: g.Name, groupID: g.ID, rec: rec}
	s.cache[key] = st
	return st, nil
}

// forget drops a stream from the cache. Callers hold s.mu exclusively.
func (s *Service) forget(group, stream string) {
	s.cacheMu.Lock()
	if st, ok := s.cache[streamKey(group, stream)]; ok {
		st.deleted = true
		delete(s.cache, streamKey(group, stream))
	}
	s.cacheMu.Unlock()
}

// listStreams returns the stream records of a group in name order, with the
// cached (current) statistics. Callers hold s.mu.
func (s *Service) listStreams(g groupRecord, prefix string) ([]streamRecord, error) {
	var out []streamRecord
	err := s.streams.List(g.Name+"\x00"+prefix, "", 0, func(_ string, r streamRecord) bool {
		out = append(out, r)
		return true
	})
	if err != nil {
		return nil, wrapStore(err)
	}
	cached := make([]*streamState, len(out))
	s.cacheMu.Lock()
	for i := range out {
		cached[i] = s.cache[streamKey(g.Name, out[i].Name)]
	}
	s.cacheMu.Unlock()
	for i, st := range cached {
		if st != nil {
			st.mu.Lock()
			out[i] = st.rec
			st.mu.Unlock()
		}
	}
	return out, nil
}

// groupARN returns the log group ARN without the trailing ":*".
func (s *Service) groupARN(name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", s.region, s.account, name)
}
