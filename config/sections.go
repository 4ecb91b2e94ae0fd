package config

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/nlu/llm"
)

func (d *decoder) nlu(n *yaml.Node) handoff.ConfigNLU {
	var c handoff.ConfigNLU
	for _, f := range d.mapping(n, "nlu", nluKeys...) {
		switch f.key.Value {
		case "analyser", "analyzer":
			c.Analyser = d.str(f.val, "nlu.analyser")
			d.oneOf(f.val, c.Analyser, "nlu.analyser", "builtin", "llm", "hybrid")
		case "llm":
			for _, g := range d.mapping(f.val, "nlu.llm", llmKeys...) {
				switch g.key.Value {
				case "base_url":
					c.LLM.BaseURL = d.url(g.val, "nlu.llm.base_url")
					d.llmBaseURL(g.val, c.LLM.BaseURL)
				case "model":
					c.LLM.Model = d.str(g.val, "nlu.llm.model")
				case "api_key":
					c.LLM.APIKey = d.str(g.val, "nlu.llm.api_key")
				case "timeout":
					c.LLM.Timeout = d.duration(g.val, "nlu.llm.timeout")
					d.llmTimeout = g.val // checked against server.lease by llmTimeoutFits
				case "max_tokens":
					c.LLM.MaxTokens = d.count(g.val, "nlu.llm.max_tokens", minLLMTokens, maxLLMTokens)
				case "calls_per_conversation_hour":
					c.LLM.CallsPerConversationHour = d.count(g.val, "nlu.llm.calls_per_conversation_hour", 1, maxLLMConversationCalls)
				case "reasoning_effort":
					c.LLM.ReasoningEffort = d.str(g.val, "nlu.llm.reasoning_effort")
					d.oneOf(g.val, c.LLM.ReasoningEffort, "nlu.llm.reasoning_effort", llm.ReasoningEfforts...)
				}
			}
		}
	}
	if (c.Analyser == "llm" || c.Analyser == "hybrid") && (c.LLM.BaseURL == "" || c.LLM.Model == "") {
		d.errorf(n, "nlu.analyser %s needs nlu.llm.base_url and nlu.llm.model", c.Analyser)
	}
	return c
}

// LLMTimeoutLimit is the longest nlu.llm.timeout that a server.lease of
// lease (0: DefaultLease) allows. A message's turn holds its inbox entry
// for the lease and may wait for the model twice within it: the message's
// analysis, then the summary of a handoff it leads to. A turn still
// running when its lease ends is taken over by another process (or this
// one) and run again: the store keeps the first save and refuses the
// other, but the customer waits for both and the model is paid twice.
// turnMargin of the lease is left to load and save the conversation.
func LLMTimeoutLimit(lease time.Duration) time.Duration {
	if lease <= 0 {
		lease = DefaultLease
	}
	return (lease - turnMargin) / 2
}

// turnMargin is the part of a lease a turn keeps for what is not the
// model's: loading and saving the conversation, routing a handoff.
const turnMargin = 5 * time.Second

// llmTimeoutFits checks nlu.llm.timeout, once every section is read,
// against the server.lease its turns hold (see LLMTimeoutLimit).
func (d *decoder) llmTimeoutFits(timeout, lease time.Duration) {
	if d.llmTimeout == nil || lease > 0 && lease < MinLease {
		return // a lease under MinLease is an error already (or a fault test's)
	}
	limit := LLMTimeoutLimit(lease)
	if timeout <= limit {
		return
	}
	with := "server.lease " + shortDuration(lease)
	if lease <= 0 {
		with = "the default server.lease, " + shortDuration(DefaultLease)
	}
	d.errorf(d.llmTimeout, "nlu.llm.timeout is at most %s with %s, not %s: a message's turn may wait for the model twice (its analysis, then a handoff's summary) and must end within the lease, or another process takes the message over and runs the turn again; lower the timeout or raise server.lease",
		shortDuration(limit), with, strings.TrimSpace(d.llmTimeout.Value))
}

// shortDuration is d as written in a config: 1m, not 1m0s.
func shortDuration(d time.Duration) string { return flows.FormatDuration(d) }

// The range of nlu.llm.max_tokens: below it the signals' JSON does not
// fit; above it is past any model's output.
const (
	minLLMTokens = 64
	maxLLMTokens = 1 << 20
	// maxLLMConversationCalls bounds nlu.llm.calls_per_conversation_hour:
	// one a second.
	maxLLMConversationCalls = 3600
)

// llmBaseURL refuses the base URLs the LLM adapter would fail on at
// startup: the endpoint's whole URL, and OpenAI over plain http.
func (d *decoder) llmBaseURL(n *yaml.Node, s string) {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return
	}
	if base, ok := strings.CutSuffix(strings.TrimRight(u.Redacted(), "/"), "/chat/completions"); ok {
		d.errorf(n, "nlu.llm.base_url ends in /chat/completions, which Baton adds: write %q", base)
	} else if u.Scheme == "http" && strings.EqualFold(u.Hostname(), "api.openai.com") {
		d.errorf(n, "nlu.llm.base_url would send the API key unencrypted: OpenAI is served over https, write %q", "https://api.openai.com/v1")
	}
}

// url reads an http(s) URL.
func (d *decoder) url(n *yaml.Node, where string) string {
	s := d.str(n, where)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		d.errorf(n, "%s must be an http(s) URL such as https://example.com/path, not %q", where, cfgRedact(s))
		return s
	}
	return s
}

// cfgRedact hides all but the start of a value that may hold a secret.
func cfgRedact(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

func (d *decoder) connectors(n *yaml.Node) handoff.ConfigConnectors {
	var c handoff.ConfigConnectors
	var defNode *yaml.Node
	for _, f := range d.mapping(n, "connectors", connectorsKeys...) {
		switch f.key.Value {
		case "default":
			defNode = f.val
			c.Default = d.str(f.val, "connectors.default")
		case "zendesk":
			z := &handoff.ConfigZendesk{}
			var behalf *yaml.Node
			for _, g := range d.mapping(f.val, "connectors.zendesk", zendeskKeys...) {
				w := "connectors.zendesk." + g.key.Value
				switch g.key.Value {
				case "subdomain":
					z.Subdomain = d.str(g.val, w)
				case "base_url":
					z.BaseURL = d.url(g.val, w)
				case "email":
					z.Email = d.str(g.val, w)
				case "token":
					z.Token = d.str(g.val, w)
				case "oauth_token":
					z.OAuthToken = d.str(g.val, w)
				case "requester_updates":
					behalf = g.val
					z.RequesterUpdates = d.boolean(g.val, w)
				case "groups":
					z.Groups = d.groups(g.val, w)
				case "fields":
					z.Fields, z.MaskedFields = d.fields(g.val, w)
				case "conversation_field":
					z.ConversationField = d.str(g.val, w)
				case "tags":
					z.Tags = d.list(g.val, w)
				}
			}
			if z.Subdomain == "" && z.BaseURL == "" {
				d.errorf(f.key, "connectors.zendesk needs subdomain (acme for acme.zendesk.com) or base_url")
			}
			if z.OAuthToken == "" && (z.Email == "" || z.Token == "") {
				d.errorf(f.key, "connectors.zendesk needs email and token (an API token: token: ${BATON_ZENDESK_TOKEN}), or oauth_token")
			}
			if z.RequesterUpdates && z.OAuthToken == "" {
				d.errorf(behalf, "connectors.zendesk.requester_updates needs oauth_token: an OAuth token with the impersonate scope, so the customer's messages are the requester's own updates")
			}
			c.Zendesk = z
		case "freshdesk":
			fd := &handoff.ConfigFreshdesk{}
			for _, g := range d.mapping(f.val, "connectors.freshdesk", freshdeskKeys...) {
				w := "connectors.freshdesk." + g.key.Value
				switch g.key.Value {
				case "domain":
					fd.Domain = d.str(g.val, w)
				case "base_url":
					fd.BaseURL = d.url(g.val, w)
				case "api_key":
					fd.APIKey = d.str(g.val, w)
				case "groups":
					fd.Groups = d.groups(g.val, w)
				case "fields":
					fd.Fields, fd.MaskedFields = d.fields(g.val, w)
				case "conversation_field":
					fd.ConversationField = d.str(g.val, w)
				case "tags":
					fd.Tags = d.list(g.val, w)
				case "search_window":
					if fd.SearchWindow = d.duration(g.val, w); fd.SearchWindow > time.Hour {
						d.errorf(g.val, "%s is at most 1h: an open waits that long before it may create a ticket", w)
					}
				case "unique_external_id":
					fd.UniqueExternalID = d.boolean(g.val, w)
				}
			}
			if fd.Domain == "" && fd.BaseURL == "" {
				d.errorf(f.key, "connectors.freshdesk needs domain (acme.freshdesk.com) or base_url")
			}
			if fd.APIKey == "" {
				d.errorf(f.key, "connectors.freshdesk needs api_key (api_key: ${BATON_FRESHDESK_API_KEY})")
			}
			c.Freshdesk = fd
		case "webhook":
			w := &handoff.ConfigWebhook{}
			for _, g := range d.mapping(f.val, "connectors.webhook", webhookKeys...) {
				switch g.key.Value {
				case "url":
					w.URL = d.url(g.val, "connectors.webhook.url")
				case "secret":
					w.Secret = d.str(g.val, "connectors.webhook.secret")
					if w.Secret != "" && !IsPlaceholder(w.Secret) && !webhookSecret(w.Secret) {
						d.errorf(g.val, "connectors.webhook.secret must be a Standard Webhooks secret: whsec_ followed by base64 (e.g. whsec_%s)",
							base64.StdEncoding.EncodeToString([]byte("a random secret 24 bytes")))
					}
				case "media_url":
					w.MediaURL = d.url(g.val, "connectors.webhook.media_url")
					if u, err := url.Parse(w.MediaURL); err == nil && strings.Trim(u.Path, "/") == "" {
						d.errorf(g.val, "connectors.webhook.media_url needs a path, such as https://baton.example.com/media: baton serves the files under it")
					}
				case "media_link_ttl":
					if w.MediaLinkTTL = d.duration(g.val, "connectors.webhook.media_link_ttl"); w.MediaLinkTTL > 7*24*time.Hour {
						d.errorf(g.val, "connectors.webhook.media_link_ttl is at most 7d: the channel keeps media about that long")
					}
				}
			}
			if w.URL == "" {
				d.errorf(f.key, "connectors.webhook needs url")
			}
			c.Webhook = w
		}
	}
	c.Custom = d.customConnectors(n)
	names := c.Names()
	switch {
	case c.Default == "" && len(names) == 1:
		c.Default = names[0]
	case c.Default == "" && len(names) > 1:
		d.errorf(n, "connectors: %s are configured; say which one handoffs go to with default: %s", strings.Join(names, " and "), names[0])
	case c.Default != "" && !cfgContains(names, c.Default):
		d.unknownConnector(cfgResolve(defNode), c.Default, "connectors.default", names)
	}
	return c
}

// customConnectors returns the names given to WithConnectors, reporting
// those a connector of the config's own already has (at n, the
// connectors section, or the file's start).
func (d *decoder) customConnectors(n *yaml.Node) []string {
	var out []string
	for _, name := range d.custom {
		switch {
		case name == "" || slices.Contains(connectorsKeys, name):
			d.errorf(n, "the program names a connector of its own %q, which is a key of connectors:; name it otherwise (config.WithConnectors)", name)
		case slices.Contains(out, name):
			d.errorf(n, "the program names its connector %q twice (config.WithConnectors)", name)
		default:
			out = append(out, name)
		}
	}
	return out
}

// groups reads team → group id, recording the teams for crossCheck.
func (d *decoder) groups(n *yaml.Node, where string) map[string]string {
	out := map[string]string{}
	for _, f := range d.mapping(n, where) {
		out[f.key.Value] = d.str(f.val, where+"."+f.key.Value)
		d.teamRefs = append(d.teamRefs, cfgRef{node: f.key, name: f.key.Value, where: where})
	}
	return out
}

func (d *decoder) unknownConnector(n *yaml.Node, name, where string, names []string) {
	msg := fmt.Sprintf("%s: connector %q is not configured", where, name)
	if s := flows.Suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		if len(names) > 0 {
			msg += "; configured: " + strings.Join(names, ", ") + "; or,"
		} else {
			msg += "; add it under connectors:, or,"
		}
		// A connector of a program's own (README, "Extending Baton").
		msg += fmt.Sprintf(" when a program of your own provides it, load the config with config.WithConnectors(%q) (baton validate --connector %s)", name, name)
	}
	d.report(dsl.Error, d.pos(n), msg)
}

func (d *decoder) teams(n *yaml.Node, c *handoff.Config) {
	for _, f := range d.mapping(n, "teams") {
		name := f.key.Value
		w := "teams." + name
		t := &handoff.ConfigTeam{Pos: d.pos(f.key), Name: name}
		for _, g := range d.mapping(f.val, w, teamKeys...) {
			gw := w + "." + g.key.Value
			switch g.key.Value {
			case "name":
				t.Display = d.str(g.val, gw)
			case "connector":
				t.Connector = d.ref(g.val, gw, "connector")
			case "hours":
				t.Hours = d.hours(g.val, gw, name)
			case "out_of_hours":
				t.OutOfHours = d.str(g.val, gw)
				d.oneOf(g.val, t.OutOfHours, gw, handoff.OutOfHoursTell, handoff.OutOfHoursTicket, handoff.OutOfHoursEmail)
			case "email":
				t.Email = d.str(g.val, gw)
			case "strategy":
				t.Strategy = d.str(g.val, gw)
				d.oneOf(g.val, t.Strategy, gw, handoff.StrategyRoundRobin, handoff.StrategyLeastLoaded, handoff.StrategySkills)
			case "agents":
				t.Agents = d.agents(g.val, gw)
			case "sla":
				t.SLA = d.sla(g.val, gw)
			}
		}
		if t.OutOfHours == handoff.OutOfHoursEmail && t.Email == "" {
			d.errorf(f.key, "%s: out_of_hours: email needs the address to offer, email: support@example.com", w)
		}
		if len(t.Agents) > 0 && t.Strategy == "" {
			t.Strategy = handoff.StrategyRoundRobin
		}
		c.Teams[name] = t
		c.TeamOrder = append(c.TeamOrder, name)
	}
}

func (d *decoder) agents(n *yaml.Node, where string) []handoff.ConfigAgent {
	n = cfgResolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		if n != nil && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
			d.errorf(n, "%s must be a list of agents (- id: ...)", where)
		}
		return nil
	}
	var out []handoff.ConfigAgent
	seen := map[string]bool{}
	for i, item := range n.Content {
		w := fmt.Sprintf("%s[%d]", where, i)
		var a handoff.ConfigAgent
		if it := cfgResolve(item); it != nil && it.Kind == yaml.ScalarNode {
			a.ID = d.str(it, w)
		} else {
			for _, g := range d.mapping(item, w, agentKeys...) {
				switch g.key.Value {
				case "zendesk_id":
					a.ZendeskID = d.agentID(g.val, w+".zendesk_id", "Zendesk", "Admin Center › People › Team members, the number in the member's URL")
				case "freshdesk_id":
					a.FreshdeskID = d.agentID(g.val, w+".freshdesk_id", "Freshdesk", "Admin › Agents, the number in the agent's URL")
				case "id":
					a.ID = d.str(g.val, w+".id")
				case "name":
					a.Name = d.str(g.val, w+".name")
				case "skills":
					a.Skills = d.list(g.val, w+".skills")
				case "languages":
					a.Languages = d.list(g.val, w+".languages")
				}
			}
		}
		switch {
		case a.ID == "":
			d.errorf(item, "%s needs an id (the helpdesk agent id or e-mail)", w)
		case seen[a.ID]:
			d.errorf(item, "%s: agent %q is listed twice", w, a.ID)
		default:
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	return out
}

// agentID reads an agent's numeric id in a helpdesk.
func (d *decoder) agentID(n *yaml.Node, where, helpdesk, hint string) string {
	s := strings.TrimSpace(d.str(n, where))
	if s == "" {
		return ""
	}
	if id, err := strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
		d.errorf(n, "%s: %q is not a %s agent id; write the agent's number (%s)", where, s, helpdesk, hint)
		return ""
	}
	return s
}

// hours reads a weekly calendar, written as in a flow's hours: (one format
// for designers and operators alike):
//
//	timezone: Europe/Rome
//	mon-fri: "09:00-13:00, 14:00-18:00"
//	sat: ["09:00-12:00"]
//	sun: closed
//	holidays: ["2025-12-25"]
func (d *decoder) hours(n *yaml.Node, where, name string) *flows.BusinessHours {
	b := &flows.BusinessHours{Name: name, Pos: d.pos(n), Location: time.UTC, Holidays: map[string]bool{}}
	hasDays, hasTZ := false, false
	for _, f := range d.mapping(n, where) {
		switch k := f.key.Value; k {
		case "timezone":
			hasTZ = true
			tz := d.str(f.val, where+".timezone")
			loc, err := time.LoadLocation(tz)
			if err != nil || tz == "" {
				d.errorf(f.val, "%s.timezone: unknown time zone %q; use an IANA name such as Europe/Rome or America/New_York", where, tz)
			} else {
				b.Location = loc
			}
		case "holidays":
			for i, s := range d.list(f.val, where+".holidays") {
				if _, err := time.Parse(time.DateOnly, s); err != nil {
					d.errorf(f.val, "%s.holidays[%d]: %q is not a date; write YYYY-MM-DD", where, i, s)
					continue
				}
				b.Holidays[s] = true
			}
		default:
			days, ok := flows.ParseDays(k)
			if !ok {
				known := append([]string{"timezone", "holidays", "mon-fri", "sat-sun"}, flows.Weekdays[:]...)
				msg := fmt.Sprintf("%s: %q is not a day or range of days; write mon, tue... sun or a range such as mon-fri", where, k)
				if s := flows.Suggest(k, known); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				d.report(dsl.Error, d.pos(f.key), msg)
				continue
			}
			hasDays = true
			spans := d.spans(f.val, where+"."+k)
			for _, day := range days {
				if b.Week[day] != nil {
					d.errorf(f.key, "%s: %s is given twice", where, flows.Weekdays[day])
				}
				b.Week[day] = append([]flows.Span{}, spans...)
			}
		}
	}
	if !hasDays {
		d.errorf(n, "%s needs the open hours per day, such as mon-fri: 09:00-18:00", where)
	}
	if !hasTZ {
		d.errorf(n, "%s needs timezone: (an IANA name such as Europe/Rome or America/New_York)", where)
	}
	return b
}

// spans reads "09:00-18:00", a list of them, or "closed".
func (d *decoder) spans(n *yaml.Node, where string) []flows.Span {
	out := []flows.Span{}
	for _, s := range d.list(n, where) {
		if strings.EqualFold(s, "closed") {
			continue
		}
		for _, part := range strings.Split(s, ",") {
			sp, err := flows.ParseSpan(part)
			if err != nil {
				d.errorf(n, "%s: %v", where, err)
				continue
			}
			out = append(out, sp)
		}
	}
	return out
}

var cfgPriorities = []string{string(flows.PriorityLow), string(flows.PriorityNormal), string(flows.PriorityHigh), string(flows.PriorityUrgent)}

func (d *decoder) priorityName(n *yaml.Node, s, where string) flows.Priority {
	if d.oneOf(n, s, where, cfgPriorities...) {
		return flows.Priority(s)
	}
	return ""
}

func (d *decoder) notify(n *yaml.Node) handoff.ConfigNotify {
	var c handoff.ConfigNotify
	for _, f := range d.mapping(n, "notify", notifyKeys...) {
		switch f.key.Value {
		case "slack":
			c.Slack = d.url(f.val, "notify.slack")
		case "teams":
			c.Teams = d.url(f.val, "notify.teams")
		case "teams_format":
			c.TeamsFormat = d.str(f.val, "notify.teams_format")
			d.oneOf(f.val, c.TeamsFormat, "notify.teams_format", "adaptive", "messagecard")
		case "min_priority":
			c.MinPriority = d.priorityName(f.val, d.str(f.val, "notify.min_priority"), "notify.min_priority")
		}
	}
	if c.TeamsFormat == "" {
		c.TeamsFormat = "adaptive"
	}
	return c
}

func (d *decoder) messages(n *yaml.Node) map[string]map[string]string {
	keys := make([]string, 0, len(handoff.DefaultMessages))
	for k := range handoff.DefaultMessages {
		keys = append(keys, k)
	}
	cfgSortStrings(keys)
	out := map[string]map[string]string{}
	nodes := map[string]*yaml.Node{}
	for _, f := range d.mapping(n, "messages", keys...) {
		where := "messages." + f.key.Value
		out[f.key.Value] = d.strMap(f.val, where)
		nodes[f.key.Value] = f.val
		d.checkPlaceholders(f.val, where, out[f.key.Value], handoff.MessagePlaceholders[f.key.Value])
	}
	d.checkUndated(nodes, out)
	return out
}

// undatedOf pairs each out-of-hours message with its sibling for a team
// closed with no date to reopen.
var undatedOf = [][2]string{
	{handoff.MsgAfterHoursTicket, handoff.MsgAfterHoursTicketNoDate},
	{handoff.MsgAfterHoursTell, handoff.MsgAfterHoursTellNoDate},
	{handoff.MsgAfterHoursEmail, handoff.MsgAfterHoursEmailNoDate},
}

// checkUndated warns at each out-of-hours text in a language whose
// undated sibling has no text in it (nor in its base language), written
// or built in: those customers would be told the English one when the
// team is closed with no date to reopen.
func (d *decoder) checkUndated(nodes map[string]*yaml.Node, texts map[string]map[string]string) {
	for _, p := range undatedOf {
		n := cfgResolve(nodes[p[0]])
		if n == nil || n.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			lang := n.Content[i].Value
			l := strings.ToLower(strings.TrimSpace(lang))
			base, _, _ := strings.Cut(strings.ReplaceAll(l, "_", "-"), "-")
			speaks := false
			for _, x := range []string{lang, l, base} {
				_, mine := texts[p[1]][x]
				_, builtin := handoff.DefaultMessages[p[1]][x]
				speaks = speaks || mine || builtin
			}
			if !speaks {
				d.report(dsl.Warning, d.pos(n.Content[i]), fmt.Sprintf("messages.%s.%s: %s has no %s text (nor a built-in one): customers in %s of a team closed with no date to reopen are told the English one; write messages.%s.%s",
					p[0], lang, p[1], lang, lang, p[1], lang))
			}
		}
	}
}

// checkPlaceholders warns at each text of a message (n, read into texts by
// language) that has a {placeholder} the message does not fill: the
// customer would read it as written.
func (d *decoder) checkPlaceholders(n *yaml.Node, where string, texts map[string]string, fills []string) {
	n = cfgResolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		lang := n.Content[i].Value
		for _, m := range placeholder.FindAllStringSubmatch(texts[lang], -1) {
			if !cfgContains(fills, m[1]) {
				d.report(dsl.Warning, d.pos(n.Content[i+1]), fmt.Sprintf("%s.%s: {%s} is not filled in this message (it fills {%s}): the customer would read it as written",
					where, lang, m[1], strings.Join(fills, "}, {")))
			}
		}
	}
}

// placeholder is a {name} of a message.
var placeholder = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// fields reads a connector's custom fields: field → variable, or
// field → {var: name, mask: true} for a field masked when masking is on
// (mapped fields are sent as the flow collected them otherwise).
func (d *decoder) fields(n *yaml.Node, where string) (map[string]string, []string) {
	fs := d.mapping(n, where)
	if fs == nil {
		return nil, nil
	}
	out := make(map[string]string, len(fs))
	var masked []string
	for _, f := range fs {
		w := where + "." + f.key.Value
		if f.val.Kind != yaml.MappingNode {
			out[f.key.Value] = d.str(f.val, w)
			continue
		}
		for _, g := range d.mapping(f.val, w, fieldKeys...) {
			switch g.key.Value {
			case "var":
				out[f.key.Value] = d.str(g.val, w+".var")
			case "mask":
				if d.boolean(g.val, w+".mask") {
					masked = append(masked, f.key.Value)
				}
			}
		}
		if out[f.key.Value] == "" {
			d.errorf(f.key, "%s needs var: the flow variable that fills the field", w)
		}
	}
	return out, masked
}

// delivery reads the delivery section.
func (d *decoder) delivery(n *yaml.Node) handoff.ConfigDelivery {
	var c handoff.ConfigDelivery
	for _, f := range d.mapping(n, "delivery", deliveryKeys...) {
		w := "delivery." + f.key.Value
		switch f.key.Value {
		case "append_window":
			v := time.Duration(0)
			if s := strings.TrimSpace(d.str(f.val, w)); s != "0" && s != "0s" {
				if v = d.duration(f.val, w); v > time.Minute {
					d.errorf(f.val, "%s is at most 1m: the customer's first message waits that long", w)
				}
			}
			c.AppendWindow = &v
		case "appends_per_minute":
			v := d.count(f.val, w, 0, 600)
			c.AppendsPerMinute = &v
		case "call_timeout":
			if c.CallTimeout = d.duration(f.val, w); c.CallTimeout > 2*time.Minute {
				d.errorf(f.val, "%s is at most 2m (an attempt is bounded at %s)", w, handoff.DefaultTimeout)
			}
		case "max_attachment":
			c.MaxAttachment = int64(d.count(f.val, w, 1024, 50<<20))
		case "workers":
			c.Workers = d.count(f.val, w, 1, 64)
		}
	}
	return c
}
