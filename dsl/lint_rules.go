package dsl

import (
	"github.com/batonbot/baton/flows"
)

// lintNext warns about a state that moves on at once through a next: list
// with no rule that always holds. When none holds (a failed API call, an
// answer the flow did not foresee) the conversation rests in a state that
// does not wait, so the customer's next message starts over at start and
// what was collected is lost.
func (l *loader) lintNext(g *graph, reach []bool) {
	f := l.flow
	for i, s := range g.states {
		name := s.Name
		if !reach[i] || s.WaitsForInput() || terminal(s) || len(s.Next) == 0 || hasCatchAll(s.Next) {
			continue
		}
		last := s.Next[len(s.Next)-1]
		if callsAPI(s.Actions) {
			l.warnAt(last.Pos, "state %q calls an API and its next: has no rule without conditions: when the call fails or answers something else, no rule holds and the customer's next message starts over at %q; end next: with a catch-all rule, e.g. - goto: human", name, f.Start)
			continue
		}
		l.warnAt(last.Pos, "state %q does not wait and its next: has no rule without conditions: when no rule holds, the customer's next message starts over at %q; end next: with a catch-all rule (a goto: without when:)", name, f.Start)
	}
}

// hasCatchAll reports whether one of rules always holds.
func hasCatchAll(rules []*flows.Rule) bool {
	for _, r := range rules {
		if r != nil && !r.NeedsInput() && r.When == nil {
			return true
		}
	}
	return false
}

func callsAPI(actions []flows.Action) bool {
	for _, a := range actions {
		if _, ok := a.(*flows.HTTP); ok {
			return true
		}
	}
	return false
}

// lintInvalid warns about an ask whose invalid: text would be said on the
// no-match step that hands the customer to a person: invalid: replaces
// every step's say, so the customer is asked to try again and handed off
// in the same breath.
func (l *loader) lintInvalid(g *graph, reach []bool) {
	f := l.flow
	for i, s := range g.states {
		name := s.Name
		if !reach[i] || s.Ask == nil || s.Ask.Invalid == nil {
			continue
		}
		lad := s.NoMatch
		if lad == nil {
			lad = f.NoMatch
		}
		if lad == nil || len(lad.Steps) == 0 {
			continue
		}
		step := lad.Steps[len(lad.Steps)-1]
		say := firstSay(step.Actions)
		if say == nil || (!hasHandoff(step.Actions) && !l.handsOff(step.Goto)) {
			continue
		}
		if kind, auto := l.autoHints[s.Ask.Invalid]; auto {
			l.warnAt(s.Ask.Invalid.Pos, "state %q: the built-in re-prompt of entity: %s replaces the say of the last no-match step (at %s), which hands off: the customer is asked to try again and handed to a person in the same breath; say it in the handoff's own say: (handoff: {say: ...}), which the re-prompt does not replace", name, kind, say.Pos)
			continue
		}
		l.warnAt(s.Ask.Invalid.Pos, "state %q: invalid: replaces the say of the last no-match step (at %s), which hands off: the customer is asked to try again and handed to a person in the same breath; say it in the handoff's own say: (handoff: {say: ...}), which invalid: does not replace", name, say.Pos)
	}
}

func firstSay(actions []flows.Action) *flows.Say {
	for _, a := range actions {
		if s, ok := a.(*flows.Say); ok {
			return s
		}
	}
	return nil
}

// handsOff reports whether entering state name leads, without waiting for
// the customer, to a handoff.
func (l *loader) handsOff(name string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(name string) bool {
		s := l.flow.States[name]
		if s == nil || seen[name] {
			return false
		}
		seen[name] = true
		if hasHandoff(s.Actions) {
			return true
		}
		if s.WaitsForInput() || s.End {
			return false
		}
		for _, r := range s.Next {
			if hasHandoff(r.Do.Actions) || walk(r.Do.Goto) {
				return true
			}
		}
		return false
	}
	return walk(name)
}
