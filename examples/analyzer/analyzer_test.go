package analyzer

import (
	"context"
	"errors"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu"
)

func newRules(t *testing.T) *Analyzer {
	t.Helper()
	builtin, err := nlu.New(nlu.WithIntents([]*flows.Intent{
		{Name: "order_status", Examples: map[string][]string{"en": {"where is my order", "parcel not arrived"}}},
		{Name: "billing", Examples: map[string][]string{"en": {"charged twice", "refund please"}}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(builtin,
		Rule{Pattern: `(?i)\bvip\s*line\b`, WantsHuman: true},
		Rule{Pattern: `(?i)\bwarranty\b|\bgaranzia\b`, Intent: "warranty"},
	)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRulesOverrideFallback(t *testing.T) {
	a := newRules(t)
	tests := []struct {
		text       string
		wantsHuman bool
		intent     string
		source     string
	}{
		{"please put me on the VIP line", true, "", "rules"},
		{"is my blender still under warranty?", false, "warranty", "rules"},
		{"where is my order?", false, "order_status", "builtin"},
		{"operatore!!!", true, "", "builtin"},
	}
	for _, tc := range tests {
		sig, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: tc.text})
		if err != nil {
			t.Fatal(err)
		}
		if sig.WantsHuman != tc.wantsHuman || sig.Source != tc.source {
			t.Errorf("%q: wants_human=%v source=%q, want %v %q", tc.text, sig.WantsHuman, sig.Source, tc.wantsHuman, tc.source)
		}
		if tc.intent != "" && (sig.Intent != tc.intent || sig.Ranking[0].Intent != tc.intent) {
			t.Errorf("%q: intent %q ranking %v, want %q first", tc.text, sig.Intent, sig.Ranking, tc.intent)
		}
	}
}

type failing struct{}

func (failing) Analyze(context.Context, flows.AnalyzeInput) (flows.Signals, error) {
	return flows.Signals{}, errors.New("down")
}

func TestFallbackErrorAndBadRules(t *testing.T) {
	a, err := New(failing{}, Rule{Pattern: "x", Intent: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: "x"}); err == nil {
		t.Error("the fallback's error was swallowed")
	}
	for _, rules := range [][]Rule{{{Pattern: "(", Intent: "a"}}, {{Pattern: "", Intent: "a"}}, {{Pattern: "a"}}} {
		if _, err := New(failing{}, rules...); err == nil {
			t.Errorf("New(%v) succeeded, want an error", rules)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("New without a fallback succeeded")
	}
}
