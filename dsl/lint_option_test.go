package dsl

import (
	"testing"
)

// TestOptionThatDoesNothing: a menu option with no goto: and no action
// (a goto: forgotten, or indented under the wrong key) leaves the
// customer who picks it with no reply at all; validate warns at the
// option. An option that stays but says or does something is not warned.
func TestOptionThatDoesNothing(t *testing.T) {
	src := `flow: s
languages: [en]
start: menu
triggers:
  - {name: human, keywords: [agent], handoff: {team: support}}
no_match:
  - say: Sorry?
states:
  menu:
    say: Anything else?
    menu:
      options:
        - {id: more, label: "Yes"}
        - {id: hours, label: Hours, say: "We open at 9."}
        - {id: done, label: "No", goto: bye}
  bye: {say: Bye!, end: true}
`
	// An option with a say: is not warned.
	wantDiags(t, src, `s.yaml:13:11: warning: option "more" of state "menu" does nothing: it has no goto: and no action, so a customer who picks it gets no reply; add goto: with where it leads`,
		`option "hours"`)
}
