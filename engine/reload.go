package engine

import "github.com/batonbot/baton/flows"

// relocate moves a conversation whose state is gone from the flow (the
// flow was reloaded without it) to the flow's on_reload state, else its
// start, and reports it. The target is entered as a conversation's first
// state is: its actions run and the input is not taken as an answer to
// it (a message is recorded; a timer or an HTTP result of the old state
// is dropped). It reports whether it moved the conversation; only one the
// bot holds moves (after a handoff, the return state is checked when the
// bot takes the conversation back).
func (t *turn) relocate() bool {
	s := t.s
	if s.State == "" || s.Lifecycle != flows.LifecycleBot || t.f.States[s.State] != nil {
		return false
	}
	from := t.stateLabel
	t.unwind(0) // a sub-flow's state is gone: back to the root flow
	to := t.reloadTarget()
	t.emit(flows.Reloaded{From: from, To: to, Version: t.f.Version})
	if t.in.Kind == flows.InputMessage {
		text := t.in.Text
		if text == "" {
			text = t.in.Payload
		}
		text, cut := cutMessage(text, t.e.maxMsg)
		if cut > 0 {
			text += cutMark(cut)
		}
		t.record(flows.RoleUser, text)
		s.LastUserAt = t.now
		t.userMsg = true
	}
	s.Pending = nil
	s.NoMatch = 0
	t.rearm = true
	t.goTo(to)
	return true
}

// reloadTarget is where a conversation goes when the flow changed under
// it: on_reload, else start.
func (t *turn) reloadTarget() string {
	if to := t.f.OnReload; to != "" && t.f.States[to] != nil {
		return to
	}
	return t.f.Start
}

// stateGone reports whether a turn would move the conversation s because
// the flow changed under it: the bot holds it, and the state it waits in,
// or the sub-flow it runs, is not in the flow (see relocate).
func (e *Engine) stateGone(s *flows.Session) bool {
	if s.State == "" || (s.Lifecycle != flows.LifecycleBot && s.Lifecycle != "") {
		return false
	}
	f := e.flow
	if n := len(s.Stack); n > 0 {
		if f = e.flow.Subflows[s.Stack[n-1].Flow]; f == nil {
			return true
		}
	}
	return f.States[s.State] == nil
}
