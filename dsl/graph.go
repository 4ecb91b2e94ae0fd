package dsl

import "github.com/batonbot/baton/flows"

// graph is the flow's moves (flows.Flow.Edges) between its own states,
// numbered in written order (Flow.Order): each state's own moves, and the
// flow-wide ones, which apply to a state only when it waits for the user
// (and, for triggers, keeps them on; for the flow's ladder, has none of
// its own). Numbers and slices, not names and maps: the lints walk it
// several times, and a large flow has thousands of states.
type graph struct {
	f      *flows.Flow
	states []*flows.State // by number
	own    [][]move       // by state number
	any    []move
}

// move is an edge to the state numbered to; to is -1 when the edge leaves
// the flow's own states (to a sub-flow) or goes to no state (a handoff).
type move struct {
	to   int
	kind flows.EdgeKind
}

func newGraph(f *flows.Flow) *graph {
	n := len(f.Order)
	g := &graph{f: f, states: make([]*flows.State, 0, n), own: make([][]move, n)}
	num := make(map[string]int, n)
	for _, name := range f.Order {
		if s := f.States[name]; s != nil {
			num[name] = len(g.states)
			g.states = append(g.states, s)
		}
	}
	for _, e := range f.Edges() {
		to, ok := num[e.To]
		if !ok {
			to = -1
		}
		if e.From == flows.AnyState {
			g.any = append(g.any, move{to, e.Kind})
		} else if from, ok := num[e.From]; ok {
			g.own[from] = append(g.own[from], move{to, e.Kind})
		}
	}
	return g
}

// applies reports whether a flow-wide move of kind can leave state s.
func applies(s *flows.State, kind flows.EdgeKind) bool {
	if !waits(s) {
		return false
	}
	switch kind {
	case flows.EdgeTrigger:
		return !s.NoTriggers
	case flows.EdgeNoMatch:
		return s.NoMatch == nil
	}
	return true
}

// succ calls fn with each state state i can move to.
func (g *graph) succ(i int, fn func(j int)) {
	for _, m := range g.own[i] {
		if m.to >= 0 {
			fn(m.to)
		}
	}
	s := g.states[i]
	for _, m := range g.any {
		if m.to >= 0 && applies(s, m.kind) {
			fn(m.to)
		}
	}
}

// reachable is every state a conversation can enter, by number: from
// start, and from the global triggers, which a first message is checked
// against too.
func (g *graph) reachable() []bool {
	seen := make([]bool, len(g.states))
	queue := make([]int, 0, len(g.states))
	push := func(i int) {
		if i >= 0 && !seen[i] {
			seen[i] = true
			queue = append(queue, i)
		}
	}
	push(g.num(g.f.Start))
	push(g.num(g.f.OnReload)) // where conversations go after a reload
	for _, m := range g.any {
		if m.kind == flows.EdgeTrigger || (m.kind == flows.EdgeReturn && len(g.f.Triggers) > 0) {
			push(m.to)
		}
	}
	for k := 0; k < len(queue); k++ {
		g.succ(queue[k], push)
	}
	return seen
}

// num is the number of the state name, -1 if there is none.
func (g *graph) num(name string) int {
	for i, s := range g.states {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// reachesHandoff reports, per state number, whether a handoff can happen
// in it or in a state it can reach: the states that hand off themselves,
// then, walking the moves backwards, every state that leads to one.
func (g *graph) reachesHandoff() []bool {
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
	triggersHand, ladderHand, timeoutsHand := rulesHand(f.Triggers), ladderHands(f.NoMatch), false
	for _, t := range f.Timeouts {
		timeoutsHand = timeoutsHand || doHands(t.Do)
	}
	n := len(g.states)
	ok := make([]bool, n)
	queue := make([]int, 0, n)
	preds := make([][]int, n)
	for i, s := range g.states {
		hands := hasHandoff(s.Actions) || rulesHand(s.Routes) || rulesHand(s.Next) || ladderHands(s.NoMatch)
		if s.Menu != nil {
			for _, o := range s.Menu.Options {
				hands = hands || doHands(o.Do)
			}
		}
		if waits(s) {
			hands = hands || (!s.NoTriggers && triggersHand) || (s.NoMatch == nil && ladderHand) || timeoutsHand
		}
		if hands {
			ok[i] = true
			queue = append(queue, i)
		}
		g.succ(i, func(j int) { preds[j] = append(preds[j], i) })
	}
	for k := 0; k < len(queue); k++ {
		for _, p := range preds[queue[k]] {
			if !ok[p] {
				ok[p] = true
				queue = append(queue, p)
			}
		}
	}
	return ok
}
