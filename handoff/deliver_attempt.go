package handoff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// dlRun is one claim's delivery: it lists the outbox at most once, to
// see the state of each handoff's other items, and keeps that view
// current with what it settles. Its conversations' items may be under
// way at once (Run's workers), so mu guards the view.
type dlRun struct {
	d      *Deliverer
	mu     sync.Mutex
	loaded bool
	// heldUntil is when the run's claim of its items ends.
	heldUntil time.Time
	// byHandoff holds each handoff's items in the outbox's order, byConv
	// each conversation's, byID every item.
	byHandoff map[string][]flows.OutboxItem
	byConv    map[string][]flows.OutboxItem
	byID      map[string]flows.OutboxItem
}

// load lists the outbox once; r.mu is held.
func (r *dlRun) load(ctx context.Context) error {
	if r.loaded {
		return nil
	}
	all, err := r.d.outbox.List(ctx, "")
	if err != nil {
		return fmt.Errorf("handoff: list outbox to order deliveries: %w", err)
	}
	r.byHandoff = make(map[string][]flows.OutboxItem)
	r.byConv = make(map[string][]flows.OutboxItem)
	r.byID = make(map[string]flows.OutboxItem, len(all))
	for _, it := range all {
		r.byHandoff[it.HandoffID] = append(r.byHandoff[it.HandoffID], it)
		r.byConv[it.ConversationID] = append(r.byConv[it.ConversationID], it)
		r.byID[it.ID] = it
	}
	r.loaded = true
	return nil
}

func (r *dlRun) update(it flows.OutboxItem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.loaded {
		return
	}
	r.byID[it.ID] = it
	r.byHandoff[it.HandoffID] = replaceItem(r.byHandoff[it.HandoffID], it)
	r.byConv[it.ConversationID] = replaceItem(r.byConv[it.ConversationID], it)
}

func replaceItem(list []flows.OutboxItem, it flows.OutboxItem) []flows.OutboxItem {
	for i := range list {
		if list[i].ID == it.ID {
			list[i] = it
			return list
		}
	}
	return append(list, it)
}

// dlWait says what a dependant item waits for.
type dlWait struct {
	ticket flows.TicketRef
	// until is set when the item must wait; dead when it never can go.
	until time.Time
	why   string
	dead  string
}

// dependency finds the ticket an append or close goes to, or why it must
// wait (its open or an earlier item of the handoff is not delivered yet)
// or die (its open is dead or missing).
func (r *dlRun) dependency(ctx context.Context, it flows.OutboxItem, now time.Time) (dlWait, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(ctx); err != nil {
		return dlWait{}, err
	}
	retryAt := now.Add(r.d.backoff.Initial)
	later := func(t time.Time) time.Time {
		if t.After(retryAt) {
			return t
		}
		return retryAt
	}
	var open *flows.OutboxItem
	list := r.byHandoff[it.HandoffID]
	for i := range list {
		if list[i].Kind == flows.OutboxOpen {
			open = &list[i]
			break
		}
	}
	var w dlWait
	switch {
	case open == nil && it.Ticket.ID == "":
		w.dead = fmt.Sprintf("handoff %s has no open item in the outbox and this %s carries no ticket; it cannot be delivered", it.HandoffID, it.Kind)
		return w, nil
	case open == nil:
		w.ticket = it.Ticket
	case open.Status == flows.OutboxDead:
		w.dead = flows.DeadOpenError(open)
		return w, nil
	case open.Status != flows.OutboxDelivered:
		w.until = later(open.NextAt)
		w.why = fmt.Sprintf("waiting for the open of handoff %s (%s)", it.HandoffID, open.ID)
		return w, nil
	default:
		w.ticket = open.Ticket
	}
	// Earlier appends and closes go first; a dead one does not hold the
	// rest back.
	for _, o := range list {
		if o.ID == it.ID {
			break
		}
		if o.Kind != flows.OutboxOpen && o.Status == flows.OutboxPending {
			w.until = later(o.NextAt)
			w.why = fmt.Sprintf("waiting for %s, an earlier %s of handoff %s", o.ID, o.Kind, it.HandoffID)
			return w, nil
		}
	}
	return w, nil
}

// deliver settles one claimed item; settled reports whether it did. An
// error is returned when the outbox failed, never for a failed delivery
// (that is settled).
func (r *dlRun) deliver(ctx context.Context, it flows.OutboxItem) (settled bool, err error) {
	d := r.d
	now := d.now()
	if cur, ok := r.current(it.ID); ok && cur.Status != flows.OutboxPending {
		return false, nil // delivered earlier in this run, in another item's batch
	}
	if reason := malformed(it); reason != "" {
		it.Status = flows.OutboxDead
		it.LastError = reason
		return r.settle(ctx, it, errors.New(reason))
	}
	if it.Kind != flows.OutboxOpen {
		w, err := r.dependency(ctx, it, now)
		if err != nil {
			return false, err
		}
		switch {
		case w.dead != "":
			it.Status = flows.OutboxDead
			it.LastError = w.dead
			return r.settle(ctx, it, errors.New(w.dead))
		case !w.until.IsZero():
			return r.wait(ctx, it, w.until, w.why)
		}
		if it.Ticket.ID == "" || it.Ticket.Connector == "" {
			if it.Ticket.Connector == "" {
				it.Ticket.Connector = w.ticket.Connector
			}
			if it.Ticket.ID == "" {
				it.Ticket = w.ticket
			}
		}
	}

	conn, err := d.resolve(ctx, it)
	if err == nil && conn == nil {
		err = errors.New("the resolver returned no connector")
	}
	if err != nil {
		it.Status = flows.OutboxDead
		it.LastError = fmt.Sprintf("%v; fix the connectors in baton.yaml, then run `baton handoff retry %s`", err, it.ID)
		return r.settle(ctx, it, err)
	}
	if ba, ok := conn.(flows.BatchAppender); ok && it.Kind == flows.OutboxAppend {
		return r.deliverAppends(ctx, ba, it, now)
	}

	before := it.LastError // the last attempt's outcome, maybe another process's
	if err := r.writeAhead(ctx, &it, now, true); err != nil {
		return false, err
	}
	ticket, callErr := d.call(ctx, conn, it, before)
	if callErr != nil && ctx.Err() != nil {
		// Shutting down: the lease hands the item to the next worker.
		return false, ctx.Err()
	}
	if callErr == nil && it.Kind == flows.OutboxOpen {
		it.Ticket = ticket
	}
	return r.outcome(ctx, it, callErr)
}

// wait settles it for later without an attempt: attempts and age are
// untouched, what it waits for decides its fate.
func (r *dlRun) wait(ctx context.Context, it flows.OutboxItem, until time.Time, why string) (bool, error) {
	it.NextAt = until
	it.LastError = why
	if err := r.d.outbox.Settle(ctx, it); err != nil {
		return false, fmt.Errorf("handoff: settle %s: %w", it.ID, err)
	}
	r.update(it)
	r.d.log.Debug("handoff waits", "id", it.ID, "handoff", it.HandoffID, "until", it.NextAt, "why", why)
	return true, nil
}

// writeAhead records that an attempt of it is under way before the
// helpdesk is called: its attempts go up, and it is due again only after
// the lease. A worker that dies during the call thus leaves the item with
// an attempt on record, and the next one checks the ticket (or, for a
// Freshdesk open, searches long enough) before writing again. hold keeps
// the item from being claimed meanwhile (the claimed item); items sent
// along with it keep their due time.
func (r *dlRun) writeAhead(ctx context.Context, it *flows.OutboxItem, now time.Time, hold bool) error {
	it.Attempts++
	if hold {
		it.NextAt = now.Add(r.d.lease)
	}
	it.LastError = underWay(it.Attempts, now, it.LastError)
	if err := r.d.outbox.Settle(ctx, *it); err != nil {
		return fmt.Errorf("handoff: settle %s: %w", it.ID, err)
	}
	r.update(*it)
	return nil
}

// underWay is the last error writeAhead records: "attempt N under way
// since TIME" and, when the item had one, "; before: " and the last
// error before (clipped), built in one allocation.
func underWay(attempt int, since time.Time, prev string) string {
	if prev != "" {
		prev = clip(prev, 300)
	}
	var sb strings.Builder
	sb.Grow(64 + len(prev))
	var buf [64]byte
	b := append(buf[:0], "attempt "...)
	b = strconv.AppendInt(b, int64(attempt), 10)
	b = append(b, " under way since "...)
	sb.Write(since.UTC().AppendFormat(b, time.RFC3339))
	if prev != "" {
		sb.WriteString("; before: ")
		sb.WriteString(prev)
	}
	return sb.String()
}

// outcome settles an attempted item: delivered, retried after a backoff
// (or the helpdesk's Retry-After), or dead (a permanent error, or past the
// max age).
func (r *dlRun) outcome(ctx context.Context, it flows.OutboxItem, callErr error) (bool, error) {
	d := r.d
	end := d.now()
	if callErr == nil {
		it.Status = flows.OutboxDelivered
		it.LastError = ""
		it.NextAt = end
		return r.settle(ctx, it, nil)
	}
	c := classify(callErr)
	c.reason = Redact(c.reason) // a connector of its own may name a URL with its secrets
	deadline := it.CreatedAt.Add(d.maxAge)
	switch {
	case c.permanent:
		it.Status = flows.OutboxDead
		it.LastError = fmt.Sprintf("permanent failure, not retried: %s", c.reason)
	case !it.CreatedAt.IsZero() && !end.Before(deadline):
		it.Status = flows.OutboxDead
		it.LastError = fmt.Sprintf("gave up after %d attempts over %s (max age %s): %s",
			it.Attempts, end.Sub(it.CreatedAt).Round(time.Second), d.maxAge, c.reason)
	default:
		it.Status = flows.OutboxPending
		delay := c.retryAfter
		if delay <= 0 {
			delay = d.backoff.Delay(it.Attempts, d.rand())
		}
		it.NextAt = end.Add(delay)
		if !it.CreatedAt.IsZero() && it.NextAt.After(deadline) {
			it.NextAt = deadline // one last attempt at the max age
		}
		it.LastError = c.reason
	}
	return r.settle(ctx, it, callErr)
}

// The sites of settle's lines (logAt).
var deliveredSite, deadSite, retrySite logSite

func (r *dlRun) settle(ctx context.Context, it flows.OutboxItem, cause error) (bool, error) {
	d := r.d
	if err := d.outbox.Settle(ctx, it); err != nil {
		return false, fmt.Errorf("handoff: settle %s: %w", it.ID, err)
	}
	r.update(it)
	// Typed attributes: logged once per delivery, without boxing each.
	attrs := []slog.Attr{slog.String("id", it.ID), slog.String("handoff", it.HandoffID), slog.String("kind", string(it.Kind)),
		slog.Int("attempts", it.Attempts), {}, {}}
	switch it.Status {
	case flows.OutboxDelivered:
		attrs[4], attrs[5] = slog.String("ticket", it.Ticket.ID), slog.String("connector", it.Ticket.Connector)
		logAt(ctx, d.log, &deliveredSite, slog.LevelInfo, "handoff delivered", attrs...)
	case flows.OutboxDead:
		attrs[4] = slog.String("reason", it.LastError)
		logAt(ctx, d.log, &deadSite, slog.LevelError, "handoff dead-lettered", attrs[:5]...)
	default:
		attrs[4], attrs[5] = slog.Time("next_at", it.NextAt), slog.String("err", it.LastError)
		logAt(ctx, d.log, &retrySite, slog.LevelWarn, "handoff delivery failed, will retry", attrs...)
	}
	if d.onSettled != nil {
		d.onSettled(ctx, it, cause)
	}
	if it.Kind == flows.OutboxOpen && it.Status == flows.OutboxDead && it.HandoffID != "" {
		d.lastDeadOpen.Store(d.now().UnixNano())
		if err := r.killDependants(ctx, it); err != nil {
			return true, err
		}
	}
	return true, nil
}

// killDependants dead-letters the pending appends and closes of a handoff
// whose open just died. Stores that hold a handoff's later items back
// until its open is delivered (the engine's) never hand them out, so they
// are settled here without a claim; Retry brings them back with the open.
func (r *dlRun) killDependants(ctx context.Context, open flows.OutboxItem) error {
	r.mu.Lock()
	err := r.load(ctx)
	deps := append([]flows.OutboxItem(nil), r.byHandoff[open.HandoffID]...)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	reason := flows.DeadOpenError(&open)
	for _, dep := range deps {
		if dep.Kind == flows.OutboxOpen || dep.Status != flows.OutboxPending {
			continue
		}
		dep.Status = flows.OutboxDead
		dep.LastError = reason
		if err := r.d.outbox.Settle(ctx, dep); err != nil {
			return fmt.Errorf("handoff: settle %s: %w", dep.ID, err)
		}
		r.update(dep)
		r.d.log.Error("handoff dead-lettered", "id", dep.ID, "handoff", dep.HandoffID, "kind", dep.Kind, "reason", reason)
		if r.d.onSettled != nil {
			r.d.onSettled(ctx, dep, errors.New(reason))
		}
	}
	return nil
}

// malformed says why an item can never be delivered, or "".
func malformed(it flows.OutboxItem) string {
	switch it.Kind {
	case flows.OutboxOpen:
		if it.Handoff == nil {
			return "open item carries no handoff; the store lost it, the conversation must hand off again"
		}
	case flows.OutboxAppend:
		if it.Message == nil {
			return "append item carries no message"
		}
	case flows.OutboxClose:
	default:
		return fmt.Sprintf("unknown outbox item kind %q (want open, append or close)", it.Kind)
	}
	return ""
}

// attemptContext bounds one attempt of it on the Deliverer's clock and
// tells the connector which attempt it is (AttemptFrom), and what the
// outbox recorded of the one before (before).
func (d *Deliverer) attemptContext(ctx context.Context, it flows.OutboxItem, before string) (context.Context, context.CancelFunc) {
	actx, cancel := withDeadline(ctx, d.clock, d.timeout)
	return WithAttempt(actx, Attempt{Number: it.Attempts, Item: it.ID, Conversation: it.ConversationID, Before: before}), cancel
}

// call makes one connector call under the attempt timeout. A connector
// that panics fails the attempt instead of the worker.
func (d *Deliverer) call(ctx context.Context, conn flows.Connector, it flows.OutboxItem, before string) (ticket flows.TicketRef, err error) {
	actx, cancel := d.attemptContext(ctx, it, before)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = &dlPermanent{fmt.Errorf("connector panicked: %v", p)}
		}
	}()
	switch it.Kind {
	case flows.OutboxOpen:
		h := *it.Handoff // the connector gets a copy it may not keep changes in
		ticket, err = conn.Open(actx, &h)
	case flows.OutboxAppend:
		err = conn.Append(actx, it.Ticket, *it.Message)
	case flows.OutboxClose:
		err = conn.Close(actx, it.Ticket)
	}
	return ticket, d.attemptError(ctx, actx, err)
}

// attemptError says when an attempt failed because its time ran out.
func (d *Deliverer) attemptError(ctx, actx context.Context, err error) error {
	if err != nil && timedOut(actx) && ctx.Err() == nil {
		err = fmt.Errorf("no answer within %s (%w): %w", d.timeout, context.DeadlineExceeded, err)
	}
	return err
}
