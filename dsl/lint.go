package dsl

import (
	"slices"
	"strings"

	"github.com/batonbot/baton/flows"
)

// lint reports the warnings of a flow that loads: unreachable states,
// states with no way out, asks, collects and surveys without next:, menu
// options that do nothing, loops that never wait for the user, next: lists without a catch-all,
// invalid: texts said on an escalation, and states from which no handoff
// to a human can be reached.
func (l *loader) lint() {
	f := l.flow
	g := newGraph(f)
	reach := g.reachable()
	for i, s := range g.states {
		if !reach[i] {
			l.warnAt(s.Pos, "state %q is unreachable from start %q: nothing leads to it; add a goto to it or remove it", s.Name, f.Start)
			continue
		}
		if s.Collect != nil && len(s.Next) == 0 {
			l.warnAt(s.Pos, "state %q collects slots but has no next:: once they are all filled, every message is a no-match there; add next: with where the conversation goes", s.Name)
		}
		if s.Ask != nil && len(s.Next) == 0 {
			l.warnAt(s.Pos, "state %q asks for %s but has no next:: after a valid answer the customer gets no reply and the conversation stays there, taking the next message as another answer; add next: with where the conversation goes", s.Name, s.Ask.SaveAs)
		}
		if s.Menu != nil {
			for _, o := range s.Menu.Options {
				if o.Do.Goto == "" && len(o.Do.Actions) == 0 {
					l.warnAt(o.Pos, "option %q of state %q does nothing: it has no goto: and no action, so a customer who picks it gets no reply; add goto: with where it leads", o.ID, s.Name)
				}
			}
		}
		if s.Survey != nil && len(s.Next) == 0 {
			l.warnAt(s.Pos, "state %q asks a survey but has no next:: after the score the conversation stays there, silent, and takes the next message as another score; add next: with where the conversation goes (a goodbye with end: true)", s.Name)
		}
		if !s.WaitsForInput() && !terminal(s) && len(g.own[i]) == 0 {
			l.warnAt(s.Pos, "state %q has no way out: it does not wait for the user, has no next: and does not end the conversation; add next:, a menu, or end: true", s.Name)
		}
	}
	l.lintLoops(g)
	l.lintTranslations()
	l.lintIntents()
	l.lintAfterStop()
	l.lintSilentMisses(g, reach)
	l.lintNext(g, reach)
	l.lintInvalid(g, reach)
	l.lintUnset(g)
	toHuman := g.reachesHandoff()
	for i, s := range g.states {
		if reach[i] && !s.End && !toHuman[i] {
			l.warnAt(s.Pos, "no handoff to a human can be reached from state %q; WhatsApp asks for a clear path to a person: add a trigger, option or step with handoff: that this state can reach", s.Name)
		}
	}
}

// waits reports whether the conversation waits for the customer in s: its
// own menu, ask, routes or collect, or a sub-flow's (the flow's triggers
// apply there too).
func waits(s *flows.State) bool {
	return s.WaitsForInput() || s.Call != nil
}

// terminal reports whether entering s ends the bot's part: it ends the
// conversation or hands it to a person.
func terminal(s *flows.State) bool {
	return s.End || hasHandoff(s.Actions)
}

func hasHandoff(actions []flows.Action) bool {
	for _, a := range actions {
		if _, ok := a.(*flows.HandoffAction); ok {
			return true
		}
	}
	return false
}

// lintLoops warns about cycles of states that never wait for the user,
// through next: (the engine cuts such a turn short).
func (l *loader) lintLoops(g *graph) {
	n := len(g.states)
	moves := func(i int) bool {
		s := g.states[i]
		return !s.WaitsForInput() && !terminal(s)
	}
	adj := make([][]int, n)
	for i := range n {
		if !moves(i) {
			continue
		}
		for _, m := range g.own[i] {
			if m.kind == flows.EdgeNext && m.to >= 0 && moves(m.to) {
				adj[i] = append(adj[i], m.to)
			}
		}
	}
	// Tarjan's strongly connected components.
	index, low := make([]int, n), make([]int, n)
	for i := range index {
		index[i] = -1
	}
	onStack := make([]bool, n)
	var stack []int
	var sccs [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range adj[v] {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			sccs = append(sccs, scc)
		}
	}
	for i := range n {
		if index[i] < 0 && moves(i) {
			visit(i)
		}
	}
	for _, scc := range sccs {
		if len(scc) == 1 && !slices.Contains(adj[scc[0]], scc[0]) {
			continue
		}
		slices.Sort(scc) // in written order
		names := make([]string, len(scc))
		for k, i := range scc {
			names[k] = `"` + g.states[i].Name + `"`
		}
		l.warnAt(g.states[scc[0]].Pos, "states %s loop through next: without ever waiting for the user; make one of them wait (menu, routes or ask) or end the loop", strings.Join(names, ", "))
	}
}

// lintAfterStop warns about an action written after an end: or a handoff:
// in the same list: they stop the turn, so it never runs (a merge key
// puts the merged keys where << stands, so `<<: *base` with an end
// before an explicit say: is one).
func (l *loader) lintAfterStop() {
	l.flow.Actions(func(_ string, as []flows.Action) {
		for i := 0; i+1 < len(as); i++ {
			var stop string
			switch as[i].(type) {
			case *flows.End:
				stop = "end"
			case *flows.HandoffAction:
				stop = "handoff"
			default:
				continue
			}
			l.warnAt(as[i+1].ActionPos(), "%s: after %s: never runs: a handoff or an end stops the turn; write it before", actionName(as[i+1]), stop)
			return
		}
	})
}

// actionName is the key an action is written with.
func actionName(a flows.Action) string {
	switch a.(type) {
	case *flows.Say:
		return "say"
	case *flows.Set:
		return "set"
	case *flows.HTTP:
		return "http"
	case *flows.HandoffAction:
		return "handoff"
	case *flows.End:
		return "end"
	}
	return "an action"
}

// lintSilentMisses warns, once, about the states where a message the
// state does not understand gets no reply at all: no ladder (the state's
// or the flow's), and nothing of their own to say (an ask's invalid: or
// entity hint, a collect's, a survey's retry).
func (l *loader) lintSilentMisses(g *graph, reach []bool) {
	if l.flow.NoMatch != nil {
		return
	}
	var names []string
	var at flows.Pos
	for i, s := range g.states {
		if !reach[i] || s.NoMatch != nil || s.Survey != nil || s.Collect != nil || s.Call != nil {
			continue
		}
		silent := s.Menu != nil || len(s.Routes) > 0
		if a := s.Ask; a != nil {
			silent = a.Entity == "" && a.Invalid == nil && (a.Pattern != nil || a.Validate != nil)
		}
		if !silent {
			continue
		}
		if names == nil {
			at = s.Pos
		}
		names = append(names, quote(s.Name))
	}
	if len(names) == 0 {
		return
	}
	what := "state " + names[0] + " does"
	if len(names) > 1 {
		if len(names) > 5 {
			names = append(names[:5], "...")
		}
		what = "states " + strings.Join(names, ", ") + " do"
	}
	l.warnAt(at, "no no_match: ladder: a message %s not understand gets no reply at all; add a no_match: at the top of the flow (e.g. no_match: [{say: \"Sorry, I didn't get that.\"}])", what)
}

// lintTranslations warns, once per language, about the texts written
// per language that lack one of the flow's languages: a conversation in
// it gets them in the default language.
func (l *loader) lintTranslations() {
	def := l.flow.DefaultLanguage()
	for _, lang := range l.flow.Languages {
		at := l.untranslated[lang]
		if len(at) == 0 {
			continue
		}
		if len(at) == 1 {
			l.warnAt(at[0], "a text has no %q translation: a conversation in %s gets it in %s; add %q", lang, lang, def, lang)
			continue
		}
		others := make([]string, 0, 5)
		for _, p := range at[1:] {
			if len(others) == 5 {
				others = append(others, "...")
				break
			}
			others = append(others, p.String())
		}
		l.warnAt(at[0], "%d texts have no %q translation (this one, and %s): a conversation in %s gets them in %s; add %q to each", len(at), lang, strings.Join(others, ", "), lang, def, lang)
	}
}

// lintIntents warns about intents declared that nothing reads: the flow
// never analyses a message (NeedsSignals is false), so they never match.
func (l *loader) lintIntents() {
	in := l.flow.NLU.Intents
	if len(in) == 0 || l.flow.NeedsSignals {
		return
	}
	names := make([]string, 0, min(len(in), 5)+1)
	for _, i := range in {
		if len(names) == 5 {
			names = append(names, "...")
			break
		}
		names = append(names, i.Name)
	}
	l.warnAt(in[0].Pos, "nlu: declares %s (%s) and no rule or expression reads them: the flow never analyses a message, so they never match; route on one with intent: (e.g. a route with intent: %s and goto:)", flows.Plural(len(in), "intent"), strings.Join(names, ", "), in[0].Name)
}
