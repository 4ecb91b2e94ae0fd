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
			a.SaveAs = l.capture(p.val, entitySample(a.Entity), captureBy("ask", a.Entity))
		case "pattern":
			a.Pattern = l.regexp(p.val)
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
