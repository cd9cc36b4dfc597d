package sqs

import (
	"math/rand/v2"
	"testing"
)

// checkIndex verifies the index's counters and structures against its
// messages.
func checkIndex(t *testing.T, x *index) {
	t.Helper()
	var vis, inf, del int
	for _, m := range x.msgs {
		switch m.where {
		case whereVisible:
			vis++
		case whereInflight:
			inf++
		case whereDelayed:
			del++
		default:
			t.Fatalf("message %d in state %d", m.seq, m.where)
		}
	}
	if vis != x.nVisible || inf != x.nInflight || del != x.nDelayed {
		t.Fatalf("counts %d/%d/%d, index says %d/%d/%d", vis, inf, del, x.nVisible, x.nInflight, x.nDelayed)
	}
	if len(x.waiting) != inf+del {
		t.Fatalf("%d waiting, want %d", len(x.waiting), inf+del)
	}
	if !x.fifo {
		if len(x.visible) != vis {
			t.Fatalf("%d in visible heap, want %d", len(x.visible), vis)
		}
		return
	}
	n := 0
	for id, g := range x.groups {
		n += len(g.visible)
		for i := 1; i < len(g.visible); i++ {
			if g.visible[i-1].seq >= g.visible[i].seq {
				t.Fatalf("group %s out of order", id)
			}
		}
		ready := g.inflight == 0 && len(g.visible) > 0
		if ready != (g.readyIdx >= 0) {
			t.Fatalf("group %s ready=%v readyIdx=%d", id, ready, g.readyIdx)
		}
	}
	if n != vis {
		t.Fatalf("%d visible in groups, want %d", n, vis)
	}
}

// TestIndexRandomOperations runs random sends, receives, deletes, visibility
// changes and clock ticks against the index, checking its invariants and that
// a FIFO group never has two messages in flight out of order.
func TestIndexRandomOperations(t *testing.T) {
	for _, fifo := range []bool{false, true} {
		t.Run(map[bool]string{false: "standard", true: "fifo"}[fifo], func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 11))
			x := newIndex(fifo)
			now := int64(1000)
			seq := uint64(0)
			for step := range 3000 {
				switch op := r.IntN(10); {
				case op < 4:
					seq++
					m := &message{seq: seq, group: string(rune('a' + r.IntN(4))), sent: now}
					if r.IntN(4) == 0 {
						m.delay = now + int64(r.IntN(50))
					}
					x.add(m, now)
				case op < 7:
					for _, m := range x.candidates(1 + r.IntN(10)) {
						if fifo {
							for _, o := range x.msgs {
								if o.group == m.group && o.where == whereInflight {
									t.Fatalf("step %d: group %s delivered while locked", step, m.group)
								}
								if o.group == m.group && o.where == whereVisible && o.seq < m.seq && !contains(x.candidates(10), o) {
									t.Fatalf("step %d: %d delivered before %d", step, m.seq, o.seq)
								}
							}
						}
						m.receives++
						x.setInflight(m, now+int64(1+r.IntN(30)))
						break
					}
				case op < 8:
					for _, m := range x.msgs {
						if m.where == whereInflight {
							x.remove(m)
							break
						}
					}
				case op < 9:
					for _, m := range x.msgs {
						if m.where == whereInflight {
							x.changeVisibility(m, now+int64(r.IntN(3)), now)
							break
						}
					}
				default:
					now += int64(r.IntN(20))
					x.promote(now)
				}
				checkIndex(t, x)
			}
		})
	}
}

func contains(ms []*message, m *message) bool {
	for _, o := range ms {
		if o == m {
			return true
		}
	}
	return false
}
