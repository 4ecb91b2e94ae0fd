package dsl

import (
	"strings"

	"github.com/batonbot/baton/flows"
)

// lint reports the warnings of a flow that loads: unreachable states,
// states with no way out, loops that never wait for the user, next: lists
// without a catch-all, invalid: texts said on an escalation, and states
// from which no handoff to a human can be reached.
func (l *loader) lint() {
	f := l.flow
	g := newGraph(f)
	reach := g.reachable()
	for _, name := range f.Order {
		s := f.States[name]
		if !reach[name] {
			l.warnAt(s.Pos, "state %q is unreachable from start %q: nothing leads to it; add a goto to it or remove it", name, f.Start)
			continue
		}
		if !s.WaitsForInput() && !terminal(s) && len(g.own[name]) == 0 {
			l.warnAt(s.Pos, "state %q has no way out: it does not wait for the user, has no next: and does not end the conversation; add next:, a menu, or end: true", name)
		}
	}
	l.lintLoops(g)
	l.lintNext(reach)
	l.lintInvalid(reach)
	toHuman := g.reachesHandoff()
	for _, name := range f.Order {
		s := f.States[name]
		if reach[name] && !s.End && !toHuman[name] {
			l.warnAt(s.Pos, "no handoff to a human can be reached from state %q; WhatsApp asks for a clear path to a person: add a trigger, option or step with handoff: that this state can reach", name)
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

// graph is the flow's moves from flows.Flow.Edges, split into each state's
// own edges and the flow-wide ones, which apply to a state only when it
// waits for the user (and, for triggers, keeps them on; for the flow's
// ladder, has none of its own).
type graph struct {
	f   *flows.Flow
	own map[string][]flows.Edge
	any []flows.Edge
}

func newGraph(f *flows.Flow) *graph {
	g := &graph{f: f, own: map[string][]flows.Edge{}}
	for _, e := range f.Edges() {
		if e.From == flows.AnyState {
			g.any = append(g.any, e)
		} else {
			g.own[e.From] = append(g.own[e.From], e)
		}
	}
	return g
}

// applies reports whether flow-wide edge e can leave state s.
func applies(s *flows.State, e flows.Edge) bool {
	if !waits(s) {
		return false
	}
	switch e.Kind {
	case flows.EdgeTrigger:
		return !s.NoTriggers
	case flows.EdgeNoMatch:
		return s.NoMatch == nil
	}
	return true
}

// succ lists the states s can move to.
func (g *graph) succ(name string) []string {
	s := g.f.States[name]
	if s == nil {
		return nil
	}
	var out []string
	for _, e := range g.own[name] {
		out = append(out, e.To)
	}
	for _, e := range g.any {
		if applies(s, e) {
			out = append(out, e.To)
		}
	}
	return out
}

// reachable is every state a conversation can enter: from start, and from
// the global triggers, which a first message is checked against too.
func (g *graph) reachable() map[string]bool {
	seen := map[string]bool{}
	var queue []string
	push := func(n string) {
		if _, ok := g.f.States[n]; ok && !seen[n] {
			seen[n] = true
			queue = append(queue, n)
		}
	}
	push(g.f.Start)
	push(g.f.OnReload) // where conversations go after a reload
	for _, e := range g.any {
		if e.Kind == flows.EdgeTrigger || (e.Kind == flows.EdgeReturn && len(g.f.Triggers) > 0) {
			push(e.To)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range g.succ(n) {
			push(m)
		}
	}
	return seen
}

// reachesHandoff reports, per state, whether a handoff can happen in it or
// in a state it can reach.
func (g *graph) reachesHandoff() map[string]bool {
	f := g.f
	doHands := func(ds ...flows.Do) bool {
		for _, d := range ds {
			if hasHandoff(d.Actions) {
				return true
			}
		}
		return false
	}
	rulesHand := func(rs []*flows.Rule) bool {
		for _, r := range rs {
			if doHands(r.Do) {
				return true
			}
		}
		return false
	}
	ladderHands := func(lad *flows.Ladder) bool { return lad != nil && doHands(lad.Steps...) }
	ok := map[string]bool{}
	for name, s := range f.States {
		hands := hasHandoff(s.Actions) || rulesHand(s.Routes) || rulesHand(s.Next) || ladderHands(s.NoMatch)
		if s.Menu != nil {
			for _, o := range s.Menu.Options {
				hands = hands || doHands(o.Do)
			}
		}
		if waits(s) {
			hands = hands || (!s.NoTriggers && rulesHand(f.Triggers)) || (s.NoMatch == nil && ladderHands(f.NoMatch))
			for _, t := range f.Timeouts {
				hands = hands || doHands(t.Do)
			}
		}
		ok[name] = hands
	}
	for changed := true; changed; {
		changed = false
		for _, name := range f.Order {
			if ok[name] {
				continue
			}
			for _, m := range g.succ(name) {
				if ok[m] {
					ok[name], changed = true, true
					break
				}
			}
		}
	}
	return ok
}

// lintLoops warns about cycles of states that never wait for the user,
// through next: (the engine cuts such a turn short).
func (l *loader) lintLoops(g *graph) {
	f := l.flow
	moves := func(name string) bool {
		s := f.States[name]
		return s != nil && !s.WaitsForInput() && !terminal(s)
	}
	adj := map[string][]string{}
	for _, name := range f.Order {
		if !moves(name) {
			continue
		}
		for _, e := range g.own[name] {
			if e.Kind == flows.EdgeNext && moves(e.To) {
				adj[name] = append(adj[name], e.To)
			}
		}
	}
	// Tarjan's strongly connected components.
	index, low := map[string]int{}, map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var sccs [][]string
	var visit func(v string)
	visit = func(v string) {
		index[v], low[v] = len(index), len(index)
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range adj[v] {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []string
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
	for _, name := range f.Order {
		if _, seen := index[name]; !seen && moves(name) {
			visit(name)
		}
	}
	for _, scc := range sccs {
		in := map[string]bool{}
		for _, n := range scc {
			in[n] = true
		}
		if len(scc) == 1 && !contains(adj[scc[0]], scc[0]) {
			continue
		}
		var names []string
		for _, n := range f.Order { // in written order
			if in[n] {
				names = append(names, `"`+n+`"`)
			}
		}
		first := f.States[strings.Trim(names[0], `"`)]
		l.warnAt(first.Pos, "states %s loop through next: without ever waiting for the user; make one of them wait (menu, routes or ask) or end the loop", strings.Join(names, ", "))
	}
}
