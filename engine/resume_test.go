package engine

import (
	"slices"
	"testing"
	"time"

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

// A no-reply timeout whose actions call HTTP goes on to the next timeout
// once the result is in, counted from the customer's last message, as one
// without a call does: the later timeout (the end after 24h) still comes.
func TestTimeoutWithHTTPSchedulesTheNext(t *testing.T) {
	for _, where := range []string{"timeout", "state entered by the timeout"} {
		t.Run(where, func(t *testing.T) {
			b := newFlow(t, "menu", nil)
			call := &flows.HTTP{Method: "POST", URL: b.tpl("https://crm.example.com/nudge"), Sandbox: []*flows.CannedResponse{{Status: 200}}}
			first := flows.Do{Actions: []flows.Action{b.say("Ci sei ancora?"), call}}
			if where != "timeout" {
				first = flows.Do{Goto: "nudge"}
				b.state("nudge", &flows.State{Actions: []flows.Action{call, b.say("Ci sei ancora?")}, Next: goTo("menu")})
			}
			b.f.Timeouts = []*flows.Timeout{
				{After: 10 * time.Minute, Do: first},
				{After: 24 * time.Hour, Do: flows.Do{Actions: []flows.Action{&flows.End{Reason: "no_reply"}}}},
			}
			b.state("menu", &flows.State{Actions: []flows.Action{b.say("Scegli.")}, Menu: b.menu(opt("a", "A", "A", "menu"))})
			c := newConv(t, b.f)
			c.user("ciao")
			last := c.now
			sch, ok := find[flows.Schedule](c.user("boh"))
			if !ok || !sch.At.Equal(last.Add(time.Second+10*time.Minute)) {
				t.Fatalf("first schedule %+v", sch)
			}
			last = last.Add(time.Second)
			effs := c.do(flows.Input{Kind: flows.InputTimer, Timer: sch.Key, At: sch.At})
			effs = c.resume(effs)
			if got := replies(effs); where != "timeout" && !slices.Equal(got, []string{"Ci sei ancora?", "Scegli."}) {
				t.Errorf("replies after the result = %q", got)
			}
			next, ok := find[flows.Schedule](effs)
			if !ok || !next.At.Equal(last.Add(24*time.Hour)) || c.s.TimerIndex != 1 {
				t.Fatalf("after the timeout's HTTP result: schedule %+v (timer index %d), want the 24h timeout at %s; effects %s", next, c.s.TimerIndex, last.Add(24*time.Hour), types(effs))
			}
			effs = c.do(flows.Input{Kind: flows.InputTimer, Timer: next.Key, At: next.At})
			if e, ok := find[flows.EndEffect](effs); !ok || e.Reason != "no_reply" {
				t.Errorf("the 24h timeout did not end the conversation: %s", types(effs))
			}
		})
	}
}

// A message while a timeout's HTTP call is pending brings the customer
// back: once the result is in, the timeouts start over from the first,
// counted from that message (as every no-reply timeout is), not from the
// call's result.
func TestMessageDuringTimeoutHTTPRestartsTimeouts(t *testing.T) {
	b := newFlow(t, "menu", nil)
	call := &flows.HTTP{Method: "POST", URL: b.tpl("https://crm.example.com/nudge"), Sandbox: []*flows.CannedResponse{{Status: 200}}}
	b.f.Timeouts = []*flows.Timeout{
		{After: 10 * time.Minute, Do: flows.Do{Actions: []flows.Action{call, b.say("Ci sei ancora?")}}},
		{After: 24 * time.Hour, Do: flows.Do{Actions: []flows.Action{&flows.End{Reason: "no_reply"}}}},
	}
	b.state("menu", &flows.State{Actions: []flows.Action{b.say("Scegli.")}, Menu: b.menu(opt("a", "A", "A", "menu"))})
	c := newConv(t, b.f)
	sch, _ := find[flows.Schedule](c.user("ciao"))
	c.now = sch.At
	effs := c.do(flows.Input{Kind: flows.InputTimer, Timer: sch.Key, At: sch.At})
	c.user("sono qui")
	wrote := c.now
	c.now = c.now.Add(3 * time.Second) // the call's answer comes in later
	effs = c.resume(effs)
	next, ok := find[flows.Schedule](effs)
	if !ok || c.s.TimerIndex != 0 || !next.At.Equal(wrote.Add(10*time.Minute)) {
		t.Errorf("after a message during the timeout's call: schedule %+v, timer index %d; want the first timeout again at %s, 10 minutes after the message", next, c.s.TimerIndex, wrote.Add(10*time.Minute))
	}
}
