// Package analyzer is an example of a custom flows.Analyzer: a company's
// own rules, written as regular expressions, that decide wants_human and
// the intent for the messages they recognise, on top of a fallback analyser
// (the built-in one, an LLM...) that does everything else.
//
// Wire it where the host builds its analyser:
//
//	builtin, _ := nlu.FromFlow(flow.NLU)
//	a, _ := analyzer.New(builtin,
//		analyzer.Rule{Pattern: `(?i)\bvip\s*line\b`, WantsHuman: true},
//		analyzer.Rule{Pattern: `(?i)\bgaranzia\b|\bwarranty\b`, Intent: "warranty"},
//	)
package analyzer

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/batonbot/baton/flows"
)

// Rule is one company rule: when Pattern is found in the message, the
// rule sets WantsHuman (if true) and Intent (if not empty, with confidence
// 1). The first matching rule with an intent wins.
type Rule struct {
	Pattern    string
	WantsHuman bool
	Intent     string
}

// Analyzer applies the rules over the fallback's signals.
type Analyzer struct {
	fallback flows.Analyzer
	rules    []compiled
}

type compiled struct {
	re *regexp.Regexp
	Rule
}

var _ flows.Analyzer = (*Analyzer)(nil)

// Source is the Signals.Source when a rule decided something.
const Source = "rules"

// New compiles the rules. fallback may not be nil: rules only decide what
// they recognise.
func New(fallback flows.Analyzer, rules ...Rule) (*Analyzer, error) {
	if fallback == nil {
		return nil, errors.New("analyzer: no fallback; pass the built-in analyser (nlu.New) or another flows.Analyzer")
	}
	a := &Analyzer{fallback: fallback}
	for i, r := range rules {
		if r.Pattern == "" {
			return nil, fmt.Errorf("analyzer: rule %d has no pattern; give it a regular expression", i+1)
		}
		if !r.WantsHuman && r.Intent == "" {
			return nil, fmt.Errorf("analyzer: rule %d (%s) sets nothing; set WantsHuman or Intent", i+1, r.Pattern)
		}
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("analyzer: rule %d: %v; fix the regular expression", i+1, err)
		}
		a.rules = append(a.rules, compiled{re, r})
	}
	return a, nil
}

// Analyze asks the fallback, then lets the rules override wants_human and
// the intent. A fallback error is returned as is.
func (a *Analyzer) Analyze(ctx context.Context, in flows.AnalyzeInput) (flows.Signals, error) {
	sig, err := a.fallback.Analyze(ctx, in)
	if err != nil {
		return sig, err
	}
	intentSet := false
	for _, r := range a.rules {
		if !r.re.MatchString(in.Text) {
			continue
		}
		if r.WantsHuman && !sig.WantsHuman {
			sig.WantsHuman = true
			sig.Source = Source
		}
		if r.Intent != "" && !intentSet {
			intentSet = true
			sig.Intent, sig.Confidence = r.Intent, 1
			sig.Ranking = append([]flows.IntentScore{{Intent: r.Intent, Score: 1}}, without(sig.Ranking, r.Intent)...)
			sig.Source = Source
		}
	}
	return sig, nil
}

func without(rs []flows.IntentScore, intent string) []flows.IntentScore {
	out := make([]flows.IntentScore, 0, len(rs))
	for _, r := range rs {
		if r.Intent != intent {
			out = append(out, r)
		}
	}
	return out
}
