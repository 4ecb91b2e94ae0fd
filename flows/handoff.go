package flows

import (
	"context"
	"time"
)

// Handoff is everything a human agent needs to take over: who, why, what
// the bot collected and the whole conversation.
type Handoff struct {
	// ID is stable: retries of the same handoff carry the same ID, and
	// connectors use it as their idempotency key.
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	Flow           string    `json:"flow"`
	State          string    `json:"state"`
	Channel        string    `json:"channel,omitempty"`
	Contact        Contact   `json:"contact"`
	Language       string    `json:"language,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	// Reason is why the bot escalated: a trigger's name, "no_match",
	// "menu", or what the flow wrote.
	Reason string `json:"reason"`
	Team   string `json:"team,omitempty"`
	// Assignee is the agent routing chose (the id the deployment config
	// lists, usually an e-mail address), empty to leave it to the helpdesk.
	Assignee string `json:"assignee,omitempty"`
	// Connector is the helpdesk connector routing chose (its name in the
	// deployment config), empty when nothing routed the handoff: its
	// ticket is opened there.
	Connector string   `json:"connector,omitempty"`
	Priority  Priority `json:"priority"`
	Tags      []string `json:"tags,omitempty"`
	// NoMatch is the consecutive no-match count when the handoff happened.
	NoMatch    int            `json:"no_match,omitempty"`
	Transcript []Message      `json:"transcript"`
	Vars       map[string]any `json:"vars"`
	Signals    *Signals       `json:"signals,omitempty"`
	// Summary is a short text for the top of the ticket (filled by the
	// handoff package when empty), at most MaxSummaryBytes on a ticket.
	Summary string `json:"summary,omitempty"`
	// SummaryBy says who wrote Summary: SummaryByModel when a language
	// model did (a flows.Summarizer), so the ticket marks it; empty for
	// Baton's extractive summary or the flow's own.
	SummaryBy string `json:"summary_by,omitempty"`
	// Return is the state the bot resumes at when the ticket is solved.
	Return string `json:"return,omitempty"`
	// InHours reports whether the routing calendar was open.
	InHours bool `json:"in_hours"`
	// FirstResponseDue and ResolutionDue are when the team promised a
	// first reply and a resolution, from the deployment's SLA table and
	// the team's hours (zero: no promise); routing sets them.
	FirstResponseDue time.Time `json:"first_response_due,omitzero"`
	ResolutionDue    time.Time `json:"resolution_due,omitzero"`
}

// SummaryByModel marks a summary a language model wrote (Handoff.SummaryBy).
const SummaryByModel = "model"

// Priority of a handoff, mapped by each connector to its helpdesk's scale.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Valid reports whether p is one of the four priorities.
func (p Priority) Valid() bool {
	switch p {
	case PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent:
		return true
	}
	return false
}

// TicketRef identifies a ticket in a helpdesk.
type TicketRef struct {
	Connector string `json:"connector"`
	ID        string `json:"id"`
	URL       string `json:"url,omitempty"`
}

// Connector delivers handoffs to a helpdesk. Implementations must be safe
// for concurrent use and idempotent on Handoff.ID: opening the same handoff
// twice yields the same ticket.
//
// The host's delivery worker calls them from the outbox. A failed call is
// tried again later, with backoff, for up to a day after the handoff (the
// worker's max age), unless its error says it is final: package handoff's
// *Error with Retryable false (a refused token, an invalid field: what
// handoff.Client returns for a 4xx other than 408, 409, 425 and 429), or
// an error that is handoff.ErrTicketGone from an Append to a ticket that
// takes no more messages (the conversation then returns to the bot) or
// from a Close of one (the close is done). A plain error is retried.
type Connector interface {
	// Open creates the ticket for h.
	Open(ctx context.Context, h *Handoff) (TicketRef, error)
	// Append adds a later customer message to the ticket.
	Append(ctx context.Context, t TicketRef, m Message) error
	// Close resolves the ticket from Baton's side.
	Close(ctx context.Context, t TicketRef) error
}

// TicketMessage is a message for a ticket with the id of the outbox item
// that carries it; connectors write the id on the ticket as a marker, so
// a retry can tell whether an earlier attempt already added it.
type TicketMessage struct {
	ID      string  `json:"id"`
	Message Message `json:"message"`
}

// BatchAppender is a Connector that delivers appends exactly once: it adds
// several messages as one ticket update, each with its marker, and finds
// the markers already on a ticket. The delivery worker uses it, when a
// connector has it, to batch a customer's quick messages and to check the
// ticket before sending again after an attempt that may have taken effect.
type BatchAppender interface {
	// AppendBatch adds msgs to the ticket, in order, as one update on
	// behalf of the customer c (the ticket's requester).
	AppendBatch(ctx context.Context, t TicketRef, c Contact, msgs []TicketMessage) error
	// Marked returns the ids among ids whose marker is on the ticket.
	Marked(ctx context.Context, t TicketRef, ids []string) ([]string, error)
}

// MergeFollower is a Connector that follows a ticket an agent merged
// into another: the conversation goes on on the target ticket.
type MergeFollower interface {
	// FollowMerge, for ticket t of conversation that the helpdesk
	// reports closed, finds whether it was merged into another ticket and,
	// when it was and can be, makes that ticket reach the conversation
	// (its replies and status come back to it, the customer's messages
	// go there). It returns the target, or a zero TicketRef when t was
	// not merged or the target cannot be followed.
	FollowMerge(ctx context.Context, t TicketRef, conversation string) (TicketRef, error)
}
