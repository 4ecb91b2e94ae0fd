package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// The timers a turn schedules and cancels are saved with it, and the
// timer that fired is dropped by the turn it ran.
func TestHandleCommitsTimers(t *testing.T) {
	host := newHandoffHost(t, nil)
	host.must("ciao")
	if len(host.store.timers) != 1 {
		t.Fatalf("after the welcome: timers %v, want the first no-reply timeout", host.store.timers)
	}
	var key string
	var at time.Time
	for key, at = range host.store.timers {
	}
	if !at.Equal(host.now.Add(10 * time.Minute)) {
		t.Fatalf("timeout at %v, want 10 minutes after the message", at)
	}
	host.now = at
	if _, err := host.e.Handle(context.Background(), host.store, "c1", flows.Input{Kind: flows.InputTimer, Timer: key}, nil); err != nil {
		t.Fatal(err)
	}
	if _, still := host.store.timers[key]; still || len(host.store.timers) != 1 {
		t.Fatalf("after the timeout fired: timers %v, want the next timeout only", host.store.timers)
	}
	// A stale timer is dropped too, and changes nothing else.
	host.store.timers["stale"] = at
	if _, err := host.e.Handle(context.Background(), host.store, "c1", flows.Input{Kind: flows.InputTimer, Timer: "stale"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, still := host.store.timers["stale"]; still {
		t.Fatal("a stale timer that fired is kept, so it would fire again")
	}
	// A handoff cancels the pending timeout.
	host.must("operatore")
	if len(host.store.timers) != 0 {
		t.Fatalf("after the handoff: timers %v", host.store.timers)
	}
}

// An agent's open-handoff count goes up in the save of the handoff routing
// assigned to them, and down in the save that ends it.
func TestHandleCommitsLoads(t *testing.T) {
	for _, end := range []flows.TicketStatus{flows.TicketSolved, flows.TicketClosed, flows.TicketDeclined} {
		t.Run(string(end), func(t *testing.T) {
			host := newHandoffHost(t, func(_ context.Context, _ *flows.Session, h *flows.Handoff) error {
				h.Assignee = "anna@acme.example"
				return nil
			})
			host.must("ciao")
			host.must("operatore")
			if got := host.store.loads["anna@acme.example"]; got != 1 {
				t.Fatalf("after the handoff: load %d, want 1", got)
			}
			ticket := flows.TicketRef{Connector: "zendesk", ID: "7"}
			for _, st := range []flows.TicketStatus{flows.TicketOpen, end} {
				in := flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: ticket, Status: st}}
				if _, err := host.e.Handle(context.Background(), host.store, "c1", in, nil); err != nil {
					t.Fatal(err)
				}
			}
			if got := host.store.loads["anna@acme.example"]; got != 0 {
				t.Fatalf("after the ticket is %s: load %d, want 0", end, got)
			}
		})
	}
}

// A turn that fails to save counts no load: the count is in the save.
func TestHandleFailedSaveCountsNoLoad(t *testing.T) {
	e := New(shop(t), WithClock(func() time.Time { return t0 }), WithHandoffHook(func(_ context.Context, _ *flows.Session, h *flows.Handoff) error {
		h.Assignee = "anna"
		return nil
	}))
	mem := newTestStore()
	create := func() *flows.Session { return e.NewSession("c1", flows.Contact{Name: "Anna"}, "whatsapp", "it") }
	if _, err := e.Handle(context.Background(), mem, "c1", flows.Input{Kind: flows.InputMessage, Text: "ciao"}, create); err != nil {
		t.Fatal(err)
	}
	st := &flakyStore{testStore: mem, fails: 1, err: errors.New("disk full")}
	if _, err := e.Handle(context.Background(), st, "c1", flows.Input{Kind: flows.InputMessage, Text: "operatore"}, nil); err == nil {
		t.Fatal("the save failed but Handle did not")
	}
	if mem.loads["anna"] != 0 {
		t.Fatalf("a failed save counted load %d", mem.loads["anna"])
	}
}

func TestLoadChanges(t *testing.T) {
	ref := func(id, agent string) *flows.HandoffRef { return &flows.HandoffRef{ID: id, Assignee: agent} }
	tests := []struct {
		prev, next *flows.HandoffRef
		want       string
	}{
		{nil, nil, "map[]"},
		{nil, ref("h1", ""), "map[]"},
		{nil, ref("h1", "ada"), "map[ada:1]"},
		{ref("h1", "ada"), ref("h1", "ada"), "map[]"},
		{ref("h1", "ada"), nil, "map[ada:-1]"},
		{ref("h1", "ada"), ref("h1", "bob"), "map[ada:-1 bob:1]"},
		{ref("h1", "ada"), ref("h2", "ada"), "map[]"},
		{ref("h1", ""), nil, "map[]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(loadChanges(tt.prev, tt.next)); got != tt.want {
			t.Errorf("loadChanges(%+v, %+v) = %s, want %s", tt.prev, tt.next, got, tt.want)
		}
	}
}

// WithReplyOutbox writes each reply as an outbox item for the channel,
// with an id that a retried turn repeats.
func TestHandleReplyOutbox(t *testing.T) {
	e := New(shop(t), WithClock(func() time.Time { return t0 }), WithReplyOutbox())
	m := newTestStore()
	contact := flows.Contact{ID: "393331234567", Name: "Anna"}
	create := func() *flows.Session { return e.NewSession("", contact, "whatsapp", "it") }
	effs, err := e.Handle(context.Background(), m, "c1", flows.Input{Kind: flows.InputMessage, Text: "ciao", At: t0}, create)
	if err != nil {
		t.Fatal(err)
	}
	items := m.List(flows.OutboxReply)
	rs := replies(effs)
	if len(items) != len(rs) || len(rs) == 0 {
		t.Fatalf("%d reply items for replies %q", len(items), rs)
	}
	for i, it := range items {
		o := it.Outbound
		if o == nil || o.Reply.Text != rs[i] || o.To.ID != contact.ID || o.ID != it.ID || o.ConversationID != "c1" || !o.LastUserAt.Equal(t0) || it.ConversationID != "c1" {
			t.Errorf("reply item %d: %+v outbound %+v", i, it, o)
		}
		if o != nil && o.Lang != "it" { // WhatsApp labels a list's button in it
			t.Errorf("reply item %d: Lang %q, want the conversation's it", i, o.Lang)
		}
		// {session}-{created, base 36}-{turn}-reply-{n}
		if want := "c1-" + strconv.FormatInt(t0.UnixMilli(), 36) + "-1-reply-" + strconv.Itoa(i+1); it.ID != want {
			t.Errorf("reply id %q, want %q", it.ID, want)
		}
	}
	if len(items[0].Outbound.Reply.Options) == 0 {
		t.Error("the menu reply lost its options")
	}
	// Without the option, no reply items.
	plain := New(shop(t), WithClock(func() time.Time { return t0 }))
	m2 := newTestStore()
	if _, err := plain.Handle(context.Background(), m2, "c1", flows.Input{Kind: flows.InputMessage, Text: "ciao"}, create); err != nil {
		t.Fatal(err)
	}
	if n := len(m2.List("")); n != 0 {
		t.Errorf("%d outbox items without WithReplyOutbox", n)
	}
}

// consumingStore records the inbox entries a save consumes and refuses one
// consumed before.
type consumingStore struct {
	*testStore
	done map[string]bool
}

func (c *consumingStore) Save(ctx context.Context, s *flows.Session, cm flows.Commit) error {
	for _, id := range cm.Done {
		if c.done[id] {
			return fmt.Errorf("entry %s: %w", id, flows.ErrConsumed)
		}
	}
	if err := c.testStore.Save(ctx, s, cm); err != nil {
		return err
	}
	for _, id := range cm.Done {
		c.done[id] = true
	}
	return nil
}

func TestHandleConsumes(t *testing.T) {
	e := New(shop(t), WithClock(func() time.Time { return t0 }))
	st := &consumingStore{testStore: newTestStore(), done: map[string]bool{}}
	create := func() *flows.Session { return e.NewSession("", flows.Contact{ID: "u"}, "web", "it") }
	in := flows.Input{Kind: flows.InputMessage, Text: "ciao"}
	if _, err := e.Handle(context.Background(), st, "c1", in, create, Consumes("m1")); err != nil {
		t.Fatal(err)
	}
	if !st.done["m1"] {
		t.Fatal("the save did not consume m1")
	}
	effs, err := e.Handle(context.Background(), st, "c1", in, create, Consumes("m1"))
	if !errors.Is(err, flows.ErrConsumed) || effs != nil || st.saves != 1 {
		t.Fatalf("handling m1 again: %v, %d effects, %d saves; want flows.ErrConsumed and no retry", err, len(effs), st.saves)
	}
}

// A turn that waits for an HTTP result saves a watchdog timer with the
// session; the result's turn drops it. When the result never comes (the
// host stopped during the call) the watchdog's turn goes on as if the call
// failed.
func TestHTTPWatchdog(t *testing.T) {
	start := func(t *testing.T) (*handoffHost, flows.HTTPRequest) {
		host := newHandoffHost(t, nil)
		host.must("ciao")
		host.must("1")
		effs := host.must("A12345")
		req, ok := find[flows.HTTPRequest](effs)
		if !ok {
			t.Fatalf("no HTTP request: %s", types(effs))
		}
		at, ok := host.store.timers[HTTPWatchdogKey(req.ID)]
		if !ok || !at.Equal(host.now.Add(5*time.Second+HTTPWatchdogGrace)) {
			t.Fatalf("watchdog %v (set %v), want the call's timeout plus the grace after %v; timers %v", at, ok, host.now, host.store.timers)
		}
		return host, req
	}
	t.Run("result", func(t *testing.T) {
		host, req := start(t)
		effs, err := host.e.Handle(context.Background(), host.store, "c1", flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, still := host.store.timers[HTTPWatchdogKey(req.ID)]; still {
			t.Error("the watchdog outlives the result")
		}
		if got := replies(effs); len(got) == 0 || !strings.Contains(got[0], "2026-03-05") {
			t.Errorf("replies %q", got)
		}
	})
	t.Run("lost", func(t *testing.T) {
		host, req := start(t)
		key := HTTPWatchdogKey(req.ID)
		host.now = host.store.timers[key]
		effs, err := host.e.Handle(context.Background(), host.store, "c1", flows.Input{Kind: flows.InputTimer, Timer: key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, still := host.store.timers[key]; still {
			t.Error("the watchdog that fired is kept")
		}
		e, ok := find[flows.ErrorEffect](effs)
		if !ok || !strings.Contains(e.Message, "got no result (baton stopped during it)") {
			t.Errorf("no error says what happened: %s", types(effs))
		}
		if _, ok := find[flows.HandoffEffect](effs); !ok {
			t.Errorf("the flow's failure branch (a handoff) did not run: %s", types(effs))
		}
		// The result arriving after all is stale and changes nothing.
		effs, err = host.e.Handle(context.Background(), host.store, "c1", flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := replies(effs); len(got) != 0 {
			t.Errorf("a late result replied %q", got)
		}
	})
}
