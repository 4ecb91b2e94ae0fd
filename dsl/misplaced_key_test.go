package dsl

import (
	"testing"
)

// TestMisplacedKeys: a key indented one level too deep or too shallow is
// a key of the wrong map. The loader said only that the key is unknown
// there (with the keys it expected, or errors about the states that
// moved); it now says where the key belongs and how to indent it.
func TestMisplacedKeys(t *testing.T) {
	head := `flow: s
languages: [en]
start: ask_email
triggers:
  - {name: human, keywords: [agent], handoff: {team: support}}
no_match:
  - say: Sorry?
states:
`
	tests := []struct{ name, states, want string }{
		{"next under ask", `  ask_email:
    say: Your email?
    ask:
      save_as: email
      entity: email
      next: bye
  bye: {say: Bye!, end: true}
`, `s.yaml:14:7: error: unknown key "next" in an ask: next: is a key of the state, not of its ask:; indent it like ask:`},
		{"next under http", `  ask_email:
    http:
      url: https://api.example.com/x
      sandbox: [{status: 200}]
      next: bye
  bye: {say: Bye!, end: true}
`, `s.yaml:13:7: error: unknown key "next" in an http action: next: is a key of the state, not of its http:; indent it like http:`},
		{"skip beside survey", `  ask_email:
    survey:
      kind: csat
      question: From 1 to 5?
    skip: bye
    next: bye
  bye: {say: Bye!, end: true}
`, `s.yaml:13:5: error: unknown key "skip" in state "ask_email": skip: is a key of the state's survey:; indent it under survey:`},
		{"a state at the top level", `  ask_email:
    say: Your email?
    ask: {save_as: email, entity: email}
    next: bye
bye:
  say: Bye!
  end: true
`, `s.yaml:13:1: error: unknown key "bye" in the flow file: it looks like a state (it has say:, end:); states go under states:, indented like the others`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDiags(t, head+tt.states, tt.want, "")
		})
	}
}
