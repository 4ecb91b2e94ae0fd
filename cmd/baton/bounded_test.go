package main

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
)

// TestBoundedExpressionsInConversation: a flow that applies repeat or
// nested loops to the customer's text gets a warning at load time, and a
// huge message makes the evaluation stop with a clear error: the
// conversation takes the no-match or error path and goes on, in bounded
// memory.
func TestBoundedExpressionsInConversation(t *testing.T) {
	f, diags := dsl.Load("bounded.yaml", []byte(`flow: bounded
languages: [en]
start: welcome
states:
  welcome:
    say: "Say something."
    routes:
      - when: len(text) > 60000
        goto: echo
      - when: "true"
        goto: check
  echo:
    say: "{{ repeat(text, 1000000) }}"
    do: [{say: "Still here."}]
    next: welcome
  check:
    say: "Tell me a word."
    ask:
      save_as: word
      validate: "len(map(split(text, ''), map(split(text, ''), #))) > 0"
      invalid: "That is too long for me."
    next: welcome
`))
	if f == nil {
		t.Fatal(diags.Err())
	}
	warned := 0
	for _, d := range diags {
		if d.Severity == dsl.Warning && strings.Contains(d.Summary, "the customer's message") {
			warned++
		}
	}
	if warned != 2 {
		t.Errorf("%d warnings about the customer's message, want 2:\n%v", warned, diags)
	}
	// The engine keeps 4 KB of a message by default; with the cap raised,
	// the expressions' own bounds are what stops these messages.
	eng := engine.New(f, engine.WithMaxMessage(1<<20))
	s := eng.NewSession("b", flows.Contact{ID: "u"}, "web", "en")
	turn := func(text string) []flows.Effect {
		t.Helper()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		next, effs, err := eng.Turn(context.Background(), s, flows.Input{Kind: flows.InputMessage, Text: text})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
			t.Errorf("the turn allocated %d MiB", grew>>20)
		}
		s = next
		return effs
	}
	turn("hi")

	// 100 KB: repeat refuses before allocating; the say renders empty and
	// the state's other actions run.
	effs := turn(strings.Repeat("ciao come stai ", 6667))
	wantEffect(t, effs, "repeat() would produce 93.1 GiB of text, past the 4 MiB one evaluation may produce")
	if !hasReply(effs, "Still here.") || s.State != "welcome" {
		t.Errorf("after the failed hole: state %q, %d effects", s.State, len(effs))
	}

	// 50 KB into nested loops: the validation fails, so the answer is
	// rejected (a no-match with the invalid text).
	turn("a word")
	effs = turn(strings.Repeat("abcde", 10000))
	// (On a slow machine, or with -race, the time budget may stop it first.)
	wantEffect(t, effs, "split() would produce", "took longer than 100ms")
	var rejected bool
	for _, e := range effs {
		if nm, ok := e.(flows.NoMatch); ok && nm.Invalid {
			rejected = true
		}
	}
	if !rejected || !hasReply(effs, "That is too long for me.") || s.State != "check" {
		t.Errorf("the long answer was not rejected: state %q, %d effects", s.State, len(effs))
	}
}

// wantEffect checks that an error effect says one of msgs.
func wantEffect(t *testing.T, effs []flows.Effect, msgs ...string) {
	t.Helper()
	var errs []string
	for _, e := range effs {
		if ee, ok := e.(flows.ErrorEffect); ok {
			for _, m := range msgs {
				if strings.Contains(ee.Message, m) {
					return
				}
			}
			errs = append(errs, ee.Message[:min(len(ee.Message), 300)])
		}
	}
	t.Errorf("no error effect saying %q; errors: %q", msgs, errs)
}

func hasReply(effs []flows.Effect, text string) bool {
	for _, e := range effs {
		if r, ok := e.(flows.Reply); ok && r.Text == text {
			return true
		}
	}
	return false
}
