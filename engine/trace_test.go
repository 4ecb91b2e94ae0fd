package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// traced runs one input of c under a trace and returns the turn's entry.
func traced(t *testing.T, c *conv, in flows.Input) TurnTrace {
	t.Helper()
	tr := &Trace{}
	if in.At.IsZero() {
		c.now = c.now.Add(time.Second)
		in.At = c.now
	}
	ns, _, err := c.e.Turn(WithTrace(context.Background(), tr), c.s, in)
	if err != nil {
		t.Fatal(err)
	}
	c.s = ns
	if len(tr.Turns) != 1 {
		t.Fatalf("%d turns traced, want 1", len(tr.Turns))
	}
	return tr.Turns[0]
}

func checkList(cs []Check) string {
	var out []string
	for _, c := range cs {
		s := c.Kind + ":" + c.Name
		if c.Fired {
			s += "=fired(" + c.By + " " + c.Match + ")"
		} else {
			s += "=no(" + c.Why + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

func TestTraceListsTheChecksInOrder(t *testing.T) {
	f := shop(t)
	b := &fb{tb: t, f: f}
	f.States["welcome"].Routes = []*flows.Rule{
		{Name: "vip_route", When: b.expr("vip"), Do: flows.Do{Goto: "human"}},
		{Intent: "billing", Do: flows.Do{Goto: "human"}},
	}
	c := newConv(t, f, WithAnalyzer(&countingAnalyzer{}))
	tt := traced(t, c, flows.Input{Kind: flows.InputMessage, Text: "ciao"})
	if tt.State != "" || tt.Input != flows.InputMessage {
		t.Errorf("first turn: state %q input %q", tt.State, tt.Input)
	}
	want := `trigger:asks_for_human=no(keywords: none of "operatore", "agente", "persona vera", "agent", … is in the message)
trigger:refund=no(keywords: none of "rimborso", "refund" is in the message)`
	if got := checkList(tt.Checks); got != want {
		t.Errorf("first message's checks:\n%s\nwant\n%s", got, want)
	}

	tt = traced(t, c, flows.Input{Kind: flows.InputMessage, Text: "vorrei un rimborso"})
	want = `trigger:asks_for_human=no(keywords: none of "operatore", "agente", "persona vera", "agent", … is in the message)
trigger:refund=fired(keyword rimborso)`
	if got := checkList(tt.Checks); got != want {
		t.Errorf("refund checks:\n%s\nwant\n%s", got, want)
	}
	if tt.State != "welcome" {
		t.Errorf("the refund turn began in %q", tt.State)
	}
}

func TestTraceMenuRoutesAndTransitions(t *testing.T) {
	f := shop(t)
	b := &fb{tb: t, f: f}
	f.States["welcome"].Routes = []*flows.Rule{
		{Name: "vip_route", When: b.expr("vip"), Do: flows.Do{Goto: "human"}},
	}
	c := newConv(t, f)
	c.user("ciao")
	tt := traced(t, c, flows.Input{Kind: flows.InputMessage, Payload: "order"})
	if got, want := checkList(tt.Checks), "menu:order=fired(button Stato ordine)"; got != want {
		t.Errorf("button: %s, want %s", got, want)
	}
	c = newConv(t, f)
	c.user("ciao")
	tt = traced(t, c, flows.Input{Kind: flows.InputMessage, Text: "boh"})
	want := `trigger:asks_for_human=no(keywords: none of "operatore", "agente", "persona vera", "agent", … is in the message)
trigger:refund=no(keywords: none of "rimborso", "refund" is in the message)
menu:(options)=no(no option's number, label or synonym is in the message)
route:vip_route=no(when: vip is false)`
	if got := checkList(tt.Checks); got != want {
		t.Errorf("free text checks:\n%s\nwant\n%s", got, want)
	}
	c.user("1")
	tt = traced(t, c, flows.Input{Kind: flows.InputMessage, Text: "A12345"})
	// The answer is taken, then ask_order's one transition (to lookup).
	want = `trigger:asks_for_human=no(keywords: none of "operatore", "agente", "persona vera", "agent", … is in the message)
trigger:refund=no(keywords: none of "rimborso", "refund" is in the message)
next:(otherwise)=fired( )`
	if got := checkList(tt.Checks); got != want {
		t.Errorf("answer checks:\n%s\nwant\n%s", got, want)
	}
}

func TestTraceNextRulesAndTimeouts(t *testing.T) {
	f := shop(t)
	c := newConv(t, f)
	c.user("ciao")
	c.user("1")
	effs := c.user("A12345")
	req, ok := find[flows.HTTPRequest](effs)
	if !ok {
		t.Fatalf("no HTTP request: %s", types(effs))
	}
	tt := traced(t, c, flows.Input{Kind: flows.InputHTTP, HTTP: &flows.HTTPResult{ID: req.ID, Status: 404}})
	want := `next:order.ok and order.body.status == "shipped"=no(when: order.ok and order.body.status == "shipped" is false)
next:order.status == 404=fired(when )
next:(otherwise)=fired( )`
	got := checkList(tt.Checks)
	if !strings.HasPrefix(got, want[:strings.LastIndex(want, "\n")]) {
		t.Errorf("transition checks:\n%s\nwant first\n%s", got, want)
	}
	tt = traced(t, c, flows.Input{Kind: flows.InputTimer, Timer: c.s.TimerKey, At: c.now.Add(11 * time.Minute)})
	if got := checkList(tt.Checks); got != "timeout:after 10m=fired( )" {
		t.Errorf("timer checks: %s", got)
	}
}

func TestTraceSignalsAnalysedOrCarried(t *testing.T) {
	f := shop(t)
	f.NeedsSignals = true
	f.States["welcome"].Routes = []*flows.Rule{{Intent: "billing", Do: flows.Do{Goto: "human"}}}
	a := &countingAnalyzer{}
	c := newConv(t, f, WithAnalyzer(a))
	c.user("ciao")
	tt := traced(t, c, flows.Input{Kind: flows.InputMessage, Text: "boh"})
	if !tt.Analysed || tt.Signals == nil {
		t.Fatalf("free text against an intent route: analysed %v, signals %v", tt.Analysed, tt.Signals)
	}
	last := tt.Checks[len(tt.Checks)-1]
	if last.Kind != CheckRoute || last.Fired || !strings.HasPrefix(last.Why, `intent: the message's is "`) {
		t.Errorf("intent route check %+v", last)
	}
	tt = traced(t, c, flows.Input{Kind: flows.InputMessage, Payload: "faq"})
	if tt.Analysed {
		t.Error("a button press was analysed")
	}
}

// Only the turns run under the trace's context are traced.
func TestTraceOnlyWhenAsked(t *testing.T) {
	c := newConv(t, shop(t))
	traced(t, c, flows.Input{Kind: flows.InputMessage, Text: "ciao"})
	tr := &Trace{}
	_ = WithTrace(context.Background(), tr)
	c.user("boh")
	if len(tr.Turns) != 0 {
		t.Fatal("a turn outside the traced context was traced")
	}
}
