package engine

import (
	"strings"

	"github.com/batonbot/baton/flows"
)

// message handles a user message: to the bot, to the ticket while a human
// holds the conversation, or as the start of a new conversation after the
// last one closed.
func (t *turn) message() {
	s := t.s
	if t.in.Payload != "" {
		t.in.Payload = t.optionPayload(t.in.Payload)
	}
	t.text = t.in.Text
	if t.text == "" {
		t.text = t.in.Payload
	}
	t.text, t.cut = cutMessage(t.text, t.e.maxMsg)
	switch s.Lifecycle {
	case flows.LifecycleHandedOff, flows.LifecycleWithAgent:
		i := t.recordUser()
		if s.Handoff == nil {
			t.errorf("the conversation is %s but has no open handoff; the message is only recorded", s.Lifecycle)
			return
		}
		t.emit(flows.Append{HandoffID: s.Handoff.ID, Message: t.msgs[i]})
		return
	case flows.LifecycleClosed:
		t.restart()
	}
	s.LastUserAt = t.now
	t.userMsg = true
	t.rearm = true
	if p := s.Pending; p != nil {
		if t.now.Sub(p.At) < pendingExpiry {
			t.recordUser() // the bot answers once the HTTP result is in
			t.rearm = false
			if p.Timeout > 0 { // the customer is back: the timeouts start over after the result
				np := *p
				np.Timeout = 0
				s.Pending = &np
			}
			return
		}
		t.errorf("the HTTP call %s got no result within %s; the conversation goes on without it", p.ID, pendingExpiry)
		s.Pending = nil
	}
	mi := t.recordUser()

	if s.State == "" { // a new conversation: triggers first, then the start state
		if !t.triggers(nil) {
			if t.in.Media != nil {
				t.unhandledMedia(nil)
			}
			t.goTo(t.e.flow.Start)
		}
		return
	}
	st := t.f.States[s.State]
	if st == nil {
		t.goTo(s.State) // reports the unknown state and starts over
		return
	}
	if st.Menu != nil {
		if i := t.directChoice(st.Menu); i >= 0 {
			t.direct = true
			t.traceMenu(st, i, directBy(t.in))
			t.choose(st, i, mi)
			return
		}
	}
	if !st.NoTriggers && t.triggers(st) {
		return
	}
	if st.Survey != nil {
		t.surveyAnswer(st)
		return
	}
	if st.Menu != nil {
		i := t.matchMenu(st.Menu)
		t.traceMenu(st, i, "words")
		if i >= 0 {
			t.choose(st, i, mi)
			return
		}
	}
	for i, r := range st.Routes {
		if by, m, ok := t.checkRule(CheckRoute, t.qual(st.Name), r); ok {
			name := r.Name
			if name == "" {
				name = st.Name + ".routes." + itoa(i)
			}
			t.emit(flows.TriggerFired{Name: name, State: t.qual(st.Name), By: by, Match: m})
			t.matched()
			t.trigger = name
			t.goTo(t.runPath(st, loc{kind: locRoute, idx: i}, 0))
			return
		}
	}
	if st.Collect != nil {
		t.collectAnswer(st)
		return
	}
	if st.Ask != nil {
		t.ask(st)
		return
	}
	if !st.WaitsForInput() {
		// The conversation rests in a state that does not wait (a goodbye):
		// a new message starts over.
		if t.in.Media != nil {
			t.unhandledMedia(nil)
		}
		t.goTo(t.startOver())
		return
	}
	if t.in.Media != nil {
		t.unhandledMedia(st)
		return
	}
	t.noMatch(st, false)
}

// triggers tries the global triggers in order and runs the first that
// holds.
//
// In a sub-flow the callers' triggers come first, the root flow's before
// all (its escalations hold in every flow it calls), then each caller's
// down to the running flow's own: a caller's trigger leaves the sub-flows
// below that caller (it gets its variables back) and runs there.
func (t *turn) triggers(st *flows.State) bool {
	depth := len(t.s.Stack)
	for d := 0; d <= depth; d++ {
		f := t.f
		if d < depth {
			f = t.flowAt(d)
		}
		if f == nil {
			continue
		}
		for i, r := range f.Triggers {
			state := t.stateLabel
			if state == "" { // a first message: the conversation begins at start
				state = t.f.Start
			}
			by, m, ok := t.checkRule(CheckTrigger, state, r)
			if !ok {
				continue
			}
			if d < depth {
				t.unwind(d)
				st = t.f.States[t.s.State]
				t.stateLabel = state // the state change starts where the customer was
			}
			t.emit(flows.TriggerFired{Name: r.Name, State: state, By: by, Match: m})
			t.matched()
			t.trigger = r.Name
			t.goTo(t.runPath(st, loc{kind: locTrigger, idx: i}, 0))
			return true
		}
	}
	return false
}

// choose runs a menu option; the transcript shows its label.
func (t *turn) choose(st *flows.State, i, msg int) {
	o := st.Menu.Options[i]
	t.msgs[msg].Choice = t.label(o)
	t.matched()
	t.trigger = "menu"
	t.goTo(t.runPath(st, loc{kind: locMenu, idx: i}, 0))
}

// ask captures an answer: the pattern's match (or first group), then
// validation, then the variable, then the state's transitions.
func (t *turn) ask(st *flows.State) {
	a := st.Ask
	if a.Entity != "" {
		v, ok := t.takeAnswer(a.Entity, a.Validate, false)
		if !ok {
			t.noMatch(st, true)
			return
		}
		t.matched()
		t.answer = formatValue(v)
		if a.SaveAs != "" {
			t.setVar(a.SaveAs, v)
		}
		t.goTo(t.next(st))
		return
	}
	answer := strings.TrimSpace(t.text)
	ok := answer != ""
	if ok && a.Pattern != nil {
		m := a.Pattern.FindStringSubmatch(t.text)
		switch {
		case m == nil:
			ok = false
		case len(m) > 1:
			answer = m[1]
		default:
			answer = m[0]
		}
	}
	if ok && a.Validate != nil {
		t.answer = answer
		ok = t.evalBool(a.Validate)
	}
	if !ok && t.in.Media != nil {
		t.unhandledMedia(st)
		return
	}
	if !ok {
		t.noMatch(st, true)
		return
	}
	t.matched()
	t.answer = answer
	t.entAllUsed = true // the whole message is the answer
	if a.SaveAs != "" {
		t.setVar(a.SaveAs, answer)
	}
	t.goTo(t.next(st))
}

// noMatch counts a message the state did not understand and runs the
// ladder's step for the count.
func (t *turn) noMatch(st *flows.State, invalid bool) {
	s := t.s
	s.NoMatch++
	t.noMatchSeen = max(t.noMatchSeen, s.NoMatch)
	t.emit(flows.NoMatch{State: t.qual(st.Name), Count: s.NoMatch, Text: t.text, Invalid: invalid})
	t.trigger = "no_match"
	ld := t.ladder(st)
	if ld == nil || len(ld.Steps) == 0 {
		if inv := t.invalidText(st); invalid && inv != nil {
			mark := len(t.out)
			t.reply(t.renderText(inv))
			t.stay(st, mark)
		}
		return
	}
	idx := min(s.NoMatch, len(ld.Steps)) - 1
	t.goTo(t.runPath(st, loc{kind: locNoMatch, idx: idx, invalid: invalid}, 0))
}

// restart begins a new conversation after the last one closed: the
// variables go back to the flow's defaults with the host's initial values
// over them, and the bot has it again.
func (t *turn) restart() {
	s := t.s
	t.lifecycle(evRestart)
	t.unwind(0)
	s.State = ""
	t.stateLabel = ""
	s.Vars = nil
	if len(s.InitVars) > 0 {
		s.Vars = cloneMap(s.InitVars)
	}
	t.varsOwned = false
	s.NoMatch = 0
	s.Transcript = nil
	s.Pending = nil
	t.closeTicket("returned_to_bot") // none is open once closed; a stale one is not left behind
	s.Signals = nil
	s.Outcome = ""
	s.SurveyComment = false
	s.TimerKey, s.TimerIndex = "", 0
	s.CreatedAt = t.now
}
