package convtest

import (
	"fmt"
	"io"
	"strings"

	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// coverage records which states of a flow the tests visited and which of
// its transitions (flows.Flow.Edges) they took.
type coverage struct {
	flow    *flows.Flow
	edges   []flows.Edge
	taken   []bool
	visited map[string]bool
	state   string // the conversation's state after the events observed
	// fired are the positions of the options and rules that held in the
	// step observed.
	fired map[flows.Pos]bool
}

func newCoverage(f *flows.Flow) *coverage {
	e := f.Edges()
	return &coverage{flow: f, edges: e, taken: make([]bool, len(e)), visited: map[string]bool{}}
}

// observe attributes each state change of a step to the edges that explain
// it: the trigger or route that fired, the no-match ladder, a timeout, a
// handoff's return, else the menu option, route or transition between the
// two states that tr (the step's trace) says held.
func (c *coverage) observe(res *sandbox.Step, tr *engine.Trace) {
	c.fired = map[flows.Pos]bool{}
	for _, tt := range tr.Turns {
		for _, ch := range tt.Checks {
			if ch.Fired && (ch.Kind == engine.CheckMenu || ch.Kind == engine.CheckRoute || ch.Kind == engine.CheckNext) {
				c.fired[ch.Pos] = true
			}
		}
	}
	c.fireHandoffs()
	var trigger string
	noMatch, skip := false, false
	var lastInput *flows.Input
	for i := range res.Events {
		ev := &res.Events[i]
		if lastInput == nil || ev.Input.Kind != lastInput.Kind || !ev.Input.At.Equal(lastInput.At) {
			trigger, noMatch, skip = "", false, false
			lastInput = &ev.Input
		}
		switch e := ev.Effect.(type) {
		case flows.TriggerFired:
			trigger, c.state = e.Name, e.State
		case flows.NoMatch:
			noMatch, c.state = true, e.State
		case flows.SurveySkipped:
			skip = true
		case flows.StateChange:
			if e.From != "" {
				c.visited[e.From] = true
			}
			c.visited[e.To] = true
			// A trigger on a conversation's first message moves from no
			// state: its edge leaves any state.
			switch {
			case skip || (e.From != "" && c.skipsTo(e.From, e.To)):
				// A survey skipped, or not sampled: its skip path.
				c.takeSkip(e.From, e.To)
			case e.From != "" || trigger != "":
				c.take(e.From, e.To, ev.Input.Kind, trigger, noMatch)
			}
			trigger, noMatch, skip = "", false, false
			c.state = e.To
		case flows.HandoffEffect:
			// A handoff made by the rule itself (handoff: in a trigger,
			// route, option, ladder step or timeout) moves to no state.
			c.take(c.state, "", ev.Input.Kind, trigger, noMatch)
		case flows.EndEffect:
			c.takeEnd(c.state, ev.Input.Kind, trigger, noMatch)
		}
	}
	// An option or rule that held and ends by itself ended the
	// conversation, or returned from a sub-flow (which emits no end).
	for i, e := range c.edges {
		if e.End && c.fired[e.Pos] && (e.Kind == flows.EdgeMenu || e.Kind == flows.EdgeRoute || e.Kind == flows.EdgeNext) {
			c.taken[i] = true
		}
	}
}

// takeEnd marks the flow-wide end that ended the conversation in state
// from: the trigger's, the no-match ladder's or the timeout's.
func (c *coverage) takeEnd(from string, in flows.InputKind, trigger string, noMatch bool) {
	mark := func(ok func(flows.Edge) bool) bool {
		any := false
		for i, e := range c.edges {
			if e.End && ok(e) {
				c.taken[i] = true
				any = true
			}
		}
		return any
	}
	switch {
	case trigger != "" && mark(func(e flows.Edge) bool {
		return (e.Kind == flows.EdgeTrigger || e.Kind == flows.EdgeRoute) && leaves(e, from) && e.Label == trigger
	}):
	case noMatch && mark(func(e flows.Edge) bool { return e.Kind == flows.EdgeNoMatch && leaves(e, from) }):
	case in == flows.InputTimer:
		mark(func(e flows.Edge) bool { return e.Kind == flows.EdgeTimeout })
	}
}

// leaves reports whether edge e can leave state from: its own, or a
// flow-wide one.
func leaves(e flows.Edge, from string) bool {
	if e.From == from || e.From == flows.AnyState {
		return true
	}
	// A sub-flow's flow-wide edges leave any of its states.
	i := strings.LastIndex(from, "/")
	return i > 0 && e.From == from[:i+1]+flows.AnyState
}

// fireHandoffs adds to fired the handoffs of the options and rules that
// held: a rule's own handoff edge is at its handoff's position.
func (c *coverage) fireHandoffs() {
	if len(c.fired) == 0 {
		return
	}
	add := func(pos flows.Pos, do flows.Do) {
		if !c.fired[pos] {
			return
		}
		for _, a := range do.Actions {
			if h, ok := a.(*flows.HandoffAction); ok {
				c.fired[h.Pos] = true
			}
		}
	}
	for _, label := range c.flow.Labels() {
		st := c.flow.Lookup(label)
		if st == nil {
			continue
		}
		if st.Menu != nil {
			for _, o := range st.Menu.Options {
				add(o.Pos, o.Do)
			}
		}
		for _, rs := range [][]*flows.Rule{st.Routes, st.Next} {
			for _, r := range rs {
				if r != nil {
					add(r.Pos, r.Do)
				}
			}
		}
	}
}

// skipsTo reports whether from is a survey state whose skip path leads
// to to and that asked nothing (sampling left the conversation out): the
// move is its skip edge when no other edge of from leads there.
func (c *coverage) skipsTo(from, to string) bool {
	st := c.flow.States[from]
	if st == nil || st.Survey == nil || st.Survey.Skip != to {
		return false
	}
	for _, e := range c.edges {
		if e.From == from && e.To == to && e.Kind != flows.EdgeSkip {
			return false
		}
	}
	return true
}

func (c *coverage) takeSkip(from, to string) {
	for i, e := range c.edges {
		if e.Kind == flows.EdgeSkip && e.From == from && e.To == to {
			c.taken[i] = true
		}
	}
}

func (c *coverage) take(from, to string, in flows.InputKind, trigger string, noMatch bool) {
	mark := func(ok func(flows.Edge) bool) bool {
		any := false
		for i, e := range c.edges {
			if e.To == to && e.Handoff == (to == "") && ok(e) {
				c.taken[i] = true
				any = true
			}
		}
		return any
	}
	fromHere := func(e flows.Edge) bool { return leaves(e, from) }
	switch {
	case trigger != "" && mark(func(e flows.Edge) bool {
		return (e.Kind == flows.EdgeTrigger || e.Kind == flows.EdgeRoute) && fromHere(e) && e.Label == trigger
	}):
	case noMatch && mark(func(e flows.Edge) bool { return e.Kind == flows.EdgeNoMatch && fromHere(e) }):
	case in == flows.InputTimer && mark(func(e flows.Edge) bool { return e.Kind == flows.EdgeTimeout }):
	case in == flows.InputTicket && mark(func(e flows.Edge) bool { return e.Kind == flows.EdgeReturn }):
	default:
		// Of the options and rules between the two states, the one that
		// held (all of them when the trace names none).
		between := func(e flows.Edge) bool {
			return e.From == from && (e.Kind == flows.EdgeMenu || e.Kind == flows.EdgeRoute || e.Kind == flows.EdgeNext || e.Kind == flows.EdgeCall)
		}
		if !mark(func(e flows.Edge) bool { return between(e) && (e.Kind == flows.EdgeCall || c.fired[e.Pos]) }) {
			mark(between)
		}
	}
}

func (c *coverage) print(w io.Writer, path string) {
	fmt.Fprintf(w, "coverage of flow %q (%s):\n", c.flow.Name, path)
	var missed []string
	labels := c.flow.Labels() // sub-flows' states too, as "subflow/state"
	for _, name := range labels {
		if !c.visited[name] {
			missed = append(missed, name)
		}
	}
	fmt.Fprintf(w, "  states: %d of %d visited", len(labels)-len(missed), len(labels))
	if len(missed) == 0 {
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "; never visited:")
		for _, name := range missed {
			fmt.Fprintf(w, "    %s (%s)\n", name, c.flow.Lookup(name).Pos)
		}
	}
	n := 0
	for _, t := range c.taken {
		if t {
			n++
		}
	}
	fmt.Fprintf(w, "  transitions: %d of %d taken", n, len(c.edges))
	if n == len(c.edges) {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, "; never taken:")
	for i, e := range c.edges {
		if !c.taken[i] {
			fmt.Fprintf(w, "    %s\n", describeEdge(e))
		}
	}
}

// describeEdge is one line for an edge: "welcome → faq (menu "2. FAQ") at file:line:col".
func describeEdge(e flows.Edge) string {
	from := e.From
	if from == flows.AnyState {
		from = "any state"
	}
	what := string(e.Kind)
	if e.Label != "" {
		what += fmt.Sprintf(" %q", e.Label)
	}
	to := e.To
	switch {
	case e.Handoff:
		to = "handoff to a person"
	case e.End:
		to = "end"
	}
	s := fmt.Sprintf("%s → %s (%s)", from, to, what)
	if !e.Pos.IsZero() {
		s += " at " + e.Pos.String()
	}
	return s
}
