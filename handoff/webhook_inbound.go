package handoff

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Inbound event types of the generic callback.
const (
	EventAgentMessage = "agent.message"
	EventTicketStatus = "ticket.status"
)

// InboundEvent is the body of the generic signed callback.
type InboundEvent struct {
	Type           string          `json:"type"`
	ConversationID string          `json:"conversation_id"`
	Ticket         flows.TicketRef `json:"ticket,omitzero"`
	// Text and Agent of an agent.message.
	Text  string `json:"text,omitempty"`
	Agent string `json:"agent,omitempty"`
	// Status of a ticket.status: solved, closed, or deleted (the ticket
	// is gone: taken as closed); others are ignored.
	Status flows.TicketStatus `json:"status,omitempty"`
	At     time.Time          `json:"at,omitzero"`
}

// NewWebhookHandler returns the endpoint for a helpdesk or service that
// posts InboundEvents signed per Standard Webhooks with secret
// ("whsec_…"). Timestamps more than 5 minutes from now (HandlerTolerance)
// are refused, and a webhook-id seen within the dedupe TTL is
// acknowledged without being delivered twice.
func NewWebhookHandler(secret string, deliver Deliver, opts ...HandlerOption) (http.Handler, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return nil, fmt.Errorf("webhook handler: %w: set bridge.webhook.secret", err)
	}
	if deliver == nil {
		return nil, errors.New("webhook handler: no Deliver callback")
	}
	o := buildHandlerOptions(opts)
	return &bridgeHandler{name: "webhook", o: o, deliver: deliver, decode: decodeInbound,
		verify: func(r *http.Request, body []byte) error {
			return verifyWebhook(key, r.Header, body, o.now(), o.tolerance)
		},
		key: func(r *http.Request, _ []byte) (string, bool) {
			return clip(strings.TrimSpace(r.Header.Get("webhook-id")), 200), false
		},
	}, nil
}

// decodeInbound turns an InboundEvent into an input.
func decodeInbound(body []byte) ([]inbound, error) {
	var e InboundEvent
	if err := decodeObject(body, &e); err != nil {
		return nil, err
	}
	conv := strings.TrimSpace(e.ConversationID)
	if conv == "" {
		return nil, errors.New(`"conversation_id" is missing`)
	}
	switch e.Type {
	case EventAgentMessage:
		text := strings.TrimSpace(e.Text)
		if text == "" {
			return nil, errors.New(`an agent.message needs "text"`)
		}
		in := agentInput(text, e.Agent, e.Ticket)
		in.At = e.At
		return []inbound{{conv, e.Ticket, in}}, nil
	case EventTicketStatus:
		st, ok := ticketStatus(string(e.Status))
		if !ok {
			if e.Status == "" {
				return nil, errors.New(`a ticket.status needs "status"`)
			}
			return nil, nil // open, pending: nothing for the bot to do
		}
		in := ticketInput(e.Ticket, st, e.Agent)
		if strings.EqualFold(strings.TrimSpace(string(e.Status)), flows.GoneDeleted) {
			in.Ticket.Gone = flows.GoneDeleted // closed, and the transcript says deleted
		}
		in.At = e.At
		return []inbound{{conv, e.Ticket, in}}, nil
	}
	return nil, fmt.Errorf(`"type" must be %q or %q`, EventAgentMessage, EventTicketStatus)
}
