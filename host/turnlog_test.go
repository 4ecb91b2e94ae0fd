package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
)

// The turn that takes an HTTP action's result is a turn of its own: it
// has its "turn" line in the log, with the handoff it made (an order
// lookup that failed, handed to an agent, the issue's own scenario). Only
// the customer's turn had one, so the handoff's id, reason and team were
// in no turn line.
func TestTheTurnAfterAnHTTPCallIsLogged(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer api.Close()
	path := filepath.Join(t.TempDir(), "lookup.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(`flow: lookup
languages: [en]
start: lookup
states:
  lookup:
    http: {method: GET, url: "%s/orders", save_as: order}
    next:
      - when: order.ok
        goto: done
      - goto: agent
  agent:
    handoff: {reason: lookup_failed, team: support}
  done:
    say: "found"
    end: true
`, api.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs lockedLog
	h, _ := webHost(t, memory.New(), loadFlow(t, path), WithPoll(5*time.Millisecond), WithHTTP(NewHTTPCaller()),
		WithLogger(NewLogger(&logs, slog.LevelInfo, false)))
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { stop(); <-done }()
	if err := h.Receive(context.Background(), flows.Inbound{ID: "m1", Channel: flows.ChannelWeb, Account: "site",
		Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: "where is my order"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a turn line with the handoff", func() bool {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"msg":"turn"`) && strings.Contains(line, `"reason":"lookup_failed"`) && strings.Contains(line, `"team":"support"`) {
				return true
			}
		}
		return false
	})
}

// A handoff's team is a template a flow may fill from what the customer
// wrote: without --log-text a team neither the flow nor the deployment
// config names is masked as the customer's text is; the flow's own team
// names are logged as they are.
func TestHandoffTeamFromCustomerTextMasked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(path, []byte(`flow: team
languages: [en]
start: agent
states:
  agent:
    say: "Which team?"
    menu:
      options:
        - {id: billing, label: Billing, goto: billing}
    no_match:
      - handoff: {reason: asked, team: "{{ text }}"}
  billing:
    handoff: {reason: asked, team: billing}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text, team string
		logText    bool
	}{
		{"mario.rossi la mia famiglia", `"team":"[27 chars]"`, false},
		{"mario.rossi la mia famiglia", `"team":"mario.rossi la mia famiglia"`, true},
		{"billing", `"team":"billing"`, false},
	} {
		var logs lockedLog
		h, _ := webHost(t, memory.New(), loadFlow(t, path), WithPoll(5*time.Millisecond), WithLogger(NewLogger(&logs, slog.LevelInfo, tt.logText)))
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = h.Run(ctx) }()
		for i, text := range []string{"hello", tt.text} {
			if err := h.Receive(context.Background(), flows.Inbound{ID: fmt.Sprint("m", i), Channel: flows.ChannelWeb, Account: "site",
				Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: text}}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "a turn line with the handoff", func() bool { return strings.Contains(logs.String(), `"reason":"asked"`) })
		stop()
		<-done
		if !strings.Contains(logs.String(), tt.team) {
			t.Errorf("%q (--log-text %v): want %s in the log:\n%s", tt.text, tt.logText, tt.team, logs.String())
		}
	}
}

// failingAnalyzer is an analyser whose service is down.
type failingAnalyzer struct{}

func (failingAnalyzer) Analyze(context.Context, flows.AnalyzeInput) (flows.Signals, error) {
	return flows.Signals{}, errors.New("acme NLU: 503 Service Unavailable")
}

// TestFlowProblemsAreLogged: what a turn reports went wrong (an analyser
// of the program's own that fails, an expression that fails) is logged
// as a warning, with the state: in the live host it was seen nowhere,
// and a bot whose analyser failed on every message understood nothing
// with nothing in its log.
func TestFlowProblemsAreLogged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nlu.yaml")
	if err := os.WriteFile(path, []byte(`flow: nlu
languages: [en]
start: main
states:
  main:
    say: "Hi"
    ask: {save_as: said}
    next:
      - when: intent == "refund"
        goto: main
      - when: int(said) > 3
        goto: main
      - goto: main
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs lockedLog
	h, _ := webHost(t, memory.New(), loadFlow(t, path), WithPoll(5*time.Millisecond), WithLogger(NewLogger(&logs, slog.LevelWarn, false)),
		WithAnalyzer(func(*flows.Flow) (flows.Analyzer, error) { return failingAnalyzer{}, nil }))
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	defer func() { stop(); <-done }()
	for i, text := range []string{"hello", "many"} {
		if err := h.Receive(context.Background(), flows.Inbound{ID: fmt.Sprint("m", i), Channel: flows.ChannelWeb, Account: "site",
			Contact: flows.Contact{ID: "v1"}, Input: flows.Input{Kind: flows.InputMessage, Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{
		`"msg":"the flow reported a problem","conversation":"web:site:…","state":"main","error":"the analyser failed (acme NLU: 503 Service Unavailable); this message is handled without NLU signals"`,
		// What it failed on quotes the customer's answer: masked as text.
		`"msg":"the flow reported a problem","conversation":"web:site:…","state":"main","error":"expression ` + "`int(said) > 3`" + ` failed","cause":"[28 chars]","at":"`,
	} {
		waitFor(t, want, func() bool { return strings.Contains(logs.String(), want) })
	}
}

// TestFlowProblemsMaskTheCause: the host logs a problem's Cause (what an
// expression failed on, which may quote the customer) masked as text, and
// its Message before it as the error, from the effect's fields: it used
// to find the cause by the engine's wording, so a cause in other words
// was logged unmasked and a message in those words without one was cut.
func TestFlowProblemsMaskTheCause(t *testing.T) {
	for _, tt := range []struct {
		name string
		e    flows.ErrorEffect
		want string
	}{
		{"an expression's failure", flows.ErrorEffect{Message: "expression `int(said) > 3` failed: cannot parse Anna Rossi", Cause: "cannot parse Anna Rossi", State: "main", Pos: flows.Pos{File: "f.yaml", Line: 3, Col: 7}},
			`"state":"main","error":"expression ` + "`int(said) > 3`" + ` failed","cause":"[23 chars]","at":"f.yaml:3:7"}`},
		{"a cause in other words", flows.ErrorEffect{Message: "the lookup of order failed on: Anna Rossi", Cause: "Anna Rossi", State: "main"},
			`"state":"main","error":"the lookup of order failed on","cause":"[10 chars]"}`},
		{"no cause", flows.ErrorEffect{Message: "expression `x` failed: a problem of the flow's own", State: "main"},
			`"state":"main","error":"expression ` + "`x`" + ` failed: a problem of the flow's own"}`},
		{"a cause the message does not end with", flows.ErrorEffect{Message: "Anna Rossi was not understood", Cause: "Anna Rossi", State: "main"},
			`"state":"main","cause":"[29 chars]"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			h := &Host{log: NewLogger(&b, slog.LevelWarn, false)}
			h.flowProblems(context.Background(), "web:site:v1", []flows.Effect{tt.e, &tt.e})
			if got := strings.Count(b.String(), tt.want); got != 2 {
				t.Errorf("the log has %d lines ending %s, want 2: %s", got, tt.want, b.String())
			}
		})
	}
}
