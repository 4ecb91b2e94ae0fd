package dsl

import (
	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var (
	actionKeys = []string{"say", "set", "http", "handoff", "end", "do"}
	stateKeys  = append(append([]string(nil), actionKeys...), "menu", "routes", "ask", "collect", "survey", "call", "next", "no_match", "triggers")
)

// state converts one state: its actions in written order, then what it
// waits for or where it goes next.
func (l *loader) state(name string, key, n *yaml.Node) *flows.State {
	s := &flows.State{Name: name, Pos: l.pos(key)}
	ps, _ := l.fields(n, "state "+quote(name), stateKeys)
	var next, survey *yaml.Node
	triggers := false
	for _, p := range ps {
		if resolve(p.key).Value == "survey" {
			survey = p.key
		}
		switch k := resolve(p.key).Value; k {
		case "menu":
			s.Menu = l.menu(p.val)
		case "routes":
			items, _ := l.list(p.val, "a list of routes")
			for _, it := range items {
				if r := l.rule(it, ruleRoute); r != nil {
					s.Routes = append(s.Routes, r)
				}
			}
		case "ask":
			s.Ask = l.ask(p.val)
		case "collect":
			s.Collect = l.collect(p.val)
		case "survey":
			s.Survey = l.survey(p.val, name)
		case "call":
			s.Call = l.call(p.val)
		case "next":
			next = p.key
			s.Next = l.next(p.val)
		case "no_match":
			s.NoMatch = l.ladder(p.val)
		case "triggers":
			triggers = true
			if on, ok := l.boolean(p.val, "triggers:"); ok {
				s.NoTriggers = !on
			}
		default:
			l.action(k, p, &s.Actions)
		}
	}
	s.End = ends(s.Actions)
	if s.Survey != nil {
		if s.Menu != nil || s.Ask != nil || s.Collect != nil || len(s.Routes) > 0 {
			l.errorf(survey, "state %q has a survey and a menu, ask, collect or routes; a survey waits for the score alone: put the others in a state of their own", name)
		}
		if !triggers {
			// A score is not a reason to escalate ("1", "terrible"):
			// triggers are off in a survey unless the state turns them on.
			s.NoTriggers = true
		}
	}
	if next != nil && s.Ask == nil && s.Collect == nil && s.Survey == nil && (s.Menu != nil || len(s.Routes) > 0) {
		l.errorf(next, "state %q waits for the user (menu or routes), so its next: would never run; put goto: in the options or routes instead", name)
	}
	if s.Call != nil && s.WaitsForInput() {
		l.errorf(key, "state %q calls a sub-flow and waits for the customer; let the sub-flow ask, and put what follows in next:", name)
	}
	if s.Collect != nil && (s.Ask != nil || s.Menu != nil) {
		l.errorf(key, "state %q has collect: and an ask or menu; a state collects, asks or offers a menu", name)
	}
	return s
}

// ends reports whether actions end the conversation.
func ends(actions []flows.Action) bool {
	for _, a := range actions {
		if _, ok := a.(*flows.End); ok {
			return true
		}
	}
	return false
}

// next converts `next:`, a state name or a list of rules.
func (l *loader) next(n *yaml.Node) []*flows.Rule {
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.ScalarNode && !isNull(rn) {
		return []*flows.Rule{{Pos: l.pos(n), Do: flows.Do{Goto: l.goTo(n, "next")}}}
	}
	if rn == nil || rn.Kind != yaml.SequenceNode {
		l.errorf(n, "expected next: to be a state name or a list of rules (when: and goto:), got %s", describe(n))
		return nil
	}
	var out []*flows.Rule
	for _, it := range rn.Content {
		if r := l.rule(it, ruleNext); r != nil {
			out = append(out, r)
		}
	}
	return out
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + s + `"`
}
