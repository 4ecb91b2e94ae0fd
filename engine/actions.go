package engine

import "github.com/batonbot/baton/flows"

// actResult tells runPath how to go on after an action.
type actResult uint8

const (
	actNext    actResult = iota // run the next action
	actSuspend                  // wait for an HTTP result (Pending is set)
	actStop                     // a handoff or an end: the bot stops here
	actReturn                   // a sub-flow's end: back to its caller
)

// runAction runs one action of state st (nil before the conversation
// entered any state, for a trigger on the first message).
func (t *turn) runAction(st *flows.State, a flows.Action) actResult {
	switch a := a.(type) {
	case *flows.Say:
		t.say(a)
	case *flows.Set:
		t.set(a)
	case *flows.HTTP:
		return t.http(a)
	case *flows.HandoffAction:
		t.handoff(a)
		return actStop
	case *flows.End:
		if a.Return && len(t.s.Stack) > 0 {
			t.endReason = a.Reason
			return actReturn
		}
		t.end(a.Reason)
		return actStop
	case nil:
	default:
		t.errorf("unknown action %T at %s: this engine runs say, set, http, handoff and end", a, a.ActionPos())
	}
	return actNext
}
