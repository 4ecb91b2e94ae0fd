package engine

import (
	"cmp"
	"slices"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestTicketStatuses follows each ticket status the helpdesk (or the host)
// reports, for a handoff with a return state ("operatore": back to csat)
// and one without ("rimborso"), and what the customer's next message
// does afterwards.
func TestTicketStatuses(t *testing.T) {
	const welcome = "Ciao Anna! Come posso aiutarti?"
	ref := flows.TicketRef{Connector: "zendesk", ID: "42"}
	tests := []struct {
		name     string
		escalate string // the message that hands off
		agent    bool   // an agent answered before the update
		status   flows.TicketStatus
		ticket   flows.TicketRef
		known    flows.TicketRef // the handoff's ticket, reported open before the update

		lifecycle flows.Lifecycle
		state     string
		end       string   // the EndEffect's reason, "" for none
		close     string   // the HandoffClose's reason, "" for none
		replies   []string // of the update's turn
		keeps     bool     // the session still links the handoff
		errs      bool     // the update is refused with an ErrorEffect
		next      string   // the bot's first reply to the next message, "" for none (appended to the ticket)
	}{
		{name: "open keeps the ticket", escalate: "operatore", status: flows.TicketOpen, ticket: ref,
			lifecycle: flows.LifecycleHandedOff, state: "transfer", keeps: true},
		{name: "pending keeps waiting", escalate: "operatore", status: flows.TicketPending, ticket: ref,
			lifecycle: flows.LifecycleHandedOff, state: "transfer", keeps: true},
		{name: "solved returns", escalate: "operatore", status: flows.TicketSolved, ticket: ref,
			lifecycle: flows.LifecycleBot, state: "csat", replies: []string{"Com'è andata (solved)? Da 1 a 5."}, close: "ticket_solved",
			next: "Un numero da 1 a 5, per favore."},
		{name: "closed returns", escalate: "operatore", agent: true, status: flows.TicketClosed, ticket: ref,
			lifecycle: flows.LifecycleBot, state: "csat", replies: []string{"Com'è andata (closed)? Da 1 a 5."}, close: "ticket_closed",
			next: "Un numero da 1 a 5, per favore."},
		{name: "solved without return ends", escalate: "rimborso", status: flows.TicketSolved, ticket: ref,
			lifecycle: flows.LifecycleClosed, end: "ticket_solved", close: "ticket_solved", next: welcome},
		{name: "closed without return ends", escalate: "rimborso", status: flows.TicketClosed, ticket: ref,
			lifecycle: flows.LifecycleClosed, end: "ticket_closed", close: "ticket_closed", next: welcome},
		{name: "declined ends, never at the return", escalate: "operatore", status: flows.TicketDeclined,
			lifecycle: flows.LifecycleClosed, state: "transfer", end: "handoff_declined", next: welcome},
		{name: "declined without return ends", escalate: "rimborso", status: flows.TicketDeclined,
			lifecycle: flows.LifecycleClosed, end: "handoff_declined", next: welcome},
		{name: "solved for another ticket is ignored", escalate: "operatore", status: flows.TicketSolved,
			known: ref, ticket: flows.TicketRef{Connector: "zendesk", ID: "41"},
			lifecycle: flows.LifecycleHandedOff, state: "transfer", keeps: true, errs: true},
		{name: "closed for another ticket is ignored", escalate: "rimborso", status: flows.TicketClosed,
			known: ref, ticket: flows.TicketRef{Connector: "zendesk", ID: "41"},
			lifecycle: flows.LifecycleHandedOff, keeps: true, errs: true},
		{name: "declined after an agent answered is refused", escalate: "operatore", agent: true, status: flows.TicketDeclined,
			lifecycle: flows.LifecycleWithAgent, state: "transfer", keeps: true, errs: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, shop(t))
			c.user("ciao")
			c.user(tt.escalate)
			if c.s.Lifecycle != flows.LifecycleHandedOff || c.s.Handoff == nil {
				t.Fatalf("%q did not hand off: lifecycle %q", tt.escalate, c.s.Lifecycle)
			}
			hid := c.s.Handoff.ID
			if tt.agent {
				c.do(flows.Input{Kind: flows.InputAgent, Text: "Ciao, sono Marco", Agent: "Marco"})
			}
			if tt.known != (flows.TicketRef{}) {
				c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: tt.known, Status: flows.TicketOpen}})
			}
			effs := c.do(flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Ticket: tt.ticket, Status: tt.status}})

			if c.s.Lifecycle != tt.lifecycle {
				t.Errorf("lifecycle %q, want %q (effects %s)", c.s.Lifecycle, tt.lifecycle, types(effs))
			}
			if tt.state != "" && c.s.State != tt.state {
				t.Errorf("state %q, want %q", c.s.State, tt.state)
			}
			end, ended := find[flows.EndEffect](effs)
			if end.Reason != tt.end || ended != (tt.end != "") {
				t.Errorf("end %+v (ended %v), want reason %q", end, ended, tt.end)
			}
			cl, closed := find[flows.HandoffClose](effs)
			if cl.Reason != tt.close || closed != (tt.close != "") || (closed && cl.HandoffID != hid) {
				t.Errorf("close %+v (closed %v), want reason %q for %s", cl, closed, tt.close, hid)
			}
			if got := replies(effs); !slices.Equal(got, tt.replies) {
				t.Errorf("replies %q, want %q", got, tt.replies)
			}
			if keeps := c.s.Handoff != nil; keeps != tt.keeps {
				t.Errorf("session handoff %+v, want kept %v", c.s.Handoff, tt.keeps)
			} else if want := cmp.Or(tt.known, tt.ticket); keeps && want != (flows.TicketRef{}) && c.s.Handoff.Ticket != want {
				t.Errorf("session ticket %+v, want %+v", c.s.Handoff.Ticket, want)
			}
			if _, errs := find[flows.ErrorEffect](effs); errs != tt.errs {
				t.Errorf("error effect %v, want %v (effects %s)", errs, tt.errs, types(effs))
			}

			effs = c.user("ciao")
			got := replies(effs)
			switch {
			case tt.next == "":
				ap, ok := find[flows.Append](effs)
				if len(got) != 0 || !ok || ap.HandoffID != hid {
					t.Errorf("the next message should go to ticket %s silently: replies %q, append %+v", hid, got, ap)
				}
			case len(got) == 0 || got[0] != tt.next:
				t.Errorf("the next message gets %q, want %q first", got, tt.next)
			}
		})
	}
}
