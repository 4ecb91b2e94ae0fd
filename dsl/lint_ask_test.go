package dsl

import (
	"testing"
)

// TestAskWithoutNext: an ask: state without next: saves a valid answer
// and then says nothing: the customer waits for a reply that never comes,
// and every later message overwrites the answer. validate used to say
// only that the states after it were unreachable; it warns at the state
// itself, saying what to add. An ask with next:, or with routes that move
// on, is not warned.
func TestAskWithoutNext(t *testing.T) {
	head := `flow: s
languages: [en]
start: a
triggers:
  - name: human
    keywords: [agent]
    handoff: {team: support}
no_match:
  - say: Sorry?
states:
  a:
    say: Your order number?
    ask: {save_as: order_id, pattern: '\d{5}'}
`
	tests := []struct {
		name, src, want string
	}{
		{"no next", head + "  b: {say: thanks, end: true}\n",
			`s.yaml:11:3: warning: state "a" asks for order_id but has no next:: after a valid answer the customer gets no reply and the conversation stays there, taking the next message as another answer; add next: with where the conversation goes`},
		{"with next", head + "    next: b\n  b: {say: thanks, end: true}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			absent := ""
			if tt.want == "" {
				absent = "but has no next"
			}
			wantDiags(t, tt.src, tt.want, absent)
		})
	}
}
