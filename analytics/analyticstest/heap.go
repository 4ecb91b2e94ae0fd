package analyticstest

import (
	"container/heap"

	"github.com/batonbot/baton/flows"
)

// eventHeap orders pending events by time, then in the order they were
// scheduled, so a conversation's events at the same instant keep theirs.
type eventHeap struct {
	items []item
	seq   uint64
}

type item struct {
	ev  flows.Event
	seq uint64
}

func (h *eventHeap) Len() int { return len(h.items) }
func (h *eventHeap) Less(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	if !a.ev.At.Equal(b.ev.At) {
		return a.ev.At.Before(b.ev.At)
	}
	return a.seq < b.seq
}
func (h *eventHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *eventHeap) Push(x any)    { h.items = append(h.items, x.(item)) }
func (h *eventHeap) Pop() any {
	n := len(h.items) - 1
	it := h.items[n]
	h.items = h.items[:n]
	return it
}

func (h *eventHeap) push(ev flows.Event) {
	h.seq++
	heap.Push(h, item{ev: ev, seq: h.seq})
}

func (h *eventHeap) pop() flows.Event { return heap.Pop(h).(item).ev }

// first is the earliest pending event.
func (h *eventHeap) first() *flows.Event { return &h.items[0].ev }
