package engine

import (
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestExprErrorIsOneLine: an expression that fails at run time is
// reported in one line, the expression and what went wrong, at the
// expression's position. The message used to carry expr's own drawing of
// the expression with a caret under the place ("(1:13)\n |  order.body.eta\n
// | ....^"), which broke the chat's and the test report's lines.
func TestExprErrorIsOneLine(t *testing.T) {
	b := newFlow(t, "welcome", map[string]any{"order": map[string]any{}})
	b.state("welcome", &flows.State{Actions: []flows.Action{b.say("Arriva il {{ order.body.eta }}.")}, Menu: b.menu(opt("a", "A", "A", "welcome"))})
	effs := newConv(t, b.f).user("ciao")
	e, ok := find[flows.ErrorEffect](effs)
	if !ok {
		t.Fatalf("no error event: %s", types(effs))
	}
	if want := "expression `order.body.eta` failed: cannot fetch eta from <nil>"; e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
	// What it failed on, apart, for the host's log to mask: it may quote
	// what the customer wrote.
	if want := "cannot fetch eta from <nil>"; e.Cause != want {
		t.Errorf("cause %q, want %q", e.Cause, want)
	}
	if strings.Contains(e.Message, "\n") || e.Pos.IsZero() {
		t.Errorf("message %q at %v: want one line, at the expression", e.Message, e.Pos)
	}
}
