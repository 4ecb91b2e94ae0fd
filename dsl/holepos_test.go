package dsl

import (
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestHolePosIsTheExpression: a hole's position, which the engine's run
// time errors report, is its expression's first character, as the
// loader's diagnostics point, not the space after {{.
func TestHolePosIsTheExpression(t *testing.T) {
	for _, tc := range []struct {
		say string
		col int
	}{
		{`"{{order}}"`, 13},
		{`"x {{ order }}"`, 16},
		{`"{{   order }}"`, 16},
		{`'x {{ order }}'`, 16},
	} {
		src := "flow: x\nlanguages: [en]\nstart: a\nvars: {order: \"\"}\nstates:\n  a:\n    say: " + tc.say + "\n    end: true\n"
		f, ds := Load("f.yaml", []byte(src))
		if ds.HasErrors() {
			t.Fatalf("%s: %v", tc.say, ds.Err())
		}
		e := f.States["a"].Actions[0].(*flows.Say).Text.ByLang[""].Parts
		var got flows.Pos
		for _, p := range e {
			if p.Expr != nil {
				got = p.Expr.Pos
			}
		}
		if got.Line != 7 || got.Col != tc.col {
			t.Errorf("say: %s: the hole is at %d:%d, want 7:%d", tc.say, got.Line, got.Col, tc.col)
		}
	}
}
