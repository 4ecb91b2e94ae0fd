package dsl

import (
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestTemplateHoleWithBraces: a hole ends at the first "}}" outside its
// expression's string literals and map literals, so "}}" in a string or
// the end of a nested map does not cut the expression short.
func TestTemplateHoleWithBraces(t *testing.T) {
	src := "flow: x\nlanguages: [en]\nstart: a\nvars: {n: 2}\nstates:\n  a:\n" +
		"    say: 'A {{ \"}}\" }} B {{ {\"k\": {\"j\": string(n)}}.k.j }} C {{ string(n) }}}'\n" +
		"    handoff: {}\n"
	f, ds := Load("t.yaml", []byte(src), noIncludes)
	if f == nil || ds.HasErrors() {
		t.Fatalf("the flow does not load: %v", ds.Err())
	}
	say := f.States["a"].Actions[0].(*flows.Say)
	tpl := say.Text.For("en", "en")
	if got, want := render(t, tpl, map[string]any{"n": 2}), `A }} B 2 C 2}`; got != want {
		t.Errorf("rendered %q, want %q", got, want)
	}
}
