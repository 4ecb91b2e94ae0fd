package dsl

import (
	"strings"
	"testing"
)

// TestActionsAfterEndOrHandoff: an end: or a handoff: stops the turn, so
// an action written after it in the same list never runs (a merge key
// puts the merged keys where << stands); validate warns at that action.
func TestActionsAfterEndOrHandoff(t *testing.T) {
	src := `flow: d
languages: [en]
start: a
states:
  base: &base
    say: "Bye"
    end: true
  a:
    say: hi
    menu:
      options:
        - {label: Done, goto: b}
        - {label: Person, handoff: {team: support}, say: "Passing you on"}
  b:
    <<: *base
    say: "Thanks, bye!"
`
	_, ds := Load("d.yaml", []byte(src))
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`d.yaml:13:53: warning: say: after handoff: never runs: a handoff or an end stops the turn; write it before`,
		`d.yaml:16:5: warning: say: after end: never runs: a handoff or an end stops the turn; write it before`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, all)
		}
	}
	if strings.Count(all, "never runs") != 2 {
		t.Errorf("want 2 warnings of actions that never run, got:\n%s", all)
	}
}
