package handoff

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/batonbot/baton/flows"
)

// Zendesk opens Zendesk Support tickets. See the package documentation for
// the requests it sends.
type Zendesk struct {
	base string
	auth ZendeskAuth
	o    *connOptions
	s    *sender

	mu sync.Mutex
	// requesters caches each ticket's requester, the author of appended
	// messages; a miss (after a restart) reads the ticket.
	requesters map[string]int64
	// merges caches the ticket a closed ticket was merged into (a merge
	// is for good); a miss reads the ticket's comments.
	merges map[string]string
	// me is the API user's id, the assignee of a ticket Baton solves that
	// nobody was assigned (Zendesk solves only assigned tickets).
	me    int64
	memos ticketMemo
}

var _ flows.Connector = (*Zendesk)(nil)

// ZendeskAuth is how the connector authenticates: an agent's e-mail with
// an API token, or an OAuth access token.
type ZendeskAuth struct {
	email, token, oauth string
}

// ZendeskAPIToken authenticates as the agent with this e-mail address and
// an API token (Admin Center › Apps and integrations › Zendesk API), sent
// as basic auth "{email}/token:{token}".
func ZendeskAPIToken(email, token string) ZendeskAuth {
	return ZendeskAuth{email: strings.TrimSpace(email), token: strings.TrimSpace(token)}
}

// ZendeskOAuth authenticates with an OAuth access token (Bearer).
func ZendeskOAuth(accessToken string) ZendeskAuth {
	return ZendeskAuth{oauth: strings.TrimSpace(accessToken)}
}

func (a ZendeskAuth) header() string {
	if a.oauth != "" {
		return "Bearer " + a.oauth
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.email+"/token:"+a.token))
}

var subdomainRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// NewZendesk returns a connector for the Zendesk account at
// https://{subdomain}.zendesk.com ("acme" or "acme.zendesk.com").
// WithBaseURL replaces that origin, and then subdomain may be empty.
func NewZendesk(subdomain string, auth ZendeskAuth, opts ...ConnectorOption) (*Zendesk, error) {
	o := buildOptions(opts)
	sub := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(subdomain)), ".zendesk.com")
	sub = strings.TrimPrefix(sub, "https://")
	base := o.baseURL
	if base == "" {
		if !subdomainRE.MatchString(sub) {
			return nil, fmt.Errorf("zendesk: subdomain %q is not valid: set connectors.zendesk.subdomain to the first part of your Zendesk address (acme for acme.zendesk.com), or base_url", subdomain)
		}
		base = "https://" + sub + ".zendesk.com"
	}
	if auth.oauth == "" && (auth.email == "" || auth.token == "") {
		return nil, fmt.Errorf("zendesk: no credentials: set connectors.zendesk.email and token (an agent's e-mail and an API token), or oauth_token")
	}
	if o.onBehalf && auth.oauth == "" {
		return nil, fmt.Errorf("zendesk: requester updates need an OAuth token with the impersonate scope (connectors.zendesk.oauth_token); an API token cannot act on behalf of the customer")
	}
	for field := range o.fields {
		if _, err := strconv.ParseInt(field, 10, 64); err != nil {
			return nil, fmt.Errorf("zendesk: custom field %q: Zendesk custom fields are numeric ids (Admin Center › Objects and rules › Tickets › Fields)", field)
		}
	}
	if o.convField != "" {
		if _, err := strconv.ParseInt(o.convField, 10, 64); err != nil {
			return nil, fmt.Errorf("zendesk: conversation field %q is not a numeric field id", o.convField)
		}
	}
	z := &Zendesk{base: base, auth: auth, o: o, requesters: map[string]int64{}, merges: map[string]string{}}
	z.s = &sender{connector: "zendesk", opts: o, hints: ClientHints{
		Auth:     "check connectors.zendesk.email and token (or oauth_token), and that token access is enabled in Admin Center › Apps and integrations › Zendesk API",
		NotFound: "check connectors.zendesk.subdomain (or base_url), and that the ticket was not deleted",
		Invalid:  "check the group ids (WithGroups), the custom field ids and values (WithCustomFields) and the customer's e-mail and phone",
	}}
	return z, nil
}

// zendeskUser is the body of POST /api/v2/users/create_or_update.
type zendeskUser struct {
	User struct {
		Name       string `json:"name"`
		ExternalID string `json:"external_id,omitempty"`
		Phone      string `json:"phone,omitempty"`
		Email      string `json:"email,omitempty"`
	} `json:"user"`
}

// zendeskTicket is the body of POST /api/v2/tickets.
type zendeskTicket struct {
	Ticket struct {
		Subject      string               `json:"subject"`
		Comment      zendeskComment       `json:"comment"`
		RequesterID  int64                `json:"requester_id"`
		Priority     string               `json:"priority"`
		Tags         []string             `json:"tags,omitempty"`
		GroupID      int64                `json:"group_id,omitempty"`
		AssigneeID   int64                `json:"assignee_id,omitempty"`
		AssigneeMail string               `json:"assignee_email,omitempty"`
		ExternalID   string               `json:"external_id,omitempty"`
		CustomFields []zendeskCustomField `json:"custom_fields,omitempty"`
	} `json:"ticket"`
}

type zendeskComment struct {
	Body     string   `json:"body,omitempty"`
	HTMLBody string   `json:"html_body,omitempty"`
	Public   bool     `json:"public"`
	AuthorID int64    `json:"author_id,omitempty"`
	Uploads  []string `json:"uploads,omitempty"`
}

type zendeskCustomField struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

// Open creates or updates the requester by external id, then creates the
// ticket with the handoff id as Idempotency-Key.
func (z *Zendesk) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	if h == nil {
		return flows.TicketRef{}, &Error{Connector: "zendesk", Op: "open", Err: fmt.Errorf("no handoff")}
	}
	// A retry after the Idempotency-Key may have expired would open a
	// second ticket: look for the first one before creating.
	a, ok := AttemptFrom(ctx)
	lookup := ok && a.Retry() && !h.CreatedAt.IsZero() && z.o.now().Sub(h.CreatedAt) >= zendeskLookupAfter
	if lookup {
		ref, found, err := z.lookupOpened(ctx, h, z.base+"/api/v2/tickets?"+url.Values{"external_id": {h.ConversationID}}.Encode())
		if err != nil {
			return flows.TicketRef{}, err
		}
		if found {
			return ref, nil
		}
	}
	uc, err := z.userCall(h, true)
	if err != nil {
		return flows.TicketRef{}, err
	}
	res, err := z.s.send(ctx, uc)
	if emailRefused(err) && h.Contact.ID != "" && h.Contact.Email != "" {
		// The e-mail the customer gave belongs to another Zendesk user
		// (Zendesk: 422 "Email: … is already being used by another user")
		// or is not one Zendesk takes: the requester is the contact's own
		// user, found by external_id, without it. The e-mail stays in the
		// ticket's customer details.
		if uc, err = z.userCall(h, false); err != nil {
			return flows.TicketRef{}, err
		}
		res, err = z.s.send(ctx, uc)
	}
	if err != nil {
		return flows.TicketRef{}, err
	}
	var u struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(res.body, &u); err != nil || u.User.ID == 0 {
		return flows.TicketRef{}, decodeError("zendesk", uc.op, fmt.Errorf("no user id in %q", clip(string(res.body), 100)))
	}
	if lookup {
		// The ticket's external_id lists more conversations when it
		// served another's after a merge (linkTarget), and the list by
		// external_id then misses it: its requester's newest tickets
		// have it.
		ref, found, err := z.lookupOpened(ctx, h, z.base+"/api/v2/users/"+strconv.FormatInt(u.User.ID, 10)+
			"/tickets/requested?sort_by=created_at&sort_order=desc&per_page=100")
		if err != nil {
			return flows.TicketRef{}, err
		}
		if found {
			return ref, nil
		}
	}
	tc, err := z.ticketCall(h, u.User.ID)
	if err != nil {
		return flows.TicketRef{}, err
	}
	res, err = z.s.send(ctx, tc)
	if err != nil {
		return flows.TicketRef{}, err
	}
	var t struct {
		Ticket struct {
			ID int64 `json:"id"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal(res.body, &t); err != nil || t.Ticket.ID == 0 {
		return flows.TicketRef{}, decodeError("zendesk", tc.op, fmt.Errorf("no ticket id in %q", clip(string(res.body), 100)))
	}
	id := strconv.FormatInt(t.Ticket.ID, 10)
	z.mu.Lock()
	remember(z.requesters, id, u.User.ID)
	z.mu.Unlock()
	z.memos.put(id, h)
	return flows.TicketRef{Connector: "zendesk", ID: id, URL: z.base + "/agent/tickets/" + id}, nil
}

// emailRefused reports whether Zendesk refused a requester's upsert for
// its e-mail: a 422 whose details name the email field.
func emailRefused(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity && strings.Contains(e.Message, "email: ")
}

// userCall upserts h's requester, with the contact's e-mail unless email
// is false.
func (z *Zendesk) userCall(h *flows.Handoff, email bool) (call, error) {
	var body zendeskUser
	c := h.Contact
	body.User.Name = requesterName(c)
	body.User.ExternalID = c.ID
	body.User.Phone = e164(c.Phone)
	if email {
		body.User.Email = c.Email
	}
	if body.User.ExternalID == "" && body.User.Email == "" && body.User.Phone == "" {
		return call{}, &Error{Connector: "zendesk", Op: "open.user",
			Err: fmt.Errorf("handoff %s: the contact has no id, e-mail or phone to find the requester by", h.ID)}
	}
	b, err := marshalJSON(body)
	if err != nil {
		return call{}, &Error{Connector: "zendesk", Op: "open.user", Err: err}
	}
	return call{op: "open.user", method: http.MethodPost, url: z.base + "/api/v2/users/create_or_update",
		header: z.header(), body: b, canned: `{"user":{"id":1001}}`}, nil
}

func (z *Zendesk) ticketCall(h *flows.Handoff, requesterID int64) (call, error) {
	html, err := renderHTML(h, z.o.render)
	if err != nil {
		return call{}, &Error{Connector: "zendesk", Op: "open", Err: err}
	}
	var body zendeskTicket
	t := &body.Ticket
	t.Subject = subject(h, z.o.render.mask)
	// The transcript is an internal note: it is for agents, and a public
	// first comment would be e-mailed to the customer.
	t.Comment = zendeskComment{HTMLBody: html, Public: false}
	t.RequesterID = requesterID
	t.Priority = string(priorityOf(h)) // Zendesk's scale is Baton's: low, normal, high, urgent
	t.Tags = ticketTags(h, z.o.tags, handoffTag(h.ID))
	t.ExternalID = h.ConversationID
	if g, ok := groupID(h.Team, z.o.groups); ok {
		t.GroupID = g
	}
	// The agent routing chose: by id when the config maps one, else by
	// e-mail (Zendesk's write-only assignee_email), else the group decides.
	if id, ok := z.o.assigneeID(h.Assignee); ok {
		t.AssigneeID = id
	} else if isEmail(h.Assignee) {
		t.AssigneeMail = h.Assignee
	}
	vals := fieldValues(h, z.o)
	for _, f := range slices.Sorted(maps.Keys(vals)) {
		id, _ := strconv.ParseInt(f, 10, 64)
		t.CustomFields = append(t.CustomFields, zendeskCustomField{ID: id, Value: vals[f]})
	}
	b, err := marshalJSON(body)
	if err != nil {
		return call{}, &Error{Connector: "zendesk", Op: "open", Err: err}
	}
	hd := z.header()
	hd.Set("Idempotency-Key", h.ID)
	return call{op: "open", method: http.MethodPost, url: z.base + "/api/v2/tickets",
		header: hd, body: b, canned: `{"ticket":{"id":2002,"status":"new"}}`}, nil
}

func (z *Zendesk) header() http.Header {
	h := http.Header{}
	h.Set("Authorization", z.auth.header())
	return h
}

// checkTicketID refuses ids that are not numbers: they would change the
// request path and no Zendesk or Freshdesk ticket has one.
func checkTicketID(connector, op, id string) error {
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return &Error{Connector: connector, Op: op,
			Err: fmt.Errorf("ticket id %q is not a %s ticket number", id, connector)}
	}
	return nil
}

// requesterName is the name a new helpdesk contact gets; Zendesk and
// Freshdesk require one.
func requesterName(c flows.Contact) string {
	if n := strings.TrimSpace(c.Name); n != "" {
		return n
	}
	if c.Phone != "" {
		return "Customer " + e164(c.Phone)
	}
	if c.Email != "" {
		return c.Email
	}
	return "Customer " + c.ID
}

// e164 adds the + that WhatsApp ids lack ("393331234567").
func e164(phone string) string {
	p := strings.TrimSpace(phone)
	if p == "" || strings.HasPrefix(p, "+") {
		return p
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return p
		}
	}
	return "+" + p
}

// ticketTags are the tags every ticket gets: "baton", the channel, the
// handoff's and the connector's, plus extra; normalized to what helpdesks
// accept (lowercase, no spaces), without duplicates.
func ticketTags(h *flows.Handoff, more []string, extra ...string) []string {
	all := append([]string{"baton", h.Channel}, h.Tags...)
	all = append(all, more...)
	all = append(all, extra...)
	var out []string
	for _, t := range all {
		t = strings.ToLower(strings.Join(strings.Fields(t), "_"))
		if t != "" && !containsString(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// groupID resolves a team to a numeric group id.
// isEmail reports whether s looks like an e-mail address (one @, with
// something on both sides and a dot in the domain).
func isEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(domain, "@ ") && !strings.Contains(local, " ")
}

func groupID(team string, groups map[string]string) (int64, bool) {
	if team == "" {
		return 0, false
	}
	s := team
	if g, ok := groups[team]; ok {
		s = g
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// fieldValues resolves the custom fields to fill from the variables, plus
// the conversation field.
func fieldValues(h *flows.Handoff, o *connOptions) map[string]any {
	out := map[string]any{}
	for field, name := range o.fields {
		v, ok := h.Vars[name]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			if strings.TrimSpace(x) == "" {
				continue
			}
			if o.render.mask && o.maskedFields[field] {
				x = flows.MaskPII(x)
			}
			out[field] = x
		case bool, float64, int, int64:
			out[field] = x
		default:
			if s, ok := formatValue(x); ok {
				if o.render.mask && o.maskedFields[field] {
					s = flows.MaskPII(s)
				}
				out[field] = s
			}
		}
	}
	if o.convField != "" && h.ConversationID != "" {
		out[o.convField] = h.ConversationID
	}
	return out
}

// marshalJSON encodes v without escaping <, > and & (the HTML bodies stay
// readable in recordings; the JSON is the same to a decoder).
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
