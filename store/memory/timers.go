package memory

import (
	"container/heap"
	"context"
	"time"

	"github.com/batonbot/baton/flows"
)

// timerSet holds the due timers by conversation and key, with a heap by
// due time for Due. Replaced and deleted timers stay in the heap as stale
// entries until they surface (or a compaction drops them).
type timerSet struct {
	at    map[string]map[string]time.Time // conversation → key → due
	count int
	h     timerHeap
}

type timerHeap []flows.Timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].At.Before(h[j].At) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(flows.Timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// set sets conversation conv's timer key to at; a zero at deletes it.
func (ts *timerSet) set(conv, key string, at time.Time) {
	keys := ts.at[conv]
	_, had := keys[key]
	if at.IsZero() {
		if had {
			delete(keys, key)
			ts.count--
			if len(keys) == 0 {
				delete(ts.at, conv)
			}
		}
		return
	}
	if keys == nil {
		if ts.at == nil {
			ts.at = map[string]map[string]time.Time{}
		}
		keys = map[string]time.Time{}
		ts.at[conv] = keys
	}
	if !had {
		ts.count++
	}
	keys[key] = at
	heap.Push(&ts.h, flows.Timer{Key: key, ConversationID: conv, At: at})
}

// drop deletes conversation conv's timers.
func (ts *timerSet) drop(conv string) {
	ts.count -= len(ts.at[conv])
	delete(ts.at, conv)
}

// current reports whether t is a timer as it is now set.
func (ts *timerSet) current(t flows.Timer) bool {
	at, ok := ts.at[t.ConversationID][t.Key]
	return ok && at.Equal(t.At)
}

// compact rebuilds the heap when stale entries outnumber live ones.
func (ts *timerSet) compact() {
	if len(ts.h) <= 2*ts.count+64 {
		return
	}
	h := make(timerHeap, 0, ts.count)
	for conv, keys := range ts.at {
		for key, at := range keys {
			h = append(h, flows.Timer{Key: key, ConversationID: conv, At: at})
		}
	}
	heap.Init(&h)
	ts.h = h
}

// Due returns up to max timers due at now, earliest first; they stay set
// until a Save deletes them.
func (m *Store) Due(ctx context.Context, now time.Time, max int) ([]flows.Timer, error) {
	if err := m.live(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	clock := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := &m.timers
	var out []flows.Timer
	seen := map[[2]string]bool{}
	for len(out) < max && len(ts.h) > 0 && !ts.h[0].At.After(now) {
		t := heap.Pop(&ts.h).(flows.Timer)
		k := [2]string{t.ConversationID, t.Key}
		if !ts.current(t) || seen[k] {
			continue // replaced, deleted or a duplicate: drop it
		}
		if e, ok := m.sessions[t.ConversationID]; !ok || m.expired(e.at(), clock) {
			m.expireLocked(t.ConversationID)
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	for _, t := range out {
		heap.Push(&ts.h, t)
	}
	// The host polls here when nothing is saved: idle conversations are
	// forgotten even then.
	m.maybeSweep(clock)
	return out, nil
}
