package engine

import (
	"github.com/batonbot/baton/flows"
)

// closeTicket ends the session's handoff: its ticket is closed from
// Baton's side (flows.HandoffClose, written to the outbox after the
// handoff's open and appends) for reason, and the session forgets it.
func (t *turn) closeTicket(reason string) {
	s := t.s
	if s.Handoff == nil {
		return
	}
	t.emit(flows.HandoffClose{HandoffID: s.Handoff.ID, Reason: reason})
	s.Handoff = nil
}

// customerClose ends the conversation at the customer's request (a web
// widget's close button, a channel's stop). A ticket still open is
// closed: nobody is left to answer on it.
func (t *turn) customerClose() {
	s := t.s
	if s.Lifecycle == flows.LifecycleClosed {
		return
	}
	t.emit(flows.EndEffect{Reason: "customer_closed"})
	t.lifecycle(evClose)
	t.closeTicket("customer_closed")
	t.stopped = true
}

// undelivered reports an agent's message that came after the conversation
// left the agent (the ticket was solved, the customer closed it): the
// customer does not get it, and a note on the agent's ticket says so.
func (t *turn) undelivered() {
	s := t.s
	t.errorf("an agent wrote while the conversation is %s, not handed off; the message was not sent", s.Lifecycle)
	u := t.in.Ticket
	if u == nil || u.Ticket.ID == "" {
		return
	}
	why := "the conversation is back with the bot"
	if s.Lifecycle == flows.LifecycleClosed {
		why = "the conversation has ended"
	}
	note := "Baton did not deliver this reply to the customer: " + why + "."
	if s.Outcome == string(flows.TicketSolved) || s.Outcome == string(flows.TicketClosed) {
		note = "Baton did not deliver this reply to the customer: the ticket was " + s.Outcome + " and " + why + "."
	}
	note += " Reopen the conversation from the customer's side, or contact the customer another way."
	if text := t.in.Text; text != "" {
		note += "\n\nThe reply was: " + text
	}
	t.emit(flows.Undelivered{Ticket: u.Ticket, Message: flows.Message{At: t.now, From: flows.RoleSystem, Text: note, Agent: t.in.Agent}})
}
