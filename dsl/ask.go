package dsl

import (
	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var askKeys = []string{"save_as", "entity", "pattern", "validate", "invalid"}

// ask converts an ask: the variable to save the answer in, and how to
// extract and validate it.
func (l *loader) ask(n *yaml.Node) *flows.Ask {
	a := &flows.Ask{Pos: l.pos(n)}
	ps, ok := l.fields(n, "an ask", askKeys)
	if !ok {
		return nil
	}
	if !hasKey(ps, "save_as") {
		l.errorf(n, "an ask needs save_as: the variable that receives the answer")
	}
	var entity *yaml.Node
	for _, p := range ps {
		if resolve(p.key).Value == "entity" {
			a.Entity, entity = l.entityKind(p.val), p.val
		}
	}
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "save_as":
			a.SaveAs = l.capture(p.val, entityCapture(a.Entity, entity), captureBy("ask", a.Entity))
		case "pattern":
			a.Pattern = l.regexp(p.val)
			if a.Entity != "" && a.Pattern != nil {
				// The engine takes the entity's value, never the match.
				l.errorf(p.val, "pattern: is not read when the ask has entity: (the entity's value is the answer); check the value with validate: instead, e.g. validate: answer matches %q", a.Pattern.String())
			}
		case "validate":
			a.Validate = l.expr(p.val, true, "validate")
		case "invalid":
			a.Invalid = l.text(p.val, "invalid")
		}
	}
	if a.Entity != "" && a.Invalid == nil {
		a.Invalid = l.entityHint(a.Entity, entity)
	}
	return a
}
