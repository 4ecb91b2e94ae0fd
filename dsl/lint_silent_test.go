package dsl

import (
	"strings"
	"testing"
)

// TestSilentMisses: with no no_match: ladder (the flow's or the state's),
// a message a menu or routes state does not understand, or an answer a
// pattern refuses with no invalid:, gets no reply at all; validate warns
// once, naming those states. An ask with invalid: or entity:, a collect
// and a survey say something of their own.
func TestSilentMisses(t *testing.T) {
	src := `flow: s
languages: [en]
start: menu
timezone: UTC
triggers:
  - {name: human, keywords: [agent], handoff: {team: support}}
states:
  menu:
    say: Pick
    menu: {options: [{label: Order, goto: order}, {label: Day, goto: day}, {label: Chat, goto: chat}]}
  order:
    say: Order?
    ask: {save_as: o, pattern: '\d+'}
    next: day
  day:
    say: Day?
    ask: {save_as: d, entity: date}
    next: code
  code:
    say: Code?
    ask: {save_as: c, pattern: '\d+', invalid: "Digits, please."}
    next: chat
  chat:
    say: Anything?
    ask: {save_as: x}
    next: menu
`
	_, ds := Load("s.yaml", []byte(src))
	want := `s.yaml:8:3: warning: no no_match: ladder: a message states "menu", "order" do not understand gets no reply at all; add a no_match: at the top of the flow (e.g. no_match: [{say: "Sorry, I didn't get that."}])`
	if got := diagText(ds); !strings.Contains(got, want) {
		t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, got)
	}
	_, ds = Load("s.yaml", []byte(src+"no_match:\n  - say: Sorry?\n"))
	if got := diagText(ds); strings.Contains(got, "no reply") {
		t.Errorf("a flow with a ladder is warned:\n%s", got)
	}
}
