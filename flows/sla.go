package flows

import (
	"context"
	"time"
)

// SLAAlert says a handoff has waited a share of its first-response (or
// resolution) target without an answer.
type SLAAlert struct {
	HandoffID      string   `json:"handoff_id"`
	ConversationID string   `json:"conversation_id"`
	Team           string   `json:"team,omitempty"`
	Priority       Priority `json:"priority,omitempty"`
	Reason         string   `json:"reason,omitempty"`
	Channel        string   `json:"channel,omitempty"`
	// Target is first_response or resolution.
	Target string `json:"target"`
	// Threshold is the share of the target that has passed, in percent
	// (100: due now, the SLA is breached).
	Threshold   int       `json:"threshold"`
	RequestedAt time.Time `json:"requested_at"`
	Due         time.Time `json:"due"`
	At          time.Time `json:"at"`
	Ticket      TicketRef `json:"ticket,omitzero"`
	// Link opens the ticket (its URL) or, before the helpdesk answered,
	// the conversation.
	Link string `json:"link,omitempty"`
}

// Alerter tells people about an SLA about to be, or being, breached:
// Slack, Microsoft Teams, a webhook.
type Alerter interface {
	Alert(ctx context.Context, a SLAAlert) error
}
