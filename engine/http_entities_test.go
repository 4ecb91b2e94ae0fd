package engine

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// dateExtractor finds "tomorrow" as a date, resolved against the clock it
// is given, and any digit run as a number.
type dateExtractor struct{}

func (dateExtractor) Extract(in flows.EntityInput) []flows.Entity {
	var out []flows.Entity
	if i := strings.Index(in.Text, "tomorrow"); i >= 0 {
		out = append(out, flows.Entity{Kind: flows.EntityDate, Value: in.Now.AddDate(0, 0, 1).Format("2006-01-02"), Text: "tomorrow", Start: i, End: i + 8})
	}
	for _, m := range regexp.MustCompile(`\d+`).FindAllStringIndex(in.Text, -1) {
		out = append(out, flows.Entity{Kind: flows.EntityNumber, Value: in.Text[m[0]:m[1]], Text: in.Text[m[0]:m[1]], Start: m[0], End: m[1]})
	}
	return out
}

// The actions after an HTTP call see the system entities of the message
// that led to it, as they see its text; a direct menu choice still has none.
func TestEntitiesAfterHTTPCall(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"r": nil})
	b.f.NeedsEntities = true
	call := func(next string) flows.Do {
		return flows.Do{Actions: []flows.Action{
			b.say("before [{{ entities.date }}] [{{ entities.number }}]"),
			&flows.HTTP{URL: b.tpl("https://x.example/o"), SaveAs: "r", Sandbox: []*flows.CannedResponse{{Status: 200}}},
			b.say("after [{{ entities.date }}] [{{ entities.number }}]"),
		}, Goto: next}
	}
	b.state("a", &flows.State{
		Actions: []flows.Action{b.say("Order?")},
		Routes:  []*flows.Rule{{Name: "lookup", Pattern: regexp.MustCompile(`\d+`), Do: call("m")}},
	})
	o1 := opt("one", "uno", "one", "a")
	o1.Do = call("a")
	b.state("m", &flows.State{Actions: []flows.Action{b.say("Pick")}, Menu: b.menu(o1, opt("two", "due", "two", "a"))})
	c := newConv(t, b.f, WithEntities(dateExtractor{}))
	resume := func(effs []flows.Effect) []string {
		t.Helper()
		req, ok := find[flows.HTTPRequest](effs)
		if !ok {
			t.Fatalf("no HTTP request: %s", types(effs))
		}
		c.now = c.now.Add(26 * 3600e9) // the result comes in the next day
		return append(replies(effs), replies(c.do(flows.Input{Kind: flows.InputHTTP, HTTP: req.Canned}))...)
	}
	c.user("hi")
	got := resume(c.user("order 42 tomorrow"))
	if want := []string{`before [["2026-03-04"]] [["42"]]`, `after [["2026-03-04"]] [["42"]]`, "Pick"}; !slices.Equal(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
	// A direct menu choice is a choice, not a number, after the call too.
	got = resume(c.user("1"))
	if want := []string{"before [null] [null]", "after [null] [null]", "Order?"}; !slices.Equal(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
}
