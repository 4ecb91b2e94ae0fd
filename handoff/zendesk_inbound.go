package handoff

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ZendeskInbound is the JSON body the Zendesk trigger must send to the
// handler; see the package documentation for the trigger to create.
type ZendeskInbound struct {
	// Event is "comment" (an agent's public reply) or "status"; empty
	// means both are looked at.
	Event          flexString `json:"event"`
	TicketID       flexString `json:"ticket_id"`
	ConversationID flexString `json:"conversation_id"`
	Status         flexString `json:"status"`
	Comment        flexString `json:"comment"`
	CommentPublic  flexString `json:"comment_public"`
	Author         flexString `json:"author"`
	AuthorRole     flexString `json:"author_role"`
}

// NewZendeskHandler returns the endpoint a Zendesk webhook calls with
// agents' replies and status changes. signingSecret is the webhook's
// signing secret (Admin Center › Webhooks › the webhook › Signing secret).
func NewZendeskHandler(signingSecret string, deliver Deliver, opts ...HandlerOption) (http.Handler, error) {
	secret := strings.TrimSpace(signingSecret)
	if secret == "" {
		return nil, errors.New("zendesk handler: no signing secret: set bridge.zendesk.signing_secret to the webhook's signing secret")
	}
	if deliver == nil {
		return nil, errors.New("zendesk handler: no Deliver callback")
	}
	o := buildHandlerOptions(opts)
	return &bridgeHandler{name: "zendesk", o: o, deliver: deliver, hold: o.holdFor(),
		verify: func(r *http.Request, body []byte) error {
			ts := r.Header.Get("X-Zendesk-Webhook-Signature-Timestamp")
			if err := verifyZendesk(secret, r.Header.Get("X-Zendesk-Webhook-Signature"), ts, body); err != nil {
				return err
			}
			return checkTimestamp(ts, o.now(), o.tolerance)
		},
		decode: decodeZendesk,
		// X-Zendesk-Webhook-Invocation-Id is not signed: a captured
		// request sent again with another one is still a replay.
		replay: func(r *http.Request) string { return r.Header.Get("X-Zendesk-Webhook-Signature") },
		key: func(r *http.Request, body []byte) (string, bool) {
			if id := strings.TrimSpace(r.Header.Get("X-Zendesk-Webhook-Invocation-Id")); id != "" {
				return clip(id, 200), false
			}
			return contentKey(r.Header.Get("X-Zendesk-Webhook-Signature-Timestamp"), string(body)), false
		},
	}, nil
}

// checkTimestamp refuses a Zendesk signature timestamp (RFC 3339, as in
// "Anatomy of a webhook request": x-zendesk-webhook-signature-timestamp:
// 2021-03-25T05:09:27Z) further than tolerance from now: a signed request
// captured once cannot be replayed later.
func checkTimestamp(ts string, now time.Time, tolerance time.Duration) error {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(ts))
	if err != nil {
		return errors.New("X-Zendesk-Webhook-Signature-Timestamp is not an RFC 3339 time")
	}
	if d := now.Sub(t); d > tolerance || d < -tolerance {
		return fmt.Errorf("X-Zendesk-Webhook-Signature-Timestamp %s is more than %s from now: a replayed or delayed request (check the server's clock)", ts, tolerance)
	}
	return nil
}

// SignZendesk computes X-Zendesk-Webhook-Signature: base64 of the
// HMAC-SHA256 of the timestamp followed by the body.
func SignZendesk(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func verifyZendesk(secret, sig, ts string, body []byte) error {
	if sig == "" || ts == "" {
		return errors.New("missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp: set a signing secret on the webhook")
	}
	if !hmac.Equal([]byte(sig), []byte(SignZendesk(secret, ts, body))) {
		return errors.New("bad X-Zendesk-Webhook-Signature: check bridge.zendesk.signing_secret")
	}
	return nil
}

// decodeZendesk turns a ZendeskInbound body into inputs: a public comment
// by someone who is not the customer becomes an agent message, a solved
// or closed status a ticket update.
func decodeZendesk(body []byte) ([]inbound, error) {
	var z ZendeskInbound
	if err := decodeObject(body, &z); err != nil {
		return nil, err
	}
	id := z.TicketID.trim()
	if id == "" {
		return nil, errors.New(`"ticket_id" is missing: the trigger's body must include "ticket_id": "{{ticket.id}}"`)
	}
	ev := strings.ToLower(z.Event.trim())
	if ev != "" && ev != "comment" && ev != "status" {
		return nil, errors.New(`"event" must be "comment" or "status"`)
	}
	ref := ticketRef("zendesk", id)
	// A ticket another was merged into serves the conversations its
	// external_id lists, separated by spaces (Zendesk.AppendBatch follows
	// a merge so): each gets the reply, or the solve.
	convs := strings.Fields(string(z.ConversationID))
	if len(convs) == 0 {
		convs = []string{""}
	}
	if len(convs) > maxTicketConversations {
		convs = convs[len(convs)-maxTicketConversations:]
	}
	var out []inbound
	text := strings.TrimSpace(string(z.Comment))
	role := strings.ToLower(z.AuthorRole.trim())
	public := strings.ToLower(z.CommentPublic.trim()) != "false"
	for _, conv := range convs {
		if (ev == "" || ev == "comment") && text != "" && public && role != "end-user" && role != "end user" {
			out = append(out, inbound{conv, ref, agentInput(text, z.Author.trim(), ref)})
		}
		if ev == "" || ev == "status" {
			if st, ok := ticketStatus(z.Status.trim()); ok {
				out = append(out, inbound{conv, ref, ticketInput(ref, st, z.Author.trim())})
			}
		}
	}
	return out, nil
}

// maxTicketConversations bounds the conversations one request is
// delivered to (the last ones an external_id lists).
const maxTicketConversations = 16
