package pool

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nubo/nubo/internal/platform/clock"
	"github.com/nubo/nubo/internal/service/logs"
)

const (
	// TailBytes is how much of an invocation's log LogType=Tail returns.
	TailBytes = 4096
	// MaxEventBytes is the longest log event kept; longer lines are cut.
	MaxEventBytes = 256 * 1024
	// batchEvents and batchBytes bound one batch handed to the shipper.
	batchEvents = 1000
	batchBytes  = 256 * 1024
	// readBufBytes is the size of the pipe read buffer.
	readBufBytes = 64 * 1024
	// markerKeep is how many bytes of an overlong line are kept to find a
	// sync marker in it.
	markerKeep = 96
)

// collector gathers one instance's log events: it batches them for the
// shipper and keeps the tail of the current invocation's log text.
type collector struct {
	clock clock.Clock
	// ship hands a full batch on; it may block (back-pressure). nil
	// discards events (no log sink).
	ship func(events []logs.Event)

	mu        sync.Mutex
	tail      []byte
	batch     []logs.Event
	batchSize int
}

func newCollector(c clock.Clock, ship func([]logs.Event)) *collector {
	return &collector{clock: c, ship: ship, tail: make([]byte, 0, 2*TailBytes)}
}

// add records one event; msg should end in "\n".
func (c *collector) add(msg string) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addLocked(now, msg)
}

func (c *collector) addLocked(now time.Time, msg string) {
	c.appendTail(msg)
	if c.ship == nil {
		return
	}
	c.batch = append(c.batch, logs.Event{Timestamp: now, Message: msg})
	c.batchSize += len(msg) + 26
	if len(c.batch) >= batchEvents || c.batchSize >= batchBytes {
		c.flushLocked()
	}
}

// appendTail keeps at least the last TailBytes of the log text.
func (c *collector) appendTail(msg string) {
	if len(msg) >= TailBytes {
		c.tail = append(c.tail[:0], msg[len(msg)-TailBytes:]...)
		return
	}
	if len(c.tail)+len(msg) > cap(c.tail) {
		keep := c.tail[len(c.tail)-min(len(c.tail), TailBytes):]
		c.tail = append(c.tail[:0], keep...)
	}
	c.tail = append(c.tail, msg...)
}

func (c *collector) flushLocked() {
	if len(c.batch) == 0 || c.ship == nil {
		return
	}
	b := c.batch
	c.batch, c.batchSize = nil, 0
	c.ship(b)
}

// finish adds the closing lines of an invocation, hands the pending batch
// on and returns the invocation's log tail (at most TailBytes), resetting it
// for the next invocation.
func (c *collector) finish(lines ...string) string {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range lines {
		c.addLocked(now, l)
	}
	c.flushLocked()
	t := c.tail
	if len(t) > TailBytes {
		t = t[len(t)-TailBytes:]
	}
	s := string(t)
	c.tail = c.tail[:0]
	return s
}

// flush hands the pending batch on.
func (c *collector) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushLocked()
}

// outputReader reads an instance's combined stdout and stderr, splits it
// into lines for the collector and recognises the sync markers the pool
// writes into the same pipe.
type outputReader struct {
	r, w   *os.File
	col    *collector
	marker []byte // "\x00nubo-sync-<token>:"

	synced chan uint64
	done   chan struct{}
	seq    uint64 // last marker written; used by the invoking goroutine only
	wmu    sync.Mutex

	line     []byte // the current line, at most MaxEventBytes
	overflow bool   // the current line was cut; discarding until "\n"
	keep     []byte // last markerKeep bytes of an overflowing line
}

func newOutputReader(r, w *os.File, col *collector, token string) *outputReader {
	return &outputReader{r: r, w: w, col: col, marker: []byte("\x00nubo-sync-" + token + ":"),
		synced: make(chan uint64, 4), done: make(chan struct{})}
}

// run reads until the pipe ends or the read end is closed.
func (o *outputReader) run() {
	defer close(o.done)
	buf := make([]byte, readBufBytes)
	for {
		n, err := o.r.Read(buf)
		if n > 0 {
			o.consume(buf[:n])
		}
		if err != nil {
			if len(o.line) > 0 && !o.overflow {
				o.col.add(string(o.line) + "\n")
			}
			return
		}
	}
}

// consume splits data into lines.
func (o *outputReader) consume(data []byte) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			o.appendPartial(data)
			return
		}
		o.appendPartial(data[:i])
		o.endLine()
		data = data[i+1:]
	}
}

func (o *outputReader) appendPartial(p []byte) {
	if o.overflow {
		o.keep = append(o.keep, p...)
		if len(o.keep) > 2*markerKeep {
			o.keep = append(o.keep[:0], o.keep[len(o.keep)-markerKeep:]...)
		}
		return
	}
	if room := MaxEventBytes - len(o.line); len(p) > room {
		o.line = append(o.line, p[:room]...)
		o.col.add(string(o.line) + "\n")
		o.line = o.line[:0]
		o.overflow = true
		o.keep = append(o.keep[:0], p[room:]...)
		return
	}
	o.line = append(o.line, p...)
}

// endLine handles a complete line: a sync marker, or a log event.
func (o *outputReader) endLine() {
	text := o.line
	if o.overflow {
		text = o.keep
	}
	if i := bytes.LastIndex(text, o.marker); i >= 0 {
		if seq, err := strconv.ParseUint(string(text[i+len(o.marker):]), 10, 64); err == nil {
			if !o.overflow && i > 0 {
				o.col.add(string(text[:i]) + "\n")
			}
			o.resetLine()
			o.signal(seq)
			return
		}
	}
	if !o.overflow {
		o.col.add(string(o.line) + "\n")
	}
	o.resetLine()
}

// signal reports that marker seq was reached without ever blocking the
// reader: a stale value nobody waits for is dropped.
func (o *outputReader) signal(seq uint64) {
	for {
		select {
		case o.synced <- seq:
			return
		default:
		}
		select {
		case <-o.synced:
		default:
		}
	}
}

func (o *outputReader) resetLine() {
	o.overflow = false
	o.keep = o.keep[:0]
	if cap(o.line) > 2*readBufBytes {
		o.line = nil // do not pin a huge buffer after one long line
	} else {
		o.line = o.line[:0]
	}
}

// errReaderGone reports that the output reader stopped before a marker
// arrived.
var errReaderGone = errors.New("pool: output reader stopped")

// sync writes a marker after everything already in the pipe and waits until
// the reader has processed it (or wait passes).
func (o *outputReader) sync(wait time.Duration) error {
	o.wmu.Lock()
	o.seq++
	seq := o.seq
	msg := make([]byte, 0, len(o.marker)+24)
	msg = append(msg, o.marker...)
	msg = strconv.AppendUint(msg, seq, 10)
	msg = append(msg, '\n')
	_, err := o.w.Write(msg)
	o.wmu.Unlock()
	if err != nil {
		return err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case s := <-o.synced:
			if s >= seq {
				return nil
			}
		case <-o.done:
			return errReaderGone
		case <-timer.C:
			return errors.New("pool: output did not drain in time")
		}
	}
}

// close stops the reader: it closes the pool's write end, gives the reader
// a moment to reach the end of the pipe (processes the instance left behind
// may still hold it open) and then closes the read end.
func (o *outputReader) close() {
	o.wmu.Lock()
	_ = o.w.Close()
	o.wmu.Unlock()
	select {
	case <-o.done:
	case <-time.After(500 * time.Millisecond):
	}
	_ = o.r.Close()
	<-o.done
}
