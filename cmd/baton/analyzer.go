package main

import (
	"sync"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu"
)

// analyzers caches the built-in analyser per loaded flow: `baton test`
// starts a sandbox per conversation, and training once per flow is enough
// (the analyser is immutable and safe for concurrent use).
var analyzers sync.Map // *flows.Flow → *nlu.Analyzer

// newAnalyzer returns the NLU analyser for f, used by chat and test: the
// built-in analyser trained on the flow's intents, or nil when the flow
// never reads a signal (then no message pays for analysis). The sandbox
// never calls an LLM: nothing leaves the machine there.
func newAnalyzer(f *flows.Flow) (flows.Analyzer, error) {
	if !f.NeedsSignals {
		return nil, nil
	}
	if a, ok := analyzers.Load(f); ok {
		return a.(*nlu.Analyzer), nil
	}
	a, err := nlu.FromFlow(f.NLU)
	if err != nil {
		return nil, err
	}
	analyzers.Store(f, a)
	return a, nil
}
