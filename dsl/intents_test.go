package dsl

import (
	"strings"
	"testing"
)

// TestIntentsTheClassifierRefuses: the intents the built-in classifier
// cannot train on (a single intent, one without examples, one named
// "unknown") are load errors at their line, not a flow that validates and
// then fails to start in baton chat, test and serve.
func TestIntentsTheClassifierRefuses(t *testing.T) {
	head := "flow: x\nlanguages: [en]\nstart: s\nstates:\n  s:\n    say: hi\n    routes: [{intent: refund, goto: s}]\nnlu:\n  intents:\n"
	tests := []struct{ name, intents, want string }{
		{"one intent", "    refund: [money back]\n", `x.yaml:10:5: error: only one intent ("refund")`},
		{"no examples", "    refund: [money back]\n    hello: []\n", `x.yaml:11:5: error: intent "hello" has no examples`},
		{"reserved", "    refund: [money back]\n    unknown: [hello]\n", `x.yaml:11:5: error: intent "unknown" is reserved`},
	}
	for _, tc := range tests {
		_, ds := Load("x.yaml", []byte(head+tc.intents))
		if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), tc.want) {
			t.Errorf("%s: %v, want %s", tc.name, ds.Err(), tc.want)
		}
	}
	f, ds := Load("x.yaml", []byte(head+"    refund: [money back]\n    hello: [hi there]\n"))
	if f == nil || ds.HasErrors() {
		t.Errorf("two intents: %v", ds.Err())
	}
}
