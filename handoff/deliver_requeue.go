package handoff

import (
	"context"
	"fmt"

	"github.com/batonbot/baton/flows"
)

// List returns the outbox items with status (all when empty), oldest
// first: what `baton handoff list` shows.
func (d *Deliverer) List(ctx context.Context, status flows.OutboxStatus) ([]flows.OutboxItem, error) {
	items, err := d.outbox.List(ctx, status)
	if err != nil {
		return nil, fmt.Errorf("handoff: list outbox: %w", err)
	}
	return items, nil
}

// Retry puts the dead item id back in the queue, due now with its attempts
// reset (to one when it was attempted, so the next attempt first checks
// what the earlier ones did); a handoff's items go back together (retrying a dead open also
// retries the appends that died with it, retrying such an append also
// retries its open). It returns the ids requeued. The item's age is not
// reset: if its next attempt fails and it is past the max age, it is dead
// again with the new reason.
//
// Retry settles items that no worker holds; the outbox's Settle must
// accept that (the engine's in-memory and persistent stores do).
func (d *Deliverer) Retry(ctx context.Context, id string) ([]string, error) {
	dead, err := d.outbox.List(ctx, flows.OutboxDead)
	if err != nil {
		return nil, fmt.Errorf("handoff: list dead items: %w", err)
	}
	var target *flows.OutboxItem
	for i := range dead {
		if dead[i].ID == id {
			target = &dead[i]
			break
		}
	}
	if target == nil {
		return nil, fmt.Errorf("handoff: no dead outbox item %q: `baton handoff list dead` shows the ids", id)
	}
	group := []flows.OutboxItem{*target}
	openDead := target.Kind == flows.OutboxOpen
	if !openDead && target.HandoffID != "" {
		for _, it := range dead {
			if it.HandoffID == target.HandoffID && it.Kind == flows.OutboxOpen {
				openDead = true
			}
		}
	}
	if openDead && target.HandoffID != "" {
		group = group[:0]
		for _, it := range dead {
			if it.HandoffID == target.HandoffID {
				group = append(group, it)
			}
		}
	}
	return d.requeue(ctx, group)
}

// RetryAll puts every dead item back in the queue.
func (d *Deliverer) RetryAll(ctx context.Context) ([]string, error) {
	dead, err := d.outbox.List(ctx, flows.OutboxDead)
	if err != nil {
		return nil, fmt.Errorf("handoff: list dead items: %w", err)
	}
	return d.requeue(ctx, dead)
}

func (d *Deliverer) requeue(ctx context.Context, items []flows.OutboxItem) ([]string, error) {
	now := d.now()
	var ids []string
	for _, it := range items {
		it.Status = flows.OutboxPending
		// The backoff starts over, but an item that was attempted keeps
		// one attempt on record: an earlier attempt may have reached the
		// helpdesk (a timeout before the failure that killed it), so the
		// next one checks before writing (Attempt.Retry) instead of
		// opening a second ticket or adding a comment twice.
		it.Attempts = min(it.Attempts, 1)
		it.NextAt = now
		it.LastError = ""
		if err := d.outbox.Settle(ctx, it); err != nil {
			return ids, fmt.Errorf("handoff: requeue %s: %w", it.ID, err)
		}
		d.log.Info("handoff requeued", "id", it.ID, "handoff", it.HandoffID, "kind", it.Kind)
		ids = append(ids, it.ID)
	}
	return ids, nil
}
