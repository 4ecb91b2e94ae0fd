package dsl

import (
	"testing"
)

// TestIntentsNobodyReads: intents declared under nlu: that no rule or
// expression reads are never matched: the flow never analyses a message.
// A designer who declared them and forgot the intent: route got no word
// from validate; it warns at the first intent. A flow that routes on one
// is not warned.
func TestIntentsNobodyReads(t *testing.T) {
	head := `flow: s
languages: [en]
start: menu
nlu:
  intents:
    refund: [i want a refund, money back]
    order_status: [where is my order, track my parcel]
triggers:
  - {name: human, keywords: [agent], handoff: {team: support}}
no_match:
  - say: Sorry?
states:
  menu:
    say: How can I help?
    routes:
`
	tests := []struct{ name, routes, want string }{
		{"none read", "      - {name: faq, keywords: [faq], goto: faq}\n",
			`s.yaml:6:5: warning: nlu: declares 2 intents (refund, order_status) and no rule or expression reads them: the flow never analyses a message, so they never match; route on one with intent: (e.g. a route with intent: refund and goto:)`},
		{"one read", "      - {name: faq, keywords: [faq], goto: faq}\n      - {name: refund, intent: refund, goto: faq}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + tt.routes + "  faq: {say: Ok., end: true}\n"
			absent := ""
			if tt.want == "" {
				absent = "never match"
			}
			wantDiags(t, src, tt.want, absent)
		})
	}
}
