package handoff

import (
	"context"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// slowMarker is a helpdesk whose comment listing is slow: Marked takes
// two minutes of the clock. AppendBatch records how long the item it
// sends is held from other workers.
type slowMarker struct {
	*fakeConn
	clock *fakeClock
	ob    *memOutbox
	// heldFor is the head item's due time minus the time AppendBatch
	// was called.
	heldFor time.Duration
	sent    int
}

func (s *slowMarker) Marked(_ context.Context, _ flows.TicketRef, _ []string) ([]string, error) {
	s.clock.Set(s.clock.Now().Add(2 * time.Minute))
	return nil, nil
}

func (s *slowMarker) AppendBatch(_ context.Context, _ flows.TicketRef, _ flows.Contact, msgs []flows.TicketMessage) error {
	s.sent++
	s.heldFor = s.ob.get(msgs[0].ID).NextAt.Sub(s.clock.Now())
	return nil
}

// TestAppendHeldForWholeAttempt: the check for messages an earlier
// attempt may have added takes time; the attempt written ahead after it
// must still keep the item from other workers for the whole attempt
// (the attempt timeout), or a second worker sends the same message while
// the first is still sending it.
func TestAppendHeldForWholeAttempt(t *testing.T) {
	clock := &fakeClock{t: t0}
	open := openItem("h1:open", "h1", t0.Add(-time.Hour))
	open.Status = flows.OutboxDelivered
	open.Ticket = flows.TicketRef{Connector: "fake", ID: "T1"}
	app := appendItem("h1:append:1", "h1", "hello", t0.Add(-time.Minute))
	app.Attempts = 1 // an earlier attempt may have reached the ticket
	ob := newMemOutbox(open, app)
	conn := &slowMarker{fakeConn: newFakeConn(), clock: clock, ob: ob}
	timeout := 3 * time.Minute
	d, _ := newTestDeliverer(t, ob, conn, clock, DeliverTimeout(timeout), DeliverLease(4*time.Minute), DeliverAppendWindow(0))
	runOnce(t, d)
	if conn.sent != 1 {
		t.Fatalf("AppendBatch called %d times, want 1", conn.sent)
	}
	if conn.heldFor < timeout {
		t.Errorf("while the message is sent, the item is due again in %s: less than the attempt's %s, so another worker may send it too", conn.heldFor, timeout)
	}
}

// heldUntil is when item id can next be claimed: its due time or its
// claim's lease, the later.
func (o *memOutbox) heldUntil(id string) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.items[id].NextAt
	if l, ok := o.leases[id]; ok && l.After(t) {
		t = l
	}
	return t
}

// markedHead is a helpdesk on which the head of the batch is already
// (an earlier attempt added it) and whose comment listing is slow.
type markedHead struct {
	slowMarker
	head string
}

func (m *markedHead) Marked(ctx context.Context, t flows.TicketRef, ids []string) ([]string, error) {
	m.slowMarker.Marked(ctx, t, ids)
	return []string{m.head}, nil
}

func (m *markedHead) AppendBatch(_ context.Context, _ flows.TicketRef, _ flows.Contact, msgs []flows.TicketMessage) error {
	m.sent++
	m.heldFor = m.ob.heldUntil(m.head).Sub(m.clock.Now())
	return nil
}

// TestAppendHeadOnTicketStillHoldsBatch: the batch's head is found on the
// ticket and only the messages after it are sent; the head, which keeps
// the handoff's later items from other workers, must stay held for the
// whole send, or another worker takes it when its claim ends and sends
// the same messages again.
func TestAppendHeadOnTicketStillHoldsBatch(t *testing.T) {
	clock := &fakeClock{t: t0}
	open := openItem("h1:open", "h1", t0.Add(-time.Hour))
	open.Status = flows.OutboxDelivered
	open.Ticket = flows.TicketRef{Connector: "fake", ID: "T1"}
	head := appendItem("h1:append:1", "h1", "hello", t0.Add(-2*time.Minute))
	head.Attempts = 1
	next := appendItem("h1:append:2", "h1", "are you there?", t0.Add(-time.Minute))
	ob := newMemOutbox(open, head, next)
	ob.blocking = true
	conn := &markedHead{slowMarker: slowMarker{fakeConn: newFakeConn(), clock: clock, ob: ob}, head: head.ID}
	timeout := 3 * time.Minute
	d, _ := newTestDeliverer(t, ob, conn, clock, DeliverTimeout(timeout), DeliverLease(4*time.Minute), DeliverAppendWindow(0))
	runOnce(t, d)
	if conn.sent != 1 {
		t.Fatalf("AppendBatch called %d times, want 1", conn.sent)
	}
	if conn.heldFor < timeout {
		t.Errorf("while the later message is sent, the batch's head can be claimed again in %s: less than the attempt's %s", conn.heldFor, timeout)
	}
}
