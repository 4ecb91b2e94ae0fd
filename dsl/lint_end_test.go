package dsl

import (
	"strings"
	"testing"
)

// TestNoWayOutSeesRuleEnds: a state whose next: rules end the conversation
// themselves has a way out; it is not told to add end: true.
func TestNoWayOutSeesRuleEnds(t *testing.T) {
	src := `flow: ends
languages: [en]
start: a
vars: {n: 0}
triggers:
  - name: human
    keywords: [agent]
    handoff: {team: support}
states:
  a:
    say: hi
    next:
      - when: n > 1
        end: many
      - end: few
`
	_, ds := Load("ends.yaml", []byte(src))
	for _, d := range ds {
		if strings.Contains(d.String(), "no way out") {
			t.Errorf("a state whose next: rules end is said to have no way out: %s", d)
		}
	}
}
