package main

import (
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/nlu"
)

// sandboxNLU trains the built-in analyser once per loaded flow: `baton
// test` starts a sandbox per conversation.
var sandboxNLU = host.NewNLU(nil, nil, false)

// builtinAnalyzer returns the built-in analyser trained on f's intents, or
// nil when the flow never reads a signal.
func builtinAnalyzer(f *flows.Flow) (*nlu.Analyzer, error) { return sandboxNLU.Builtin(f) }

// liveNLU is the NLU of chat and test: the built-in analyser in the
// sandbox; with --live, what the deployment's nlu section asks for
// (host.NLU).
func liveNLU(dep *deployment, live bool, getenv func(string) string) *host.NLU {
	if !live || dep == nil {
		return sandboxNLU
	}
	return host.NewNLU(dep.cfg, getenv, true)
}

// newAnalyzer returns the NLU analyser for f, used by chat and test.
func newAnalyzer(f *flows.Flow, dep *deployment, live bool, getenv func(string) string) (flows.Analyzer, error) {
	return liveNLU(dep, live, getenv).Analyzer(f)
}

// newSummarizer returns what writes the LLM summary at the top of each
// ticket with --live and an llm or hybrid analyser; else nil.
func newSummarizer(a flows.Analyzer, f *flows.Flow, dep *deployment, live bool, getenv func(string) string) (flows.Summarizer, error) {
	return liveNLU(dep, live, getenv).Summarizer(a, f)
}
