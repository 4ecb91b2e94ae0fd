package engine

import (
	"strconv"
	"time"

	"github.com/looplab/fsm"

	"github.com/batonbot/baton/flows"
)

// Lifecycle events: who holds the conversation.
const (
	evHandoff = "handoff"      // the bot hands the conversation to people
	evAgent   = "agent_joined" // the first agent reply
	evReturn  = "return"       // the ticket is solved and the flow has a return state
	evClose   = "close"        // an end, or a solved ticket with nowhere to return
	evRestart = "restart"      // a message after the conversation closed
	evDecline = "decline"      // routing opened no ticket (out of hours: tell or email)
)

// lifecycleEvents is the conversation lifecycle, described once with
// looplab/fsm: bot → handed_off → with_agent → bot (or closed); a handoff
// no ticket was opened for is declined, handed_off → closed.
var lifecycleEvents = fsm.Events{
	{Name: evHandoff, Src: []string{string(flows.LifecycleBot)}, Dst: string(flows.LifecycleHandedOff)},
	{Name: evAgent, Src: []string{string(flows.LifecycleHandedOff)}, Dst: string(flows.LifecycleWithAgent)},
	{Name: evReturn, Src: []string{string(flows.LifecycleHandedOff), string(flows.LifecycleWithAgent)}, Dst: string(flows.LifecycleBot)},
	{Name: evClose, Src: []string{string(flows.LifecycleBot), string(flows.LifecycleHandedOff), string(flows.LifecycleWithAgent)}, Dst: string(flows.LifecycleClosed)},
	{Name: evRestart, Src: []string{string(flows.LifecycleClosed)}, Dst: string(flows.LifecycleBot)},
	{Name: evDecline, Src: []string{string(flows.LifecycleHandedOff)}, Dst: string(flows.LifecycleClosed)},
}

type lcKey struct{ event, src string }

// lifecycleTable is derived from lifecycleEvents once. The turn checks
// transitions against it instead of running an *fsm.FSM: measured on this
// machine (BenchmarkLifecycleFSM vs BenchmarkLifecycleTable), SetState+Event
// on a reused FSM costs about a microsecond and several allocations per
// transition, a map lookup a few nanoseconds and none; and a shared FSM
// would need a lock per conversation, since SetState+Event is not atomic.
// TestLifecycleTableMatchesFSM keeps the two in agreement.
var lifecycleTable = func() map[lcKey]flows.Lifecycle {
	m := make(map[lcKey]flows.Lifecycle)
	for _, ev := range lifecycleEvents {
		for _, src := range ev.Src {
			m[lcKey{ev.Name, src}] = flows.Lifecycle(ev.Dst)
		}
	}
	return m
}()

// LifecycleFSM returns the conversation lifecycle as a looplab/fsm machine
// in state initial, for tools that draw or inspect it (fsm.Visualize).
func LifecycleFSM(initial flows.Lifecycle) *fsm.FSM {
	return fsm.NewFSM(string(initial), lifecycleEvents, nil)
}

// LifecycleDiagram returns the lifecycle as a Mermaid state diagram.
func LifecycleDiagram() string {
	s, err := fsm.VisualizeWithType(LifecycleFSM(flows.LifecycleBot), fsm.MERMAID)
	if err != nil {
		return ""
	}
	return s
}

// lifecycle moves the conversation's lifecycle by event ev.
func (t *turn) lifecycle(ev string) bool {
	from := t.s.Lifecycle
	to, ok := lifecycleTable[lcKey{ev, string(from)}]
	if !ok {
		t.errorf("the conversation cannot %s while it is %s", ev, from)
		return false
	}
	t.s.Lifecycle = to
	t.emit(flows.LifecycleChange{From: from, To: to})
	return true
}

// agent relays a human agent's message to the user.
func (t *turn) agent() {
	s := t.s
	switch s.Lifecycle {
	case flows.LifecycleHandedOff:
		t.lifecycle(evAgent)
	case flows.LifecycleWithAgent:
	default:
		t.undelivered()
		return
	}
	t.emit(flows.Reply{Text: t.in.Text, From: "agent", Agent: t.in.Agent})
	i := t.record(flows.RoleAgent, t.in.Text)
	t.msgs[i].Agent = t.in.Agent
}

// ticket follows the helpdesk ticket: its reference while it is open, and
// the return to the bot (or the end) once it is solved or closed. A
// declined handoff (no ticket was opened) ends the conversation.
func (t *turn) ticket() {
	s, u := t.s, t.in.Ticket
	if u == nil {
		t.errorf("a ticket input needs the update (Input.Ticket); ignored")
		return
	}
	if u.Status == flows.TicketDeclined {
		t.declined()
		return
	}
	if s.Lifecycle != flows.LifecycleHandedOff && s.Lifecycle != flows.LifecycleWithAgent {
		which := "the ticket"
		if u.Ticket.ID != "" {
			which = "ticket " + u.Ticket.ID
		}
		t.errorf("%s is %s but the conversation is %s, not handed off; ignored", which, u.Status, s.Lifecycle)
		return
	}
	if s.Handoff != nil && s.Handoff.Ticket.ID != "" && u.Ticket.ID != "" && !sameTicket(s.Handoff.Ticket, u.Ticket) {
		// A late or repeated webhook of an earlier handoff's ticket: the
		// current one is still open.
		t.errorf("ticket %s is %s but the conversation waits on ticket %s; ignored", u.Ticket.ID, u.Status, s.Handoff.Ticket.ID)
		return
	}
	if s.Handoff != nil && u.Ticket.ID != "" {
		h := *s.Handoff
		h.Ticket = u.Ticket
		s.Handoff = &h
	}
	switch u.Status {
	case flows.TicketSolved, flows.TicketClosed:
	default:
		return
	}
	ret := ""
	if s.Handoff != nil {
		ret = s.Handoff.Return
	}
	s.Outcome = string(u.Status)
	if t.env != nil {
		t.env[flows.EnvOutcome] = s.Outcome
	}
	if ret == "" {
		t.emit(flows.EndEffect{Reason: "ticket_" + string(u.Status)})
		t.lifecycle(evClose)
		t.closeTicket("ticket_" + string(u.Status))
		return
	}
	t.lifecycle(evReturn)
	// The transcript marks where the handoff ended: a next handoff's
	// ticket shows it, and routing reads the customer's words after it.
	note := goneNote(u) + " The bot took the conversation back."
	if !t.markBefore(u.Refused, note) {
		t.record(flows.RoleSystem, note)
	}
	t.closeTicket("ticket_" + string(u.Status))
	s.NoMatch = 0
	// What the NLU read is the escalated request's: a tap after the
	// return (nothing to analyse) does not inherit its intent.
	s.Signals = nil
	t.trigger = "return"
	t.rearm = true
	t.goTo(ret)
}

// goneNote is the transcript's line for a ticket closed by u: why it took
// no more messages, when the host knew (u.Gone), else the helpdesk's own
// solved or closed.
func goneNote(u *flows.TicketUpdate) string {
	refused := !u.Refused.IsZero()
	switch {
	case u.Gone == flows.GoneDeleted && refused:
		return "The ticket was deleted in the helpdesk and took no more messages."
	case u.Gone == flows.GoneDeleted:
		return "The ticket was deleted in the helpdesk."
	case u.Gone == flows.GoneMerged && u.MergedInto != "" && len(u.MergedInto) <= 100:
		return "The ticket was merged into ticket " + u.MergedInto + " in the helpdesk and took no more messages."
	case u.Gone == flows.GoneMerged:
		return "The ticket was merged into another in the helpdesk and took no more messages."
	case u.Gone == flows.GoneClosed && refused:
		return "The ticket was closed in the helpdesk, or merged into another, and took no more messages."
	case refused:
		return "The ticket took no more messages in the helpdesk (deleted, or closed there)."
	}
	return closeNote("ticket_" + string(u.Status))
}

// markBefore writes the system line note into the transcript before the
// customer's first message at or after refused (since the last system
// line), and reports whether it found one: that message is the
// returned handoff's no agent read, and the next handoff reads what
// follows the line.
func (t *turn) markBefore(refused time.Time, note string) bool {
	if refused.IsZero() {
		return false
	}
	old, at := t.s.Transcript, -1
	for i := len(old) - 1; i >= 0 && old[i].From != flows.RoleSystem; i-- {
		if old[i].From == flows.RoleUser && !old[i].At.Before(refused) {
			at = i
		}
	}
	if at < 0 {
		return false
	}
	tr := make([]flows.Message, 0, len(old)+1)
	tr = append(tr, old[:at]...)
	tr = append(tr, flows.Message{At: old[at].At, From: flows.RoleSystem, Text: note})
	tr = append(tr, old[at:]...)
	if t.e.maxTrans > 0 && len(tr) > t.e.maxTrans {
		tr = tr[len(tr)-t.e.maxTrans:]
	}
	t.s.Transcript = tr
	return true
}

// sameTicket reports whether a and b name the same ticket (the connector
// is compared when both say it).
func sameTicket(a, b flows.TicketRef) bool {
	return a.ID == b.ID && (a.Connector == "" || b.Connector == "" || a.Connector == b.Connector)
}

// declined ends a conversation whose handoff got no ticket: nobody will
// answer it, so it never resumes at the handoff's return state, and the
// customer's next message starts a new conversation.
func (t *turn) declined() {
	s := t.s
	if s.Lifecycle != flows.LifecycleHandedOff {
		t.errorf("the handoff was declined but the conversation is %s, not waiting for a ticket; ignored", s.Lifecycle)
		return
	}
	t.emit(flows.EndEffect{Reason: "handoff_declined"})
	t.lifecycle(evDecline)
	s.Handoff = nil
	s.Outcome = string(flows.TicketDeclined)
}

func itoa(i int) string { return strconv.Itoa(i) }
