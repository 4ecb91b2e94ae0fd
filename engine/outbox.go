package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/batonbot/baton/flows"
)

// Claim returns up to max pending items due at now, oldest first, and
// leases them until now+lease. The items of one handoff go out in order:
// only its oldest undelivered item can be claimed, and an append only once
// the handoff's open was delivered (it carries the open's Ticket).
func (m *MemoryStore) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.OutboxItem
	blocked := make(map[string]bool)
	for _, mi := range m.items {
		it := &mi.item
		if it.Status != flows.OutboxPending {
			continue
		}
		if it.HandoffID != "" {
			if blocked[it.HandoffID] {
				continue
			}
			blocked[it.HandoffID] = true // later items of this handoff wait for this one
		}
		if it.NextAt.After(now) || mi.leaseUntil.After(now) {
			continue
		}
		if it.Kind != flows.OutboxOpen && it.HandoffID != "" {
			t, ok := m.tickets[it.HandoffID]
			if !ok {
				continue // the open is not delivered (or not in this store)
			}
			it.Ticket = t
		}
		mi.leaseUntil = now.Add(lease)
		out = append(out, cloneItem(*it))
		if len(out) == max {
			break
		}
	}
	return out, nil
}

// Settle records the outcome of a claimed item (Status, Attempts, NextAt,
// LastError, Ticket) and releases its lease. A delivered open makes the
// handoff's appends claimable.
func (m *MemoryStore) Settle(ctx context.Context, item flows.OutboxItem) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	mi, ok := m.byID[item.ID]
	if !ok {
		return fmt.Errorf("memory store: no outbox item %q to settle; settle items returned by Claim", item.ID)
	}
	it := &mi.item
	wasDelivered := it.Status == flows.OutboxDelivered
	if item.Status != "" {
		it.Status = item.Status
	}
	it.Attempts = item.Attempts
	if !item.NextAt.IsZero() {
		it.NextAt = item.NextAt
	}
	it.LastError = item.LastError
	if item.Ticket != (flows.TicketRef{}) {
		it.Ticket = item.Ticket
	}
	mi.leaseUntil = time.Time{}
	if it.Status == flows.OutboxDelivered && it.HandoffID != "" {
		switch it.Kind {
		case flows.OutboxOpen:
			m.tickets[it.HandoffID] = it.Ticket
		case flows.OutboxClose:
			delete(m.tickets, it.HandoffID) // nothing more goes to a closed ticket
		}
	}
	if it.Status == flows.OutboxDelivered && !wasDelivered {
		m.delivered++
		if m.delivered > m.keepDelivered {
			m.dropDelivered()
		}
	}
	return nil
}

// dropDelivered forgets the oldest delivered items beyond keepDelivered.
// The caller holds m.mu.
func (m *MemoryStore) dropDelivered() {
	extra := m.delivered - m.keepDelivered
	kept := m.items[:0]
	for _, mi := range m.items {
		if extra > 0 && mi.item.Status == flows.OutboxDelivered {
			delete(m.byID, mi.item.ID)
			extra--
			m.delivered--
			continue
		}
		kept = append(kept, mi)
	}
	clear(m.items[len(kept):])
	m.items = kept
}

// List returns copies of the items with status (every item when empty),
// oldest first.
func (m *MemoryStore) List(ctx context.Context, status flows.OutboxStatus) ([]flows.OutboxItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.OutboxItem
	for _, mi := range m.items {
		if status == "" || mi.item.Status == status {
			out = append(out, cloneItem(mi.item))
		}
	}
	return out, nil
}
