package handoff

import (
	"context"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
)

// TestFreshdeskOpenAcrossProcesses: two processes take turns at one
// handoff's open, as `baton serve` processes on one store do when one
// fails or dies, with Freshdesk's search index 90 seconds behind (within
// the 2-minute window) and a customer known by phone only. Process A's
// first attempt fails before anything is created (the search answers
// 500). Then:
//
//   - B waits out the window, creates the ticket and loses the answer
//     (500 after the write); A's next attempt must not take its own
//     harmless attempt for the last word, or it creates a second ticket
//     while B's is not yet searchable;
//   - the processes take every other attempt: each must carry on the
//     window the other was waiting out, not start one of its own each
//     time, or the ticket is never opened.
func TestFreshdeskOpenAcrossProcesses(t *testing.T) {
	for _, tt := range []struct {
		name string
		// turns says which process takes each attempt after the first
		// (A's); then the last one has the rest, or with cycle the turns
		// start over.
		turns string
		cycle bool
		// createFails answers B's create 500 after the write.
		createFails bool
	}{
		{name: "B creates and loses the answer, then A", turns: "BBBBBBBBBBA", createFails: true},
		{name: "every other attempt", turns: "BA", cycle: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := handofftest.NewClock(scenarioStart)
			fake := handofftest.NewFreshdesk(t, clock, "fd-key")
			fake.IndexLag = 90 * time.Second
			process := func() flows.Connector {
				f, err := NewFreshdesk("", "fd-key", WithBaseURL(fake.URL), WithTimeSource(clock))
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
			a := newScenario(t, clock, process())
			bConn := process()
			d, err := NewDeliverer(a.ob, func(context.Context, flows.OutboxItem) (flows.Connector, error) { return bConn, nil },
				DeliverTimeSource(clock), DeliverRand(func() float64 { return 0.5 }))
			if err != nil {
				t.Fatal(err)
			}
			b := &scenario{t: t, clock: clock, ob: a.ob, d: d}
			a.handoff("h1")
			open := a.ob.get("h1:open")
			open.Handoff.Contact.Email = "" // a WhatsApp contact: only the search finds its ticket
			a.ob.add(open)

			step := func(s *scenario) {
				t.Helper()
				if it := a.ob.get("h1:open"); it.NextAt.After(clock.Now()) {
					clock.Set(it.NextAt)
				}
				if _, err := s.d.RunOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			fake.Inject(handofftest.Fault{Method: "GET", Path: "/api/v2/search/tickets", Status: 500})
			step(a) // attempt 1, at A: the search fails, nothing is created
			if tt.createFails {
				fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/tickets", Status: 500, After: true})
			}
			for i := 0; a.ob.get("h1:open").Status == flows.OutboxPending && i < 40; i++ {
				turn := tt.turns[min(i, len(tt.turns)-1)]
				if tt.cycle {
					turn = tt.turns[i%len(tt.turns)]
				}
				if turn == 'B' && tt.createFails && len(fake.Tickets()) > 0 {
					turn = tt.turns[len(tt.turns)-1] // B created it: the rest is A's
				}
				if turn == 'A' {
					step(a)
				} else {
					step(b)
				}
			}
			if it := a.ob.get("h1:open"); it.Status != flows.OutboxDelivered {
				t.Fatalf("the open after 40 attempts: %s, %s", it.Status, it.LastError)
			}
			a.run()
			a.wantDelivered()
			if n := len(fake.Tickets()); n != 1 {
				t.Errorf("%d tickets, want 1", n)
			}
		})
	}
}
