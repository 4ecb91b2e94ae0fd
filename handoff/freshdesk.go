package handoff

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// Freshdesk opens Freshdesk tickets. Freshdesk has no idempotency key, so
// the connector makes creation idempotent itself: each ticket is tagged
// "baton-<handoff id>", and Open looks for a ticket with that tag (and in
// its own memory) before it creates one. See the package documentation.
type Freshdesk struct {
	base string
	key  string
	o    *connOptions
	s    *sender

	mu sync.Mutex
	// opened remembers the ticket of each handoff this process opened.
	opened map[string]flows.TicketRef
	// created holds, per handoff, when a create that may have taken effect
	// was sent (or when this process last met an earlier attempt it knows
	// nothing of); tried, the handoffs this process has tried to open,
	// with the number of its last attempt (Attempt.Number).
	created map[string]time.Time
	tried   map[string]int
	memos   ticketMemo
}

var _ flows.Connector = (*Freshdesk)(nil)

// Freshdesk's numeric codes (developers.freshdesk.com/api/#tickets).
const (
	freshdeskOpen     = 2
	freshdeskPending  = 3
	freshdeskResolved = 4
	freshdeskClosed   = 5
	// freshdeskChat is the "Chat" source; Freshdesk has no WhatsApp source,
	// so the channel goes in a tag.
	freshdeskChat = 7
)

var freshdeskPriority = map[flows.Priority]int{
	flows.PriorityLow: 1, flows.PriorityNormal: 2, flows.PriorityHigh: 3, flows.PriorityUrgent: 4,
}

var domainRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// NewFreshdesk returns a connector for the Freshdesk account at
// https://{domain}.freshdesk.com ("acme" or "acme.freshdesk.com"),
// authenticating with an agent's API key. WithBaseURL replaces that
// origin, and then domain may be empty.
func NewFreshdesk(domain, apiKey string, opts ...ConnectorOption) (*Freshdesk, error) {
	o := buildOptions(opts)
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".freshdesk.com")
	d = strings.TrimPrefix(d, "https://")
	base := o.baseURL
	if base == "" {
		if !domainRE.MatchString(d) {
			return nil, fmt.Errorf("freshdesk: domain %q is not valid: set connectors.freshdesk.domain to your Freshdesk address (acme.freshdesk.com), or base_url", domain)
		}
		base = "https://" + d + ".freshdesk.com"
	}
	apiKey = strings.TrimSpace(apiKey)
	if apiKey == "" {
		return nil, fmt.Errorf("freshdesk: no API key: set connectors.freshdesk.api_key (Freshdesk › Profile settings › Your API Key)")
	}
	for field := range o.fields {
		if !strings.HasPrefix(field, "cf_") {
			return nil, fmt.Errorf("freshdesk: custom field %q: Freshdesk custom fields are named cf_<name> (Admin › Ticket Fields)", field)
		}
	}
	if o.convField != "" && !strings.HasPrefix(o.convField, "cf_") {
		return nil, fmt.Errorf("freshdesk: conversation field %q must be a cf_ field name", o.convField)
	}
	f := &Freshdesk{base: base, key: apiKey, o: o, opened: map[string]flows.TicketRef{},
		created: map[string]time.Time{}, tried: map[string]int{}}
	f.s = &sender{connector: "freshdesk", opts: o, hints: ClientHints{
		Auth:     "check connectors.freshdesk.api_key, and that the agent it belongs to may create tickets",
		NotFound: "check connectors.freshdesk.domain (or base_url), and that the ticket was not deleted",
		Invalid:  "check the group ids (WithGroups), the cf_ custom field names and value types (WithCustomFields) and the customer's e-mail and phone",
	}}
	return f, nil
}

// freshdeskTicket is the body of POST /api/v2/tickets.
type freshdeskTicket struct {
	Name             string         `json:"name,omitempty"`
	Email            string         `json:"email,omitempty"`
	Phone            string         `json:"phone,omitempty"`
	UniqueExternalID string         `json:"unique_external_id,omitempty"`
	Subject          string         `json:"subject"`
	Description      string         `json:"description"`
	Status           int            `json:"status"`
	Priority         int            `json:"priority"`
	Source           int            `json:"source"`
	Tags             []string       `json:"tags,omitempty"`
	GroupID          int64          `json:"group_id,omitempty"`
	ResponderID      int64          `json:"responder_id,omitempty"`
	CustomFields     map[string]any `json:"custom_fields,omitempty"`
}

// handoffTag is the tag that marks the ticket of a handoff.
func handoffTag(id string) string {
	var b strings.Builder
	b.WriteString("baton-")
	for _, r := range strings.ToLower(id) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

func (f *Freshdesk) createCall(h *flows.Handoff) (call, error) {
	html, err := renderHTML(h, f.o.render)
	if err != nil {
		return call{}, &Error{Connector: "freshdesk", Op: "open", Err: err}
	}
	t := freshdeskTicket{
		Subject:     subject(h, f.o.render.mask),
		Description: html,
		Status:      freshdeskOpen,
		Priority:    freshdeskPriority[priorityOf(h)],
		Source:      freshdeskChat,
		Tags:        ticketTags(h, f.o.tags, handoffTag(h.ID)),
	}
	// One requester identifier, the most reliable first: Freshdesk matches
	// or creates the contact by it. Name is required with a phone.
	c := h.Contact
	t.Name = requesterName(c)
	switch {
	case f.o.uniqueExternalID && c.ID != "":
		t.UniqueExternalID = c.ID
	case c.Email != "":
		t.Email = c.Email
	case c.Phone != "":
		t.Phone = e164(c.Phone)
	case c.ID != "":
		t.UniqueExternalID = c.ID
	default:
		return call{}, &Error{Connector: "freshdesk", Op: "open",
			Err: fmt.Errorf("handoff %s: the contact has no e-mail, phone or id to name the requester by", h.ID)}
	}
	if g, ok := groupID(h.Team, f.o.groups); ok {
		t.GroupID = g
	}
	// Freshdesk assigns by the agent's numeric id only (WithAssignees).
	if id, ok := f.o.assigneeID(h.Assignee); ok {
		t.ResponderID = id
	}
	if vals := fieldValues(h, f.o); len(vals) > 0 {
		t.CustomFields = vals
	}
	b, err := marshalJSON(t)
	if err != nil {
		return call{}, &Error{Connector: "freshdesk", Op: "open", Err: err}
	}
	return call{op: "open", method: http.MethodPost, url: f.base + "/api/v2/tickets",
		header: f.header(), body: b, canned: `{"id":3003,"requester_id":5005,"status":2}`}, nil
}

// header authenticates with the API key as the basic-auth user and "X" as
// the password, as Freshdesk asks.
func (f *Freshdesk) header() http.Header {
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(f.key+":X")))
	return h
}
