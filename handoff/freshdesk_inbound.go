package handoff

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// FreshdeskInbound is the JSON body the Freshdesk automation must send to
// the handler; see the package documentation for the rule to create.
type FreshdeskInbound struct {
	// Event is "reply" or "status"; empty means both are looked at.
	Event          flexString `json:"event"`
	TicketID       flexString `json:"ticket_id"`
	ConversationID flexString `json:"conversation_id"`
	Status         flexString `json:"status"`
	Reply          flexString `json:"reply"`
	Agent          flexString `json:"agent"`
}

// FreshdeskSecretHeader carries the shared secret of Freshdesk webhooks.
const FreshdeskSecretHeader = "X-Baton-Secret"

// NewFreshdeskHandler returns the endpoint a Freshdesk automation's
// "Trigger webhook" action calls. Freshdesk does not sign webhooks, so the
// rule sends the shared secret in the X-Baton-Secret header.
func NewFreshdeskHandler(secret string, deliver Deliver, opts ...HandlerOption) (http.Handler, error) {
	secret = strings.TrimSpace(secret)
	if len(secret) < 16 {
		return nil, errors.New("freshdesk handler: set bridge.freshdesk.secret to a random secret of at least 16 characters, and send it in the automation's X-Baton-Secret header")
	}
	if deliver == nil {
		return nil, errors.New("freshdesk handler: no Deliver callback")
	}
	o := buildHandlerOptions(opts)
	return &bridgeHandler{name: "freshdesk", o: o, deliver: deliver, hold: o.holdFor(),
		verify: func(r *http.Request, _ []byte) error {
			got := r.Header.Get(FreshdeskSecretHeader)
			if got == "" {
				return errors.New("missing X-Baton-Secret header: add it to the automation's webhook")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
				return errors.New("wrong X-Baton-Secret: check bridge.freshdesk.secret")
			}
			return nil
		},
		decode: decodeFreshdesk,
		// Freshdesk sends no delivery id: the same ticket, event and
		// content within the content TTL is a redelivery.
		key: func(_ *http.Request, body []byte) (string, bool) {
			var f FreshdeskInbound
			if decodeObject(body, &f) != nil {
				return "", false
			}
			return contentKey(f.TicketID.trim(), f.Event.trim(), f.Status.trim(), string(f.Reply), f.Agent.trim()), true
		},
	}, nil
}

// decodeFreshdesk turns a FreshdeskInbound body into inputs.
func decodeFreshdesk(body []byte) ([]inbound, error) {
	var f FreshdeskInbound
	if err := decodeObject(body, &f); err != nil {
		return nil, err
	}
	id := f.TicketID.trim()
	if id == "" {
		return nil, errors.New(`"ticket_id" is missing: the automation's body must include "ticket_id": "{{ticket.id}}"`)
	}
	ev := strings.ToLower(f.Event.trim())
	if ev != "" && ev != "reply" && ev != "status" {
		return nil, errors.New(`"event" must be "reply" or "status"`)
	}
	ref := ticketRef("freshdesk", id)
	conv := f.ConversationID.trim()
	if strings.Contains(conv, "{{") { // the placeholder of a field the account lacks
		conv = ""
	}
	agent := f.Agent.trim()
	if unfilled(agent) { // the rule has no agent (an automation, a rule run by the system)
		agent = ""
	}
	var out []inbound
	if ev == "" || ev == "reply" {
		if text := htmlToText(string(f.Reply)); unfilled(text) {
			return nil, fmt.Errorf(`"reply" is %s, a placeholder Freshdesk did not fill: check its spelling in the automation's body ({{ticket.latest_public_comment}})`, text)
		} else if text != "" {
			out = append(out, inbound{conv, ref, agentInput(text, agent, ref)})
		}
	}
	if ev == "" || ev == "status" {
		if st, ok := ticketStatus(f.Status.trim()); ok {
			out = append(out, inbound{conv, ref, ticketInput(ref, st, agent)})
		}
	}
	return out, nil
}

// unfilled reports whether s is a placeholder as the automation's body
// has it, "{{ticket.agent.name}}": Freshdesk leaves one it cannot fill
// (a field the account lacks, a mistyped name) as it is.
func unfilled(s string) bool {
	return strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}") && !strings.Contains(s[2:len(s)-2], "}}")
}
