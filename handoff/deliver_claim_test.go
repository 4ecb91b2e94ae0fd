package handoff

import (
	"context"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// slowDesk is a helpdesk whose ticket creation takes most of an attempt's
// time (a desk answering in minutes during an incident). During the
// open of handoff during, another worker runs once on the same outbox.
type slowDesk struct {
	*fakeConn
	clock  *fakeClock
	took   time.Duration
	during string
	other  func()
}

func (s *slowDesk) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	s.clock.Set(s.clock.Now().Add(s.took))
	if h.ID == s.during && s.other != nil {
		other := s.other
		s.other = nil
		other()
	}
	return s.fakeConn.Open(ctx, h)
}

// TestClaimedItemsPastTheirLeaseAreLeftAlone: a worker claims a batch and
// delivers its items one after the other; when the helpdesk is slow, the
// claim's lease of the later items runs out before the worker reaches
// them, and another worker (another process on the same store) claims
// and delivers them meanwhile. The first worker must not deliver them
// too: that is a second ticket on a helpdesk without an idempotency key
// (Freshdesk), or the customer's message twice on the ticket.
func TestClaimedItemsPastTheirLeaseAreLeftAlone(t *testing.T) {
	clock := &fakeClock{t: t0}
	ob := newMemOutbox(
		openItem("h1:open", "h1", t0.Add(-3*time.Second)),
		openItem("h2:open", "h2", t0.Add(-2*time.Second)),
		openItem("h3:open", "h3", t0.Add(-time.Second)),
	)
	desk := &slowDesk{fakeConn: newFakeConn(), clock: clock, took: 2*time.Minute + 50*time.Second, during: "h2"}
	opts := []DeliverOption{DeliverTimeout(3 * time.Minute), DeliverLease(4 * time.Minute)}
	a, _ := newTestDeliverer(t, ob, desk, clock, opts...)
	b, _ := newTestDeliverer(t, ob, desk, clock, opts...)
	desk.other = func() { runOnce(t, b) } // at t0+5m40s: h3's claim by a ended at t0+4m
	runOnce(t, a)
	for range 5 { // whatever a left, b delivers
		runOnce(t, b)
	}

	for _, h := range []string{"h1", "h2", "h3"} {
		n := 0
		for _, c := range desk.log() {
			if c == "open "+h {
				n++
			}
		}
		if n != 1 {
			t.Errorf("handoff %s was opened %d times, want once: calls %q", h, n, desk.log())
		}
		if it := ob.get(h + ":open"); it.Status != flows.OutboxDelivered {
			t.Errorf("%s:open is %s, want delivered", h, it.Status)
		}
	}
}

// slowAppends is a helpdesk whose comment listing and comment update each
// take most of an attempt's time.
type slowAppends struct {
	*fakeConn
	clock *fakeClock
	took  time.Duration
}

func (s *slowAppends) Marked(_ context.Context, _ flows.TicketRef, _ []string) ([]string, error) {
	s.clock.Set(s.clock.Now().Add(s.took))
	return nil, nil
}

func (s *slowAppends) AppendBatch(ctx context.Context, t flows.TicketRef, _ flows.Contact, msgs []flows.TicketMessage) error {
	s.clock.Set(s.clock.Now().Add(s.took))
	return s.fakeConn.Append(ctx, t, msgs[0].Message)
}

// TestExpiredClaimsAreNotHandedBack: when an attempt outlasts the claim
// (a check of the ticket, then the update, each slow), the items of the
// batch the worker did not reach are no longer its own: another worker
// may hold them and have written its attempt ahead. Handing them back
// would overwrite that record with the stale claimed copy (due now,
// attempts as claimed), for a third worker to deliver them again.
func TestExpiredClaimsAreNotHandedBack(t *testing.T) {
	clock := &fakeClock{t: t0}
	open := openItem("h1:open", "h1", t0.Add(-time.Hour))
	open.Status = flows.OutboxDelivered
	open.Ticket = flows.TicketRef{Connector: "fake", ID: "T1"}
	app := appendItem("h1:append:1", "h1", "hello", t0.Add(-time.Minute))
	app.Attempts = 1 // the ticket is checked first
	open2 := openItem("h2:open", "h2", t0.Add(-time.Hour))
	open2.Status = flows.OutboxDelivered
	open2.Ticket = flows.TicketRef{Connector: "fake", ID: "T2"}
	later := appendItem("h2:append:1", "h2", "anyone?", t0.Add(-time.Second))
	ob := newMemOutbox(open, open2, app, later)
	ob.blocking = true
	desk := &slowAppends{fakeConn: newFakeConn(), clock: clock, took: 2*time.Minute + 50*time.Second}
	a, _ := newTestDeliverer(t, ob, desk, clock, DeliverTimeout(3*time.Minute), DeliverLease(4*time.Minute), DeliverAppendWindow(0))
	runOnce(t, a) // ends at t0+5m40s; h2:append:1's claim ended at t0+4m

	if n := ob.settleCount("h2:append:1"); n != 0 {
		t.Errorf("h2:append:1 was settled %d times by a worker whose claim on it had ended, want 0", n)
	}
	if it := ob.get("h1:append:1"); it.Status != flows.OutboxDelivered {
		t.Errorf("h1:append:1 is %s, want delivered", it.Status)
	}
}
