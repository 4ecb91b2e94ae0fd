package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// TestCustomerClose: the customer closing the conversation ends it; a
// ticket still open gets a close, in every lifecycle the handoff can be in.
func TestCustomerClose(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *conv)
		close bool
		ends  bool
	}{
		{name: "with the bot", setup: func(c *conv) { c.user("ciao") }, ends: true},
		{name: "handed off", setup: func(c *conv) { c.user("ciao"); c.user("operatore") }, close: true, ends: true},
		{name: "with an agent", setup: func(c *conv) {
			c.user("ciao")
			c.user("operatore")
			c.do(flows.Input{Kind: flows.InputAgent, Text: "Ciao", Agent: "Marco"})
		}, close: true, ends: true},
		{name: "already closed", setup: func(c *conv) {
			c.user("ciao")
			c.do(flows.Input{Kind: flows.InputClose})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, shop(t))
			tt.setup(c)
			var hid string
			if c.s.Handoff != nil {
				hid = c.s.Handoff.ID
			}
			effs := c.do(flows.Input{Kind: flows.InputClose})
			cl, closed := find[flows.HandoffClose](effs)
			if closed != tt.close || (closed && (cl.HandoffID != hid || cl.Reason != "customer_closed")) {
				t.Errorf("close %+v (closed %v), want %v for %s (effects %s)", cl, closed, tt.close, hid, types(effs))
			}
			end, ended := find[flows.EndEffect](effs)
			if ended != tt.ends || (ended && end.Reason != "customer_closed") {
				t.Errorf("end %+v (ended %v), want %v", end, ended, tt.ends)
			}
			if c.s.Lifecycle != flows.LifecycleClosed || c.s.Handoff != nil {
				t.Errorf("lifecycle %q, handoff %+v: want closed, none", c.s.Lifecycle, c.s.Handoff)
			}
			if effs := c.user("ciao"); len(replies(effs)) == 0 {
				t.Errorf("the next message starts over: got %s", types(effs))
			}
		})
	}
}

// TestAgentReplyAfterSolved: an agent's reply that can no longer reach the
// customer is not silently dropped: a note goes back to the agent's ticket.
func TestAgentReplyAfterSolved(t *testing.T) {
	ref := flows.TicketRef{Connector: "zendesk", ID: "42"}
	for _, tt := range []struct {
		name, escalate, want string
	}{
		{"back with the bot", "operatore", "the ticket was solved and the conversation is back with the bot"},
		{"ended", "rimborso", "the ticket was solved and the conversation has ended"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, shop(t))
			c.user("ciao")
			c.user(tt.escalate)
			c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: ref, Status: flows.TicketSolved}})
			effs := c.do(flows.Input{Kind: flows.InputAgent, Text: "One more thing: your refund is on its way", Agent: "Marco",
				Ticket: &flows.TicketUpdate{Ticket: ref}})
			if got := replies(effs); len(got) != 0 {
				t.Errorf("the customer got %q", got)
			}
			u, ok := find[flows.Undelivered](effs)
			if !ok || u.Ticket != ref || u.Message.From != flows.RoleSystem ||
				!strings.Contains(u.Message.Text, tt.want) || !strings.Contains(u.Message.Text, "your refund is on its way") {
				t.Fatalf("undelivered %+v (found %v), want a note on %v saying %q", u, ok, ref, tt.want)
			}
			items := OutboxItems(c.s, effs)
			if len(items) != 1 || items[0].Kind != flows.OutboxAppend || items[0].Ticket != ref || items[0].HandoffID != "" || items[0].Message.Text != u.Message.Text {
				t.Errorf("outbox items %+v, want one note append to %v", items, ref)
			}
		})
	}
}

// TestCloseItemsInOrder: through Handle and the memory store, a handoff's
// items are its open, its appends and its close, claimed one at a time in
// that order, and the close carries why.
func TestCloseItemsInOrder(t *testing.T) {
	ctx := context.Background()
	e := New(shop(t))
	now := t0
	store := memory.New(memory.WithClock(func() time.Time { return now }))
	create := func() *flows.Session {
		return e.NewSession("c1", flows.Contact{ID: "393331234567", Name: "Anna"}, "whatsapp", "it")
	}
	do := func(in flows.Input) {
		t.Helper()
		now = now.Add(time.Second)
		in.At = now
		if _, err := e.Handle(ctx, store, "c1", in, create); err != nil {
			t.Fatal(err)
		}
	}
	do(flows.Input{Kind: flows.InputMessage, Text: "ciao"})
	do(flows.Input{Kind: flows.InputMessage, Text: "operatore"})
	do(flows.Input{Kind: flows.InputMessage, Text: "ci siete?"})
	do(flows.Input{Kind: flows.InputMessage, Text: "allora?"})
	do(flows.Input{Kind: flows.InputClose})

	var kinds []string
	for range 10 {
		got, err := store.Claim(ctx, now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		if len(got) != 1 {
			t.Fatalf("claimed %d items of one handoff at once", len(got))
		}
		it := got[0]
		kinds = append(kinds, string(it.Kind))
		it.Status = flows.OutboxDelivered
		if it.Kind == flows.OutboxOpen {
			it.Ticket = flows.TicketRef{Connector: "zendesk", ID: "7"}
		} else if it.Ticket.ID != "7" {
			t.Errorf("%s carries ticket %+v", it.ID, it.Ticket)
		}
		if it.Kind == flows.OutboxClose && (it.Message == nil || it.Message.Text != "The customer closed the conversation.") {
			t.Errorf("close item message %+v", it.Message)
		}
		if err := store.Settle(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"open", "append", "append", "close"}; !slices.Equal(kinds, want) {
		t.Errorf("delivered %v, want %v", kinds, want)
	}
}

// TestTicketUpdateWithoutHandoff: a ticket's update while the bot has the
// conversation is ignored with an error that names the ticket, or says
// "the ticket" when the update has no id (baton chat's /ticket before any
// handoff), never "ticket  is solved".
func TestTicketUpdateWithoutHandoff(t *testing.T) {
	for _, tt := range []struct {
		ref  flows.TicketRef
		want string
	}{
		{flows.TicketRef{}, "the ticket is solved but the conversation is bot, not handed off; ignored"},
		{flows.TicketRef{Connector: "zendesk", ID: "42"}, "ticket 42 is solved but the conversation is bot, not handed off; ignored"},
	} {
		c := newConv(t, shop(t))
		c.user("ciao")
		effs := c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: tt.ref, Status: flows.TicketSolved}})
		e, ok := find[flows.ErrorEffect](effs)
		if !ok || e.Message != tt.want {
			t.Errorf("ticket %q: error %q (found %v), want %q", tt.ref.ID, e.Message, ok, tt.want)
		}
	}
}

// A ticket deleted (or closed) behind the bridge's back refuses the
// customer's message, and the host returns the conversation to the bot
// with the refused message's time. That message, and those after it, are
// the ones no agent read: the transcript's system line goes before them,
// so the next handoff (whose routing and summary read what follows the
// last system line) carries them, and the line does not claim the
// helpdesk closed the ticket.
func TestTicketGoneMarksTheEndBeforeTheRefusedMessage(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("operatore")
	ticket := flows.TicketRef{Connector: "zendesk", ID: "42"}
	c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: ticket, Status: flows.TicketOpen}})
	c.user("ci siete?")
	refused := c.now
	c.user("il pacco non è arrivato")
	c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: ticket, Status: flows.TicketClosed, Refused: refused}})
	if c.s.Lifecycle != flows.LifecycleBot || c.s.State != "csat" {
		t.Fatalf("lifecycle %q state %q; want the bot, at the return state", c.s.Lifecycle, c.s.State)
	}
	var after []string
	sys := ""
	for _, m := range c.s.Transcript {
		if m.From == flows.RoleSystem {
			sys, after = m.Text, nil
			continue
		}
		if m.From == flows.RoleUser {
			after = append(after, m.Text)
		}
	}
	if want := []string{"ci siete?", "il pacco non è arrivato"}; !slices.Equal(after, want) {
		t.Errorf("customer's words after the system line %q; want %q (transcript %+v)", after, want, c.s.Transcript)
	}
	if !strings.Contains(sys, "deleted") || strings.Contains(sys, "was closed in the helpdesk") {
		t.Errorf("system line %q; want it to say the ticket took no more messages (deleted, or closed)", sys)
	}

	// Without Refused (the helpdesk said closed) the line goes at the end.
	c2 := newConv(t, shop(t))
	c2.user("ciao")
	c2.user("operatore")
	c2.user("ci siete?")
	c2.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: ticket, Status: flows.TicketClosed}})
	for i, m := range c2.s.Transcript {
		if m.From == flows.RoleSystem && (m.Text != "The ticket was closed in the helpdesk. The bot took the conversation back." || c2.s.Transcript[i-1].Text != "ci siete?") {
			t.Errorf("system line %d %q after %q", i, m.Text, c2.s.Transcript[i-1].Text)
		}
	}
}

// The line says why the ticket took no more messages when the host knew
// (the connector told a deleted ticket from a closed one, or the generic
// callback said deleted), and the ticket_closed effect's reason is the
// same for all: the ticket is closed for the bot.
func TestTicketGoneLineSaysWhy(t *testing.T) {
	for _, tt := range []struct {
		gone, into string
		refused    bool
		want       string
	}{
		{flows.GoneMerged, "57", true, "The ticket was merged into ticket 57 in the helpdesk and took no more messages. The bot took the conversation back."},
		{flows.GoneMerged, "", true, "The ticket was merged into another in the helpdesk and took no more messages. The bot took the conversation back."},
		{flows.GoneDeleted, "", true, "The ticket was deleted in the helpdesk and took no more messages. The bot took the conversation back."},
		{flows.GoneClosed, "", true, "The ticket was closed in the helpdesk, or merged into another, and took no more messages. The bot took the conversation back."},
		{"", "", true, "The ticket took no more messages in the helpdesk (deleted, or closed there). The bot took the conversation back."},
		{flows.GoneDeleted, "", false, "The ticket was deleted in the helpdesk. The bot took the conversation back."},
		{"", "", false, "The ticket was closed in the helpdesk. The bot took the conversation back."},
	} {
		c := newConv(t, shop(t))
		c.user("ciao")
		c.user("operatore")
		ticket := flows.TicketRef{Connector: "zendesk", ID: "42"}
		c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: ticket, Status: flows.TicketOpen}})
		c.user("ci siete?")
		u := &flows.TicketUpdate{Ticket: ticket, Status: flows.TicketClosed, Gone: tt.gone, MergedInto: tt.into}
		if tt.refused {
			u.Refused = c.now
		}
		c.do(flows.Input{Kind: flows.InputTicket, Ticket: u})
		sys := ""
		for _, m := range c.s.Transcript {
			if m.From == flows.RoleSystem {
				sys = m.Text
			}
		}
		if sys != tt.want {
			t.Errorf("gone %q refused %v: system line %q; want %q", tt.gone, tt.refused, sys, tt.want)
		}
	}
}
