package dsl

import "testing"

// TestNeedsSignals checks which flows make the engine call the analyser:
// only those reading an NLU signal, in any expression or an intent rule.
func TestNeedsSignals(t *testing.T) {
	head := "flow: x\nlanguages: [en]\nstart: s\nnlu: {intents: {refund: [money back], hello: [hi there]}}\nstates:\n  s:\n"
	tests := []struct {
		name, state string
		want        bool
	}{
		{"no signals", "    say: \"Hi {{ user.name }}, {{ lang }}\"\n    ask: {save_as: a, validate: len(answer) > 1}\n    next: s\n", false},
		{"when reads a signal", "    routes: [{when: wants_human, goto: s}]\n", true},
		{"template hole", "    say: \"{{ sentiment > 0 ? 'yay' : 'oh' }}\"\n    end: true\n", true},
		{"set template", "    set: {lang: \"{{ language }}\"}\n    end: true\n", true},
		{"composite template", "    set: {lang: \"x{{ entities.order }}\"}\n    end: true\n", true},
		{"intent rule", "    routes: [{intent: refund, goto: s}]\n", true},
		{"http body", "    http: {url: \"https://x\", body: {i: \"{{ intent }}\"}}\n    end: true\n", true},
		{"a variable named like nothing special", "    ask: {save_as: intent_text}\n    next: s\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ds := Load("x.yaml", []byte(head+tt.state))
			if f == nil {
				t.Fatal(ds.Err())
			}
			if f.NeedsSignals != tt.want {
				t.Errorf("NeedsSignals = %v, want %v", f.NeedsSignals, tt.want)
			}
		})
	}
}
