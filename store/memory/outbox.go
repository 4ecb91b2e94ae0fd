package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

// Claim returns up to max pending items due at now, oldest first, and
// leases them until now+lease (see flows.Outbox for the order kept).
func (m *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	return m.ClaimKinds(ctx, now, lease, max, nil)
}

// ClaimKinds is Claim for the items of kinds (every kind when nil).
func (m *Store) ClaimKinds(ctx context.Context, now time.Time, lease time.Duration, max int, kinds []flows.OutboxKind) ([]flows.OutboxItem, error) {
	if err := m.live(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	// A group holds replies only or a handoff's items only (store.Group):
	// the groups of a class this claim takes nothing of are skipped whole.
	replies := kinds == nil || slices.Contains(kinds, flows.OutboxReply)
	handoffs := kinds == nil || slices.ContainsFunc(kinds, func(k flows.OutboxKind) bool { return k != flows.OutboxReply })
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.OutboxItem
	var blocked groupSet
	// Walk the pending items in save order, dropping from pend those that
	// are no longer pending.
	w := 0
	i := 0
	for ; i < len(m.pend) && len(out) < max; i++ {
		mi := m.pend[i]
		it := &mi.it
		if it.Status != flows.OutboxPending {
			mi.inPend = false
			continue
		}
		m.pend[w] = mi
		w++
		if isReply := it.Kind == flows.OutboxReply; (isReply && !replies) || (!isReply && !handoffs) {
			continue
		}
		if g, ok := store.Group(it); ok {
			if !blocked.add(g) { // later items of the group wait for this one
				continue
			}
		}
		if it.NextAt.After(now) || mi.leaseUntil.After(now) || (kinds != nil && !slices.Contains(kinds, it.Kind)) {
			continue
		}
		if store.NeedsTicket(it) {
			t, ok := m.tickets[it.HandoffID]
			if !ok {
				continue // the open is not delivered (or not in this store)
			}
			it.Ticket = t.ref
		}
		mi.leaseUntil = now.Add(lease)
		m.leases++
		it.LeaseID = m.leases
		out = append(out, it.Clone())
	}
	if w < i {
		n := copy(m.pend[w:], m.pend[i:])
		clear(m.pend[w+n:])
		m.pend = m.pend[:w+n]
	}
	return out, nil
}

// groupSet is a set of groups: a few in an array on the stack, a map
// beyond (a claim walks a handful of pending items, or a backlog).
type groupSet struct {
	few  [8]store.GroupKey
	n    int
	many map[store.GroupKey]bool
}

// add adds g and reports whether it was not in the set yet.
func (s *groupSet) add(g store.GroupKey) bool {
	if s.many != nil {
		if s.many[g] {
			return false
		}
		s.many[g] = true
		return true
	}
	for _, h := range s.few[:s.n] {
		if h == g {
			return false
		}
	}
	if s.n < len(s.few) {
		s.few[s.n] = g
		s.n++
		return true
	}
	s.many = make(map[store.GroupKey]bool, 2*len(s.few))
	for _, h := range s.few {
		s.many[h] = true
	}
	s.many[g] = true
	return true
}

// pending puts mi in pend when it is pending and not there yet, in save
// order. The caller holds m.mu.
func (m *Store) pending(mi *item) {
	if mi.inPend || mi.it.Status != flows.OutboxPending {
		return
	}
	mi.inPend = true
	i, _ := slices.BinarySearchFunc(m.pend, mi.seq, func(x *item, seq uint64) int { return cmp.Compare(x.seq, seq) })
	m.pend = slices.Insert(m.pend, i, mi)
}

// indexPending keeps m.pendKinds when mi goes from status was to its
// current one (was is empty for a new item). The caller holds m.mu.
func (m *Store) indexPending(mi *item, was flows.OutboxStatus) {
	pend := mi.it.Status == flows.OutboxPending
	if pend == (was == flows.OutboxPending) {
		return
	}
	byAge := func(x *item, y *item) int {
		return cmp.Or(x.it.CreatedAt.Compare(y.it.CreatedAt), cmp.Compare(x.seq, y.seq))
	}
	kind := mi.it.Kind
	i, found := slices.BinarySearchFunc(m.pendKinds[kind], mi, byAge)
	switch {
	case pend && !found:
		m.pendKinds[kind] = slices.Insert(m.pendKinds[kind], i, mi)
	case !pend && found:
		if m.pendKinds[kind] = slices.Delete(m.pendKinds[kind], i, i+1); len(m.pendKinds[kind]) == 0 {
			delete(m.pendKinds, kind)
		}
	}
}

// PendingStats returns the count of pending items of each kind that has
// some, and when the oldest was created, from the index Save and Settle
// keep (m.pendKinds).
func (m *Store) PendingStats(ctx context.Context) (map[flows.OutboxKind]flows.PendingStat, error) {
	if err := m.live(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[flows.OutboxKind]flows.PendingStat, len(m.pendKinds))
	for kind, items := range m.pendKinds {
		out[kind] = flows.PendingStat{Count: len(items), Oldest: items[0].it.CreatedAt}
	}
	return out, nil
}

// countReply keeps m.replies when it, a reply item, goes from status was
// to its current one (was is empty for a new item). The caller holds m.mu.
func (m *Store) countReply(it *flows.OutboxItem, was flows.OutboxStatus) {
	pend := it.Status == flows.OutboxPending
	if it.Kind != flows.OutboxReply || pend == (was == flows.OutboxPending) {
		return
	}
	if pend {
		m.replies[it.ConversationID]++
		return
	}
	if m.replies[it.ConversationID]--; m.replies[it.ConversationID] <= 0 {
		delete(m.replies, it.ConversationID)
	}
}

// Settle records the outcome of an item (Status, Attempts, NextAt,
// LastError, Ticket) and releases its lease. A delivered open makes its
// handoff's appends claimable; a dead open takes its handoff's pending
// items with it, and settling it pending again revives them.
func (m *Store) Settle(ctx context.Context, in flows.OutboxItem) error {
	if err := m.live(ctx); err != nil {
		return err
	}
	if err := store.CheckSettle(in); err != nil {
		return err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	mi, ok := m.byID[in.ID]
	if !ok {
		return fmt.Errorf("memory store: no outbox item %q to settle; settle items returned by Claim", in.ID)
	}
	it := &mi.it
	if in.LeaseID != 0 && in.LeaseID != it.LeaseID {
		return fmt.Errorf("memory store: settling outbox item %q: %w", in.ID, flows.ErrLeaseLost)
	}
	was := it.Status
	if in.Status != "" {
		it.Status = in.Status
	}
	it.Attempts = in.Attempts
	if !in.NextAt.IsZero() {
		it.NextAt = in.NextAt
	}
	it.LastError = in.LastError
	if in.Ticket != (flows.TicketRef{}) {
		it.Ticket = in.Ticket
	}
	mi.leaseUntil = time.Time{}
	m.pending(mi)
	m.countReply(it, was)
	m.indexPending(mi, was)
	if it.Status == flows.OutboxDelivered && it.HandoffID != "" {
		switch it.Kind {
		case flows.OutboxOpen:
			m.tickets[it.HandoffID] = ticket{ref: it.Ticket, at: now}
		case flows.OutboxClose:
			delete(m.tickets, it.HandoffID) // nothing more goes to a closed ticket
		}
	}
	if it.Kind == flows.OutboxOpen && it.HandoffID != "" && was != it.Status {
		m.cascade(it)
	}
	if it.Status == flows.OutboxDelivered && was != flows.OutboxDelivered {
		m.delivered++
		if m.delivered > m.keepDelivered {
			// Drop an eighth more than needed, so the scan runs once
			// every keepDelivered/8 deliveries, not on each.
			m.dropDelivered(m.delivered - (m.keepDelivered - m.keepDelivered/8))
		}
	}
	return nil
}

// cascade carries an open's death to its handoff's pending items, and its
// revival to its handoff's dead items. The caller holds m.mu.
func (m *Store) cascade(open *flows.OutboxItem) {
	switch open.Status {
	case flows.OutboxDead:
		for _, mi := range m.items {
			o := &mi.it
			if o.HandoffID == open.HandoffID && o.ID != open.ID && o.Status == flows.OutboxPending {
				o.Status = flows.OutboxDead
				o.LastError = flows.DeadOpenError(open)
				mi.leaseUntil = time.Time{}
				m.countReply(o, flows.OutboxPending)
				m.indexPending(mi, flows.OutboxPending)
			}
		}
	case flows.OutboxPending:
		for _, mi := range m.items {
			o := &mi.it
			if o.HandoffID == open.HandoffID && o.ID != open.ID && o.Status == flows.OutboxDead {
				o.Status, o.Attempts, o.LastError, o.NextAt = flows.OutboxPending, 0, "", open.NextAt
				m.pending(mi)
				m.countReply(o, flows.OutboxDead)
				m.indexPending(mi, flows.OutboxDead)
			}
		}
	}
}

// dropDelivered forgets the oldest n delivered items. The caller holds
// m.mu. It stops reading the items once it found n: the rest only move
// down, unread (the oldest delivered items come first, and a scan of
// them all read each item, a cache miss, for every eighth of
// keepDelivered deliveries).
func (m *Store) dropDelivered(n int) {
	w, i := 0, 0
	for ; i < len(m.items) && n > 0; i++ {
		mi := m.items[i]
		if mi.it.Status == flows.OutboxDelivered {
			delete(m.byID, mi.it.ID)
			n--
			m.delivered--
			continue
		}
		m.items[w] = mi
		w++
	}
	if w < i {
		k := copy(m.items[w:], m.items[i:])
		clear(m.items[w+k:])
		m.items = m.items[:w+k]
	}
}

// dropOld forgets delivered items older than keepFor, dead items older
// than the TTL and tickets of handoffs whose conversation was not saved
// for the TTL. The caller holds m.mu.
func (m *Store) dropOld(now time.Time) {
	m.items = slices.DeleteFunc(m.items, func(mi *item) bool {
		it := &mi.it
		old := (it.Status == flows.OutboxDelivered && now.Sub(it.NextAt) >= m.keepFor) ||
			(it.Status == flows.OutboxDead && m.expired(it.CreatedAt, now))
		if old {
			delete(m.byID, it.ID)
			if it.Status == flows.OutboxDelivered {
				m.delivered--
			}
		}
		return old
	})
	for id, t := range m.tickets {
		if m.expired(t.at, now) {
			delete(m.tickets, id)
		}
	}
}

// List returns copies of the items with status (every item when empty),
// oldest first.
func (m *Store) List(ctx context.Context, status flows.OutboxStatus) ([]flows.OutboxItem, error) {
	return m.ListKinds(ctx, status, nil)
}

// ListKinds is List for the items of kinds (every kind when nil).
func (m *Store) ListKinds(ctx context.Context, status flows.OutboxStatus, kinds []flows.OutboxKind) ([]flows.OutboxItem, error) {
	if err := m.live(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.OutboxItem
	for _, mi := range m.items {
		if (status == "" || mi.it.Status == status) && (kinds == nil || slices.Contains(kinds, mi.it.Kind)) {
			out = append(out, mi.it.Clone())
		}
	}
	return out, nil
}

// OutboxOf returns the outbox of kinds (every kind when none is given).
func (m *Store) OutboxOf(kinds ...flows.OutboxKind) flows.Outbox {
	if len(kinds) == 0 {
		return m
	}
	return store.OutboxOf(m, kinds...)
}
