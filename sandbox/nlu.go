package sandbox

import (
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
	"github.com/batonbot/baton/nlu"
)

// builtinNLU trains the built-in analyser once per loaded flow: `baton
// test` starts a sandbox per conversation. The sandbox never calls an
// LLM: live, the host's NLU (the config's nlu section) analyses.
var builtinNLU = host.NewNLU(nil, nil, false)

// BuiltinAnalyzer returns the built-in analyser trained on f's intents
// (once per flow), or nil when the flow never reads a signal.
func BuiltinAnalyzer(f *flows.Flow) (*nlu.Analyzer, error) { return builtinNLU.Builtin(f) }

// NewAnalyzer returns the sandbox's analyser for f (nil when the flow
// reads no signal).
func NewAnalyzer(f *flows.Flow) (flows.Analyzer, error) { return builtinNLU.Analyzer(f) }
