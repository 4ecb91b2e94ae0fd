package engine

import (
	"reflect"
	"testing"

	"github.com/batonbot/baton/flows"
)

// nestedCalls is a root flow calling a.yaml, which calls b.yaml. Each has
// a trigger on "agent", and a trigger only it has ("root", "alpha",
// "beta"); b ends with the reason of the customer's choice, and the root
// calls again once it has said how it went.
func nestedCalls(t *testing.T) *flows.Flow {
	trig := func(name, to string, phrases ...string) *flows.Rule {
		return &flows.Rule{Name: name, Keywords: kw(phrases...), Do: flows.Do{Goto: to}}
	}
	root := newFlow(t, "start", map[string]any{"how": ""})
	root.f.Triggers = []*flows.Rule{trig("root_agent", "root_desk", "agent"), trig("root_only", "root_desk", "root")}
	root.state("start", &flows.State{
		Call: &flows.Call{Flow: "a.yaml", Out: []flows.CallOut{{To: "how", From: flows.CallEndReason}}},
		Next: goTo("after"),
	})
	root.state("after", &flows.State{Actions: []flows.Action{root.say("root: {{ how }}")}, Next: goTo("start")})
	root.state("root_desk", &flows.State{Actions: []flows.Action{root.say("root desk")}, Routes: goTo("root_desk")})

	a := newFlow(t, "call_b", map[string]any{"how_b": ""})
	a.f.Triggers = []*flows.Rule{trig("a_agent", "a_desk", "agent"), trig("a_only", "a_desk", "alpha")}
	a.state("call_b", &flows.State{
		Call: &flows.Call{Flow: "b.yaml", Out: []flows.CallOut{{To: "how_b", From: flows.CallEndReason}}},
		Next: goTo("a_done"),
	})
	a.state("a_done", &flows.State{Actions: []flows.Action{a.say("a: {{ how_b }}"), &flows.End{Reason: "a_" + "done", Return: true}}, End: true})
	a.state("a_desk", &flows.State{Actions: []flows.Action{a.say("a desk")}, Routes: goTo("a_desk")})

	b := newFlow(t, "ask", nil)
	b.f.Triggers = []*flows.Rule{trig("b_agent", "b_desk", "agent"), trig("b_only", "b_desk", "beta")}
	b.state("ask", &flows.State{Actions: []flows.Action{b.say("b?")}, Menu: b.menu(opt("ok", "ok", "ok", "ok_end"), opt("no", "no", "no", "plain_end"))})
	b.state("ok_end", &flows.State{Actions: []flows.Action{&flows.End{Reason: "confirmed", Return: true}}, End: true})
	b.state("plain_end", &flows.State{Actions: []flows.Action{&flows.End{Return: true}}, End: true})
	b.state("b_desk", &flows.State{Actions: []flows.Action{b.say("b desk")}, Routes: goTo("b_desk")})

	root.f.Subflows = map[string]*flows.Flow{"a.yaml": a.f, "b.yaml": b.f}
	return root.f
}

// TestTriggersCallersFirst checks the precedence of triggers two calls
// deep: the root flow's, then the caller's, then the running flow's own;
// a caller's trigger leaves the flows it called.
func TestTriggersCallersFirst(t *testing.T) {
	tests := []struct {
		text, trigger, state string
		stack                int
		reply                string
	}{
		{"agent", "root_agent", "root_desk", 0, "root desk"},
		{"root", "root_only", "root_desk", 0, "root desk"},
		{"alpha", "a_only", "a_desk", 1, "a desk"},
		{"beta", "b_only", "b_desk", 2, "b desk"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c := newConv(t, nestedCalls(t))
			c.user("hi")
			if c.s.State != "ask" || len(c.s.Stack) != 2 {
				t.Fatalf("in %q with %d callers, want ask two calls deep", c.s.State, len(c.s.Stack))
			}
			effs := c.user(tt.text)
			fired := all[flows.TriggerFired](effs)
			if len(fired) != 1 || fired[0].Name != tt.trigger || fired[0].State != "b.yaml/ask" {
				t.Errorf("fired %+v, want %s in b.yaml/ask", fired, tt.trigger)
			}
			if c.s.State != tt.state || len(c.s.Stack) != tt.stack {
				t.Errorf("in %q with %d callers, want %q with %d", c.s.State, len(c.s.Stack), tt.state, tt.stack)
			}
			if got := replies(effs); !reflect.DeepEqual(got, []string{tt.reply}) {
				t.Errorf("replies %q, want %q", got, tt.reply)
			}
		})
	}
}

// TestCallEndReason checks that save: of end.reason copies the reason the
// sub-flow ended with, at each depth, and "" for an end without one.
func TestCallEndReason(t *testing.T) {
	c := newConv(t, nestedCalls(t))
	c.user("hi")
	effs := c.user("ok")
	if got, want := replies(effs), []string{"a: confirmed", "root: a_done", "b?"}; !reflect.DeepEqual(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
	if len(c.s.Stack) != 2 || c.s.Stack[0].Vars["how"] != "a_done" {
		t.Errorf("callers %+v, want the root's how a_done and the next call under way", c.s.Stack)
	}
	effs = c.user("no")
	if got, want := replies(effs), []string{"a: ", "root: a_done", "b?"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after an end without reason: replies %q, want %q", got, want)
	}
}

// TestCallsTooDeepAtRunTime: a flow built without the dsl whose sub-flow
// calls itself stops nine calls deep, with an error that names the chain
// and what to do.
func TestCallsTooDeepAtRunTime(t *testing.T) {
	root := newFlow(t, "start", nil)
	root.state("start", &flows.State{Call: &flows.Call{Flow: "r"}, Next: goTo("start")})
	r := newFlow(t, "again", nil)
	r.state("again", &flows.State{Actions: []flows.Action{r.say("in")}, Call: &flows.Call{Flow: "r"}, Next: goTo("again")})
	root.f.Subflows = map[string]*flows.Flow{"r": r.f}
	c := newConv(t, root.f)
	effs := c.user("hi")
	e, ok := find[flows.ErrorEffect](effs)
	want := `state "again" calls "r" with 8 calls already under way (test → r → r → r → r → r → r → r → r → r); calls nest at most 8 deep: call sub-flows one after the other (a caller's next state calls the next one once the one before ends with end:) rather than one inside another`
	if !ok || e.Message != want {
		t.Errorf("error %q\nwant %q", e.Message, want)
	}
}
