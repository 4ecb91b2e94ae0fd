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
