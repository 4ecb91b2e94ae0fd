package flows

import (
	"sort"
	"strconv"
	"strings"
)

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
	EdgeSkip    EdgeKind = "skip"     // a survey declined, unanswered or not sampled
	EdgeCall    EdgeKind = "call"     // a state calling a sub-flow (to its start)
)

// AnyState is the From of edges that leave every state (global triggers,
// flow-wide ladder steps and timeouts).
const AnyState = "*"

// Edge is one possible move of the flow.
type Edge struct {
	From string
	// To is the state moved to; empty for a handoff (Handoff is set).
	To    string
	Kind  EdgeKind
	Label string
	// Conditional is true when the edge is taken only if a condition holds.
	Conditional bool
	// Handoff is true for the handoff a trigger, route, option, ladder step
	// or timeout does itself (handoff: in the rule, not in a state): the
	// conversation goes to a person without moving to another state.
	Handoff bool
	// End is true for the end a rule does itself (end: in a trigger,
	// route, option, ladder step or timeout, not in a state): the
	// conversation ends, or a sub-flow returns, without moving to a state.
	End bool
	// Returns is true, in DistinctEdges, for a sub-flow's return to To, a
	// state that calls it: the end a rule of the sub-flow does itself, or
	// a state of the sub-flow that ends (Kind next, no Label).
	Returns bool
	Pos     Pos
}

// Edges lists every move the flow can make, in source order: per state its
// menu options, routes, transitions, ladder and handoff returns, then the
// flow-wide triggers, ladder and timeouts from AnyState.
func (f *Flow) Edges() []Edge {
	out := make([]Edge, 0, 2*len(f.Order)+len(f.Triggers)) // about as many as a flow has
	// add records do's moves; a rule's own handoff is an edge too (a
	// state's actions, state set, are the state's: it is drawn as a
	// handoff).
	add := func(from string, kind EdgeKind, label string, cond bool, pos Pos, do Do, state bool) {
		// A handoff or an end stops the turn: a goto after one never runs.
		stops := false
		for _, a := range do.Actions {
			switch a.(type) {
			case *HandoffAction, *End:
				stops = true
			}
		}
		if do.Goto != "" && !stops {
			out = append(out, Edge{From: from, To: do.Goto, Kind: kind, Label: label, Conditional: cond, Pos: pos})
		}
		for _, a := range do.Actions {
			if _, ok := a.(*End); ok {
				if !state {
					out = append(out, Edge{From: from, Kind: kind, Label: label, Conditional: cond, End: true, Pos: pos})
				}
				break // nothing after an end runs
			}
			h, ok := a.(*HandoffAction)
			if !ok {
				continue
			}
			if !state {
				out = append(out, Edge{From: from, Kind: kind, Label: label, Conditional: cond, Handoff: true, Pos: h.Pos})
			}
			if h.Return != "" {
				out = append(out, Edge{From: from, To: h.Return, Kind: EdgeReturn, Label: "after handoff", Conditional: true, Pos: h.Pos})
			}
			break // nothing after a handoff runs
		}
	}
	rule := func(from string, kind EdgeKind, r *Rule) {
		cond := r.NeedsInput() || r.When != nil
		add(from, kind, r.Label(), cond || kind == EdgeTrigger || kind == EdgeRoute, r.Pos, r.Do, false)
	}
	ladder := func(from string, l *Ladder) {
		if l == nil {
			return
		}
		for i, d := range l.Steps {
			add(from, EdgeNoMatch, "no match "+strconv.Itoa(i+1), true, l.Pos, d, false)
		}
	}
	for _, name := range f.Order {
		s := f.States[name]
		add(name, EdgeNext, "", false, s.Pos, Do{Actions: s.Actions}, true)
		if s.Menu != nil {
			for _, o := range s.Menu.Options {
				add(name, EdgeMenu, strconv.Itoa(o.Number)+". "+o.Label.For(f.DefaultLanguage(), ""), true, o.Pos, o.Do, false)
			}
		}
		for _, r := range s.Routes {
			rule(name, EdgeRoute, r)
		}
		for _, r := range s.Next {
			rule(name, EdgeNext, r)
		}
		if s.Survey != nil && s.Survey.Skip != "" {
			out = append(out, Edge{From: name, To: s.Survey.Skip, Kind: EdgeSkip, Label: "survey skipped", Conditional: true, Pos: s.Survey.Pos})
		}
		ladder(name, s.NoMatch)
	}
	for _, r := range f.Triggers {
		rule(AnyState, EdgeTrigger, r)
	}
	ladder(AnyState, f.NoMatch)
	for _, t := range f.Timeouts {
		add(AnyState, EdgeTimeout, "after "+FormatDuration(t.After), true, t.Pos, t.Do, false)
	}
	return append(out, f.subflowEdges()...)
}

// subflowEdges are the moves into and inside the sub-flows: a calling
// state to the sub-flow's start, and each sub-flow's own edges, its states
// named "key/state" (see Lookup).
func (f *Flow) subflowEdges() []Edge {
	if len(f.Subflows) == 0 {
		return nil
	}
	var out []Edge
	calls := func(prefix string, g *Flow) {
		for _, name := range g.Order {
			if c := g.States[name].Call; c != nil {
				if sub := f.Subflows[c.Flow]; sub != nil {
					out = append(out, Edge{From: prefix + name, To: c.Flow + "/" + sub.Start, Kind: EdgeCall, Label: c.Flow, Pos: c.Pos})
				}
			}
		}
	}
	calls("", f)
	keys := make([]string, 0, len(f.Subflows))
	for k := range f.Subflows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub := f.Subflows[k]
		qual := func(name string) string {
			if _, ok := sub.States[name]; ok {
				return k + "/" + name
			}
			return name // a state of the calling flow: the sub-flow is left
		}
		for _, e := range sub.Edges() {
			if e.From != AnyState {
				e.From = qual(e.From)
			} else {
				e.From = k + "/" + AnyState
			}
			if e.To != "" {
				e.To = qual(e.To)
			}
			out = append(out, e)
		}
		calls(k+"/", sub)
	}
	return out
}

// Lookup finds a state by the name events give it: "name" in the flow,
// "key/name" in its sub-flow key.
func (f *Flow) Lookup(label string) *State {
	if s, ok := f.States[label]; ok {
		return s
	}
	if i := strings.LastIndex(label, "/"); i > 0 {
		if sub := f.Subflows[label[:i]]; sub != nil {
			return sub.States[label[i+1:]]
		}
	}
	return nil
}

// Labels lists every state's label, the flow's in written order, then each
// sub-flow's ("key/name"), by key.
func (f *Flow) Labels() []string {
	out := append([]string(nil), f.Order...)
	keys := make([]string, 0, len(f.Subflows))
	for k := range f.Subflows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, name := range f.Subflows[k].Order {
			out = append(out, k+"/"+name)
		}
	}
	return out
}

// Label names a rule for graphs and coverage: its name; else what it
// matches: its intent, its first keywords, its pattern or its condition.
func (r *Rule) Label() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.Intent != "":
		return r.Intent
	case r.Keywords != nil && len(r.Keywords.Phrases) > 0:
		var ks []string
		for _, p := range r.Keywords.Phrases[:min(3, len(r.Keywords.Phrases))] {
			ks = append(ks, strings.Join(p, " "))
		}
		if len(r.Keywords.Phrases) > 3 {
			ks = append(ks, "…")
		}
		return strings.Join(ks, ", ")
	case r.Pattern != nil:
		return "/" + r.Pattern.String() + "/"
	case r.When != nil:
		return r.When.Source
	}
	return ""
}

// Shape classifies a state for drawing.
type Shape string

const (
	ShapeStep    Shape = "step"    // runs its actions and moves on
	ShapeWait    Shape = "wait"    // waits for the customer
	ShapeHandoff Shape = "handoff" // hands off to a person
	ShapeEnd     Shape = "end"     // ends the conversation
)

// Shape says how graphs draw the state: a handoff, an end, a state that
// waits for the customer, or a step that moves on at once. A nil state is
// a step.
func (s *State) Shape() Shape {
	if s == nil {
		return ShapeStep
	}
	end, handoff := s.End, false
	for _, a := range s.Actions {
		switch a.(type) {
		case *End:
			end = true
		case *HandoffAction:
			handoff = true
		}
	}
	switch {
	case handoff:
		return ShapeHandoff
	case end:
		return ShapeEnd
	case s.WaitsForInput():
		return ShapeWait
	}
	return ShapeStep
}

// DistinctEdges are Edges minus duplicates (same ends, kind and label), in
// source order: what a graph draws. A sub-flow's ends are its returns, an
// edge (Returns) to each state that calls it: a rule's end in place, then
// the sub-flow states that end, after all.
func (f *Flow) DistinctEdges() []Edge {
	var out []Edge
	seen := map[string]bool{}
	add := func(e Edge) {
		key := e.From + "\x00" + e.To + "\x00" + string(e.Kind) + "\x00" + e.Label
		if e.End {
			key += "\x00end"
		}
		if e.Returns {
			key += "\x00return"
		}
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, e)
	}
	callers := f.callers()
	for _, e := range f.Edges() {
		if cs := callers[subflowOf(f, e.From)]; e.End && len(cs) > 0 {
			for _, c := range cs {
				r := e
				r.End, r.Returns, r.To = false, true, c
				add(r)
			}
			continue
		}
		add(e)
	}
	for _, k := range sortedKeys(f.Subflows) {
		sub := f.Subflows[k]
		for _, name := range sub.Order {
			if sub.States[name].Shape() != ShapeEnd {
				continue
			}
			for _, c := range callers[k] {
				add(Edge{From: k + "/" + name, To: c, Kind: EdgeNext, Returns: true, Pos: sub.States[name].Pos})
			}
		}
	}
	return out
}

// callers are the labels of the states that call each sub-flow, by key.
func (f *Flow) callers() map[string][]string {
	out := map[string][]string{}
	add := func(prefix string, g *Flow) {
		for _, name := range g.Order {
			if c := g.States[name].Call; c != nil && f.Subflows[c.Flow] != nil {
				out[c.Flow] = append(out[c.Flow], prefix+name)
			}
		}
	}
	add("", f)
	for _, k := range sortedKeys(f.Subflows) {
		add(k+"/", f.Subflows[k])
	}
	return out
}

// subflowOf is the key of the sub-flow a label ("key/name", "key/*") is
// in; empty for the flow's own.
func subflowOf(f *Flow, label string) string {
	if i := strings.LastIndex(label, "/"); i > 0 && f.Subflows[label[:i]] != nil {
		return label[:i]
	}
	return ""
}

func sortedKeys(m map[string]*Flow) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Caption is the edge's label as graphs show it: "trigger: name", "if
// condition", the option or route, "call sub"; a sub-flow's return is
// "return", or "return: " and the rule's caption.
func (e Edge) Caption() string {
	if e.Returns {
		r := e
		r.Returns = false
		if c := r.Caption(); c != "" {
			return "return: " + c
		}
		return "return"
	}
	switch e.Kind {
	case EdgeTrigger:
		return "trigger: " + e.Label
	case EdgeNext:
		if e.Label == "" {
			return ""
		}
		return "if " + e.Label
	case EdgeRoute:
		if e.Label == "" {
			return "route"
		}
		return e.Label
	case EdgeCall:
		return "call " + e.Label
	}
	return e.Label
}
