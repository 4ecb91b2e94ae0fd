// Package connector shows how to add a helpdesk to Baton, with Chatwoot
// (chatwoot.com, open source) as the example.
//
// A connector implements flows.Connector: Open creates the ticket for a
// handoff, Append adds the customer's later messages, Close resolves it.
// The delivery worker calls them from the outbox, retrying what fails
// with a retryable *handoff.Error, so a connector:
//
//   - sends through a handoff.Client: errors are classified for the worker
//     (429 and 5xx retried, 401 or 422 reported with what to fix),
//     secrets are redacted, and handoff.NewRecorder can run it in dry-run
//     mode for `baton chat` and `baton test`;
//   - takes handoff.ConnectorOption values and passes them to the Client,
//     so WithHTTPClient, WithBaseURL and DryRun work as for the built-in
//     connectors;
//   - renders the ticket with handoff.TranscriptHTML, or its own format
//     from handoff.ForTicket (and the later messages from
//     handoff.ForTicketMessage), so that masking: true in baton.yaml
//     masks them as it does the built-in connectors' tickets;
//   - is idempotent on Handoff.ID: the worker may call Open again after a
//     lost response. This example remembers opened handoffs in memory and
//     stores the handoff id in the conversation's custom attributes; a
//     production connector would also look it up in Chatwoot before
//     creating (as handoff.Freshdesk does with a tag search).
//
// Chatwoot's application API (developers.chatwoot.com/api-reference),
// authenticated with an agent's or bot's access token in the
// api_access_token header:
//
//	POST /api/v1/accounts/{account_id}/contacts        {"inbox_id", "name", "email", "phone_number", "identifier"}
//	POST /api/v1/accounts/{account_id}/conversations   {"source_id", "inbox_id", "contact_id", "status": "open",
//	                                                     "message": {"content"}, "custom_attributes"}
//	POST .../conversations/{id}/messages                {"content", "message_type": "incoming", "private": false}
//	POST .../conversations/{id}/toggle_status           {"status": "resolved"}
//
// examples/customserve serves with it: baton.yaml routes handoffs to it
// by the name "chatwoot" (config.WithConnectors), and host.NewServer
// builds it with the options the built-in connectors get and delivers them
// to it (ServerOptions.NewConnectors).
package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// Chatwoot opens Chatwoot conversations for Baton's handoffs.
type Chatwoot struct {
	base    string
	account int
	inbox   int
	token   string
	client  *handoff.Client
	// opts are kept for handoff.ForTicket: masking as the config says.
	opts []handoff.ConnectorOption

	mu     sync.Mutex
	opened map[string]flows.TicketRef
}

// The compile-time check every connector carries.
var _ flows.Connector = (*Chatwoot)(nil)

// NewChatwoot returns a connector for the Chatwoot at baseURL (e.g.
// "https://app.chatwoot.com"), creating conversations in the given account
// and API inbox, authenticated with an access token (Profile settings ›
// Access token).
func NewChatwoot(baseURL string, accountID, inboxID int, token string, opts ...handoff.ConnectorOption) (*Chatwoot, error) {
	baseURL = strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if !strings.HasPrefix(baseURL, "https://") && !strings.HasPrefix(baseURL, "http://") {
		return nil, fmt.Errorf("chatwoot: URL %q is not an http(s) URL: set BATON_CHATWOOT_URL", baseURL)
	}
	if accountID <= 0 || inboxID <= 0 {
		return nil, errors.New("chatwoot: set BATON_CHATWOOT_ACCOUNT_ID and BATON_CHATWOOT_INBOX_ID (both in the Chatwoot URL of the inbox's settings)")
	}
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("chatwoot: set BATON_CHATWOOT_TOKEN to an access token (Profile settings › Access token)")
	}
	return &Chatwoot{
		base: baseURL, account: accountID, inbox: inboxID, token: strings.TrimSpace(token),
		client: handoff.NewClient("chatwoot", handoff.ClientHints{
			Auth:     "check BATON_CHATWOOT_TOKEN, and that its user is a member of the inbox",
			NotFound: "check BATON_CHATWOOT_URL, BATON_CHATWOOT_ACCOUNT_ID and BATON_CHATWOOT_INBOX_ID",
			Invalid:  "Chatwoot refused the data; see its message",
		}, opts...),
		opts:   opts,
		opened: map[string]flows.TicketRef{},
	}, nil
}

// Open creates the contact and a conversation whose first message is the
// summary and transcript.
func (c *Chatwoot) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	if h == nil {
		return flows.TicketRef{}, errors.New("chatwoot: no handoff")
	}
	c.mu.Lock()
	ref, ok := c.opened[h.ID]
	c.mu.Unlock()
	if ok {
		return ref, nil
	}
	name := h.Contact.Name
	if name == "" {
		name = "Customer " + h.Contact.Phone
	}
	phone := h.Contact.Phone
	if phone != "" && !strings.HasPrefix(phone, "+") {
		phone = "+" + phone
	}
	body, _ := json.Marshal(map[string]any{
		"inbox_id": c.inbox, "name": name, "email": h.Contact.Email,
		"phone_number": phone, "identifier": h.Contact.ID,
	})
	res, err := c.client.Do(ctx, "open.contact", http.MethodPost, c.url("/contacts"), c.header(), body,
		`{"payload":{"contact":{"id":11},"contact_inbox":{"source_id":"dry-run-source"}}}`)
	if err != nil {
		return flows.TicketRef{}, err
	}
	var contact struct {
		Payload struct {
			Contact struct {
				ID int `json:"id"`
			} `json:"contact"`
			ContactInbox struct {
				SourceID string `json:"source_id"`
			} `json:"contact_inbox"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(res, &contact); err != nil || contact.Payload.Contact.ID == 0 {
		return flows.TicketRef{}, &handoff.Error{Connector: "chatwoot", Op: "open.contact", Retryable: true,
			Err: fmt.Errorf("unexpected response: no contact id")}
	}
	body, _ = json.Marshal(map[string]any{
		"source_id":  contact.Payload.ContactInbox.SourceID,
		"inbox_id":   c.inbox,
		"contact_id": contact.Payload.Contact.ID,
		"status":     "open",
		"message":    map[string]any{"content": transcript(handoff.ForTicket(h, c.opts...))},
		"custom_attributes": map[string]any{
			"baton_handoff_id": h.ID, "baton_conversation_id": h.ConversationID, "baton_reason": h.Reason,
		},
	})
	res, err = c.client.Do(ctx, "open", http.MethodPost, c.url("/conversations"), c.header(), body, `{"id":22}`)
	if err != nil {
		return flows.TicketRef{}, err
	}
	var conv struct {
		ID int `json:"id"`
	}
	if err := json.Unmarshal(res, &conv); err != nil || conv.ID == 0 {
		return flows.TicketRef{}, &handoff.Error{Connector: "chatwoot", Op: "open", Retryable: true,
			Err: fmt.Errorf("unexpected response: no conversation id")}
	}
	id := strconv.Itoa(conv.ID)
	ref = flows.TicketRef{Connector: "chatwoot", ID: id,
		URL: fmt.Sprintf("%s/app/accounts/%d/conversations/%s", c.base, c.account, id)}
	c.mu.Lock()
	c.opened[h.ID] = ref
	c.mu.Unlock()
	return ref, nil
}

// Append posts the customer's message as an incoming message.
func (c *Chatwoot) Append(ctx context.Context, t flows.TicketRef, m flows.Message) error {
	if _, err := strconv.Atoi(t.ID); err != nil {
		return &handoff.Error{Connector: "chatwoot", Op: "append", Err: fmt.Errorf("conversation id %q is not a number", t.ID)}
	}
	m = handoff.ForTicketMessage(m, c.opts...)
	text := m.Text
	if m.Choice != "" {
		text = m.Choice
	}
	body, _ := json.Marshal(map[string]any{"content": text, "message_type": "incoming", "private": false})
	_, err := c.client.Do(ctx, "append", http.MethodPost, c.url("/conversations/"+t.ID+"/messages"), c.header(), body, `{"id":33}`)
	return err
}

// Close resolves the conversation.
func (c *Chatwoot) Close(ctx context.Context, t flows.TicketRef) error {
	if _, err := strconv.Atoi(t.ID); err != nil {
		return &handoff.Error{Connector: "chatwoot", Op: "close", Err: fmt.Errorf("conversation id %q is not a number", t.ID)}
	}
	_, err := c.client.Do(ctx, "close", http.MethodPost, c.url("/conversations/"+t.ID+"/toggle_status"), c.header(),
		[]byte(`{"status":"resolved"}`), `{"payload":{"success":true,"current_status":"resolved"}}`)
	return err
}

func (c *Chatwoot) url(path string) string {
	return fmt.Sprintf("%s/api/v1/accounts/%d%s", c.base, c.account, path)
}

func (c *Chatwoot) header() http.Header {
	h := http.Header{}
	h.Set("api_access_token", c.token)
	return h
}

// transcript is the first message, of h as handoff.ForTicket gives it
// (masked when the config says so, its summary filled): Chatwoot renders
// Markdown, so plain text with the summary on top reads well.
func transcript(h *flows.Handoff) string {
	var b strings.Builder
	b.WriteString(h.Summary)
	b.WriteString("\n\n")
	for _, m := range h.Transcript {
		text := m.Text
		if m.Choice != "" {
			text = "[" + m.Choice + "]"
		}
		fmt.Fprintf(&b, "%s %s: %s\n", m.At.UTC().Format("15:04"), m.From, text)
	}
	return strings.TrimSpace(b.String())
}
