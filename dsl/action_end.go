package dsl

import (
	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// end converts `end: true` or `end: reason`.
func (l *loader) end(pos flows.Pos, n *yaml.Node) flows.Action {
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.ScalarNode && rn.ShortTag() == "!!bool" {
		on, _ := l.boolean(n, "end:")
		if !on {
			l.errorf(n, "end: false does nothing; remove it")
			return nil
		}
		return &flows.End{Pos: pos}
	}
	if isNull(n) {
		return &flows.End{Pos: pos}
	}
	reason, ok := l.name(n, "end: true or a reason")
	if !ok {
		return nil
	}
	return &flows.End{Pos: pos, Reason: reason}
}
