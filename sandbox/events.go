package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// The events the helpdesk side of the sandbox adds to the engine's (see the
// chat-json table in README.md). They are flows.Effects so that chat --json,
// the text view and `baton test` handle them like the engine's.

// RouteEvent is where a handoff goes: the Router's decision.
type RouteEvent struct {
	HandoffID  string         `json:"handoff_id"`
	Team       string         `json:"team"`
	TeamName   string         `json:"team_name,omitempty"`
	Rule       string         `json:"rule,omitempty"`
	Connector  string         `json:"connector"`
	Group      string         `json:"group,omitempty"`
	Agent      string         `json:"agent,omitempty"`
	Priority   flows.Priority `json:"priority"`
	Score      *float64       `json:"score,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
	Skills     []string       `json:"skills,omitempty"`
	SLA        string         `json:"sla,omitempty"`
	Due        *time.Time     `json:"due,omitempty"` // the first reply's, told instead of a duration when closed hours stretch the wait past SLA
	InHours    bool           `json:"in_hours"`
	OutOfHours string         `json:"out_of_hours,omitempty"`
	NextOpen   *time.Time     `json:"next_open,omitempty"`
	OpenTicket bool           `json:"open_ticket"`
	Message    string         `json:"message,omitempty"`
	Notify     bool           `json:"notify,omitempty"`
	Warnings   []string       `json:"warnings,omitempty"`
}

func (RouteEvent) Type() string { return "route" }

func NewRouteEvent(h *flows.Handoff, d handoff.Decision) RouteEvent {
	ev := RouteEvent{
		HandoffID: h.ID, Team: d.Team, TeamName: d.TeamName, Rule: d.Rule, Connector: d.Connector,
		Group: d.Group, Agent: d.Agent, Priority: d.Priority, Tags: d.Tags, Skills: d.Skills,
		InHours: d.InHours, OutOfHours: d.OutOfHours, OpenTicket: d.OpenTicket, Message: d.Message,
		Notify: d.Notify, Warnings: d.Warnings,
	}
	if !math.IsNaN(d.Score) {
		s := d.Score
		ev.Score = &s
	}
	if d.SLA > 0 {
		ev.SLA = FormatDuration(d.SLA)
	}
	if !d.Due.IsZero() {
		t := d.Due
		ev.Due = &t
	}
	if !d.InHours && !d.NextOpen.IsZero() {
		t := d.NextOpen
		ev.NextOpen = &t
	}
	return ev
}

// HelpdeskRequest is one request a connector sends (or, in the sandbox,
// would send) to its helpdesk, secrets redacted.
type HelpdeskRequest struct {
	Connector string            `json:"connector"`
	Op        string            `json:"op"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Path      string            `json:"path"`
	Headers   map[string]string `json:"headers,omitempty"`
	// Body is the JSON body as JSON, or the text of any other body.
	Body any `json:"body,omitempty"`
}

func (HelpdeskRequest) Type() string { return "helpdesk_request" }

func NewHelpdeskRequest(r handoff.Request) HelpdeskRequest {
	q := HelpdeskRequest{Connector: r.Connector, Op: r.Op, Method: r.Method, URL: r.URL, Path: r.Path()}
	if len(r.Header) > 0 {
		q.Headers = make(map[string]string, len(r.Header))
		for k, vs := range r.Header {
			q.Headers[k] = config.RedactPlaceholders(strings.Join(vs, ", "))
		}
	}
	if r.Body != "" {
		body := config.RedactPlaceholders(r.Body)
		if json.Valid([]byte(body)) {
			q.Body = json.RawMessage(body)
		} else {
			q.Body = body
		}
	}
	return q
}

// Text renders the request for people: the request line, the headers
// sorted, and the body indented when it is JSON.
func (q HelpdeskRequest) Text() string {
	var b strings.Builder
	b.WriteString(q.Method + " " + q.URL + "\n")
	keys := make([]string, 0, len(q.Headers))
	for k := range q.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(http.CanonicalHeaderKey(k) + ": " + q.Headers[k] + "\n")
	}
	switch body := q.Body.(type) {
	case json.RawMessage:
		var v any
		if json.Unmarshal(body, &v) == nil {
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			_ = enc.Encode(ShortenStrings(v, maxShownText))
		}
	case string:
		b.WriteString(clipText(body, maxShownText) + "\n")
	}
	return b.String()
}

// maxShownText is how much of a long text (a ticket's HTML transcript) the
// chat shows; --json has all of it.
const maxShownText = 300

// ShortenStrings clips the long strings in a decoded JSON value.
func ShortenStrings(v any, n int) any {
	switch v := v.(type) {
	case string:
		return clipText(v, n)
	case map[string]any:
		for k, x := range v {
			v[k] = ShortenStrings(x, n)
		}
	case []any:
		for i, x := range v {
			v[i] = ShortenStrings(x, n)
		}
	}
	return v
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return fmt.Sprintf("%s… (%d characters in all; --json shows them)", string(r[:n]), len(r))
}

// HelpdeskDelivered reports (with --live) an outbox item the helpdesk
// accepted: for an open, the ticket it created.
type HelpdeskDelivered struct {
	Item         string           `json:"item"`
	Kind         flows.OutboxKind `json:"kind"`
	HandoffID    string           `json:"handoff_id"`
	Conversation string           `json:"conversation"`
	Attempts     int              `json:"attempts"`
	Ticket       *flows.TicketRef `json:"ticket,omitempty"`
}

func (HelpdeskDelivered) Type() string { return "helpdesk_delivered" }

// HelpdeskFailed reports (with --live) a failed delivery attempt: status
// pending means a retry is scheduled at next_at, dead that the item was
// given up (see `baton handoff list --status dead`).
type HelpdeskFailed struct {
	Item         string             `json:"item"`
	Kind         flows.OutboxKind   `json:"kind"`
	HandoffID    string             `json:"handoff_id"`
	Conversation string             `json:"conversation"`
	Status       flows.OutboxStatus `json:"status"`
	Attempts     int                `json:"attempts"`
	NextAt       *time.Time         `json:"next_at,omitempty"`
	Error        string             `json:"error"`
}

func (HelpdeskFailed) Type() string { return "helpdesk_failed" }

// SettledEvent turns a Deliverer's settled item into an event.
func SettledEvent(it flows.OutboxItem, err error) flows.Effect {
	if it.Status == flows.OutboxDelivered {
		ev := HelpdeskDelivered{Item: it.ID, Kind: it.Kind, HandoffID: it.HandoffID, Conversation: it.ConversationID, Attempts: it.Attempts}
		if it.Kind == flows.OutboxOpen && it.Ticket.ID != "" {
			t := it.Ticket
			ev.Ticket = &t
		}
		return ev
	}
	ev := HelpdeskFailed{Item: it.ID, Kind: it.Kind, HandoffID: it.HandoffID, Conversation: it.ConversationID,
		Status: it.Status, Attempts: it.Attempts, Error: it.LastError}
	if ev.Error == "" && err != nil {
		ev.Error = err.Error()
	}
	if it.Status == flows.OutboxPending && !it.NextAt.IsZero() {
		t := it.NextAt
		ev.NextAt = &t
	}
	return ev
}
