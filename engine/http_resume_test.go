package engine

import (
	"errors"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// httpFlow is a flow whose state "a" answers an order number with a
// lookup and stays there, waiting for the customer.
func httpFlow(t *testing.T, before, after []flows.Action) *fb {
	b := newFlow(t, "a", map[string]any{"r": nil})
	call := &flows.HTTP{URL: b.tpl("https://x.example/o"), SaveAs: "r", Sandbox: []*flows.CannedResponse{{Status: 200}}}
	do := append(append(append([]flows.Action(nil), before...), call), after...)
	b.state("a", &flows.State{
		Actions: []flows.Action{b.say("Order?")},
		Routes:  []*flows.Rule{{Name: "lookup", Pattern: regexp.MustCompile(`\d+`), Do: flows.Do{Actions: do}}},
	})
	return b
}

// The no-reply timeouts count from the customer's message, also when the
// reply to it came after an HTTP call that took a while.
func TestTimeoutAfterHTTPCountsFromTheMessage(t *testing.T) {
	b := httpFlow(t, nil, nil)
	b.f.Timeouts = []*flows.Timeout{{After: 10 * time.Minute, Do: flows.Do{Actions: []flows.Action{b.say("Still there?")}}}}
	c := newConv(t, b.f)
	c.user("hi")
	effs := c.user("order 42")
	sent := c.now
	req, ok := find[flows.HTTPRequest](effs)
	if !ok {
		t.Fatalf("no HTTP request: %s", types(effs))
	}
	c.now = c.now.Add(30 * time.Second) // the API is slow
	effs = c.do(flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned})
	sch, ok := find[flows.Schedule](effs)
	if want := sent.Add(10 * time.Minute); !ok || !sch.At.Equal(want) {
		t.Errorf("timeout scheduled %+v, want at %s (10m after the message): %s", sch, want, types(effs))
	}
}

// The actions after an HTTP call see the signals of the customer's
// message that led to it, analysed once, whether or not the actions
// before the call read them.
func TestSignalsAfterHTTPCall(t *testing.T) {
	for _, before := range []bool{false, true} {
		var pre []flows.Action
		b := newFlow(t, "a", map[string]any{"r": nil})
		if before {
			pre = []flows.Action{b.say("before {{ intent }}")}
		}
		b = httpFlow(t, pre, []flows.Action{b.say("after {{ intent }}")})
		b.f.NeedsSignals = true
		a := &countingAnalyzer{intent: "order_status"}
		c := newConv(t, b.f, WithAnalyzer(a))
		c.user("hi")
		effs := c.resume(c.user("where is order 42"))
		if r := replies(effs); len(r) != 1 || r[0] != "after order_status" {
			t.Errorf("before=%v: replies after the call %q, want [\"after order_status\"]", before, r)
		}
		if n := a.calls.Load(); n != 1 {
			t.Errorf("before=%v: the analyser ran %d times, want once", before, n)
		}
	}
}

// A handoff reached through a ladder step reports the misses behind it,
// also when the state it goes to makes an HTTP call before handing off.
func TestHandoffNoMatchAcrossHTTP(t *testing.T) {
	b := httpFlow(t, nil, nil)
	b.f.NoMatch = &flows.Ladder{Steps: []flows.Do{{Actions: []flows.Action{b.say("Sorry?")}}, {Goto: "human"}}}
	b.state("human", &flows.State{Actions: []flows.Action{
		&flows.HTTP{Method: "POST", URL: b.tpl("https://log.example.com/miss"), Sandbox: []*flows.CannedResponse{{Status: 204}}},
		&flows.HandoffAction{},
	}})
	c := newConv(t, b.f)
	c.user("hi")
	c.user("boh")
	effs := c.resume(c.user("boh"))
	h, ok := find[flows.HandoffEffect](effs)
	if !ok {
		t.Fatalf("no handoff: %s", types(effs))
	}
	if h.Reason != "no_match" || h.NoMatch != 2 {
		t.Errorf("handoff reason %q no_match %d, want no_match 2", h.Reason, h.NoMatch)
	}
}

// What a question took from the customer's message does not answer the
// next question after an HTTP call, as it does not without the call: a
// date taken by one ask, or a message an ask took whole.
func TestQuestionAnsweredOnceAcrossHTTP(t *testing.T) {
	for _, first := range []string{"date", "text"} {
		b := newFlow(t, "a", map[string]any{"r": nil, "x": nil, "d": nil})
		b.f.NeedsEntities = true
		b.state("a", &flows.State{Actions: []flows.Action{b.say("Hi")}, Routes: []*flows.Rule{{Pattern: regexp.MustCompile(`.`), Do: flows.Do{Goto: "q1"}}}})
		q1 := &flows.Ask{Entity: flows.EntityDate, SaveAs: "x"}
		if first == "text" {
			q1 = &flows.Ask{SaveAs: "x"}
		}
		b.state("q1", &flows.State{Actions: []flows.Action{b.say("When did you order?")}, Ask: q1, Next: goTo("check")})
		b.state("check", &flows.State{Actions: []flows.Action{
			&flows.HTTP{URL: b.tpl("https://x.example/o"), SaveAs: "r", Sandbox: []*flows.CannedResponse{{Status: 200}}},
		}, Next: goTo("q2")})
		b.state("q2", &flows.State{Actions: []flows.Action{b.say("When should we deliver?")}, Ask: &flows.Ask{Entity: flows.EntityDate, SaveAs: "d"}, Next: goTo("a")})
		c := newConv(t, b.f, WithEntities(dateExtractor{}))
		c.user("hi")
		c.user("order")
		effs := c.resume(c.user("tomorrow"))
		if r := replies(effs); len(r) != 1 || r[0] != "When should we deliver?" {
			t.Errorf("%s: replies after the call %q, want the second question asked", first, r)
		}
		if d := c.s.Vars["d"]; d != nil {
			t.Errorf("%s: the second question took %v from the first one's answer", first, d)
		}
	}
}

// The answer builtin holds the question's answer in the actions after an
// HTTP call, as before it.
func TestAnswerAfterHTTPCall(t *testing.T) {
	b := newFlow(t, "q", map[string]any{"r": nil, "x": nil})
	b.state("q", &flows.State{Actions: []flows.Action{b.say("Order number?")}, Ask: &flows.Ask{SaveAs: "x", Pattern: regexp.MustCompile(`\d+`)},
		Next: []*flows.Rule{{Do: flows.Do{Actions: []flows.Action{
			b.say("before {{ answer }}"),
			&flows.HTTP{URL: b.tpl("https://x.example/o"), SaveAs: "r", Sandbox: []*flows.CannedResponse{{Status: 200}}},
			b.say("after {{ answer }}"),
		}, Goto: "q"}}}})
	c := newConv(t, b.f)
	c.user("hi")
	effs := c.user("order 42")
	effs = append(effs, c.resume(effs)...)
	if got, want := replies(effs), []string{"before 42", "after 42", "Order number?"}; !slices.Equal(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
}

// The media builtin holds the customer's media in the actions after an
// HTTP call, as before it.
func TestMediaAfterHTTPCall(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"r": nil})
	b.state("a", &flows.State{
		Actions: []flows.Action{b.say("Send a photo")},
		Routes: []*flows.Rule{{Name: "photo", When: b.expr(`media.kind == "image"`), Do: flows.Do{Actions: []flows.Action{
			b.say("before {{ media.kind }} {{ media.id }}"),
			&flows.HTTP{Method: "POST", URL: b.tpl("https://x.example/upload/{{ media.id }}"), SaveAs: "r", Sandbox: []*flows.CannedResponse{{Status: 200}}},
			b.say("after {{ media.kind }} {{ media.id }}"),
		}}}},
	})
	c := newConv(t, b.f)
	c.user("hi")
	effs := c.media(photo)
	effs = append(effs, c.resume(effs)...)
	want := "image " + photo.ID
	if got := replies(effs); !slices.Equal(got, []string{"before " + want, "after " + want}) {
		t.Errorf("replies %q", got)
	}
}

// A collect's ladder step that logs the miss before its say gives the
// invalid text of the slot whose value was refused, as without the call.
func TestRejectedSlotAcrossHTTP(t *testing.T) {
	for _, call := range []bool{false, true} {
		b := newFlow(t, "form", map[string]any{"r": nil, "d": nil, "n": nil})
		b.f.NeedsEntities = true
		step := []flows.Action{b.say("Sorry?")}
		if call {
			step = append([]flows.Action{&flows.HTTP{Method: "POST", URL: b.tpl("https://log.example.com/miss"), Sandbox: []*flows.CannedResponse{{Status: 204}}}}, step...)
		}
		b.state("form", &flows.State{
			Actions: []flows.Action{b.say("Date and guests?")},
			Collect: &flows.Collect{Slots: []*flows.Slot{
				{Entity: flows.EntityDate, SaveAs: "d", Prompt: b.text("When?"), Invalid: b.text("Bad date.")},
				{Entity: flows.EntityNumber, SaveAs: "n", Prompt: b.text("How many?"), Validate: b.expr(`answer != "0"`), Invalid: b.text("At least one guest.")},
			}},
			NoMatch: &flows.Ladder{Steps: []flows.Do{{Actions: step}}},
			Next:    goTo("form"),
		})
		c := newConv(t, b.f, WithEntities(dateExtractor{}))
		c.user("hi")
		effs := c.user("0")
		if call {
			effs = append(effs, c.resume(effs)...)
		}
		if got := replies(effs); !slices.Equal(got, []string{"At least one guest."}) {
			t.Errorf("call=%v: replies %q, want the refused slot's invalid text", call, got)
		}
	}
}

// A message the analyser could not read has no signals after an HTTP call
// either: not the signals of the message before it.
func TestFailedAnalysisAcrossHTTP(t *testing.T) {
	b := newFlow(t, "a", nil)
	b = httpFlow(t, []flows.Action{b.say("before {{ intent }}")}, []flows.Action{b.say("after {{ intent }}")})
	b.f.NeedsSignals = true
	a := &countingAnalyzer{intent: "order_status"}
	c := newConv(t, b.f, WithAnalyzer(a))
	c.user("hi")
	effs := c.user("order 1")
	c.resume(effs)
	a.fail = errors.New("the NLU service is down")
	effs = c.user("order 2")
	effs = append(effs, c.resume(effs)...)
	if got := replies(effs); !slices.Equal(got, []string{"before unknown", "after unknown"}) {
		t.Errorf("replies %q, want the message's unknown intent on both sides of the call", got)
	}
	if n := a.calls.Load(); n != 2 {
		t.Errorf("the analyser ran %d times, want 2 (once an order message)", n)
	}
}

// A message analysed before the first of two HTTP calls is not analysed
// again after the second.
func TestSignalsAcrossTwoHTTPCalls(t *testing.T) {
	b := newFlow(t, "a", nil)
	second := &flows.HTTP{URL: b.tpl("https://x.example/p"), Sandbox: []*flows.CannedResponse{{Status: 200}}}
	b = httpFlow(t, []flows.Action{b.say("before {{ intent }}")}, []flows.Action{second, b.say("after {{ intent }}")})
	b.f.NeedsSignals = true
	a := &countingAnalyzer{intent: "order_status"}
	c := newConv(t, b.f, WithAnalyzer(a))
	c.user("hi")
	effs := c.user("order 1")
	effs = append(effs, c.resume(effs)...)
	effs = append(effs, c.resume(effs[len(effs)-1:])...)
	if got := replies(effs); !slices.Equal(got, []string{"before order_status", "after order_status"}) {
		t.Errorf("replies %q", got)
	}
	if n := a.calls.Load(); n != 1 {
		t.Errorf("the analyser ran %d times, want once", n)
	}
}

// The entities after two HTTP calls in a row are read against the clock
// of the message, not of the first result.
func TestEntitiesAcrossTwoHTTPCalls(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"r": nil})
	b.f.NeedsEntities = true
	second := &flows.HTTP{URL: b.tpl("https://x.example/p"), Sandbox: []*flows.CannedResponse{{Status: 200}}}
	b = httpFlow(t, []flows.Action{b.say("before {{ entities.date }}")}, []flows.Action{second, b.say("after {{ entities.date }}")})
	b.f.NeedsEntities = true
	c := newConv(t, b.f, WithEntities(dateExtractor{}))
	c.user("hi")
	effs := c.user("order 42 tomorrow")
	c.now = c.now.Add(26 * time.Hour) // the first result comes in the next day
	effs = append(effs, c.resume(effs)...)
	effs = append(effs, c.resume(effs[len(effs)-1:])...)
	if got := replies(effs); !slices.Equal(got, []string{`before ["2026-03-04"]`, `after ["2026-03-04"]`}) {
		t.Errorf("replies %q", got)
	}
}
