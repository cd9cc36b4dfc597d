package sqs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/nubo/nubo/internal/awsapi/sqsapi"
)

// message is one message of a queue: its immutable content (persisted under
// the message key) and its receive state (persisted under the receive key).
type message struct {
	seq     uint64
	id      string
	body    string
	attrs   map[string]sqsapi.MessageAttributeValue
	trace   string // AWSTraceHeader system attribute
	sent    int64  // Nubo time of the original send, Unix ms
	sender  string // SenderId
	group   string
	dedup   string
	delay   int64  // visible from this Nubo time (Unix ms); 0 = not delayed
	dlqFrom string // DeadLetterQueueSourceArn when moved by redrive

	md5Body, md5Attrs, md5Sys string
	size                      int

	receiveState

	// Index bookkeeping (guarded by the queue's mutex).
	where   int8 // one of the where* constants
	heapIdx int
	due     int64 // deadline in the waiting heap (Unix ms)
}

// receiveState is the mutable part of a message.
type receiveState struct {
	receives  uint32 // ApproximateReceiveCount; also the receipt handle generation
	firstRecv int64  // ApproximateFirstReceiveTimestamp, Unix ms
	visibleAt int64  // end of the current visibility timeout, Unix ms
	recvAt    int64  // time of the latest receive, Unix ms (12 h limit)
}

const (
	whereNone int8 = iota
	whereVisible
	whereInflight
	whereDelayed
	whereGone
)

const codecVersion = 1

var errCorrupt = errors.New("sqs: corrupt record")

// encodeMessage returns the persisted form of m's immutable content.
func encodeMessage(m *message) []byte {
	b := make([]byte, 0, 64+len(m.body)+len(m.id))
	b = append(b, codecVersion)
	b = binary.AppendUvarint(b, m.seq)
	for _, s := range []string{m.id, m.body, m.trace, m.sender, m.group, m.dedup, m.dlqFrom} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, m.sent)
	b = binary.AppendVarint(b, m.delay)
	b = binary.AppendUvarint(b, uint64(len(m.attrs)))
	for _, name := range sortedNames(m.attrs) {
		v := m.attrs[name]
		b = appendString(b, name)
		b = appendString(b, deref(v.DataType))
		if v.StringValue != nil {
			b = append(b, 1)
			b = appendString(b, *v.StringValue)
		} else {
			b = append(b, 2)
			b = appendString(b, string(v.BinaryValue))
		}
	}
	return b
}

// decodeMessage parses a record written by encodeMessage.
func decodeMessage(b []byte) (*message, error) {
	d := decoder{b: b}
	if d.byte() != codecVersion {
		return nil, fmt.Errorf("%w: unknown message version", errCorrupt)
	}
	m := &message{seq: d.uvarint()}
	for _, p := range []*string{&m.id, &m.body, &m.trace, &m.sender, &m.group, &m.dedup, &m.dlqFrom} {
		*p = d.string()
	}
	m.sent = d.varint()
	m.delay = d.varint()
	n := d.uvarint()
	if n > 64 {
		return nil, fmt.Errorf("%w: %d attributes", errCorrupt, n)
	}
	for range n {
		name, typ := d.string(), d.string()
		kind := d.byte()
		val := d.string()
		if d.err != nil {
			break
		}
		if m.attrs == nil {
			m.attrs = make(map[string]sqsapi.MessageAttributeValue, n)
		}
		av := sqsapi.MessageAttributeValue{DataType: &typ}
		switch kind {
		case 1:
			av.StringValue = &val
		case 2:
			av.BinaryValue = []byte(val)
		default:
			return nil, fmt.Errorf("%w: attribute kind %d", errCorrupt, kind)
		}
		m.attrs[name] = av
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(d.b))
	}
	return m, nil
}

// encodeReceive returns the persisted form of a receive state.
func encodeReceive(r receiveState) []byte {
	b := make([]byte, 0, 32)
	b = append(b, codecVersion)
	b = binary.AppendUvarint(b, uint64(r.receives))
	b = binary.AppendVarint(b, r.firstRecv)
	b = binary.AppendVarint(b, r.visibleAt)
	b = binary.AppendVarint(b, r.recvAt)
	return b
}

// decodeReceive parses a record written by encodeReceive.
func decodeReceive(b []byte) (receiveState, error) {
	d := decoder{b: b}
	if d.byte() != codecVersion {
		return receiveState{}, fmt.Errorf("%w: unknown receive version", errCorrupt)
	}
	n := d.uvarint()
	r := receiveState{firstRecv: d.varint(), visibleAt: d.varint(), recvAt: d.varint()}
	if n > math.MaxUint32 {
		d.fail()
	}
	r.receives = uint32(n)
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return r, d.err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads the varint/length-prefixed encoding; the first failure
// sticks in err and later reads return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
