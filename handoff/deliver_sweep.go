package handoff

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batonbot/baton/flows"
)

// sweepEvery is how often RunOnce looks for items stranded behind a dead
// open; sweepSoon how often while an open died lately (the customer may
// still be writing), for sweepWhile after.
const (
	sweepEvery = time.Minute
	sweepSoon  = time.Second
	sweepWhile = 10 * time.Minute
)

// sweep dead-letters the pending items of handoffs whose open is dead.
// Settling an open dead takes the items already written with it (the
// store's side, and killDependants); a customer's message written after
// that would wait for ever, since stores hand out a handoff's items only
// once its open is delivered. The sweep gives them the open's fate, and
// `baton handoff retry` of the open brings them all back together.
func (d *Deliverer) sweep(ctx context.Context, now time.Time) error {
	last := d.lastSweep.Load()
	every := sweepEvery
	if died := d.lastDeadOpen.Load(); died != 0 && now.Sub(time.Unix(0, died)) < sweepWhile {
		every = sweepSoon
	}
	if last != 0 && now.Sub(time.Unix(0, last)) < every {
		return nil
	}
	if !d.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return nil // another RunOnce sweeps
	}
	dead, err := d.outbox.List(ctx, flows.OutboxDead)
	if err != nil {
		return fmt.Errorf("handoff: list dead items: %w", err)
	}
	opens := map[string]flows.OutboxItem{}
	for _, it := range dead {
		if it.Kind == flows.OutboxOpen && it.HandoffID != "" {
			opens[it.HandoffID] = it
			if now.Sub(it.NextAt) < sweepWhile {
				d.lastDeadOpen.Store(now.UnixNano()) // died lately, maybe in another process
			}
		}
	}
	if len(opens) == 0 {
		return nil
	}
	pending, err := d.outbox.List(ctx, flows.OutboxPending)
	if err != nil {
		return fmt.Errorf("handoff: list pending items: %w", err)
	}
	for _, it := range pending {
		open, ok := opens[it.HandoffID]
		if !ok || it.Kind == flows.OutboxOpen {
			continue
		}
		it.Status = flows.OutboxDead
		it.LastError = flows.DeadOpenError(&open)
		if err := d.outbox.Settle(ctx, it); err != nil {
			return fmt.Errorf("handoff: settle %s: %w", it.ID, err)
		}
		d.log.Error("handoff dead-lettered", "id", it.ID, "handoff", it.HandoffID, "kind", it.Kind, "reason", it.LastError)
		if d.onSettled != nil {
			d.onSettled(ctx, it, errors.New(it.LastError))
		}
	}
	return nil
}
