package engine

import (
	"github.com/batonbot/baton/flows"
)

// handoff says the action's text, then hands the conversation to people
// with everything they need; the bot stays silent until the ticket returns.
func (t *turn) handoff(a *flows.HandoffAction) {
	if a == nil {
		return
	}
	// The team and priority first: the say can tell the expected wait
	// for them ({{ sla.first_response }}).
	team := t.render(a.Team)
	t.slaTeam, t.slaPrio = team, flows.PriorityNormal
	if a.Priority != nil {
		if p := flows.Priority(t.render(a.Priority)); p.Valid() {
			t.slaPrio = p
		}
	}
	if t.env != nil {
		delete(t.env, flows.EnvSLA)
	}
	if a.Say != nil {
		t.reply(t.renderText(a.Say))
	}
	s := t.s
	h := &flows.Handoff{
		ID:             t.id(),
		ConversationID: s.ID,
		Flow:           t.f.Name,
		State:          s.State,
		Channel:        s.Channel,
		Contact:        s.Contact.Clone(),
		Language:       s.Lang,
		CreatedAt:      t.now,
		Reason:         t.render(a.Reason),
		Team:           team,
		Priority:       flows.PriorityNormal,
		NoMatch:        max(s.NoMatch, t.noMatchSeen),
		Transcript:     t.transcriptSoFar(),
		Vars:           t.allVars(),
		Return:         a.Return,
	}
	if h.Reason == "" {
		h.Reason = t.trigger
	}
	if h.Reason == "" {
		h.Reason = "flow"
	}
	if a.Priority != nil {
		if p := flows.Priority(t.render(a.Priority)); p.Valid() {
			h.Priority = p
		} else if p != "" {
			t.emit(flows.ErrorEffect{Message: "handoff priority " + quote(string(p)) + " is not low, normal, high or urgent; using normal", State: s.State, Pos: a.Priority.Pos})
		}
	}
	for _, tag := range a.Tags {
		if v := t.render(tag); v != "" {
			h.Tags = append(h.Tags, v)
		}
	}
	if sig := t.lastSignals(); sig != nil {
		h.Signals = sig.Clone()
		verdictScore(h.Signals) // signals saved before the score existed
	}
	cal := t.e.defaultCal
	if c := t.f.Hours[h.Team]; c != nil {
		cal = c
	}
	h.InHours = cal.Open(t.now)
	t.emit(flows.HandoffEffect{Handoff: h})
	s.Handoff = &flows.HandoffRef{ID: h.ID, Return: a.Return, Reason: h.Reason, Team: h.Team, Priority: h.Priority, At: h.CreatedAt}
	t.lifecycle(evHandoff)
	t.stopped = true
}

// allVars is every variable: the flow's defaults overlaid with the
// session's values, as a fresh map.
//
// In a sub-flow the callers' variables come first, each level's over the
// one below, so the agent sees the whole conversation's context.
func (t *turn) allVars() map[string]any {
	m := make(map[string]any, len(t.f.Vars)+len(t.s.Vars))
	add := func(defaults, vars map[string]any) {
		for k, v := range defaults {
			m[k] = cloneValue(v)
		}
		for k, v := range vars {
			m[k] = cloneValue(v)
		}
	}
	for depth, fr := range t.s.Stack {
		if f := t.flowAt(depth); f != nil {
			add(f.Vars, fr.Vars)
		}
	}
	add(t.f.Vars, t.s.Vars)
	return m
}

// lastSignals is this turn's analysis, else the session's last one.
func (t *turn) lastSignals() *flows.Signals {
	return t.s.Signals
}

// slaInfo is the `sla` builtin: the host's figures for the handoff under
// way (else the flow's default team), or an unknown wait.
func (t *turn) slaInfo() map[string]any {
	prio := t.slaPrio
	if prio == "" {
		prio = flows.PriorityNormal
	}
	if t.e.slaInfo != nil {
		if m := t.e.slaInfo(t.slaTeam, prio, t.s.Lang, t.now, t.s); m != nil {
			return m
		}
	}
	return map[string]any{"first_response": "", "first_response_minutes": 0, "first_response_by": "", "queue": 0, "team": t.slaTeam}
}
