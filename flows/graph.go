package flows

import "strconv"

// EdgeKind says how a flow moves from one state to another.
type EdgeKind string

const (
	EdgeMenu    EdgeKind = "menu"     // a menu option
	EdgeRoute   EdgeKind = "route"    // a state route (keywords, intent, when)
	EdgeNext    EdgeKind = "next"     // a transition after the state's actions or answer
	EdgeTrigger EdgeKind = "trigger"  // a global trigger, from any state
	EdgeNoMatch EdgeKind = "no_match" // a step of a no-match ladder
	EdgeTimeout EdgeKind = "timeout"  // a no-reply timeout
	EdgeReturn  EdgeKind = "return"   // the bot resuming after a handoff
)

// AnyState is the From of edges that leave every state (global triggers,
// flow-wide ladder steps and timeouts).
const AnyState = "*"

// Edge is one possible move of the flow.
type Edge struct {
	From  string
	To    string
	Kind  EdgeKind
	Label string
	// Conditional is true when the edge is taken only if a condition holds.
	Conditional bool
	Pos         Pos
}

// Edges lists every move the flow can make, in source order: per state its
// menu options, routes, transitions, ladder and handoff returns, then the
// flow-wide triggers, ladder and timeouts from AnyState.
func (f *Flow) Edges() []Edge {
	var out []Edge
	add := func(from string, kind EdgeKind, label string, cond bool, pos Pos, do Do) {
		if do.Goto != "" {
			out = append(out, Edge{From: from, To: do.Goto, Kind: kind, Label: label, Conditional: cond, Pos: pos})
		}
		for _, a := range do.Actions {
			if h, ok := a.(*HandoffAction); ok && h.Return != "" {
				out = append(out, Edge{From: from, To: h.Return, Kind: EdgeReturn, Label: "after handoff", Conditional: true, Pos: h.Pos})
			}
		}
	}
	rule := func(from string, kind EdgeKind, r *Rule) {
		cond := r.NeedsInput() || r.When != nil
		label := r.Name
		if label == "" && r.When != nil {
			label = r.When.Source
		}
		add(from, kind, label, cond || kind == EdgeTrigger || kind == EdgeRoute, r.Pos, r.Do)
	}
	ladder := func(from string, l *Ladder) {
		if l == nil {
			return
		}
		for i, d := range l.Steps {
			add(from, EdgeNoMatch, "no match "+strconv.Itoa(i+1), true, l.Pos, d)
		}
	}
	for _, name := range f.Order {
		s := f.States[name]
		add(name, EdgeNext, "", false, s.Pos, Do{Actions: s.Actions})
		if s.Menu != nil {
			for _, o := range s.Menu.Options {
				add(name, EdgeMenu, strconv.Itoa(o.Number)+". "+o.Label.For(f.DefaultLanguage(), ""), true, o.Pos, o.Do)
			}
		}
		for _, r := range s.Routes {
			rule(name, EdgeRoute, r)
		}
		for _, r := range s.Next {
			rule(name, EdgeNext, r)
		}
		ladder(name, s.NoMatch)
	}
	for _, r := range f.Triggers {
		rule(AnyState, EdgeTrigger, r)
	}
	ladder(AnyState, f.NoMatch)
	for _, t := range f.Timeouts {
		add(AnyState, EdgeTimeout, "after "+t.After.String(), true, t.Pos, t.Do)
	}
	return out
}
