package handoff

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ConnectorOption configures a connector (NewZendesk, NewFreshdesk,
// NewWebhook). Options a connector has no use for are ignored.
type ConnectorOption func(*connOptions)

type connOptions struct {
	client *http.Client
	clock  Clock
	// callTimeout bounds each HTTP call (WithCallTimeout).
	callTimeout time.Duration
	baseURL     string
	recorder    *Recorder
	render      renderOptions
	// groups maps a handoff's Team to the helpdesk's group id.
	groups map[string]string
	// fields maps a helpdesk custom field (Zendesk: numeric id; Freshdesk:
	// cf_ name) to the Baton variable whose value fills it.
	fields map[string]string
	tags   []string
	// convField is the custom field that carries the conversation id.
	convField string
	// assignees maps a handoff's Assignee to the helpdesk's agent id.
	assignees map[string]string
	// onBehalf makes Zendesk appends the requester's own updates.
	onBehalf bool
	// searchWindow is how long Freshdesk's open searches after an
	// uncertain create; uniqueExternalID names requesters by contact id.
	searchWindow     time.Duration
	uniqueExternalID bool
	// maskedFields are the custom fields whose value is masked.
	maskedFields map[string]bool
	// media finds the fetcher of a conversation's customer media;
	// maxMedia caps a file; links sign the webhook's media links.
	media    MediaFetchers
	maxMedia int64
	links    *MediaLinks
}

func buildOptions(opts []ConnectorOption) *connOptions {
	o := &connOptions{
		client:       &http.Client{},
		clock:        realClock{},
		callTimeout:  DefaultCallTimeout,
		searchWindow: DefaultSearchWindow,
		maxMedia:     DefaultMaxAttachment,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	if o.render.location == nil {
		o.render.location = time.UTC
	}
	// The variables the flow maps into fields are shown as they are on
	// the ticket: masking is for free text.
	o.render.clear = map[string]bool{}
	for field, name := range o.fields {
		if !o.maskedFields[field] {
			o.render.clear[name] = true
		}
	}
	return o
}

func (o *connOptions) now() time.Time { return o.clock.Now() }

// DefaultCallTimeout bounds each HTTP call a connector makes.
const DefaultCallTimeout = 30 * time.Second

// WithHTTPClient sets the client connectors send with (default: an
// http.Client; each call's deadline is WithCallTimeout's). Give one with a
// proxy or mTLS.
func WithHTTPClient(c *http.Client) ConnectorOption {
	return func(o *connOptions) {
		if c != nil {
			o.client = c
		}
	}
}

// WithCallTimeout bounds each HTTP call (default 30s): an open's user
// upsert and its ticket create get one deadline each, so a slow first call
// does not leave the second without time after its write took effect.
func WithCallTimeout(d time.Duration) ConnectorOption {
	return func(o *connOptions) {
		if d > 0 {
			o.callTimeout = d
		}
	}
}

// WithClock sets the clock used for webhook timestamps, Retry-After dates
// and the ticket's age (default time.Now); call deadlines stay on real
// timers (see WithTimeSource).
func WithClock(now func() time.Time) ConnectorOption {
	return func(o *connOptions) {
		if now != nil {
			o.clock = nowClock{now}
		}
	}
}

// WithTimeSource sets the clock, its timers included: each call's deadline
// runs on it. Tests pass a fake clock.
func WithTimeSource(c Clock) ConnectorOption {
	return func(o *connOptions) {
		if c != nil {
			o.clock = c
		}
	}
}

// WithBaseURL points the connector at another origin than the helpdesk's
// (a proxy, a test server), e.g. "http://127.0.0.1:8080". The API paths
// are appended to it.
func WithBaseURL(u string) ConnectorOption {
	return func(o *connOptions) { o.baseURL = strings.TrimRight(u, "/") }
}

// DryRun makes the connector record its requests in rec instead of sending
// them; see Recorder.
func DryRun(rec *Recorder) ConnectorOption {
	return func(o *connOptions) { o.recorder = rec }
}

// WithMasking replaces e-mail addresses, phone numbers and order codes in
// the free text (the transcript, the summary, the signals, the variables
// the flow does not map into a field) with [email], [phone] and [order]
// (flows.MaskPII) before they leave the process. The values the flow
// collected and maps into custom fields (WithCustomFields) are sent as
// they are, in the field and in the ticket's variables, so the agent need
// not ask again; WithMaskedFields masks chosen fields too. The requester's
// own phone and e-mail are still sent: the helpdesk needs them to know who
// the customer is.
func WithMasking(on bool) ConnectorOption {
	return func(o *connOptions) { o.render.mask = on }
}

// WithConversationURL sets the link back to the conversation shown on the
// ticket: a URL in which {conversation_id} and {handoff_id} are replaced
// by the (path-escaped) ids, e.g.
// "https://baton.example.com/conversations/{conversation_id}".
func WithConversationURL(template string) ConnectorOption {
	return func(o *connOptions) { o.render.linkTemplate = template }
}

// WithMaskedFields masks the values of these custom fields (their ids or
// cf_ names, as in WithCustomFields) when masking is on; other mapped
// fields are sent as the flow collected them.
func WithMaskedFields(fields ...string) ConnectorOption {
	return func(o *connOptions) {
		if o.maskedFields == nil {
			o.maskedFields = map[string]bool{}
		}
		for _, f := range fields {
			o.maskedFields[f] = true
		}
	}
}

// WithTeamLocations gives each team's time zone (its business hours'): a
// ticket routed to a team shows its times in the team's zone; others in
// WithLocation's.
func WithTeamLocations(locs map[string]*time.Location) ConnectorOption {
	return func(o *connOptions) { o.render.teams = locs }
}

// WithLocation sets the time zone of the transcript's timestamps
// (default UTC).
func WithLocation(loc *time.Location) ConnectorOption {
	return func(o *connOptions) {
		if loc != nil {
			o.render.location = loc
		}
	}
}

// WithGroups maps handoff teams to helpdesk group ids: a handoff with
// Team "billing" goes to groups["billing"]. A team that is not in the map
// but is a number is used as the group id itself; any other leaves the
// ticket unassigned (the helpdesk's own routing applies).
func WithGroups(groups map[string]string) ConnectorOption {
	return func(o *connOptions) { o.groups = groups }
}

// WithAssignees maps the agents routing assigns (flows.Handoff.Assignee,
// the ids the deployment config lists) to the helpdesk's numeric agent
// ids: Zendesk's assignee_id, Freshdesk's responder_id. An assignee that is
// not in the map (or not a number there) is sent as Zendesk's
// assignee_email when it is an e-mail address, and left out for Freshdesk:
// the ticket then waits in its group for the helpdesk's own assignment.
func WithAssignees(ids map[string]string) ConnectorOption {
	return func(o *connOptions) { o.assignees = ids }
}

// assigneeID is the helpdesk's numeric id of agent, if the map knows it.
func (o *connOptions) assigneeID(agent string) (int64, bool) {
	if agent == "" {
		return 0, false
	}
	s, ok := o.assignees[agent]
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// WithCustomFields fills helpdesk custom fields from Baton variables:
// field → variable name. Zendesk fields are numeric ids ("360001234567");
// Freshdesk fields are their API names ("cf_order_number"). A variable
// that is unset or empty leaves its field out.
func WithCustomFields(fields map[string]string) ConnectorOption {
	return func(o *connOptions) { o.fields = fields }
}

// WithTags adds tags to every ticket, besides the handoff's own, "baton"
// and the channel.
func WithTags(tags ...string) ConnectorOption {
	return func(o *connOptions) { o.tags = append(o.tags, tags...) }
}

// WithConversationField stores the conversation id in a custom field of
// the ticket (Zendesk: a numeric field id; Freshdesk: a "cf_" name) so
// the helpdesk's webhook can send it back. Zendesk also keeps it in the
// ticket's external_id, which needs no setup.
func WithConversationField(field string) ConnectorOption {
	return func(o *connOptions) { o.convField = field }
}

// WithRequesterUpdates makes the customer's later messages the requester's
// own updates in Zendesk: the connector's OAuth token must have the
// "impersonate" scope, and appends go through the Requests API with
// X-On-Behalf-Of, so Zendesk treats them as the customer's (reopening,
// triggers, SLAs). Without it they are public comments with the requester
// as author, made by the API user. Other connectors ignore it.
func WithRequesterUpdates(on bool) ConnectorOption {
	return func(o *connOptions) { o.onBehalf = on }
}

// WithSearchWindow sets how long a Freshdesk open keeps searching for the
// ticket of a create whose outcome is unknown before creating again
// (default 2 minutes): it must cover the lag of the account's search
// index. Other connectors ignore it.
func WithSearchWindow(d time.Duration) ConnectorOption {
	return func(o *connOptions) {
		if d > 0 {
			o.searchWindow = d
		}
	}
}

// WithUniqueExternalID names Freshdesk requesters by unique_external_id
// (the channel's contact id, e.g. the WhatsApp number) instead of e-mail
// or phone, for accounts that have the field. Open then finds an earlier
// attempt's ticket by listing the requester's tickets, which Freshdesk
// answers from its database, without the search index's lag. Other
// connectors ignore it.
func WithUniqueExternalID(on bool) ConnectorOption {
	return func(o *connOptions) { o.uniqueExternalID = on }
}
