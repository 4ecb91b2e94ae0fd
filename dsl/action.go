package dsl

import (
	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// action converts one action key (say, set, http, handoff, end, do) and
// appends the result to out, keeping the written order.
func (l *loader) action(key string, p pair, out *[]flows.Action) {
	pos := l.pos(p.key)
	switch key {
	case "say":
		if t := l.text(p.val, "say"); t != nil {
			*out = append(*out, &flows.Say{Pos: pos, Text: t})
		}
	case "set":
		if a := l.set(pos, p.val); a != nil {
			*out = append(*out, a)
		}
	case "http":
		if a := l.http(pos, p.val); a != nil {
			*out = append(*out, a)
		}
	case "handoff":
		if a := l.handoff(pos, p.val); a != nil {
			*out = append(*out, a)
		}
	case "end":
		if a := l.end(pos, p.val); a != nil {
			*out = append(*out, a)
		}
	case "do":
		l.do(p.val, out)
	}
}

// do converts `do: [{say: ...}, {http: ...}]`, flattening it in place.
func (l *loader) do(n *yaml.Node, out *[]flows.Action) {
	items, ok := l.list(n, "a list of actions")
	if !ok {
		return
	}
	for _, it := range items {
		ps, _ := l.fields(it, "an action", actionKeys)
		for _, p := range ps {
			l.action(resolve(p.key).Value, p, out)
		}
	}
}
