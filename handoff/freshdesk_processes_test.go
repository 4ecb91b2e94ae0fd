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
			p := newTwoFreshdesks(t)
			a, b, fake, step := p.a, p.b, p.fake, p.step
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

// TestFreshdeskFailedSearchAcrossProcesses: a search that fails says what
// the next attempt, maybe another process's, needs to know. When no
// window was running, the failed search created nothing and found nothing
// in doubt: the other process creates at once, without waiting a window
// for nothing. When one was running, the error names its end, and the
// next attempt waits until then, not a whole window more.
func TestFreshdeskFailedSearchAcrossProcesses(t *testing.T) {
	t.Run("no window", func(t *testing.T) {
		s := newTwoFreshdesks(t)
		s.fake.Inject(handofftest.Fault{Method: "GET", Path: "/api/v2/search/tickets", Status: 500})
		s.step(s.a) // attempt 1, at A: the search fails
		s.step(s.b) // attempt 2, at B
		if it := s.a.ob.get("h1:open"); it.Status != flows.OutboxDelivered || len(s.fake.Tickets()) != 1 {
			t.Fatalf("B's attempt after A's failed search: %s, %q, %d tickets; want the ticket created", it.Status, it.LastError, len(s.fake.Tickets()))
		}
	})
	t.Run("in a window", func(t *testing.T) {
		s := newTwoFreshdesks(t)
		// A's create fails with a 500: created or not, nobody knows.
		s.fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/tickets", Status: 500})
		s.step(s.a)
		s.step(s.a) // A waits out its window
		waiting := s.a.ob.get("h1:open").LastError
		end, ok := searchingUntil(waiting)
		if !ok {
			t.Fatalf("A's waiting attempt: %q names no window", waiting)
		}
		s.fake.Inject(handofftest.Fault{Method: "GET", Path: "/api/v2/search/tickets", Status: 500})
		s.step(s.b) // B takes the window on, and its search fails
		failed := s.a.ob.get("h1:open").LastError
		if got, ok := searchingUntil(failed); !ok || !got.Equal(end) {
			t.Fatalf("B's failed search: %q; want it to name the window's end %s", failed, end.Format(time.RFC3339))
		}
		s.step(s.a)
		if got, ok := searchingUntil(s.a.ob.get("h1:open").LastError); !ok || !got.Equal(end) {
			t.Fatalf("A after B's failed search: %q; want the window to end at %s still", s.a.ob.get("h1:open").LastError, end.Format(time.RFC3339))
		}
		for i := 0; s.a.ob.get("h1:open").Status == flows.OutboxPending && i < 20; i++ {
			s.step([]*scenario{s.a, s.b}[i%2])
		}
		if n := len(s.fake.Tickets()); n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})
}

// twoFreshdesks is one handoff's open, for a customer known by phone only,
// delivered by two processes (a and b) on one outbox and one Freshdesk
// whose search index lags 90 seconds.
type twoFreshdesks struct {
	t    *testing.T
	fake *handofftest.Freshdesk
	a, b *scenario
}

func newTwoFreshdesks(t *testing.T) *twoFreshdesks {
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
	a.handoff("h1")
	open := a.ob.get("h1:open")
	open.Handoff.Contact.Email = "" // a WhatsApp contact: only the search finds its ticket
	a.ob.add(open)
	return &twoFreshdesks{t: t, fake: fake, a: a, b: &scenario{t: t, clock: clock, ob: a.ob, d: d}}
}

// step runs one delivery pass at s once the open is due.
func (p *twoFreshdesks) step(s *scenario) {
	p.t.Helper()
	if it := p.a.ob.get("h1:open"); it.NextAt.After(s.clock.Now()) {
		s.clock.Set(it.NextAt)
	}
	if _, err := s.d.RunOnce(context.Background()); err != nil {
		p.t.Fatal(err)
	}
}

// TestFreshdeskOpenReadsTheAttemptBefore: what the outbox kept of the
// attempt before, another process's, spares a window that is not needed:
// a create Freshdesk refused (429) made no ticket, and an attempt that
// never ended (its process died) while a window ran could only have
// searched. The next process then creates as soon as it may, instead of
// waiting a whole window of its own.
func TestFreshdeskOpenReadsTheAttemptBefore(t *testing.T) {
	t.Run("a create refused", func(t *testing.T) {
		s := newTwoFreshdesks(t)
		s.fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/tickets", Status: 429, RetryAfter: "1"})
		s.step(s.a) // attempt 1, at A: Freshdesk refuses the create
		s.step(s.b)
		if it := s.a.ob.get("h1:open"); it.Status != flows.OutboxDelivered || len(s.fake.Tickets()) != 1 {
			t.Fatalf("B's attempt after A's refused create: %s, %q, %d tickets; want the ticket created", it.Status, it.LastError, len(s.fake.Tickets()))
		}
	})
	t.Run("an attempt that died in a window", func(t *testing.T) {
		s := newTwoFreshdesks(t)
		// A's create is answered 500 (nothing created, but nobody knows).
		s.fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/tickets", Status: 500})
		s.step(s.a)
		s.step(s.a) // A waits out its window
		// A's next attempt dies during its search.
		hold := make(chan struct{})
		s.fake.Inject(handofftest.Fault{Method: "GET", Path: "/api/v2/search/tickets", Hold: hold})
		if it := s.a.ob.get("h1:open"); it.NextAt.After(s.a.clock.Now()) {
			s.a.clock.Set(it.NextAt)
		}
		searches := len(s.fake.Calls("GET", "/api/v2/search/tickets"))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.a.d.RunOnce(ctx)
		}()
		for len(s.fake.Calls("GET", "/api/v2/search/tickets")) == searches {
			time.Sleep(time.Millisecond)
		}
		cancel()
		<-done
		close(hold)
		// B, once the dead attempt's lease is over (and the window too).
		s.step(s.b)
		if it := s.a.ob.get("h1:open"); it.Status != flows.OutboxDelivered || len(s.fake.Tickets()) != 1 {
			t.Fatalf("B after A died searching in a window since over: %s, %q, %d tickets; want the ticket created", it.Status, it.LastError, len(s.fake.Tickets()))
		}
	})
}

// TestWindowOf: what an attempt's record says of the search window.
func TestWindowOf(t *testing.T) {
	const waiting = "freshdesk open.lookup: no ticket tagged baton-h1 found yet; the create sent at 2026-03-03T09:30:00Z may still be on its way into Freshdesk's search index, so Baton searches again until 2026-03-03T09:32:00Z before creating another (will retry after 20s)"
	end := time.Date(2026, 3, 3, 9, 32, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, before string
		window       bool
		noCreate     bool
	}{
		{"waiting", waiting, true, true},
		{"a search failed in the window", "freshdesk open.lookup: 500 Internal Server Error: injected: Baton searches again until 2026-03-03T09:32:00Z before creating another (will retry)", true, true},
		{"a search failed, no window", "freshdesk open.lookup: 500 Internal Server Error (will retry)", false, true},
		{"died in the window", "attempt 3 under way since 2026-03-03T09:31:00Z; before: " + waiting, true, false},
		{"died after the window", "attempt 3 under way since 2026-03-03T09:32:00Z; before: " + waiting, false, false},
		{"a create answered 500", "freshdesk open: 500 Internal Server Error (will retry after 20s)", false, false},
		{"a create refused", "freshdesk open: 429 Too Many Requests (will retry after 1s)", false, true},
		{"a create timed out", "no answer within 30s (context deadline exceeded): freshdesk open: EOF (will retry)", false, false},
	} {
		got, ok := windowOf(tt.before)
		if ok != tt.window || (ok && !got.Equal(end)) {
			t.Errorf("%s: window %s, %v; want %v", tt.name, got, ok, tt.window)
		}
		if madeNoCreate(tt.before) != tt.noCreate {
			t.Errorf("%s: madeNoCreate %v, want %v", tt.name, !tt.noCreate, tt.noCreate)
		}
	}
}
