package handoff_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/handoff/handofftest"
	"github.com/batonbot/baton/store/memory"
)

const e2eFlow = `flow: help
version: "1"
languages: [en]
start: welcome
triggers:
  - name: asks_for_human
    keywords: {en: [agent]}
    goto: human
states:
  welcome:
    say: {en: "Hi! How can I help?"}
    menu:
      options:
        - id: person
          label: {en: Talk to a person}
          goto: human
  human:
    handoff:
      say: {en: "Passing you to a colleague."}
      return: csat
  csat:
    say: {en: "How did we do, from 1 to 5?"}
    ask:
      save_as: score
      pattern: '[1-5]'
    next: bye
  bye:
    say: {en: "Thanks, bye!"}
    end: done
`

const e2eSecret = "zendesk-webhook-signing-secret"

// e2e is a conversation handed off to a fake Zendesk, with the bridge
// handler in front of the engine, as a host wires them.
type e2e struct {
	t      *testing.T
	clock  *handofftest.Clock
	zd     *handofftest.Zendesk
	store  *memory.Store
	eng    *engine.Engine
	d      *handoff.Deliverer
	bridge http.Handler
	turns  int // turns the bridge delivered
}

const e2eConv = "whatsapp:1065:393331234567"

func newE2E(t *testing.T) *e2e {
	t.Helper()
	f, diags := dsl.Load("help.yaml", []byte(e2eFlow))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	x := &e2e{t: t, clock: handofftest.NewClock(time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC))}
	x.zd = handofftest.NewZendesk(t, x.clock, "bot@acme.test", "tok", "")
	x.store = memory.New(memory.WithClock(x.clock.Now))
	x.eng = engine.New(f, engine.WithClock(x.clock.Now))
	z, err := handoff.NewZendesk("", handoff.ZendeskAPIToken("bot@acme.test", "tok"), handoff.WithBaseURL(x.zd.URL), handoff.WithTimeSource(x.clock))
	if err != nil {
		t.Fatal(err)
	}
	x.d, err = handoff.NewDeliverer(x.store.OutboxOf(flows.HandoffKinds...), handoff.ConnectorMap(map[string]flows.Connector{"zendesk": z}, "zendesk"),
		handoff.DeliverTimeSource(x.clock), handoff.DeliverAppendWindow(0))
	if err != nil {
		t.Fatal(err)
	}
	x.bridge, err = handoff.NewZendeskHandler(e2eSecret, func(ctx context.Context, conv string, in flows.Input) error {
		x.turns++
		return x.handle(ctx, conv, in)
	}, handoff.HandlerTimeSource(x.clock), handoff.HandlerDeduper(x.store, 0))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func (x *e2e) handle(ctx context.Context, conv string, in flows.Input) error {
	_, err := x.eng.Handle(ctx, x.store, conv, in, func() *flows.Session {
		return x.eng.NewSession(conv, flows.Contact{ID: "393331234567", Name: "Mario Rossi", Phone: "393331234567"}, "whatsapp", "en")
	})
	return err
}

// customer sends text and lets the deliverer take what the turn wrote.
func (x *e2e) customer(text string) {
	x.t.Helper()
	x.clock.Advance(5 * time.Second)
	if err := x.handle(context.Background(), e2eConv, flows.Input{Kind: flows.InputMessage, Text: text}); err != nil {
		x.t.Fatal(err)
	}
	x.deliver()
}

// deliver runs the deliverer until nothing is due.
func (x *e2e) deliver() {
	x.t.Helper()
	for range 20 {
		n, err := x.d.RunOnce(context.Background())
		if err != nil {
			x.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// webhook posts a Zendesk trigger's body, signed at signedAt, with the
// invocation id, and returns the status.
func (x *e2e) webhook(invocation, body string, signedAt time.Time) int {
	x.t.Helper()
	code := x.post(invocation, body, signedAt)
	x.deliver()
	return code
}

// post is webhook without the deliverer's run: safe from any goroutine.
func (x *e2e) post(invocation, body string, signedAt time.Time) int {
	r := httptest.NewRequest("POST", "/bridge/zendesk", strings.NewReader(body))
	ts := signedAt.UTC().Format(time.RFC3339)
	r.Header.Set("X-Zendesk-Webhook-Invocation-Id", invocation)
	r.Header.Set("X-Zendesk-Webhook-Signature-Timestamp", ts)
	r.Header.Set("X-Zendesk-Webhook-Signature", handoff.SignZendesk(e2eSecret, ts, []byte(body)))
	w := httptest.NewRecorder()
	x.bridge.ServeHTTP(w, r)
	return w.Code
}

func (x *e2e) ticket() handofftest.ZendeskTicket {
	x.t.Helper()
	ts := x.zd.Tickets()
	if len(ts) != 1 {
		x.t.Fatalf("%d tickets, want 1", len(ts))
	}
	return ts[0]
}

// TestBridgeRedeliveryReplayAndLateReply: a redelivered agent reply
// reaches the customer once, a replayed "solved" is refused, and an agent
// reply after the ticket was solved is not dropped: one note on the
// ticket says it was not delivered, once, however often Zendesk retries.
func TestBridgeRedeliveryReplayAndLateReply(t *testing.T) {
	x := newE2E(t)
	x.customer("hi")
	x.customer("agent")
	x.customer("my order is late")
	tk := x.ticket()
	id := strconv.FormatInt(tk.ID, 10)

	reply := `{"event":"comment","ticket_id":"` + id + `","conversation_id":"` + e2eConv + `","comment":"Hi Mario, I'm on it.","author":"Anna","author_role":"agent"}`
	x.zd.AgentComment(tk.ID, "Hi Mario, I'm on it.")
	if st := x.webhook("inv-1", reply, x.clock.Now()); st != http.StatusNoContent {
		t.Fatalf("agent reply: %d", st)
	}
	// Zendesk retries the same invocation (its answer was lost).
	if st := x.webhook("inv-1", reply, x.clock.Now()); st != http.StatusOK || x.turns != 1 {
		t.Fatalf("redelivery: status %d, %d turns; want 200 and the reply delivered once", st, x.turns)
	}
	s, _ := x.store.Load(context.Background(), e2eConv)
	agentLines := 0
	for _, m := range s.Transcript {
		if m.From == flows.RoleAgent {
			agentLines++
		}
	}
	if agentLines != 1 || s.Lifecycle != flows.LifecycleWithAgent {
		t.Fatalf("the customer got %d agent messages (lifecycle %s), want 1", agentLines, s.Lifecycle)
	}

	solved := `{"event":"status","ticket_id":"` + id + `","conversation_id":"` + e2eConv + `","status":"Solved","author":"Anna"}`
	// A "solved" captured earlier and replayed is refused.
	if st := x.webhook("inv-old", solved, x.clock.Now().Add(-10*time.Minute)); st != http.StatusUnauthorized {
		t.Fatalf("replayed solved: %d, want 401", st)
	}
	x.zd.SetStatus(tk.ID, "solved")
	if st := x.webhook("inv-2", solved, x.clock.Now()); st != http.StatusNoContent {
		t.Fatalf("solved: %d", st)
	}
	if s, _ := x.store.Load(context.Background(), e2eConv); s.State != "csat" || s.Lifecycle != flows.LifecycleBot {
		t.Fatalf("after solved: state %s, lifecycle %s; want csat with the bot", s.State, s.Lifecycle)
	}

	late := `{"event":"comment","ticket_id":"` + id + `","conversation_id":"` + e2eConv + `","comment":"PS: your refund is on its way","author":"Anna","author_role":"agent"}`
	x.zd.AgentComment(tk.ID, "PS: your refund is on its way")
	if st := x.webhook("inv-3", late, x.clock.Now()); st != http.StatusNoContent {
		t.Fatalf("late reply: %d", st)
	}
	if st := x.webhook("inv-3", late, x.clock.Now()); st != http.StatusOK {
		t.Fatalf("late reply redelivered: %d", st)
	}
	s, _ = x.store.Load(context.Background(), e2eConv)
	for _, m := range s.Transcript {
		if strings.Contains(m.Text, "refund is on its way") {
			t.Errorf("the late reply reached the conversation: %+v", m)
		}
	}

	tk = x.ticket()
	type comment struct{ who, text string }
	want := []comment{{"note", "<h3>Summary</h3>"}, {"customer", "Mario Rossi: my order is late"}, {"agent", "Hi Mario, I'm on it."},
		{"agent", "PS: your refund is on its way"}, {"note", "Baton did not deliver this reply to the customer: the ticket was solved"}}
	if len(tk.Comments) != len(want) {
		t.Fatalf("%d comments, want %d: %+v", len(tk.Comments), len(want), tk.Comments)
	}
	for i, c := range tk.Comments {
		who := "agent"
		switch {
		case c.AuthorID == tk.RequesterID:
			who = "customer"
		case !c.Public:
			who = "note"
		}
		if who != want[i].who || !strings.Contains(c.Body+c.HTMLBody, want[i].text) {
			t.Errorf("comment %d is %s %q, want %s %q", i+1, who, c.Body+c.HTMLBody, want[i].who, want[i].text)
		}
	}
	if tk.Status != "solved" {
		t.Errorf("status %s, want solved (not re-closed, not reopened by the note)", tk.Status)
	}
	for _, it := range must(x.d.List(context.Background(), "")) {
		if it.Status != flows.OutboxDelivered {
			t.Errorf("%s %s: %s", it.ID, it.Status, it.LastError)
		}
	}
}

// An agent who replies and solves in one update ("Submit as Solved") fires
// both triggers, whose webhooks arrive in either order. In both the
// customer gets the agent's last reply, then the bot's survey, and the
// ticket carries no "not delivered" note. When the status came first, the
// bot took the customer back and the reply was only noted on the ticket.
func TestBridgeSubmitAsSolved(t *testing.T) {
	for _, statusFirst := range []bool{true, false} {
		name := "reply first"
		if statusFirst {
			name = "status first"
		}
		t.Run(name, func(t *testing.T) {
			x := newE2E(t)
			x.customer("hi")
			x.customer("agent")
			x.customer("my order is late")
			tk := x.ticket()
			id := strconv.FormatInt(tk.ID, 10)
			x.clock.Advance(time.Minute) // the agent reads, writes, and submits as solved
			x.zd.AgentComment(tk.ID, "Refund sent, Mario. Bye!")
			x.zd.SetStatus(tk.ID, "solved")
			reply := `{"event":"comment","ticket_id":"` + id + `","conversation_id":"` + e2eConv + `","comment":"Refund sent, Mario. Bye!","author":"Anna","author_role":"agent"}`
			solved := `{"event":"status","ticket_id":"` + id + `","conversation_id":"` + e2eConv + `","status":"Solved","author":"Anna"}`
			at := x.clock.Now()
			if n := x.clock.Pending(); n != 0 {
				t.Fatalf("%d timers armed before the webhooks", n)
			}
			answered := make(chan int, 1)
			if statusFirst {
				go func() { answered <- x.post("inv-status", solved, at) }()
				// Until the status waits (its hold's timer is armed) or was
				// answered without waiting.
				for x.clock.Pending() == 0 && len(answered) == 0 {
					runtime.Gosched()
				}
				if st := x.post("inv-comment", reply, at); st != http.StatusNoContent {
					t.Fatalf("reply: %d", st)
				}
			} else {
				if st := x.post("inv-comment", reply, at); st != http.StatusNoContent {
					t.Fatalf("reply: %d", st)
				}
				answered <- x.post("inv-status", solved, at)
			}
			if st := <-answered; st != http.StatusNoContent {
				t.Fatalf("solved: %d", st)
			}
			x.deliver()

			s, _ := x.store.Load(context.Background(), e2eConv)
			var got []string // what the customer saw: not the transcript's system lines
			for _, m := range s.Transcript {
				if m.From != flows.RoleSystem {
					got = append(got, string(m.From)+": "+m.Text)
				}
			}
			got = got[max(0, len(got)-2):]
			want := []string{"agent: Refund sent, Mario. Bye!", "bot: How did we do, from 1 to 5?"}
			if strings.Join(got, "\n") != strings.Join(want, "\n") || s.State != "csat" {
				t.Errorf("the customer's last messages are %q (state %s), want %q: the agent's reply, then the survey", got, s.State, want)
			}
			for _, c := range x.ticket().Comments {
				if strings.Contains(c.Body+c.HTMLBody, "did not deliver") {
					t.Errorf("the ticket says the agent's reply was not delivered: %q", c.Body)
				}
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
