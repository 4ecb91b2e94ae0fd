package replay

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
)

// A ticket an agent deleted while the customer was bridged, from a real
// run (baton serve with Zendesk, --events-text: testdata/ticket_deleted.jsonl):
// the customer's next message found it gone, and the conversation went
// back to the bot with the transcript's line saying the ticket was
// deleted, before the message no agent read. The replay rebuilds that
// closed update from the ticket_closed event (its reason and refused
// time), so its transcript says the same, in the same place, not the
// plain "closed" line after the message.
func TestReplayTicketDeletedAsProductionWroteIt(t *testing.T) {
	f, diags := dsl.LoadFile("../cmd/baton/testdata/flows/shop.yaml")
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	file, err := os.Open("testdata/ticket_deleted.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	convs, err := ReadEvents(file, "ticket_deleted.jsonl")
	if err != nil || len(convs) != 1 || convs[0].Skip != "" {
		t.Fatalf("%d conversations, %v", len(convs), err)
	}
	c := convs[0]
	var refusedAt, closed Input
	for _, in := range c.Inputs {
		switch {
		case in.Kind == InputUser && in.Text == "are you still there?":
			refusedAt = in
		case in.Kind == InputTicket:
			closed = in
		}
	}
	if closed.Status != flows.TicketClosed || closed.Gone != flows.GoneDeleted || !closed.Refused.Equal(refusedAt.At) || refusedAt.At.IsZero() {
		t.Fatalf("rebuilt ticket input %+v; want closed, gone deleted, refused at the customer's message (%s)", closed, refusedAt.At)
	}
	p, err := NewPlayer(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := p.play(context.Background(), c)
	sys, msg := -1, -1
	for i, m := range r.s.Transcript {
		switch {
		case m.From == flows.RoleSystem:
			sys = i
			if want := "The ticket was deleted in the helpdesk and took no more messages."; !strings.HasPrefix(m.Text, want) {
				t.Errorf("the transcript's line %q; production wrote %q", m.Text, want)
			}
		case m.From == flows.RoleUser && m.Text == "are you still there?":
			msg = i
		}
	}
	if sys < 0 || msg < 0 || sys > msg {
		t.Errorf("the transcript's line (%d) is not before the message no agent read (%d): %+v", sys, msg, r.s.Transcript)
	}
	if changes := Compare(c.Recorded, r.out, f); len(changes) > 0 {
		t.Errorf("the replay differs from the run: %+v", changes)
	}
}
