package host

import (
	"testing"

	"github.com/batonbot/baton/flows"
)

// nluFlow is a flow that reads signals, with intents refund and human
// (example phrases in Italian and English), a threshold and a lexicon.
func nluFlow(line int, mod func(*flows.NLUConfig)) *flows.Flow {
	cfg := flows.NLUConfig{
		Intents: []*flows.Intent{
			{Name: "refund", Pos: flows.Pos{File: "a.yaml", Line: line}, Examples: map[string][]string{
				"en": {"I want my money back", "refund please"}, "it": {"voglio un rimborso", "rimborsatemi"}}},
			{Name: "human", Pos: flows.Pos{File: "a.yaml", Line: line + 4}, Examples: map[string][]string{
				"en": {"let me talk to a person", "an agent please"}, "it": {"voglio parlare con una persona"}}},
		},
		Threshold: 0.4,
		Lexicon:   map[string]map[string][]string{"wants_human": {"en": {"a real person"}}},
	}
	if mod != nil {
		mod(&cfg)
	}
	return &flows.Flow{Name: "f", NeedsSignals: true, NLU: cfg}
}

// TestBuiltinSharedByConfiguration: flows with the same NLU configuration
// (the same intents and examples, threshold and lexicon, wherever they
// are written) get one trained analyser: a deployment serving one flow
// on several channels, or several flows with the same intents, trained a
// copy for each, paying its memory and start-up time again. A different
// configuration gets its own.
func TestBuiltinSharedByConfiguration(t *testing.T) {
	n := NewNLU(nil, nil, false)
	first := nluFlow(10, nil)
	shared, err := n.Builtin(first)
	if err != nil || shared == nil {
		t.Fatalf("Builtin: %v, %v", shared, err)
	}
	for _, tt := range []struct {
		name string
		flow *flows.Flow
		same bool
	}{
		{"the same flow", first, true},
		{"another flow, the same configuration elsewhere in its file", nluFlow(40, nil), true},
		{"another threshold", nluFlow(10, func(c *flows.NLUConfig) { c.Threshold = 0.5 }), false},
		{"another example", nluFlow(10, func(c *flows.NLUConfig) { c.Intents[0].Examples["en"] = []string{"I want my money back"} }), false},
		{"the intents in another order", nluFlow(10, func(c *flows.NLUConfig) { c.Intents[0], c.Intents[1] = c.Intents[1], c.Intents[0] }), false},
		{"another lexicon", nluFlow(10, func(c *flows.NLUConfig) { c.Lexicon = nil }), false},
		{"another analyser named (the built-in one is the same)", nluFlow(10, func(c *flows.NLUConfig) { c.Analyzer = "llm" }), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := n.Builtin(tt.flow)
			if err != nil {
				t.Fatal(err)
			}
			if same := a == shared; same != tt.same {
				t.Errorf("the analyser is the first flow's: %v, want %v", same, tt.same)
			}
		})
	}
}

// TestBuiltinForgetKeepsShared: forgetting a flow a reload replaced
// keeps the analyser the flows still served share, and once none is
// served it is dropped (a flow with that configuration later trains
// again).
func TestBuiltinForgetKeepsShared(t *testing.T) {
	n := NewNLU(nil, nil, false)
	a, b := nluFlow(10, nil), nluFlow(20, nil)
	shared, err := n.Builtin(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := n.Builtin(b); got != shared {
		t.Fatal("two flows of one configuration got two analysers")
	}
	n.Forget(a)
	n.Forget(a) // twice: the second does nothing
	if got, _ := n.Builtin(b); got != shared {
		t.Error("forgetting one flow dropped the analyser another still uses")
	}
	n.Forget(b)
	if got, _ := n.Builtin(nluFlow(30, nil)); got == shared || got == nil {
		t.Error("the analyser of flows all forgotten was kept")
	}
}
