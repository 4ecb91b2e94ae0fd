package main

import "github.com/batonbot/baton/flows"

// newAnalyzer returns the NLU analyser for f, used by chat and test. It
// returns nil for now: the engine then treats every NLU signal as unknown.
// The built-in analyser (package nlu) is wired here once it lands.
func newAnalyzer(f *flows.Flow) (flows.Analyzer, error) {
	_ = f
	return nil, nil
}
