package handoff

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/batonbot/baton/flows"
)

// maxAppendBatch bounds the customer messages sent in one ticket update.
const maxAppendBatch = 10

// current returns the run's view of item id, when the run loaded the
// outbox.
func (r *dlRun) current(id string) (flows.OutboxItem, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.loaded {
		return flows.OutboxItem{}, false
	}
	it, ok := r.byID[id]
	return it, ok
}

// contact is the customer of handoff hid, from its open item.
func (r *dlRun) contact(hid string) flows.Contact {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, it := range r.byHandoff[hid] {
		if it.Kind == flows.OutboxOpen && it.Handoff != nil {
			return it.Handoff.Contact
		}
	}
	return flows.Contact{}
}

// batch is head and the appends of its handoff that follow it, pending
// and already written, up to the next item of another kind: what one
// ticket update carries.
func (r *dlRun) batch(head flows.OutboxItem, now time.Time) []flows.OutboxItem {
	out := []flows.OutboxItem{head}
	if head.HandoffID == "" {
		return out
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.byHandoff[head.HandoffID]
	i := slices.IndexFunc(list, func(it flows.OutboxItem) bool { return it.ID == head.ID })
	if i < 0 {
		return out
	}
	for _, it := range list[i+1:] {
		if len(out) == maxAppendBatch || it.Kind != flows.OutboxAppend || it.Status == flows.OutboxDelivered {
			break
		}
		if it.Status != flows.OutboxPending || it.Message == nil || it.CreatedAt.After(now) {
			break
		}
		out = append(out, it)
	}
	return out
}

// updates returns when the conversation's ticket got customer messages in
// the minute before now, oldest first: one time per ticket update (the
// messages of one update are settled at the same time).
func (r *dlRun) updates(conv string, now time.Time) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Time
	for _, it := range r.byConv[conv] {
		if it.Kind != flows.OutboxAppend || it.Status != flows.OutboxDelivered {
			continue
		}
		if at := it.NextAt; now.Sub(at) < time.Minute && !at.After(now) && !slices.ContainsFunc(out, at.Equal) {
			out = append(out, at)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// deliverAppends delivers head, a claimed append, together with the
// customer's messages that followed it, as one ticket update, exactly
// once:
//
//   - it waits the append window after head was written, so messages
//     typed in quick succession go in one update, and waits again when
//     the conversation had its cap of updates in the last minute (the
//     messages are delayed, never dropped);
//   - when an earlier attempt of a message may have reached the ticket
//     (it has attempts on record: a timeout, a 5xx, a worker that died
//     during the call), the ticket is read first and the messages whose
//     marker is on it are settled as delivered, not sent again;
//   - the attempt is written ahead (writeAhead), then the rest are sent in
//     one AppendBatch, then settled, the followers first and head last,
//     so that no other worker takes a follower while head holds them.
func (r *dlRun) deliverAppends(ctx context.Context, ba flows.BatchAppender, head flows.OutboxItem, now time.Time) (bool, error) {
	d := r.d
	if d.window > 0 && head.HandoffID != "" {
		if due := head.CreatedAt.Add(d.window); now.Before(due) {
			return r.wait(ctx, head, due, fmt.Sprintf("waiting %s for the customer's next messages, to send them in one update", d.window))
		}
	}
	if d.perMinute > 0 {
		if ups := r.updates(head.ConversationID, now); len(ups) >= d.perMinute {
			due := ups[len(ups)-d.perMinute].Add(time.Minute)
			return r.wait(ctx, head, due, fmt.Sprintf("conversation %s had %d ticket updates in the last minute (the cap is %d); the messages wait and go together",
				head.ConversationID, len(ups), d.perMinute))
		}
	}
	batch := r.batch(head, now)
	for i := range batch[1:] {
		batch[i+1].Ticket = head.Ticket
	}
	contact := r.contact(head.HandoffID)

	// Messages an earlier attempt may have added: look for their markers.
	var maybe []string
	for _, it := range batch {
		if it.Attempts > 0 {
			maybe = append(maybe, it.ID)
		}
	}
	found := map[string]bool{}
	if len(maybe) > 0 {
		ids, err := d.marked(ctx, ba, head, maybe)
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			// Nothing is known: the next attempt looks again.
			if err := r.writeAhead(ctx, &head, now, true); err != nil {
				return false, err
			}
			return r.outcome(ctx, head, fmt.Errorf("checking the ticket for messages an earlier attempt may have added: %w", err))
		}
		for _, id := range ids {
			found[id] = true
		}
		// The check took time: the attempt written ahead below holds the
		// items for a lease from now, not from before the check.
		now = d.now()
	}
	var send []flows.TicketMessage
	for i := range batch {
		it := &batch[i]
		if found[it.ID] {
			d.log.Info("handoff append already on the ticket; not sent again", "id", it.ID, "ticket", head.Ticket.ID)
			continue
		}
		send = append(send, flows.TicketMessage{ID: it.ID, Message: *it.Message})
		// Followers first: head keeps holding them while this is under way.
		if i > 0 {
			if err := r.writeAhead(ctx, it, now, false); err != nil {
				return false, err
			}
		}
	}
	switch {
	case !found[head.ID]:
		if err := r.writeAhead(ctx, &head, now, true); err != nil {
			return false, err
		}
		batch[0] = head
	case len(send) > 0:
		// head is on the ticket already, but it still holds the messages
		// after it from other workers while they are sent: for a lease
		// from now, its claim's may be running out.
		head.NextAt = now.Add(d.lease)
		if err := d.outbox.Settle(ctx, head); err != nil {
			return false, fmt.Errorf("handoff: settle %s: %w", head.ID, err)
		}
		r.update(head)
		batch[0] = head
	}

	var sendErr error
	if len(send) > 0 {
		actx, cancel := d.attemptContext(ctx, head, "")
		sendErr = d.attemptError(ctx, actx, ba.AppendBatch(actx, head.Ticket, contact, send))
		cancel()
		if sendErr != nil && ctx.Err() != nil {
			return false, ctx.Err() // the lease hands head (and its batch) to the next worker
		}
	}
	end := d.now()
	// Settle the followers, last first, then head.
	for i := len(batch) - 1; i >= 1; i-- {
		it := batch[i]
		if sendErr != nil && !found[it.ID] {
			it.LastError = fmt.Sprintf("sent with %s in an update that failed: %s", head.ID, clip(sendErr.Error(), 300))
			if err := r.d.outbox.Settle(ctx, it); err != nil {
				return false, fmt.Errorf("handoff: settle %s: %w", it.ID, err)
			}
			r.update(it)
			continue
		}
		it.Status, it.LastError, it.NextAt = flows.OutboxDelivered, "", end
		if _, err := r.settle(ctx, it, nil); err != nil {
			return false, err
		}
	}
	if found[head.ID] {
		head.Status, head.LastError, head.NextAt = flows.OutboxDelivered, "", end
		return r.settle(ctx, head, nil)
	}
	return r.outcome(ctx, head, sendErr)
}

// marked asks the connector which of ids are on head's ticket.
func (d *Deliverer) marked(ctx context.Context, ba flows.BatchAppender, head flows.OutboxItem, ids []string) (found []string, err error) {
	actx, cancel := d.attemptContext(ctx, head, "")
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = &dlPermanent{fmt.Errorf("connector panicked: %v", p)}
		}
	}()
	found, err = ba.Marked(actx, head.Ticket, ids)
	return found, d.attemptError(ctx, actx, err)
}
