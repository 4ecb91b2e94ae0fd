package handoff

import "github.com/batonbot/baton/flows"

// What a person sees of a handoff at a glance, in the words its ticket
// uses: `baton chat` shows a handoff with them.

// Var is a variable as an agent reads it.
type Var struct{ Name, Value string }

// AgentVars are the variables a ticket shows an agent, sorted by name: the
// set ones (not empty, zero or false, a flow's usual defaults), and not the
// internal ones (a name starting with "_", structured values such as an
// HTTP call's raw result). Values are not masked.
func AgentVars(vars map[string]any) []Var {
	list := varList(vars, renderOptions{})
	out := make([]Var, len(list))
	for i, v := range list {
		out[i] = Var{v.Key, v.Value}
	}
	return out
}

// Subject is the subject line of the handoff's ticket: channel, why and
// who ("WhatsApp: sensitive topic — Anna").
func Subject(h *flows.Handoff) string { return subject(h, false) }

// Reason says in words why the bot escalated, as the summary starts.
func Reason(h *flows.Handoff) string { return reasonSentence(h) }
