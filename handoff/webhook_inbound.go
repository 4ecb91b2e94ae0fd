package handoff

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
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
	// Status of a ticket.status: solved or closed (others are ignored).
	Status flows.TicketStatus `json:"status,omitempty"`
	At     time.Time          `json:"at,omitzero"`
}

// NewWebhookHandler returns the endpoint for a helpdesk or service that
// posts InboundEvents signed per Standard Webhooks with secret
// ("whsec_…"). Timestamps more than 5 minutes from now (HandlerTolerance)
// are refused, and a webhook-id seen within that window is acknowledged
// without being delivered twice.
func NewWebhookHandler(secret string, deliver Deliver, opts ...HandlerOption) (http.Handler, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return nil, fmt.Errorf("webhook handler: %w: set BATON_WEBHOOK_INBOUND_SECRET", err)
	}
	if deliver == nil {
		return nil, errors.New("webhook handler: no Deliver callback")
	}
	o := buildHandlerOptions(opts)
	seen := &replayCache{ids: map[string]time.Time{}, ttl: 2 * o.tolerance}
	b := &bridgeHandler{name: "webhook", o: o, decode: decodeInbound}
	b.verify = func(r *http.Request, body []byte) error {
		return verifyWebhook(key, r.Header, body, o.now(), o.tolerance)
	}
	b.deliver = deliver
	// A webhook-id is remembered only once delivered, so a failed delivery
	// is retried; a duplicate is still verified, then acknowledged.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("webhook-id")
		if r.Method == http.MethodPost && id != "" && seen.has(id, o.now()) {
			dup := *b
			dup.deliver = func(context.Context, string, flows.Input) error { return nil }
			dup.ServeHTTP(w, r)
			return
		}
		rw := &statusWriter{ResponseWriter: w}
		b.ServeHTTP(rw, r)
		if id != "" && (rw.status == http.StatusNoContent || rw.status == http.StatusAccepted) {
			seen.add(id, o.now())
		}
	}), nil
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
		in := agentInput(text, e.Agent)
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
		in.At = e.At
		return []inbound{{conv, e.Ticket, in}}, nil
	}
	return nil, fmt.Errorf(`"type" must be %q or %q`, EventAgentMessage, EventTicketStatus)
}

// replayCache remembers recently delivered webhook-ids, bounded in size.
type replayCache struct {
	mu  sync.Mutex
	ids map[string]time.Time
	ttl time.Duration
}

const replayCacheMax = 10000

func (c *replayCache) has(id string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.ids[id]
	return ok && now.Sub(at) < c.ttl
}

func (c *replayCache) add(id string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ids) >= replayCacheMax {
		for k, at := range c.ids {
			if now.Sub(at) >= c.ttl {
				delete(c.ids, k)
			}
		}
		if len(c.ids) >= replayCacheMax {
			c.ids = map[string]time.Time{}
		}
	}
	c.ids[id] = now
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}
