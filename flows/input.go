package flows

import "time"

// InputKind says what reached the conversation.
type InputKind string

const (
	// InputMessage is a user message: Text, or Payload for a button/list tap.
	InputMessage InputKind = "message"
	// InputHTTP is the result of an HTTPRequest effect.
	InputHTTP InputKind = "http"
	// InputTimer is a Schedule effect firing.
	InputTimer InputKind = "timer"
	// InputAgent is a message from the human agent (through the bridge).
	InputAgent InputKind = "agent"
	// InputTicket is a change of the handoff ticket's status.
	InputTicket InputKind = "ticket"
	// InputClose is the customer closing the conversation (a web widget's
	// close button, a channel's stop): a ticket still open is closed.
	InputClose InputKind = "close"
)

// Input is everything that can reach a conversation. Every turn takes one.
type Input struct {
	Kind InputKind `json:"kind"`
	// At is when the input happened; the engine's clock is used when zero.
	At time.Time `json:"at,omitempty"`
	// Text of a message (user or agent).
	Text string `json:"text,omitempty"`
	// Payload is the id of a tapped button or list row.
	Payload string `json:"payload,omitempty"`
	// Media is what a customer message carries besides text (an image, a
	// location...); Text is then its caption, if any.
	Media *Media `json:"media,omitempty"`
	// HTTP carries an InputHTTP result.
	HTTP *HTTPResult `json:"http,omitempty"`
	// Timer is the Schedule key of an InputTimer.
	Timer string `json:"timer,omitempty"`
	// Ticket carries an InputTicket update; on an InputAgent message it
	// names the ticket the agent wrote on (Status empty), so a reply that
	// can no longer reach the customer is reported back on that ticket.
	Ticket *TicketUpdate `json:"ticket,omitempty"`
	// Agent names the human who wrote an InputAgent message.
	Agent string `json:"agent,omitempty"`
}

// HTTPResult answers an HTTPRequest effect.
type HTTPResult struct {
	// ID is the HTTPRequest's ID.
	ID     string `json:"id"`
	Status int    `json:"status"`
	Body   []byte `json:"body,omitempty"`
	// Err is set when the request failed (timeout, connection refused).
	Err string `json:"error,omitempty"`
}

// TicketStatus is a helpdesk ticket's state as Baton sees it.
type TicketStatus string

const (
	TicketOpen    TicketStatus = "open"
	TicketPending TicketStatus = "pending"
	TicketSolved  TicketStatus = "solved"
	TicketClosed  TicketStatus = "closed"
	// TicketDeclined means no ticket was opened for the handoff (routing
	// found the team closed and the deployment tells the customer instead):
	// the conversation ends and never resumes at the handoff's Return.
	TicketDeclined TicketStatus = "declined"
)

// TicketStatuses lists the statuses a ticket can have, for messages that
// name them: "open, pending, solved, closed or declined".
const TicketStatuses = "open, pending, solved, closed or declined"

// Known reports whether s is one of the statuses above.
func (s TicketStatus) Known() bool {
	switch s {
	case TicketOpen, TicketPending, TicketSolved, TicketClosed, TicketDeclined:
		return true
	}
	return false
}

// TicketUpdate reports a ticket change from the helpdesk.
type TicketUpdate struct {
	Ticket TicketRef    `json:"ticket"`
	Status TicketStatus `json:"status"`
	// Agent who took the ticket, when known.
	Agent string `json:"agent,omitempty"`
	// Refused, on a closed update the host makes itself, is the time of
	// the first of the customer's messages not on the ticket: the one it
	// no longer took (an agent deleted it, or it was closed behind the
	// bridge's back), or an earlier one the helpdesk refused otherwise.
	// The transcript marks the handoff's end before it, since no agent
	// read it, so the next handoff routes and summarises it.
	Refused time.Time `json:"refused,omitzero"`
	// Gone, on a closed update, says why the ticket takes no more
	// messages when the helpdesk told: GoneDeleted, GoneMerged or
	// GoneClosed (empty: not known, or a helpdesk's own close).
	Gone string `json:"gone,omitempty"`
	// MergedInto is the ticket a GoneMerged one was merged into, when the
	// helpdesk named it.
	MergedInto string `json:"merged_into,omitempty"`
}

// Why a ticket takes no more messages (TicketUpdate.Gone).
const (
	// GoneDeleted: an agent deleted the ticket.
	GoneDeleted = "deleted"
	// GoneMerged: an agent merged the ticket into another, which closed
	// it.
	GoneMerged = "merged"
	// GoneClosed: the ticket is closed in the helpdesk (solved then
	// closed, or merged into another ticket, which closes it) and takes
	// no comment.
	GoneClosed = "closed"
)
