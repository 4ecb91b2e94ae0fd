package host

import (
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/memory"
)

// A program embedding the host with a lease of its own gets the check
// baton serve's config makes of server.lease and nlu.llm.timeout: a turn
// may wait for the model twice (its analysis, then a handoff's summary)
// and must end within its lease, 5 seconds of which are kept for the
// rest. It got none, and its turns outlived their leases.
func TestNewChecksTheLLMTimeoutAgainstTheLease(t *testing.T) {
	llmNLU := func(timeout time.Duration, live bool) *NLU {
		return NewNLU(&handoff.Config{Source: "test.yaml", NLU: handoff.ConfigNLU{Analyser: "llm",
			LLM: handoff.ConfigLLM{BaseURL: "http://127.0.0.1:1/v1", Model: "m", APIKey: "k", Timeout: timeout}}}, nil, live)
	}
	for _, tt := range []struct {
		name    string
		opts    []Option
		wantErr string
	}{
		{"timeout too long for the lease", []Option{WithNLU(llmNLU(20*time.Second, true)), WithLease(30 * time.Second)},
			"the LLM's timeout (nlu.llm.timeout) is 20s, and a lease of 30s allows at most 12.5s"},
		{"the default timeout, a short lease", []Option{WithLease(12 * time.Second), WithNLU(llmNLU(0, true))},
			"the LLM's timeout (nlu.llm.timeout) is 5s (the default), and a lease of 12s allows at most 3.5s"},
		{"the default lease", []Option{WithNLU(llmNLU(40*time.Second, true))},
			"the LLM's timeout (nlu.llm.timeout) is 40s, and a lease of 1m0s allows at most 27.5s"},
		{"it fits", []Option{WithNLU(llmNLU(12*time.Second, true)), WithLease(30 * time.Second)}, ""},
		{"no LLM called (the sandbox)", []Option{WithNLU(llmNLU(20*time.Second, false)), WithLease(30 * time.Second)}, ""},
		// baton chat --live takes its turns itself, in its own goroutine:
		// no message is held under a lease while they run.
		{"no turns taken from the inbox", []Option{WithNLU(llmNLU(40*time.Second, true)), WithoutTurns()}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(memory.New(), tt.opts...)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "WithLease")):
				t.Errorf("New: %v\nwant an error saying %q, and what to change", err, tt.wantErr)
			}
		})
	}
}
