package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// undelivered is the step's undelivered event, if any.
func undelivered(st *sandbox.Step) (flows.Undelivered, bool) {
	for _, ev := range st.Events {
		if u, ok := ev.Effect.(flows.Undelivered); ok {
			return u, true
		}
	}
	return flows.Undelivered{}, false
}

// An agent's reply after the ticket was solved names its ticket, as the
// bridge's does: the customer does not get it and the sandbox shows the
// note that goes back to the ticket (production's undelivered), not only
// an error. A reply while handed off is delivered, as before.
func TestAgentAfterSolvedIsUndelivered(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
	sb, err := sandbox.New(sandbox.Config{Flow: shop(t), Lang: "en", Now: now, Fixed: true})
	if err != nil {
		t.Fatal(err)
	}
	sb.User(ctx, "hello")
	sb.User(ctx, "agent")
	h := sb.Session().Handoff
	if h == nil {
		t.Fatal("no handoff")
	}
	if st := sb.Agent(ctx, "I'm here"); strings.Join(replies(st), "|") != "I'm here" {
		t.Fatalf("a reply while handed off: %q", replies(st))
	}
	sb.Ticket(ctx, flows.TicketSolved)
	st := sb.Agent(ctx, "one more thing")
	u, ok := undelivered(st)
	if !ok {
		t.Fatalf("no undelivered event after the ticket was solved: %+v", st.Events)
	}
	if want := (flows.TicketRef{Connector: "sandbox", ID: h.ID}); u.Ticket != want {
		t.Errorf("ticket %+v, want %+v", u.Ticket, want)
	}
	if !strings.Contains(u.Message.Text, "the ticket was solved") || !strings.Contains(u.Message.Text, "The reply was: one more thing") {
		t.Errorf("note %q", u.Message.Text)
	}
	if len(replies(st)) != 0 {
		t.Errorf("the customer got %q", replies(st))
	}
	// A new conversation has no ticket yet: an agent's reply there names none.
	sb.Reset()
	sb.User(ctx, "hello")
	if _, ok := undelivered(sb.Agent(ctx, "hi")); ok {
		t.Error("an agent's reply before any handoff named a ticket")
	}
}
