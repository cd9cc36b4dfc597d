package sqs

import (
	"container/heap"
	"sort"
)

// seqHeap orders visible messages of a standard queue by sequence number.
type seqHeap []*message

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i].seq < h[j].seq }
func (h seqHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *seqHeap) Push(x any) {
	m := x.(*message)
	m.heapIdx = len(*h)
	*h = append(*h, m)
}
func (h *seqHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	m.heapIdx = -1
	return m
}

// dueHeap orders in-flight and delayed messages by the time they become
// visible.
type dueHeap []*message

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].seq < h[j].seq
}
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *dueHeap) Push(x any) {
	m := x.(*message)
	m.heapIdx = len(*h)
	*h = append(*h, m)
}
func (h *dueHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	m.heapIdx = -1
	return m
}

// group is a FIFO message group: its visible messages in sequence order and
// the number of its messages in flight (the group is locked while > 0).
type group struct {
	id       string
	visible  []*message
	inflight int
	readyIdx int // index in the queue's ready heap, -1 when absent
}

// groupHeap orders the unlocked groups with visible messages by the sequence
// number of their first message.
type groupHeap []*group

func (h groupHeap) Len() int           { return len(h) }
func (h groupHeap) Less(i, j int) bool { return h[i].visible[0].seq < h[j].visible[0].seq }
func (h groupHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].readyIdx, h[j].readyIdx = i, j
}
func (h *groupHeap) Push(x any) {
	g := x.(*group)
	g.readyIdx = len(*h)
	*h = append(*h, g)
}
func (h *groupHeap) Pop() any {
	old := *h
	g := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	g.readyIdx = -1
	return g
}

// index is a queue's in-memory view of its messages. It is not safe for
// concurrent use; the queue's mutex guards it.
type index struct {
	fifo    bool
	msgs    map[uint64]*message
	visible seqHeap // standard queues
	groups  map[string]*group
	ready   groupHeap // FIFO queues
	waiting dueHeap

	nVisible, nInflight, nDelayed int
}

func newIndex(fifo bool) *index {
	return &index{fifo: fifo, msgs: map[uint64]*message{}, groups: map[string]*group{}}
}

// add inserts a new message, placed by its state at time now (Unix ms).
func (x *index) add(m *message, now int64) {
	x.msgs[m.seq] = m
	m.heapIdx = -1
	switch {
	case m.receives > 0 && m.visibleAt > now:
		x.toWaiting(m, whereInflight, m.visibleAt)
	case m.delay > now:
		x.toWaiting(m, whereDelayed, m.delay)
	default:
		x.toVisible(m)
	}
}

func (x *index) toWaiting(m *message, where int8, due int64) {
	m.where, m.due = where, due
	heap.Push(&x.waiting, m)
	if where == whereInflight {
		x.nInflight++
		if x.fifo {
			g := x.group(m.group)
			g.inflight++
			x.readyChanged(g)
		}
	} else {
		x.nDelayed++
	}
}

func (x *index) toVisible(m *message) {
	m.where = whereVisible
	x.nVisible++
	if !x.fifo {
		heap.Push(&x.visible, m)
		return
	}
	g := x.group(m.group)
	i := sort.Search(len(g.visible), func(i int) bool { return g.visible[i].seq > m.seq })
	g.visible = append(g.visible, nil)
	copy(g.visible[i+1:], g.visible[i:])
	g.visible[i] = m
	x.readyChanged(g)
}

func (x *index) group(id string) *group {
	g := x.groups[id]
	if g == nil {
		g = &group{id: id, readyIdx: -1}
		x.groups[id] = g
	}
	return g
}

// readyChanged puts g in, fixes it in or takes it out of the ready heap after
// its visible list or in-flight count changed, and forgets empty groups.
func (x *index) readyChanged(g *group) {
	ready := g.inflight == 0 && len(g.visible) > 0
	switch {
	case ready && g.readyIdx < 0:
		heap.Push(&x.ready, g)
	case ready:
		heap.Fix(&x.ready, g.readyIdx)
	case g.readyIdx >= 0:
		heap.Remove(&x.ready, g.readyIdx)
	}
	if g.inflight == 0 && len(g.visible) == 0 {
		delete(x.groups, g.id)
	}
}

// detach takes m out of whatever structure holds it, leaving it in msgs.
func (x *index) detach(m *message) {
	switch m.where {
	case whereVisible:
		x.nVisible--
		if !x.fifo {
			heap.Remove(&x.visible, m.heapIdx)
			break
		}
		g := x.groups[m.group]
		for i, v := range g.visible {
			if v == m {
				g.visible = append(g.visible[:i], g.visible[i+1:]...)
				break
			}
		}
		x.readyChanged(g)
	case whereInflight, whereDelayed:
		heap.Remove(&x.waiting, m.heapIdx)
		if m.where == whereDelayed {
			x.nDelayed--
			break
		}
		x.nInflight--
		if x.fifo {
			g := x.groups[m.group]
			g.inflight--
			x.readyChanged(g)
		}
	}
	m.where = whereNone
}

// remove deletes m from the index.
func (x *index) remove(m *message) {
	x.detach(m)
	m.where = whereGone
	delete(x.msgs, m.seq)
}

// promote makes visible every waiting message due at or before now and
// reports how many became visible.
func (x *index) promote(now int64) int {
	n := 0
	for len(x.waiting) > 0 && x.waiting[0].due <= now {
		m := x.waiting[0]
		x.detach(m)
		x.toVisible(m)
		n++
	}
	return n
}

// nextDue returns the earliest waiting deadline, or 0.
func (x *index) nextDue() int64 {
	if len(x.waiting) == 0 {
		return 0
	}
	return x.waiting[0].due
}

// candidates returns up to max visible messages in delivery order without
// changing the index: sequence order for standard queues; for FIFO queues
// whole runs of the unlocked groups, oldest group first.
func (x *index) candidates(max int) []*message {
	out := make([]*message, 0, max)
	if !x.fifo {
		// Pop and re-push keeps the heap consistent while reading in order.
		for len(out) < max && len(x.visible) > 0 {
			out = append(out, heap.Pop(&x.visible).(*message))
		}
		for _, m := range out {
			heap.Push(&x.visible, m)
		}
		return out
	}
	var taken []*group
	for len(out) < max && len(x.ready) > 0 {
		g := heap.Pop(&x.ready).(*group)
		taken = append(taken, g)
		for _, m := range g.visible {
			if len(out) == max {
				break
			}
			out = append(out, m)
		}
	}
	for _, g := range taken {
		heap.Push(&x.ready, g)
	}
	return out
}

// setInflight moves a visible message in flight until the given time.
func (x *index) setInflight(m *message, until int64) {
	x.detach(m)
	x.toWaiting(m, whereInflight, until)
}

// changeVisibility moves an in-flight message's deadline, making it visible
// at once when until <= now.
func (x *index) changeVisibility(m *message, until, now int64) {
	x.detach(m)
	if until <= now {
		x.toVisible(m)
		return
	}
	x.toWaiting(m, whereInflight, until)
}
