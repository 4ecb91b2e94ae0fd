package handoff

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
)

// These tests run the Deliverer against fakes that do what the real
// helpdesks do when things go wrong, on a fake clock, and count what the
// helpdesk ends up holding: one ticket, each customer message once, in
// order, and the close.

// scenario is a handoff in an outbox delivered to one connector.
type scenario struct {
	t     *testing.T
	clock *handofftest.Clock
	ob    *memOutbox
	d     *Deliverer
}

var scenarioStart = time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)

func newScenario(t *testing.T, clock *handofftest.Clock, conn flows.Connector, opts ...DeliverOption) *scenario {
	t.Helper()
	ob := newMemOutbox()
	ob.blocking = true
	opts = append([]DeliverOption{DeliverTimeSource(clock), DeliverRand(func() float64 { return 0.5 })}, opts...)
	d, err := NewDeliverer(ob, func(context.Context, flows.OutboxItem) (flows.Connector, error) { return conn, nil }, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &scenario{t: t, clock: clock, ob: ob, d: d}
}

// handoff writes an open, appends of texts (10s apart) and a close, as
// the engine would.
func (s *scenario) handoff(id string, texts ...string) {
	h := connTestHandoff()
	h.ID, h.CreatedAt = id, s.clock.Now()
	s.ob.add(flows.OutboxItem{ID: id + ":open", Kind: flows.OutboxOpen, ConversationID: h.ConversationID, HandoffID: id, Handoff: h, CreatedAt: h.CreatedAt})
	for i, text := range texts {
		at := h.CreatedAt.Add(time.Duration(i+1) * 10 * time.Second)
		m := flows.Message{At: at, From: flows.RoleUser, Text: text}
		s.ob.add(flows.OutboxItem{ID: id + ":append:" + strconv.Itoa(i+1), Kind: flows.OutboxAppend, ConversationID: h.ConversationID, HandoffID: id, Message: &m, CreatedAt: at})
	}
	at := h.CreatedAt.Add(time.Duration(len(texts)+1) * 10 * time.Second)
	s.ob.add(flows.OutboxItem{ID: id + ":close", Kind: flows.OutboxClose, ConversationID: h.ConversationID, HandoffID: id,
		Message: &flows.Message{At: at, From: flows.RoleSystem, Text: "The customer closed the conversation."}, CreatedAt: at})
}

// run delivers until nothing is pending, moving the clock to the next
// time an item is due whenever a run has nothing to do.
func (s *scenario) run() {
	s.t.Helper()
	for range 1000 {
		n, err := s.d.RunOnce(context.Background())
		if err != nil {
			s.t.Fatal(err)
		}
		now := s.clock.Now()
		var next time.Time
		pending := false
		for _, it := range s.ob.all() {
			if it.Status != flows.OutboxPending {
				continue
			}
			pending = true
			if it.NextAt.After(now) && (next.IsZero() || it.NextAt.Before(next)) {
				next = it.NextAt
			}
		}
		if !pending {
			return
		}
		if n == 0 {
			if next.IsZero() {
				s.t.Fatalf("items pending but none due, ever: %+v", s.ob.all())
			}
			s.clock.Set(next)
		}
	}
	s.t.Fatalf("still pending after 1000 runs: %+v", s.ob.all())
}

// wantDelivered fails unless every item is delivered.
func (s *scenario) wantDelivered() {
	s.t.Helper()
	for _, it := range s.ob.all() {
		if it.Status != flows.OutboxDelivered {
			s.t.Errorf("%s is %s: %s", it.ID, it.Status, it.LastError)
		}
	}
}

// customerTexts are the customer's comments on a Zendesk ticket.
func zendeskCustomerTexts(tk handofftest.ZendeskTicket) []string {
	var out []string
	for _, c := range tk.Comments[1:] { // the first is the transcript
		out = append(out, c.Body)
	}
	return out
}

// wantTexts checks that each of want is in got exactly once, in order,
// and that got has no more entries than want (messages may share one).
func wantTexts(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) == 0 || len(got) > len(want) {
		t.Fatalf("%d %s for %d messages: %q", len(got), what, len(want), got)
	}
	all := strings.Join(got, "\n")
	last := -1
	for _, w := range want {
		if n := strings.Count(all, w); n != 1 {
			t.Errorf("%q is in the %s %d times, want once: %q", w, what, n, got)
		}
		i := strings.Index(all, w)
		if i < last {
			t.Errorf("%q is out of order in the %s: %q", w, what, got)
		}
		last = i
	}
}

func newZendeskScenario(t *testing.T, opts ...ConnectorOption) (*scenario, *handofftest.Zendesk) {
	clock := handofftest.NewClock(scenarioStart)
	fake := handofftest.NewZendesk(t, clock, "bot@acme.test", "tok", "")
	z, err := NewZendesk("", ZendeskAPIToken("bot@acme.test", "tok"), append([]ConnectorOption{WithBaseURL(fake.URL), WithTimeSource(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return newScenario(t, clock, z), fake
}

func newFreshdeskScenario(t *testing.T, lag time.Duration, opts ...ConnectorOption) (*scenario, *handofftest.Freshdesk) {
	clock := handofftest.NewClock(scenarioStart)
	fake := handofftest.NewFreshdesk(t, clock, "fd-key")
	fake.IndexLag = lag
	f, err := NewFreshdesk("", "fd-key", append([]ConnectorOption{WithBaseURL(fake.URL), WithTimeSource(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return newScenario(t, clock, f), fake
}

// TestZendeskExactlyOnce: writes that take effect and are then answered
// 500 (the ticket, a comment, the close), and a desk that answers every
// call in 16 seconds: one ticket, each message once and in order, solved
// once.
func TestZendeskExactlyOnce(t *testing.T) {
	tests := []struct {
		name   string
		faults []handofftest.Fault
	}{
		{"no fault", nil},
		{"ticket created, answered 500", []handofftest.Fault{{Method: "POST", Path: "/api/v2/tickets", Status: 500, After: true}}},
		{"comment added, answered 500", []handofftest.Fault{{Method: "PUT", Prefix: "/api/v2/tickets/", Status: 500, After: true}}},
		{"second comment added, answered 502 twice", []handofftest.Fault{
			{Method: "PUT", Prefix: "/api/v2/tickets/", Times: 1},
			{Method: "PUT", Prefix: "/api/v2/tickets/", Status: 502, After: true, Times: 2}}},
		{"comment added, no answer within the deadline", []handofftest.Fault{{Method: "PUT", Prefix: "/api/v2/tickets/", Delay: 45 * time.Second}}},
		{"every answer takes 16s", []handofftest.Fault{{Delay: 16 * time.Second, Times: -1}}},
		{"429 with Retry-After", []handofftest.Fault{{Method: "POST", Path: "/api/v2/tickets", Status: 429, RetryAfter: "30"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, fake := newZendeskScenario(t)
			for _, f := range tt.faults {
				fake.Inject(f)
			}
			s.handoff("h1", "first", "second")
			s.run()
			s.wantDelivered()
			tickets := fake.Tickets()
			if len(tickets) != 1 {
				t.Fatalf("%d tickets, want 1", len(tickets))
			}
			tk := tickets[0]
			wantTexts(t, "customer comments", zendeskCustomerTexts(tk), "first", "second")
			for _, c := range tk.Comments[1:] {
				if !c.Public || c.AuthorID != tk.RequesterID {
					t.Errorf("comment %q: public %v, author %d; want the requester's public comment", c.Body, c.Public, c.AuthorID)
				}
			}
			if tk.Status != "solved" {
				t.Errorf("status %q, want solved", tk.Status)
			}
			if tt.name == "every answer takes 16s" {
				if open := s.ob.get("h1:open"); open.Attempts != 1 {
					t.Errorf("the open took %d attempts; each call has its own deadline, so 16s answers need one", open.Attempts)
				}
			}
		})
	}
}

// TestZendeskOpenAfterKeyExpiry: the ticket was created but the answer
// lost, and the desk was unreachable for longer than Zendesk keeps the
// Idempotency-Key: the retry finds the ticket by external_id and tag.
func TestZendeskOpenAfterKeyExpiry(t *testing.T) {
	s, fake := newZendeskScenario(t)
	fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/tickets", Status: 500, After: true})
	fake.Inject(handofftest.Fault{Prefix: "/api/v2/", Status: 503, Times: 40})
	s.handoff("h1", "first")
	s.run()
	s.wantDelivered()
	if n := len(fake.Tickets()); n != 1 {
		t.Fatalf("%d tickets, want 1 (the key expired after %s)", n, s.clock.Now().Sub(scenarioStart))
	}
	if age := s.clock.Now().Sub(scenarioStart); age < 2*time.Hour {
		t.Fatalf("the outage lasted %s; it must outlast the key", age)
	}
	if len(fake.Calls("GET", "/api/v2/tickets")) == 0 {
		t.Error("the ticket was not looked up by external_id")
	}
	wantTexts(t, "customer comments", zendeskCustomerTexts(fake.Tickets()[0]), "first")
}

// TestFreshdeskExactlyOnce: a create that takes effect and is answered
// 500 while the search index lags 90s, a 404 from the search, a note
// added and answered 500: one ticket, each note once, in order.
func TestFreshdeskExactlyOnce(t *testing.T) {
	tests := []struct {
		name   string
		lag    time.Duration
		opts   []ConnectorOption
		faults []handofftest.Fault
	}{
		{name: "no fault", lag: 90 * time.Second},
		{name: "ticket created, answered 500, index lags 90s", lag: 90 * time.Second,
			faults: []handofftest.Fault{{Method: "POST", Path: "/api/v2/tickets", Status: 500, After: true}}},
		{name: "ticket created, no answer, index lags 90s", lag: 90 * time.Second,
			faults: []handofftest.Fault{{Method: "POST", Path: "/api/v2/tickets", Delay: time.Minute}}},
		{name: "the search answers 404", lag: 0,
			faults: []handofftest.Fault{{Method: "GET", Path: "/api/v2/search/tickets", Status: 404, Times: 3}}},
		{name: "note added, answered 500", lag: 90 * time.Second,
			faults: []handofftest.Fault{{Method: "POST", Prefix: "/api/v2/tickets/", Status: 500, After: true}}},
		{name: "unique_external_id: listed without lag", lag: time.Hour, opts: []ConnectorOption{WithUniqueExternalID(true)},
			faults: []handofftest.Fault{{Method: "POST", Path: "/api/v2/tickets", Status: 500, After: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, fake := newFreshdeskScenario(t, tt.lag, tt.opts...)
			for _, f := range tt.faults {
				fake.Inject(f)
			}
			s.handoff("h1", "first", "second")
			// A WhatsApp contact: a phone, no e-mail, so only the search
			// finds an earlier ticket.
			open := s.ob.get("h1:open")
			open.Handoff.Contact.Email = ""
			s.ob.add(open)
			s.run()
			s.wantDelivered()
			tickets := fake.Tickets()
			if len(tickets) != 1 {
				t.Fatalf("%d tickets, want 1", len(tickets))
			}
			tk := tickets[0]
			var notes []string
			for _, n := range tk.Notes {
				notes = append(notes, n.Body)
				if n.Private || !n.Incoming || n.UserID != tk.RequesterID {
					t.Errorf("note %q: private %v, incoming %v, user %d; want the requester's incoming note", n.Body, n.Private, n.Incoming, n.UserID)
				}
			}
			wantTexts(t, "notes", notes, "first", "second")
			if tk.Status != 4 {
				t.Errorf("status %d, want 4 (resolved)", tk.Status)
			}
		})
	}
}

// TestFreshdeskSearchWindow: Baton waits out the configured window, not
// less: with an index lag longer than the window a second ticket is the
// known risk, and a longer window avoids it.
func TestFreshdeskSearchWindow(t *testing.T) {
	for _, tt := range []struct {
		window  time.Duration
		tickets int
	}{{time.Minute, 2}, {4 * time.Minute, 1}} {
		s, fake := newFreshdeskScenario(t, 3*time.Minute, WithSearchWindow(tt.window))
		fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/tickets", Status: 500, After: true})
		s.handoff("h1")
		open := s.ob.get("h1:open")
		open.Handoff.Contact.Email = ""
		s.ob.add(open)
		s.run()
		if n := len(fake.Tickets()); n != tt.tickets {
			t.Errorf("window %s, index lag 3m: %d tickets, want %d", tt.window, n, tt.tickets)
		}
	}
}

// TestAppendsBatchedAndCapped: messages typed within the window go in one
// update; past the per-minute cap they wait and go together, none lost.
func TestAppendsBatchedAndCapped(t *testing.T) {
	s, fake := newZendeskScenario(t)
	s.d.perMinute = 2
	h := connTestHandoff()
	h.ID, h.CreatedAt = "h1", scenarioStart
	s.ob.add(flows.OutboxItem{ID: "h1:open", Kind: flows.OutboxOpen, ConversationID: h.ConversationID, HandoffID: "h1", Handoff: h, CreatedAt: h.CreatedAt})
	var want []string
	for i := range 12 { // a customer typing a line every 500ms
		at := scenarioStart.Add(10*time.Second + time.Duration(i)*500*time.Millisecond)
		text := "line " + strconv.Itoa(i+1)
		if i >= 9 {
			at = at.Add(3 * time.Second) // and three more after a pause
		}
		m := flows.Message{At: at, From: flows.RoleUser, Text: text}
		s.ob.add(flows.OutboxItem{ID: "h1:append:" + strconv.Itoa(i+1), Kind: flows.OutboxAppend, ConversationID: h.ConversationID, HandoffID: "h1", Message: &m, CreatedAt: at})
		want = append(want, text)
	}
	s.clock.Set(scenarioStart.Add(30 * time.Second)) // all written by now
	s.run()
	s.wantDelivered()
	comments := zendeskCustomerTexts(fake.Tickets()[0])
	if len(comments) > 3 || len(comments) < 2 {
		t.Fatalf("%d comments for 12 quick messages with a cap of 2 a minute: %q", len(comments), comments)
	}
	all := strings.Join(comments, "\n")
	last := -1
	for _, w := range want {
		i := strings.Index(all, w+"\n")
		if i < 0 {
			i = strings.Index(all, w+"\n\n")
		}
		if i <= last {
			t.Fatalf("%q missing or out of order in:\n%s", w, all)
		}
		last = i
	}
}

// TestAppendCrashWhileLeased: a worker sent a comment and died before
// settling it; the next worker, after the lease, finds the marker on the
// ticket and does not send it again.
func TestAppendCrashWhileLeased(t *testing.T) {
	s, fake := newZendeskScenario(t)
	s.handoff("h1", "only once")
	hold := make(chan struct{})
	fake.Inject(handofftest.Fault{Method: "PUT", Prefix: "/api/v2/tickets/", Hold: hold})
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := s.d.RunOnce(ctx); err != nil { // the open
		t.Fatal(err)
	}
	s.clock.Set(scenarioStart.Add(15 * time.Second))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.d.RunOnce(ctx) // the append: the comment is written, the answer held
	}()
	for len(fake.Calls("PUT", "")) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel() // the worker dies while its call is under way
	<-done
	close(hold)
	if it := s.ob.get("h1:append:1"); it.Attempts != 1 || it.Status != flows.OutboxPending || !it.NextAt.After(s.clock.Now()) {
		t.Fatalf("the append after the crash: %+v; want its attempt on record and due after the lease", it)
	}
	s.run()
	s.wantDelivered()
	tk := fake.Tickets()[0]
	wantTexts(t, "customer comments", zendeskCustomerTexts(tk), "only once")
	if n := len(fake.Calls("GET", "/api/v2/tickets/"+strconv.FormatInt(tk.ID, 10)+"/comments")); n == 0 {
		t.Error("the retry did not look for the marker")
	}
}

// TestRetryOfDeadOpenAfterUncertainAttempt: the first attempt created
// the ticket and lost its answer, the next was refused (a rotated token)
// and the open died; the admin fixes the token the next morning and runs
// `baton handoff retry`. The Idempotency-Key has long expired: the retried
// open must look for the ticket, not create a second one.
func TestRetryOfDeadOpenAfterUncertainAttempt(t *testing.T) {
	s, fake := newZendeskScenario(t)
	fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/tickets", Status: 500, After: true})
	s.handoff("h1")
	if _, err := s.d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	fake.Inject(handofftest.Fault{Method: "POST", Path: "/api/v2/users/create_or_update", Status: 401})
	s.clock.Set(s.ob.get("h1:open").NextAt)
	if _, err := s.d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if it := s.ob.get("h1:open"); it.Status != flows.OutboxDead {
		t.Fatalf("the open after a 401: %+v, want dead", it)
	}
	s.clock.Set(scenarioStart.Add(14 * time.Hour))
	if _, err := s.d.Retry(context.Background(), "h1:open"); err != nil {
		t.Fatal(err)
	}
	s.run()
	s.wantDelivered()
	if n := len(fake.Tickets()); n != 1 {
		t.Errorf("%d tickets after the retry of the dead open, want 1", n)
	}
}
