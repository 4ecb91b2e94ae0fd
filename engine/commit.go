package engine

import (
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// WithReplyOutbox makes Handle write each reply of a turn as an outbox
// item of kind reply (a flows.Outbound for the conversation's channel), in
// the same save as the session, so a channel worker delivers it even after
// a crash. Hosts that show replies themselves (the sandbox) leave it off.
func WithReplyOutbox() Option { return func(e *Engine) { e.replyOutbox = true } }

// Commit returns what the turn from prev to next (with its effects, after
// the handoff hook) writes besides the session, but the handoff items (see
// OutboxItems) and the inbox entries:
//   - the timers its Schedule and Cancel effects set and drop, after
//     dropping the timer whose firing the input is;
//   - the changes of agents' open-handoff counts: +1 for the agent routing
//     assigned a new handoff, -1 for the agent of a handoff that ended
//     (its ticket solved, closed or declined);
//   - with WithReplyOutbox, a reply item for each Reply effect;
//   - the watchdog of an HTTP call the turn waits for (see
//     HTTPWatchdogKey), dropped by the turn that takes its result.
func (e *Engine) Commit(prev, next *flows.Session, effects []flows.Effect, in flows.Input) flows.Commit {
	var c flows.Commit
	if in.Kind == flows.InputTimer && in.Timer != "" {
		c.Timers = append(c.Timers, flows.Timer{Key: in.Timer, ConversationID: next.ID})
	}
	replies := 0
	for _, ef := range effects {
		switch ef := ef.(type) {
		case flows.Schedule:
			c.Timers = append(c.Timers, flows.Timer{Key: ef.Key, ConversationID: next.ID, At: ef.At})
		case flows.Cancel:
			c.Timers = append(c.Timers, flows.Timer{Key: ef.Key, ConversationID: next.ID})
		case flows.Reply:
			if e.replyOutbox {
				replies++
				c.Outbox = append(c.Outbox, replyItem(next, ef, replies))
			}
		}
	}
	c.Timers = httpWatchdog(c.Timers, prev, next, effects)
	c.Loads = loadChanges(prev.Handoff, next.Handoff)
	return c
}

// HTTPWatchdogKey is the timer key of the watchdog of HTTP request id.
//
// A turn that suspends on an HTTP action saves, with the session, a timer
// due when the call should long have answered (its timeout plus
// HTTPWatchdogGrace). The host feeds the result back as a turn of its own,
// which drops the timer in its save. If the host stopped in between (a
// crash, a kill), the timer fires later, in whichever process takes it,
// and the turn it runs resumes the flow as if the call had failed, with
// an error saying why, so the conversation never waits for ever. The
// call itself is not repeated: it may have reached the server, and an
// HTTP action is carried out at most once.
func HTTPWatchdogKey(id string) string { return httpWatchdogPrefix + id }

const httpWatchdogPrefix = "http:"

// HTTPWatchdogGrace is how long after an HTTP action's timeout its
// watchdog fires.
const HTTPWatchdogGrace = 30 * time.Second

// httpWatchdog adds the watchdog of the call next waits for and drops the
// one of the call prev waited for.
func httpWatchdog(timers []flows.Timer, prev, next *flows.Session, effects []flows.Effect) []flows.Timer {
	pp, np := prev.Pending, next.Pending
	if pp != nil && (np == nil || np.ID != pp.ID) {
		timers = append(timers, flows.Timer{Key: HTTPWatchdogKey(pp.ID), ConversationID: next.ID})
	}
	if np != nil && (pp == nil || pp.ID != np.ID) {
		timeout := defaultHTTPTimeout
		for _, ef := range effects {
			if r, ok := ef.(flows.HTTPRequest); ok && r.ID == np.ID && r.Timeout > 0 {
				timeout = r.Timeout
			}
		}
		timers = append(timers, flows.Timer{Key: HTTPWatchdogKey(np.ID), ConversationID: next.ID, At: np.At.Add(timeout + HTTPWatchdogGrace)})
	}
	return timers
}

// replyItem is the outbox item that sends the n-th reply r of the turn
// that made s. Its id is the same when the turn is run again (a conflict
// retry) and differs from every earlier conversation's under the same id
// (it carries the session's creation time).
func replyItem(s *flows.Session, r flows.Reply, n int) flows.OutboxItem {
	// {session}-{created, base 36}-{turn}-reply-{n}, appended in a buffer
	// on the stack: one allocation, the string, where concatenating cost
	// one for each number too.
	var buf [128]byte
	b := strconv.AppendInt(append(append(buf[:0], s.ID...), '-'), s.CreatedAt.UnixMilli(), 36)
	b = strconv.AppendInt(append(b, '-'), int64(s.Turns), 10)
	id := string(strconv.AppendInt(append(b, "-reply-"...), int64(n), 10))
	return flows.OutboxItem{
		ID: id, Kind: flows.OutboxReply, ConversationID: s.ID, Status: flows.OutboxPending,
		CreatedAt: s.UpdatedAt, NextAt: s.UpdatedAt,
		Outbound: &flows.Outbound{ID: id, ConversationID: s.ID, To: s.Contact.Clone(), Reply: r.Clone(), Lang: s.Lang, LastUserAt: s.LastUserAt},
	}
}

// loadChanges counts an assigned handoff that starts (next's, routed) and
// releases one that ends (prev's, gone from next).
func loadChanges(prev, next *flows.HandoffRef) map[string]int {
	same := prev != nil && next != nil && prev.ID == next.ID && prev.Assignee == next.Assignee
	if same {
		return nil
	}
	var m map[string]int
	add := func(agent string, d int) {
		if agent == "" {
			return
		}
		if m == nil {
			m = make(map[string]int, 2)
		}
		m[agent] += d
		if m[agent] == 0 {
			delete(m, agent)
		}
	}
	if prev != nil {
		add(prev.Assignee, -1)
	}
	if next != nil {
		add(next.Assignee, 1)
	}
	return m
}

// OutboxItems returns the outbox items a turn's effects call for: an open
// for each handoff, an append for each customer message to a ticket, a
// close when the handoff ends (its Message, from the system, says why),
// and an append of a note for an agent's reply that did not reach the
// customer (it carries the agent's ticket, no handoff). Their ids are
// derived from the handoff and the turn, so a retried turn yields the
// same items.
func OutboxItems(s *flows.Session, effects []flows.Effect) []flows.OutboxItem {
	var items []flows.OutboxItem
	n := 0
	for _, ef := range effects {
		switch ef := ef.(type) {
		case flows.HandoffEffect:
			if ef.Handoff == nil {
				continue
			}
			items = append(items, flows.OutboxItem{
				ID: ef.ID + ":open", Kind: flows.OutboxOpen, ConversationID: s.ID, HandoffID: ef.ID,
				Handoff: ef.Handoff, Status: flows.OutboxPending, CreatedAt: ef.CreatedAt, NextAt: ef.CreatedAt,
			})
		case flows.Append:
			n++
			m := ef.Message
			items = append(items, flows.OutboxItem{
				ID:   ef.HandoffID + ":append:" + strconv.Itoa(s.Turns) + ":" + strconv.Itoa(n),
				Kind: flows.OutboxAppend, ConversationID: s.ID, HandoffID: ef.HandoffID,
				Message: &m, Status: flows.OutboxPending, CreatedAt: m.At, NextAt: m.At,
			})
		case flows.HandoffClose:
			at := s.UpdatedAt
			m := flows.Message{At: at, From: flows.RoleSystem, Text: closeNote(ef.Reason)}
			items = append(items, flows.OutboxItem{
				ID: ef.HandoffID + ":close", Kind: flows.OutboxClose, ConversationID: s.ID, HandoffID: ef.HandoffID,
				Message: &m, Status: flows.OutboxPending, CreatedAt: at, NextAt: at,
			})
		case flows.Undelivered:
			n++
			m := ef.Message
			// Like a reply's, the id carries the session's creation time:
			// a conversation started over under the same id makes others.
			id := s.ID + "-" + strconv.FormatInt(s.CreatedAt.UnixMilli(), 36) + "-" + strconv.Itoa(s.Turns) + ":undelivered:" + strconv.Itoa(n)
			items = append(items, flows.OutboxItem{
				ID: id, Kind: flows.OutboxAppend, ConversationID: s.ID, Ticket: ef.Ticket,
				Message: &m, Status: flows.OutboxPending, CreatedAt: m.At, NextAt: m.At,
			})
		}
	}
	return items
}

// closeNote says on the ticket why Baton closed it.
func closeNote(reason string) string {
	switch reason {
	case "customer_closed":
		return "The customer closed the conversation."
	case "ticket_solved", "ticket_closed":
		return "The ticket was " + strings.TrimPrefix(reason, "ticket_") + " in the helpdesk."
	case "returned_to_bot":
		return "The bot took the conversation back."
	}
	return "Baton closed the conversation (" + reason + ")."
}
