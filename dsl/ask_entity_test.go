package dsl

import (
	"strings"
	"testing"
)

// TestAskEntityWithPattern: an ask reads its answer with entity: or with
// pattern:; the engine ignores pattern: when entity: is set, so both is an
// error, not a pattern that silently checks nothing.
func TestAskEntityWithPattern(t *testing.T) {
	src := `flow: ask
languages: [en]
start: a
vars: {order: ""}
states:
  a:
    ask: {save_as: order, entity: order, pattern: '^A\d{5}$'}
    next: b
  b:
    end: true
`
	_, ds := Load("ask.yaml", []byte(src))
	want := "ask.yaml:7:51: error: pattern: is not read when the ask has entity: (the entity's value is the answer); check the value with validate: instead, e.g. validate: answer matches \"^A\\\\d{5}$\""
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, strings.Join(got, "\n"))
	}
}
