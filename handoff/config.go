package handoff

import (
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/batonbot/baton/flows"
)

// Config is a deployment's configuration (baton.yaml): the helpdesk
// connectors, the teams, how handoffs are routed and prioritised, the SLA
// promised to customers, urgent-handoff notifications, the NLU analyser and
// PII masking. It is plain data: package config decodes it from YAML
// (secrets expanded, expressions compiled against RouteEnv, calendars
// built, defaults applied), and tests may build one directly.
type Config struct {
	// Source is the file the config was read from.
	Source string
	// Link is the conversation URL template for tickets; {id} is replaced
	// by the conversation id.
	Link string
	// Masking replaces e-mails, phones and order codes in tickets.
	Masking    bool
	NLU        ConfigNLU
	Connectors ConfigConnectors
	// Teams by name; TeamOrder keeps the order they were written in.
	Teams     map[string]*ConfigTeam
	TeamOrder []string
	Routing   ConfigRouting
	Priority  ConfigPriority
	// SLA is the expected first response per priority (absent: no promise).
	SLA    map[flows.Priority]time.Duration
	Notify ConfigNotify
	// Messages overrides the customer-facing texts (see DefaultMessages):
	// message key → language → text with {team}, {sla}, {opens}, {email}.
	Messages map[string]map[string]string
	// Delivery tunes how handoffs reach the helpdesks (delivery:).
	Delivery ConfigDelivery
}

// ConfigDelivery tunes handoff delivery; unset fields keep the defaults.
type ConfigDelivery struct {
	// AppendWindow is how long a customer message waits for the next ones
	// to share a ticket update (nil: DefaultAppendWindow; 0: none).
	AppendWindow *time.Duration
	// AppendsPerMinute caps the ticket updates with customer messages per
	// conversation and minute (nil: DefaultAppendsPerMinute; 0: no cap).
	AppendsPerMinute *int
	// CallTimeout bounds each HTTP call to a helpdesk (0: the default).
	CallTimeout time.Duration
	// MaxAttachment caps a customer's file attached to a ticket, in bytes
	// (0: DefaultMaxAttachment).
	MaxAttachment int64
	// Workers is how many deliveries run at once in a process (0:
	// DefaultWorkers).
	Workers int
}

// DeliverOptions are the Deliverer options the delivery section sets.
func (c *Config) DeliverOptions() []DeliverOption {
	if c == nil {
		return nil
	}
	var out []DeliverOption
	if w := c.Delivery.AppendWindow; w != nil {
		out = append(out, DeliverAppendWindow(*w))
	}
	if n := c.Delivery.AppendsPerMinute; n != nil {
		out = append(out, DeliverAppendsPerMinute(*n))
	}
	if c.Delivery.Workers > 0 {
		out = append(out, DeliverWorkers(c.Delivery.Workers))
	}
	return out
}

// TeamLocations returns each team's time zone, from its hours.
func (c *Config) TeamLocations() map[string]*time.Location {
	out := map[string]*time.Location{}
	for name, t := range c.Teams {
		if t != nil && t.Hours != nil && t.Hours.Location != nil {
			out[name] = t.Hours.Location
		}
	}
	return out
}

// ConfigNLU selects the analyser.
type ConfigNLU struct {
	// Analyser is builtin (default), llm or hybrid (builtin first, the LLM
	// when unsure).
	Analyser string
	LLM      ConfigLLM
}

// ConfigLLM is an OpenAI-compatible endpoint.
type ConfigLLM struct {
	BaseURL string
	Model   string
	APIKey  string
	Timeout time.Duration
	// MaxTokens bounds each answer (0: the adapter's default).
	MaxTokens int
	// ReasoningEffort is the reasoning_effort sent to OpenAI's reasoning
	// models ("": the adapter's default, low).
	ReasoningEffort string
	// CallsPerConversationHour bounds each conversation's analyses by the
	// model (0: the host's default); past it the built-in analyser answers.
	CallsPerConversationHour int
}

// ConfigConnectors holds the configured helpdesks; nil means absent.
type ConfigConnectors struct {
	// Default names the connector handoffs go to unless a team or rule
	// says otherwise; with a single connector it is that one.
	Default   string
	Zendesk   *ConfigZendesk
	Freshdesk *ConfigFreshdesk
	Webhook   *ConfigWebhook
	// Custom names the connectors a program of its own provides beside
	// the built-in ones (config.WithConnectors): baton.yaml routes to them
	// by name, and the program builds them (host.ServerOptions.Connectors
	// or NewConnectors).
	Custom []string
}

// Names returns the configured connectors' names: the built-in ones,
// then the custom ones.
func (c ConfigConnectors) Names() []string {
	return append(c.builtin(), c.Custom...)
}

// builtin returns the names of the built-in connectors configured.
func (c ConfigConnectors) builtin() []string {
	var out []string
	if c.Zendesk != nil {
		out = append(out, "zendesk")
	}
	if c.Freshdesk != nil {
		out = append(out, "freshdesk")
	}
	if c.Webhook != nil {
		out = append(out, "webhook")
	}
	return out
}

// Groups returns the team → group id map of the connector name.
func (c ConfigConnectors) Groups(name string) map[string]string {
	switch name {
	case "zendesk":
		if c.Zendesk != nil {
			return c.Zendesk.Groups
		}
	case "freshdesk":
		if c.Freshdesk != nil {
			return c.Freshdesk.Groups
		}
	}
	return nil
}

// ConfigZendesk configures the Zendesk connector.
type ConfigZendesk struct {
	// Subdomain is "acme" for acme.zendesk.com; BaseURL replaces it
	// (tests, proxies).
	Subdomain string
	BaseURL   string
	Email     string
	Token     string
	// OAuthToken authenticates instead of Email and Token; with the
	// impersonate scope, RequesterUpdates makes the customer's later
	// messages the requester's own updates (WithRequesterUpdates).
	OAuthToken       string
	RequesterUpdates bool
	// MaskedFields are the Fields masked when masking is on.
	MaskedFields []string
	// Groups maps a team to its Zendesk group id.
	Groups map[string]string
	// Fields maps a custom field id to the flow variable that fills it.
	Fields map[string]string
	// ConversationField is the custom field id that carries the
	// conversation id.
	ConversationField string
	Tags              []string
}

// ConfigFreshdesk configures the Freshdesk connector.
type ConfigFreshdesk struct {
	// Domain is "acme.freshdesk.com"; BaseURL replaces it.
	Domain  string
	BaseURL string
	APIKey  string
	// Groups maps a team to its Freshdesk group id.
	Groups map[string]string
	// Fields maps a custom field (cf_...) to the flow variable that fills
	// it.
	Fields            map[string]string
	ConversationField string
	Tags              []string
	// MaskedFields are the Fields masked when masking is on.
	MaskedFields []string
	// SearchWindow is how long an open searches for the ticket of an
	// uncertain create before creating again (0: DefaultSearchWindow).
	SearchWindow time.Duration
	// UniqueExternalID names requesters by unique_external_id.
	UniqueExternalID bool
}

// ConfigWebhook configures the generic webhook connector.
type ConfigWebhook struct {
	URL string
	// Secret signs each request body (HMAC-SHA256).
	Secret string
	// MediaURL is where Baton serves the customer's files (the public URL
	// of the host's media endpoint): handoff.append events link them
	// there, signed, for MediaLinkTTL (0: DefaultMediaLinkTTL).
	MediaURL     string
	MediaLinkTTL time.Duration
}

// MediaLinks returns the webhook's media links, nil when the config has no
// webhook media_url.
func (c *Config) MediaLinks() (*MediaLinks, error) {
	if c == nil || c.Connectors.Webhook == nil || c.Connectors.Webhook.MediaURL == "" {
		return nil, nil
	}
	w := c.Connectors.Webhook
	return NewMediaLinks(w.MediaURL, w.Secret, w.MediaLinkTTL)
}

// ConfigTeam is a team of agents.
type ConfigTeam struct {
	Pos  flows.Pos
	Name string
	// Display is the name customers see ("Billing"); Name when empty.
	Display string
	// Connector overrides the default connector for this team.
	Connector string
	// Hours is the team's calendar; nil means always open.
	Hours *flows.BusinessHours
	// OutOfHours is tell, ticket or email; empty means the routing
	// default.
	OutOfHours string
	// Email is the address offered when OutOfHours is email.
	Email string
	// Strategy assigns agents: round-robin, least-loaded or skills.
	Strategy string
	Agents   []ConfigAgent
	// SLA overrides the global SLA per priority.
	SLA map[flows.Priority]time.Duration
}

// DisplayName is the name customers see.
func (t *ConfigTeam) DisplayName() string {
	if t.Display != "" {
		return t.Display
	}
	return t.Name
}

// ConfigAgent is an agent of a team.
type ConfigAgent struct {
	// ID is the helpdesk's agent id or e-mail.
	ID        string
	Name      string
	Skills    []string
	Languages []string
	// ZendeskID and FreshdeskID are the agent's numeric ids in those
	// helpdesks (zendesk_id, freshdesk_id), when the config gives them:
	// tickets are assigned by them (see Config.Assignees).
	ZendeskID   string
	FreshdeskID string
}

// Assignees returns the agent id → helpdesk agent id map of connector name
// (zendesk or freshdesk), over every team's agents, for WithAssignees;
// agents without an id there are left out.
func (c *Config) Assignees(name string) map[string]string {
	out := map[string]string{}
	for _, team := range c.TeamOrder {
		t := c.Teams[team]
		if t == nil {
			continue
		}
		for _, a := range t.Agents {
			id := a.ZendeskID
			if name == "freshdesk" {
				id = a.FreshdeskID
			} else if name != "zendesk" {
				id = ""
			}
			if id != "" {
				out[a.ID] = id
			}
		}
	}
	return out
}

// Out-of-hours actions.
const (
	OutOfHoursTell   = "tell"   // tell the customer when the team opens; no ticket
	OutOfHoursTicket = "ticket" // open the ticket anyway, tagged after-hours
	OutOfHoursEmail  = "email"  // offer to continue by e-mail
)

// Assignment strategies.
const (
	StrategyRoundRobin  = "round-robin"
	StrategyLeastLoaded = "least-loaded"
	StrategySkills      = "skills"
)

// ConfigRouting chooses a team for each handoff.
type ConfigRouting struct {
	// DefaultTeam receives handoffs no rule matched.
	DefaultTeam string
	// Override makes the config's team, priority and tags win over what
	// the flow set.
	Override bool
	// OutOfHours is the default out-of-hours action (ticket when empty).
	OutOfHours string
	// IntentSkills lists the skills an intent requires.
	IntentSkills map[string][]string
	// Rules are tried in order; the first that matches decides.
	Rules []*ConfigRule
}

// ConfigRule routes the handoffs it matches.
type ConfigRule struct {
	Pos   flows.Pos
	Name  string
	Match ConfigMatch
	// Team, Connector and Priority are set when the rule says so.
	Team      string
	Connector string
	Priority  flows.Priority
	Skills    []string
	Tags      []string
}

// ConfigMatch is a rule's conditions: every condition given must hold; a
// list holds when any of its values does.
type ConfigMatch struct {
	Intents   []string
	Languages []string
	// Keywords match words or phrases in the customer's messages, folded
	// (case and accents ignored).
	Keywords  []string
	Reasons   []string
	Channels  []string
	Plans     []string
	Countries []string
	VIP       *bool
	// Vars match flow variables by their text form.
	Vars map[string][]string
	// When is an expression over the routing environment (see
	// RouteEnvNames); nil when absent.
	When       *vm.Program
	WhenSource string
}

// ConfigPriority scores a handoff; the score maps to a priority through
// the thresholds: at least Urgent is urgent, at least High is high, at
// least Normal is normal, below is low.
type ConfigPriority struct {
	Source     string
	Score      *vm.Program
	Thresholds map[flows.Priority]float64
}

// ConfigNotify posts urgent handoffs to a chat channel.
type ConfigNotify struct {
	// Slack and Teams are incoming-webhook URLs (either or both).
	Slack string
	Teams string
	// TeamsFormat is adaptive (default) or messagecard.
	TeamsFormat string
	// MinPriority is the lowest priority notified (default urgent).
	MinPriority flows.Priority
}

// RouteEnv returns the names routing expressions (a rule's when, the
// priority score) can read, with a value of their type; compile them with
// expr.Env(RouteEnv()):
//
//	vars        map: the flow's variables
//	signals     map: intent, confidence, sentiment, frustrated, frustration, wants_human, language
//	intent, confidence, sentiment, frustrated, frustration, wants_human: the same, at top level
//	language    string: the conversation's language
//	no_match    int: consecutive misunderstood messages when the bot gave up
//	vip         bool: the customer's metadata says vip
//	plan        string: the customer's plan (metadata)
//	country     string: ISO country from metadata or the phone's calling code
//	customer    map: all the customer's metadata
//	reason, channel, team: strings; tags: list of strings
//	messages    int: how many messages the customer wrote (since the bot last took the conversation back)
//	in_hours    bool: the team's calendar is open (the flow's, in a rule)
func RouteEnv() map[string]any {
	return map[string]any{
		"vars":        map[string]any{},
		"signals":     map[string]any{},
		"intent":      "",
		"confidence":  0.0,
		"sentiment":   0.0,
		"frustrated":  false,
		"frustration": 0.0,
		"wants_human": false,
		"language":    "",
		"no_match":    0,
		"vip":         false,
		"plan":        "",
		"country":     "",
		"customer":    map[string]string{},
		"reason":      "",
		"channel":     "",
		"team":        "",
		"tags":        []string{},
		"messages":    0,
		"in_hours":    false,
	}
}

// DefaultThresholds maps scores to priorities: ≥ 80 urgent, ≥ 50 high,
// ≥ 20 normal, else low.
func DefaultThresholds() map[flows.Priority]float64 {
	return map[flows.Priority]float64{flows.PriorityUrgent: 80, flows.PriorityHigh: 50, flows.PriorityNormal: 20}
}
