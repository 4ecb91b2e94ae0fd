package main

import (
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/nlu"
)

// sandboxNLU trains the built-in analyser once per loaded flow: `baton
// test` starts a sandbox per conversation. The sandbox never calls an
// LLM: with --live the host's NLU (the config's nlu section) analyses.
var sandboxNLU = host.NewNLU(nil, nil, false)

// builtinAnalyzer returns the built-in analyser trained on f's intents, or
// nil when the flow never reads a signal.
func builtinAnalyzer(f *flows.Flow) (*nlu.Analyzer, error) { return sandboxNLU.Builtin(f) }

// newAnalyzer returns the sandbox's analyser for f (nil when the flow
// reads no signal).
func newAnalyzer(f *flows.Flow) (flows.Analyzer, error) { return sandboxNLU.Analyzer(f) }
