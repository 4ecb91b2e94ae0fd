package engine

import (
	"slices"
	"testing"

	"github.com/batonbot/baton/flows"
)

// without returns a copy of f without state name, as a reloaded flow
// would be, moving conversations to onReload.
func without(f *flows.Flow, name, onReload string) *flows.Flow {
	nf := *f
	nf.States = map[string]*flows.State{}
	for k, v := range f.States {
		if k != name {
			nf.States[k] = v
		}
	}
	nf.OnReload = onReload
	nf.Version = "2"
	return &nf
}

// A conversation waiting in a state a reloaded flow no longer has moves
// to on_reload (else start) on its next turn, with a reloaded event; the
// target is entered as a first state is, and the input is not taken as an
// answer to it.
func TestRelocateAfterReload(t *testing.T) {
	tests := []struct {
		name     string
		before   []string // user messages on the old flow
		gone     string
		onReload string
		in       func(c *conv, effs []flows.Effect) flows.Input
		to       string
		reply    string
	}{
		{"a message, to on_reload", []string{"ciao", "1"}, "ask_order", "anything_else",
			func(*conv, []flows.Effect) flows.Input { return flows.Input{Kind: flows.InputMessage, Text: "A12345"} },
			"anything_else", "Posso fare altro?"},
		{"a message, to start", []string{"ciao", "1"}, "ask_order", "",
			func(*conv, []flows.Effect) flows.Input { return flows.Input{Kind: flows.InputMessage, Text: "A12345"} },
			"welcome", "Ciao Anna! Come posso aiutarti?"},
		{"an HTTP result of a gone state", []string{"ciao", "1", "A12345"}, "lookup", "faq",
			func(_ *conv, effs []flows.Effect) flows.Input {
				req, _ := find[flows.HTTPRequest](effs)
				return flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned}
			}, "anything_else", "Ecco le domande frequenti."},
		{"a no-reply timeout", []string{"ciao", "1"}, "ask_order", "",
			func(c *conv, _ []flows.Effect) flows.Input {
				return flows.Input{Kind: flows.InputTimer, Timer: c.s.TimerKey}
			}, "welcome", "Ciao Anna! Come posso aiutarti?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, shop(t))
			var effs []flows.Effect
			for _, m := range tt.before {
				effs = c.user(m)
			}
			if c.s.State != tt.gone {
				t.Fatalf("before the reload in %q, want %q", c.s.State, tt.gone)
			}
			in := tt.in(c, effs)
			c.e = New(without(c.e.Flow(), tt.gone, tt.onReload))
			turns := len(c.s.Transcript)
			effs = c.do(in)
			r, ok := find[flows.Reloaded](effs)
			if !ok || r.From != tt.gone || r.Version != "2" {
				t.Fatalf("no reloaded event from %q: %+v in %s", tt.gone, r, types(effs))
			}
			if c.s.State != tt.to || c.s.Pending != nil {
				t.Errorf("state %q pending %+v, want %q and nothing pending", c.s.State, c.s.Pending, tt.to)
			}
			if got := replies(effs); len(got) == 0 || got[0] != tt.reply {
				t.Errorf("replies %q, want %q first", got, tt.reply)
			}
			if in.Kind == flows.InputMessage {
				if got := c.s.Transcript[turns]; got.From != flows.RoleUser || got.Text != in.Text {
					t.Errorf("the customer's message is not in the transcript: %+v", got)
				}
			}
			// The conversation goes on normally in the new flow.
			effs = c.user("ciao")
			if _, again := find[flows.Reloaded](effs); again {
				t.Error("relocated twice")
			}
		})
	}
}

// A conversation with an agent is not moved: the bot does not talk then.
func TestRelocateWaitsForTheBot(t *testing.T) {
	c := newConv(t, shop(t))
	c.user("ciao")
	c.user("operatore")
	if c.s.Lifecycle != flows.LifecycleHandedOff {
		t.Fatalf("lifecycle %s", c.s.Lifecycle)
	}
	c.s.State = "gone"
	effs := c.user("ci sei?")
	if _, moved := find[flows.Reloaded](effs); moved || c.s.State != "gone" {
		t.Errorf("moved while handed off: %s, state %q", types(effs), c.s.State)
	}
	if !slices.ContainsFunc(effs, func(e flows.Effect) bool { _, ok := e.(flows.Append); return ok }) {
		t.Errorf("the message did not go to the ticket: %s", types(effs))
	}
}
