package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/batonbot/baton/flows"
)

// inbox is the accepted messages not consumed yet, by conversation, and
// the ids accepted within the dedupe window. The Store's mutex guards it.
type inbox struct {
	dedupe time.Duration
	byID   map[string]*inEntry
	queues map[string][]*inEntry // conversation → its entries, oldest first
	seen   map[string]time.Time  // accepted id → when it is forgotten
	seq    uint64
}

type inEntry struct {
	e          flows.InboxEntry
	seq        uint64 // acceptance order, for entries accepted at the same time
	leaseUntil time.Time
}

func newInbox() inbox {
	return inbox{dedupe: flows.DefaultInboxDedupe, byID: map[string]*inEntry{},
		queues: map[string][]*inEntry{}, seen: map[string]time.Time{}}
}

func (b *inbox) pending(id string) bool { _, ok := b.byID[id]; return ok }

// consume removes the entry id, keeping its id for the dedupe window.
func (b *inbox) consume(id string, now time.Time) {
	e, ok := b.byID[id]
	if !ok {
		return
	}
	delete(b.byID, id)
	conv := e.e.Inbound.ConversationID
	q := slices.DeleteFunc(b.queues[conv], func(x *inEntry) bool { return x == e })
	if len(q) == 0 {
		delete(b.queues, conv)
	} else {
		b.queues[conv] = q
	}
}

// drop removes the entries of conversation conv (their ids stay known).
func (b *inbox) drop(conv string) {
	for _, e := range b.queues[conv] {
		delete(b.byID, e.e.ID)
	}
	delete(b.queues, conv)
}

// sweep forgets ids past the dedupe window and entries older than ttl.
func (b *inbox) sweep(now time.Time, ttl time.Duration) {
	for id, until := range b.seen {
		if !now.Before(until) {
			delete(b.seen, id)
		}
	}
	if ttl <= 0 {
		return
	}
	for conv, q := range b.queues {
		q = slices.DeleteFunc(q, func(e *inEntry) bool {
			if now.Sub(e.e.AcceptedAt) >= ttl {
				delete(b.byID, e.e.ID)
				return true
			}
			return false
		})
		if len(q) == 0 {
			delete(b.queues, conv)
		} else {
			b.queues[conv] = q
		}
	}
}

// Inbox returns the store's inbox.
func (m *Store) Inbox() flows.Inbox { return inboxView{m} }

type inboxView struct{ m *Store }

// Accept stores in unless its id was accepted within the dedupe window.
func (v inboxView) Accept(ctx context.Context, in flows.Inbound) (bool, error) {
	if err := v.m.live(ctx); err != nil {
		return false, err
	}
	if in.ID == "" || in.ConversationID == "" {
		return false, errors.New("memory store: an inbound message needs an ID and a ConversationID to be accepted")
	}
	m := v.m
	now := m.now()
	e := &inEntry{e: flows.InboxEntry{ID: in.ID, Inbound: in.Clone(), AcceptedAt: now}}
	m.mu.Lock()
	defer m.mu.Unlock()
	b := &m.inbox
	if until, ok := b.seen[in.ID]; (ok && now.Before(until)) || b.pending(in.ID) {
		return false, nil
	}
	b.seq++
	e.seq = b.seq
	b.seen[in.ID] = now.Add(in.DedupeWindow(b.dedupe))
	b.byID[in.ID] = e
	b.queues[in.ConversationID] = append(b.queues[in.ConversationID], e)
	m.maybeSweep(now)
	return true, nil
}

// Claim leases the oldest entry of each conversation whose oldest entry is
// not leased, oldest first, up to max.
func (v inboxView) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.InboxEntry, error) {
	if err := v.m.live(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	if lease <= 0 {
		return nil, fmt.Errorf("memory store: claiming inbox entries needs a positive lease, got %s", lease)
	}
	m := v.m
	clock := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	// The heads of a few conversations (a claim after a message or two)
	// fit in an array on the stack.
	var few [16]*inEntry
	heads := few[:0]
	for _, q := range m.inbox.queues {
		for _, e := range q {
			if e.leaseUntil.After(now) {
				break // its turn is under way: the conversation's next ones wait
			}
			if m.expired(e.e.AcceptedAt, clock) {
				continue // older than the TTL: as good as swept
			}
			heads = append(heads, e)
			break
		}
	}
	slices.SortFunc(heads, func(a, b *inEntry) int {
		if c := a.e.AcceptedAt.Compare(b.e.AcceptedAt); c != 0 {
			return c
		}
		return int(a.seq - b.seq)
	})
	heads = heads[:min(len(heads), max)]
	out := make([]flows.InboxEntry, len(heads))
	for i, h := range heads {
		h.leaseUntil = now.Add(lease)
		h.e.Attempts++
		out[i] = h.e
		out[i].Inbound = h.e.Inbound.Clone()
	}
	return out, nil
}

// Defer moves the lease of e, still under the claim that returned it, to
// until and takes back that claim's attempt (see flows.InboxDeferrer).
func (v inboxView) Defer(ctx context.Context, e flows.InboxEntry, until time.Time) error {
	if err := v.m.live(ctx); err != nil {
		return err
	}
	m := v.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if x, ok := m.inbox.byID[e.ID]; ok && x.e.Attempts == e.Attempts && x.e.Attempts > 0 {
		x.leaseUntil = until
		x.e.Attempts--
	}
	return nil
}

var _ flows.InboxDeferrer = inboxView{}

// Seen records key and reports whether it was recorded within ttl (see
// flows.Deduper).
func (m *Store) Seen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := m.live(ctx); err != nil {
		return false, err
	}
	if key == "" {
		return false, errors.New("memory store: a dedupe key cannot be empty")
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, ok := m.dedupe[key]; ok && now.Before(until) {
		return true, nil
	}
	m.dedupe[key] = now.Add(ttl)
	m.maybeSweep(now)
	return false, nil
}
