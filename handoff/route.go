package handoff

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/expr-lang/expr"

	"github.com/batonbot/baton/flows"
)

// TagAfterHours marks tickets opened while their team was closed.
const TagAfterHours = "after-hours"

// Decision is where a handoff goes and what the customer is told.
type Decision struct {
	// Team is the team's key; TeamName what customers see.
	Team     string
	TeamName string
	// Rule names the routing rule that matched, "" for the default.
	Rule string
	// Connector names the helpdesk; Group is the team's group (queue) id
	// there, "" when the config maps none. Groups has the team's id in
	// every connector that maps it.
	Connector string
	Group     string
	Groups    map[string]string
	// Agent is the assigned agent's id, when the team lists agents.
	Agent    string
	Priority flows.Priority
	// Score is the priority expression's value (NaN when there is none).
	Score float64
	Tags  []string
	// Skills the handoff requires (rule and intent).
	Skills []string
	// InHours reports whether the team's calendar is open now; when it is
	// not, OutOfHours says what to do (tell, ticket or email) and NextOpen
	// when the team opens again (zero if not within a year).
	InHours    bool
	OutOfHours string
	NextOpen   time.Time
	// OpenTicket is false when the out-of-hours action is tell or email:
	// the host tells the customer Message and writes no open item.
	OpenTicket bool
	// SLA is the promised first-response time, zero when none.
	SLA time.Duration
	// Wait is the wait the customer is told, on the wall clock: SLA, or
	// with an SLA that counts business hours the time to its due time.
	// Due is that due time when closed hours stretch the wait past SLA
	// (17:30 on a Friday, 2 hours: Monday at 10:30): the customer is told
	// the time (MsgAssignedBy), not a count of hours.
	Wait time.Duration
	Due  time.Time
	// Message is the confirmation for the customer, in the conversation's
	// language ("Ti ho passato al team Billing, ti risponderemo entro 2 ore.").
	Message string
	// Notify asks the host to post the handoff to the chat webhooks
	// (Notifier): its priority reaches notify.min_priority.
	Notify bool
	// Warnings are expression failures at routing time (the rule was
	// skipped, the score ignored) and a team the config does not know;
	// hosts log them.
	Warnings []string
}

// Router routes handoffs by a Config. It is safe for concurrent use.
type Router struct {
	cfg   *Config
	now   func() time.Time
	loads flows.LoadTracker
	// wait turns a first-response target into the wall-clock wait told
	// from a moment (nil: the target itself); see RouterSLAWait.
	wait func(team string, start time.Time, d time.Duration) time.Duration

	mu   sync.Mutex
	next map[string]int // round-robin position per team

	// recent remembers the last decisions by handoff id (at most keep), so
	// routing the same handoff again (a retried turn) assigns no second
	// agent.
	recentMu sync.Mutex
	recent   map[string]Decision
	order    []string
	keep     int
}

// DefaultRouterMemory is how many decisions a Router remembers by handoff
// id.
const DefaultRouterMemory = 4096

// RouterOption configures a Router.
type RouterOption func(*Router)

// RouterClock sets the clock business hours are read with for a handoff
// without CreatedAt (default time.Now); a handoff is routed at its
// CreatedAt, the time of the turn that made it.
func RouterClock(now func() time.Time) RouterOption {
	return func(r *Router) {
		if now != nil {
			r.now = now
		}
	}
}

// RouterLoads sets where agents' open handoffs are read for least-loaded
// and skills assignment: the session store (every flows.Store is a
// flows.LoadTracker), where engine.Handle counts a handoff in the same save
// as the session that opens it and releases it in the save that ends it.
// The default is a MemLoads, which nothing counts into.
func RouterLoads(l flows.LoadTracker) RouterOption {
	return func(r *Router) {
		if l != nil {
			r.loads = l
		}
	}
}

// RouterSLAWait sets how a team's first-response target d becomes the
// wait a customer handed off at start is told ("we'll reply within
// {sla}"): with an SLA that counts business hours only, the time to the
// due time (a 2-hour target at 17:30, open until 18:00, is 17 hours), as
// sla.Policy.Wait computes it. Without it the target itself is told.
func RouterSLAWait(wait func(team string, start time.Time, d time.Duration) time.Duration) RouterOption {
	return func(r *Router) { r.wait = wait }
}

// RouterMemory sets how many recent decisions the Router remembers by
// handoff id (default DefaultRouterMemory): routing a remembered handoff
// again returns the same decision without counting its agent twice. Keep it
// above the handoffs routed during the longest retry of a turn.
func RouterMemory(n int) RouterOption {
	return func(r *Router) {
		if n > 0 {
			r.keep = n
		}
	}
}

// NewRouter returns a Router for cfg.
func NewRouter(cfg *Config, opts ...RouterOption) (*Router, error) {
	if cfg == nil {
		return nil, errors.New("handoff: NewRouter needs a config; load baton.yaml with config.Load")
	}
	r := &Router{cfg: cfg, now: time.Now, loads: NewMemLoads(), next: map[string]int{},
		recent: map[string]Decision{}, keep: DefaultRouterMemory}
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
	return r, nil
}

// Loads returns the router's LoadTracker.
func (r *Router) Loads() flows.LoadTracker { return r.loads }

// Route decides the team, connector, agent, priority, tags and SLA of h and
// fills h.Team, h.Connector, h.Assignee, h.Priority, h.Tags and h.InHours
// with them. What the flow set wins (a team, a priority other than
// normal) unless routing.override is true; tags are merged. Route does not count the assigned agent's load:
// engine.Handle does, in the save of the session (flows.Commit.Loads), so
// a turn that fails to save counts nothing. Routing a handoff with the same
// ID again (a turn retried after a conflict) returns the remembered
// decision and fills h the same way, while the Router remembers it
// (RouterMemory).
func (r *Router) Route(ctx context.Context, h *flows.Handoff) (Decision, error) {
	if h == nil {
		return Decision{}, errors.New("handoff: Route needs a handoff")
	}
	if d, ok := r.remembered(h.ID); ok {
		d.apply(h)
		return d, nil
	}
	d, err := r.route(ctx, h)
	if err != nil {
		return Decision{}, err
	}
	if first, ok := r.remember(h.ID, d); !ok {
		d = first // routed twice at once: keep the first decision
	}
	d.apply(h)
	return d, nil
}

// apply fills h with what d decided.
func (d Decision) apply(h *flows.Handoff) {
	h.Team = d.Team
	h.Priority = d.Priority
	h.Tags = slices.Clone(d.Tags)
	h.InHours = d.InHours
	h.Assignee = d.Agent
	h.Connector = d.Connector
}

// clone copies d's maps and slices, so a remembered decision is never
// shared with a caller.
func (d Decision) clone() Decision {
	d.Groups = maps.Clone(d.Groups)
	d.Tags = slices.Clone(d.Tags)
	d.Skills = slices.Clone(d.Skills)
	d.Warnings = slices.Clone(d.Warnings)
	return d
}

func (r *Router) remembered(id string) (Decision, bool) {
	if id == "" {
		return Decision{}, false
	}
	r.recentMu.Lock()
	defer r.recentMu.Unlock()
	d, ok := r.recent[id]
	return d.clone(), ok
}

// remember keeps d for id, dropping the oldest beyond r.keep. When id is
// already remembered it keeps that decision and returns it, false.
func (r *Router) remember(id string, d Decision) (Decision, bool) {
	if id == "" {
		return d, true
	}
	r.recentMu.Lock()
	defer r.recentMu.Unlock()
	if first, ok := r.recent[id]; ok {
		return first.clone(), false
	}
	r.recent[id] = d.clone()
	r.order = append(r.order, id)
	if len(r.order) > r.keep {
		delete(r.recent, r.order[0])
		r.order[0] = ""
		r.order = r.order[1:] // append reallocates now and then: O(1) amortised, not a shift of keep ids
	}
	return d, true
}

// route decides for h without memory.
func (r *Router) route(ctx context.Context, h *flows.Handoff) (Decision, error) {
	cfg := r.cfg
	now := r.now()
	if !h.CreatedAt.IsZero() {
		now = h.CreatedAt // the turn's time, the flow's in_hours read
	}
	f := routeFactsOf(h)
	d := Decision{Score: math.NaN()}

	rule, warns := r.firstRule(f)
	d.Warnings = warns
	override := cfg.Routing.Override

	// Team.
	d.Team = h.Team
	if d.Team == "" || override {
		switch {
		case rule != nil && rule.Team != "":
			d.Team = rule.Team
		case cfg.Routing.DefaultTeam != "":
			d.Team = cfg.Routing.DefaultTeam
		}
	}
	if rule != nil {
		d.Rule = rule.Name
	}
	team := cfg.Teams[d.Team]
	d.TeamName = d.Team
	if team != nil {
		d.TeamName = team.DisplayName()
	}

	// Connector and group.
	d.Connector = r.connectorFor(rule, team)
	d.Groups = map[string]string{}
	for _, c := range cfg.Connectors.Names() {
		if id, ok := cfg.Connectors.Groups(c)[d.Team]; ok {
			d.Groups[c] = id
		}
	}
	d.Group = d.Groups[d.Connector]
	if team == nil && len(d.Groups) == 0 && d.Team != "" {
		w := fmt.Sprintf("team %q is not defined under teams: and no connector maps it to a group; it went to connector %s with no group", d.Team, d.Connector)
		if s := flows.Suggest(d.Team, cfg.TeamOrder); s != "" {
			w += fmt.Sprintf("; did you mean %q?", s)
		}
		d.Warnings = append(d.Warnings, w)
	}

	// Hours.
	d.InHours, d.OpenTicket = true, true
	if team != nil && team.Hours != nil && !team.Hours.Open(now) {
		d.InHours = false
		d.OutOfHours = team.OutOfHours
		if d.OutOfHours == "" {
			d.OutOfHours = cfg.Routing.OutOfHours
		}
		if d.OutOfHours == "" {
			d.OutOfHours = OutOfHoursTicket
		}
		d.NextOpen = team.Hours.NextOpen(now)
		d.OpenTicket = d.OutOfHours == OutOfHoursTicket
	}

	// Tags.
	d.Tags = routeUnion(h.Tags)
	if rule != nil {
		d.Tags = routeUnion(d.Tags, rule.Tags)
	}
	if !d.InHours && d.OpenTicket {
		d.Tags = routeUnion(d.Tags, []string{TagAfterHours})
	}

	// Priority.
	computed := flows.PriorityNormal
	if p := cfg.Priority.Score; p != nil {
		env := f.environment()
		env["team"] = d.Team
		env["in_hours"] = d.InHours
		env["tags"] = d.Tags
		out, err := expr.Run(p, env)
		if score, ok := out.(float64); err == nil && ok && !math.IsNaN(score) {
			d.Score = score
			computed = cfg.Priority.priorityOf(score)
		} else {
			d.Warnings = append(d.Warnings, fmt.Sprintf("priority.score %q failed: %v; using the flow's priority", cfg.Priority.Source, err))
			if h.Priority.Valid() {
				computed = h.Priority
			}
		}
	}
	if rule != nil && rule.Priority != "" {
		computed = rule.Priority
	}
	d.Priority = computed
	if h.Priority.Valid() && h.Priority != flows.PriorityNormal && !override {
		d.Priority = h.Priority
	}

	// Agent.
	d.Skills = routeUnion(cfg.Routing.IntentSkills[f.intent])
	if rule != nil {
		d.Skills = routeUnion(d.Skills, rule.Skills)
	}
	if d.OpenTicket && team != nil {
		agent, err := r.assign(ctx, team, d.Skills, f.lang)
		if err != nil {
			return Decision{}, fmt.Errorf("handoff: assign an agent of team %s: %w", d.Team, err)
		}
		d.Agent = agent
	}

	// What the customer is told.
	d.SLA = cfg.SLAFor(d.Team, d.Priority)
	if d.InHours && d.SLA > 0 {
		d.Wait = d.SLA
		if r.wait != nil {
			d.Wait = r.wait(d.Team, now, d.SLA)
		}
		if d.Wait > d.SLA {
			d.Due = now.Add(d.Wait)
			if team != nil && team.Hours != nil && team.Hours.Location != nil {
				d.Due = d.Due.In(team.Hours.Location)
			}
		}
	}
	d.Message = r.message(d, team, f, now)
	d.Notify = (cfg.Notify.Slack != "" || cfg.Notify.Teams != "") &&
		routeRank(d.Priority) >= routeRank(cfg.Notify.MinPriority)

	return d, nil
}

// ConnectorFor names the connector an already routed handoff (h.Team set)
// goes to: the one routing chose (h.Connector), else the matching rule's,
// else its team's, else the default.
func (r *Router) ConnectorFor(h *flows.Handoff) string {
	if h == nil {
		return r.cfg.Connectors.Default
	}
	if h.Connector != "" {
		return h.Connector // what routing decided, from facts it has changed since
	}
	if len(r.cfg.Routing.Rules) == 0 {
		return r.connectorFor(nil, r.cfg.Teams[h.Team])
	}
	rule, _ := r.firstRule(routeFactsOf(h))
	return r.connectorFor(rule, r.cfg.Teams[h.Team])
}

func (r *Router) connectorFor(rule *ConfigRule, team *ConfigTeam) string {
	switch {
	case rule != nil && rule.Connector != "":
		return rule.Connector
	case team != nil && team.Connector != "":
		return team.Connector
	}
	return r.cfg.Connectors.Default
}

// Resolver delivers opens to the connector ConnectorFor names and appends
// and closes to the connector that made their ticket.
func (r *Router) Resolver(conns map[string]flows.Connector) Resolver {
	return func(_ context.Context, item flows.OutboxItem) (flows.Connector, error) {
		name := item.Ticket.Connector
		if item.Kind == flows.OutboxOpen || name == "" {
			name = r.ConnectorFor(item.Handoff)
		}
		return lookupConnector(conns, name)
	}
}

func (r *Router) message(d Decision, team *ConfigTeam, f *routeFacts, now time.Time) string {
	lang := f.lang
	vars := map[string]string{"team": d.TeamName}
	var loc *time.Location
	if team != nil && team.Hours != nil {
		loc = team.Hours.Location
		vars["email"] = team.Email
	}
	key := MsgAssignedNoSLA
	switch {
	case d.InHours && !d.Due.IsZero() && (r.cfg.speaks(MsgAssignedBy, lang) || !r.cfg.speaks(MsgAssigned, lang)):
		key = MsgAssignedBy
		vars["due"] = FormatDue(d.Due, now, loc, lang, zoneFor(f, loc, d.Due))
	case d.InHours && (d.SLA > 0 || !d.Due.IsZero()):
		// (With a due time: the deployment wrote "assigned" in a language
		// "assigned_by" has no text in; its own words, with the wait in
		// hours, rather than English.)
		key = MsgAssigned
		vars["sla"] = FormatDuration(d.Wait, lang)
	case !d.InHours:
		vars["opens"] = FormatOpening(d.NextOpen, now, loc, lang) + zoneFor(f, loc, d.NextOpen)
		// No opening within the year ahead (NextOpen zero): nothing to
		// tell as {opens}, the customer is told so in words.
		undated := d.NextOpen.IsZero()
		switch {
		case d.OutOfHours == OutOfHoursTell && undated:
			key = MsgAfterHoursTellNoDate
		case d.OutOfHours == OutOfHoursTell:
			key = MsgAfterHoursTell
		case d.OutOfHours == OutOfHoursEmail && undated:
			key = MsgAfterHoursEmailNoDate
		case d.OutOfHours == OutOfHoursEmail:
			key = MsgAfterHoursEmail
		case undated:
			key = MsgAfterHoursTicketNoDate
		default:
			key = MsgAfterHoursTicket
		}
	}
	return r.cfg.Text(key, lang, vars)
}

// priorityOf maps a score through the thresholds.
func (p ConfigPriority) priorityOf(score float64) flows.Priority {
	t := p.Thresholds
	if t == nil {
		t = DefaultThresholds()
	}
	for _, pr := range []flows.Priority{flows.PriorityUrgent, flows.PriorityHigh, flows.PriorityNormal} {
		if v, ok := t[pr]; ok && score >= v {
			return pr
		}
	}
	return flows.PriorityLow
}

func routeRank(p flows.Priority) int {
	switch p {
	case flows.PriorityLow:
		return 1
	case flows.PriorityNormal:
		return 2
	case flows.PriorityHigh:
		return 3
	case flows.PriorityUrgent:
		return 4
	}
	return 4 // an unset minimum notifies urgent only
}

// routeUnion merges lists, keeping the first occurrence's order and
// dropping empties and duplicates.
func routeUnion(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, s := range l {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
