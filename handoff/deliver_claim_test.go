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
