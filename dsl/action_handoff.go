package dsl

import (
	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var (
	handoffKeys = []string{"say", "reason", "team", "priority", "tags", "return"}
	priorities  = []string{"low", "normal", "high", "urgent"}
)

// handoff converts a handoff action; `handoff: {}` uses every default.
func (l *loader) handoff(pos flows.Pos, n *yaml.Node) flows.Action {
	h := &flows.HandoffAction{Pos: pos}
	ps, ok := l.fields(n, "a handoff", handoffKeys)
	if !ok {
		return nil
	}
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "say":
			h.Say = l.text(p.val, "say")
		case "reason":
			h.Reason = l.template(p.val, "a reason")
		case "team":
			h.Team = l.template(p.val, "a team")
		case "priority":
			h.Priority = l.template(p.val, "a priority")
			if s, static := h.Priority.Static(); h.Priority != nil && static && !contains(priorities, s) {
				l.errorf(p.val, "unknown priority %q%s", s, suggestKey(s, priorities))
			}
		case "tags":
			items, ok := l.list(p.val, "a list of tags")
			if !ok && isScalar(p.val) {
				items = []*yaml.Node{p.val}
			}
			for _, it := range items {
				if t := l.template(it, "a tag"); t != nil {
					h.Tags = append(h.Tags, t)
				}
			}
		case "return":
			h.Return = l.goTo(p.val, "return")
		}
	}
	return h
}
