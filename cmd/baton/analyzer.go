package main

import (
	"fmt"
	"sync"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/nlu"
	"github.com/batonbot/baton/nlu/llm"
)

// analyzers caches the built-in analyser per loaded flow: `baton test`
// starts a sandbox per conversation, and training once per flow is enough
// (the analyser is immutable and safe for concurrent use).
var analyzers sync.Map // *flows.Flow → *nlu.Analyzer

// builtinAnalyzer returns the built-in analyser trained on f's intents, or
// nil when the flow never reads a signal (then no message pays for
// analysis).
func builtinAnalyzer(f *flows.Flow) (*nlu.Analyzer, error) {
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

// newAnalyzer returns the NLU analyser for f, used by chat and test. The
// sandbox (live false) always uses the built-in analyser: nothing leaves
// the machine there. With --live, a deployment config whose nlu.analyser
// is llm or hybrid gets the OpenAI-compatible analyser of package nlu/llm,
// with the built-in one as its fallback (and, for hybrid, its first
// opinion). The API key is the config's nlu.llm.api_key, else
// BATON_LLM_API_KEY, else OPENAI_API_KEY.
func newAnalyzer(f *flows.Flow, dep *deployment, live bool, getenv func(string) string) (flows.Analyzer, error) {
	builtin, err := builtinAnalyzer(f)
	if err != nil || builtin == nil {
		return nil, err
	}
	if !usesLLM(dep, live) {
		return builtin, nil
	}
	return newLLM(f, dep, builtin, getenv)
}

// newSummarizer returns what writes the LLM summary at the top of each
// ticket: with --live and an nlu.analyser of llm or hybrid, the LLM
// analyser a (or a new one when the flow reads no signal, so a is not
// one); else nil, and tickets keep the extractive summary. The sandbox
// never calls an LLM.
func newSummarizer(a flows.Analyzer, f *flows.Flow, dep *deployment, live bool, getenv func(string) string) (flows.Summarizer, error) {
	if !usesLLM(dep, live) {
		return nil, nil
	}
	if s, ok := a.(flows.Summarizer); ok {
		return s, nil
	}
	builtin, err := builtinAnalyzer(f)
	if err != nil {
		return nil, err
	}
	return newLLM(f, dep, builtin, getenv)
}

// usesLLM says whether the deployment asks for the LLM analyser, which
// only --live calls.
func usesLLM(dep *deployment, live bool) bool {
	if !live || dep == nil {
		return false
	}
	n := dep.cfg.NLU
	return n.Analyser == "llm" || n.Analyser == "hybrid"
}

// newLLM builds the LLM analyser of dep's nlu section for f, falling back
// to builtin (hybrid needs it; without one the model answers alone).
func newLLM(f *flows.Flow, dep *deployment, builtin *nlu.Analyzer, getenv func(string) string) (*llm.Analyzer, error) {
	n := dep.cfg.NLU
	key := n.LLM.APIKey
	for _, name := range []string{"BATON_LLM_API_KEY", "OPENAI_API_KEY"} {
		if key == "" && getenv != nil {
			key = getenv(name)
		}
	}
	opts := []llm.Option{
		llm.WithBaseURL(n.LLM.BaseURL),
		llm.WithModel(n.LLM.Model),
		llm.WithNLUConfig(f.NLU),
	}
	if builtin != nil {
		opts = append(opts, llm.WithFallback(builtin))
		if n.Analyser == "hybrid" {
			opts = append(opts, llm.WithHybrid(nil))
		}
	}
	if key != "" {
		opts = append(opts, llm.WithAPIKey(key))
	}
	if n.LLM.Timeout > 0 {
		opts = append(opts, llm.WithTimeout(n.LLM.Timeout))
	}
	a, err := llm.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("the %s analyser of %s: %w", n.Analyser, dep.cfg.Source, err)
	}
	return a, nil
}
