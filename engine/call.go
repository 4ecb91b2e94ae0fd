package engine

import (
	"sort"
	"strings"

	"github.com/batonbot/baton/flows"
)

// maxCallDepth bounds nested sub-flow calls in one conversation.
const maxCallDepth = 8

// flowAt is the flow that runs with depth callers on the stack: the root
// at 0, else the sub-flow the top frame called.
func (t *turn) flowAt(depth int) *flows.Flow {
	if depth == 0 {
		return t.e.flow
	}
	if f := t.e.flow.Subflows[t.s.Stack[depth-1].Flow]; f != nil {
		return f
	}
	return nil
}

// qual is how events name a state of the current flow: "name", or
// "subflow/name" inside a sub-flow.
func (t *turn) qual(name string) string {
	if n := len(t.s.Stack); n > 0 && name != "" {
		return t.s.Stack[n-1].Flow + "/" + name
	}
	return name
}

// call starts the sub-flow of st: its variables are its defaults and the
// call's inputs (evaluated here, in the caller); the caller waits on the
// stack. It returns the sub-flow's start state.
func (t *turn) call(st *flows.State) string {
	c := st.Call
	sub := t.e.flow.Subflows[c.Flow]
	if sub == nil {
		t.errorf("state %q calls the sub-flow %q, which the flow does not have (load flows with the dsl package)", st.Name, c.Flow)
		return t.next(st)
	}
	if len(t.s.Stack) >= maxCallDepth {
		chain := []string{t.e.flow.Name}
		for _, fr := range t.s.Stack {
			chain = append(chain, fr.Flow)
		}
		t.errorf("state %q calls %q with %d calls already under way (%s → %s); calls nest at most %d deep: call sub-flows one after the other (a caller's next state calls the next one once the one before ends with end:) rather than one inside another",
			st.Name, c.Flow, len(t.s.Stack), strings.Join(chain, " → "), c.Flow, maxCallDepth)
		return t.next(st)
	}
	in := make(map[string]any, len(c.In))
	var names []string
	for _, a := range c.In {
		if v, ok := t.eval(a.Value); ok {
			in[a.Var] = v
			names = append(names, a.Var)
		}
	}
	stack := make([]flows.Frame, len(t.s.Stack), len(t.s.Stack)+1)
	copy(stack, t.s.Stack)
	t.s.Stack = append(stack, flows.Frame{Flow: c.Flow, State: st.Name, Vars: t.s.Vars})
	t.switchFlow(sub, nil)
	sort.Strings(names)
	for _, n := range names {
		t.setVar(n, in[n])
	}
	return sub.Start
}

// returnCall ends the running sub-flow: its outputs (its variables, and
// the reason it ended with, t.endReason) are copied into the caller's
// variables and the calling state's transitions run.
func (t *turn) returnCall() string {
	reason := t.endReason
	t.endReason = ""
	n := len(t.s.Stack)
	top := t.s.Stack[n-1]
	caller := t.flowAt(n - 1)
	st := caller.States[top.State]
	var outs []flows.CallOut
	if st != nil && st.Call != nil {
		outs = st.Call.Out
	}
	vals := make([]any, len(outs))
	for i, o := range outs {
		if o.From == flows.CallEndReason {
			vals[i] = reason
			continue
		}
		v, ok := t.s.Vars[o.From]
		if !ok {
			v = t.f.Vars[o.From]
		}
		vals[i] = cloneValue(v)
	}
	t.s.Stack = t.s.Stack[: n-1 : n-1]
	t.switchFlow(caller, top.Vars)
	t.s.State = top.State
	t.stateLabel = t.qual(top.State)
	for i, o := range outs {
		t.setVar(o.To, vals[i])
	}
	if st == nil {
		t.errorf("the calling state %q is gone (the flow changed during the call?); starting over", top.State)
		return t.startOver()
	}
	return t.next(st)
}

// switchFlow makes f the running flow with vars as the session's
// variables (not owned: the first write copies them).
func (t *turn) switchFlow(f *flows.Flow, vars map[string]any) {
	t.f = f
	t.s.Vars = vars
	t.varsOwned = false
	t.releaseEnv()
}

// unwindTo leaves sub-flows until a flow has state name, and reports
// whether one had: a jump from a sub-flow to a caller's state (a
// trigger's or a ladder step's goto) abandons what it was doing.
func (t *turn) unwindTo(name string) bool {
	for depth := len(t.s.Stack) - 1; depth >= 0; depth-- {
		if f := t.flowAt(depth); f != nil && f.States[name] != nil {
			t.unwind(depth)
			return true
		}
	}
	return false
}

// unwind drops the frames above depth, giving the caller at depth its
// variables back (without the sub-flows' outputs).
func (t *turn) unwind(depth int) {
	if depth >= len(t.s.Stack) {
		return
	}
	fr := t.s.Stack[depth]
	t.s.Stack = t.s.Stack[:depth:depth]
	if depth == 0 {
		t.s.Stack = nil
	}
	t.switchFlow(t.flowAt(depth), fr.Vars)
	t.s.State = fr.State
	t.stateLabel = t.qual(fr.State)
}

// startOver leaves every sub-flow and returns the root's start state.
func (t *turn) startOver() string {
	t.unwind(0)
	return t.e.flow.Start
}
