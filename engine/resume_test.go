package engine

import (
	"slices"
	"testing"

	"github.com/batonbot/baton/flows"
)

// resume feeds back the canned result of the turn's HTTP request.
func (c *conv) resume(effs []flows.Effect) []flows.Effect {
	c.tb.Helper()
	req, ok := find[flows.HTTPRequest](effs)
	if !ok || req.Canned == nil {
		c.tb.Fatalf("no HTTP request with a canned result: %s", types(effs))
	}
	return c.do(flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned})
}

// An Ask's invalid text replaces the first say of the ladder step, and the
// step's other says are skipped, also when an HTTP call in the step
// suspends the turn between them.
func TestInvalidSaidOnceAcrossHTTP(t *testing.T) {
	call := func(b *fb) *flows.HTTP {
		return &flows.HTTP{Method: "POST", URL: b.tpl("https://log.example.com/miss"), Sandbox: []*flows.CannedResponse{{Status: 204}}}
	}
	tests := []struct {
		name   string
		step   func(b *fb) []flows.Action
		before []string // replies of the message turn
		after  []string // replies once the HTTP result is in
	}{
		{"say, http, say", func(b *fb) []flows.Action {
			return []flows.Action{b.say("Non ho capito."), call(b), b.say("Riprova.")}
		}, []string{"Sono 5 cifre."}, nil},
		{"http, say, say", func(b *fb) []flows.Action {
			return []flows.Action{call(b), b.say("Non ho capito."), b.say("Riprova.")}
		}, nil, []string{"Sono 5 cifre."}},
		{"say, http, http, say", func(b *fb) []flows.Action {
			return []flows.Action{b.say("Non ho capito."), call(b), call(b), b.say("Riprova.")}
		}, []string{"Sono 5 cifre."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFlow(t, "code", map[string]any{"code": ""})
			b.f.NoMatch = &flows.Ladder{Steps: []flows.Do{{Actions: tt.step(b)}}}
			b.state("code", &flows.State{
				Actions: []flows.Action{b.say("Il codice?")},
				Ask:     &flows.Ask{SaveAs: "code", Validate: b.expr(`len(answer) == 5`), Invalid: b.text("Sono 5 cifre.")},
				Next:    goTo("done"),
			})
			b.state("done", &flows.State{Actions: []flows.Action{b.say("Grazie.")}, End: true})
			c := newConv(t, b.f)
			c.user("ciao")
			effs := c.user("12")
			if got := replies(effs); !slices.Equal(got, tt.before) {
				t.Errorf("message turn replies = %q, want %q", got, tt.before)
			}
			for range 3 {
				if _, ok := find[flows.HTTPRequest](effs); !ok {
					break
				}
				effs = c.resume(effs)
				if got := replies(effs); !slices.Equal(got, tt.after) {
					t.Errorf("replies after the HTTP result = %q, want %q", got, tt.after)
				}
				tt.after = nil // a second call's resume says nothing more
			}
			if c.s.State != "code" || c.s.NoMatch != 1 || c.s.Pending != nil {
				t.Errorf("state %q no_match %d pending %v, want code, 1, none", c.s.State, c.s.NoMatch, c.s.Pending)
			}
		})
	}
}
