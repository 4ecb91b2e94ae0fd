package engine

import (
	"regexp"
	"slices"
	"testing"

	"github.com/batonbot/baton/flows"
)

// The actions after an HTTP call run when its result comes in, as a turn of
// their own; they still see the customer's message that led to the call as
// `text`, as the actions before it did.
func TestTextAfterHTTPCall(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"r": nil})
	b.state("a", &flows.State{
		Actions: []flows.Action{b.say("Order?")},
		Routes: []*flows.Rule{{Name: "lookup", Pattern: regexp.MustCompile(`\d+`), Do: flows.Do{
			Actions: []flows.Action{
				b.say("before [{{ text }}]"),
				&flows.HTTP{URL: b.tpl("https://x.example/o"), SaveAs: "r", Sandbox: []*flows.CannedResponse{{Status: 200}}},
				b.say("after [{{ text }}] {{ r.status }}"),
			},
			Goto: "a"}}},
	})
	c := newConv(t, b.f)
	c.user("hi")
	effs := c.user("order 42")
	req, ok := find[flows.HTTPRequest](effs)
	if !ok {
		t.Fatalf("no HTTP request: %s", types(effs))
	}
	effs = append(effs, c.do(flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned})...)
	if got, want := replies(effs), []string{"before [order 42]", "after [order 42] 200", "Order?"}; !slices.Equal(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
	// The next turn's text is its own.
	c.user("hello")
	if c.s.Pending != nil {
		t.Errorf("pending left: %+v", c.s.Pending)
	}
}
