package studio

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGraphDrawsRulesThatEnd: a trigger, option, route, next: rule,
// ladder step or timeout that ends the conversation itself is an edge to
// the "end" pseudo-node, as `baton graph` draws it, like a rule's own
// handoff to the "handoff to a person" node.
func TestGraphDrawsRulesThatEnd(t *testing.T) {
	p := newPage(t, Options{Flow: "../graph/testdata/flows/ends.yaml"})
	code, b := p.get("/api/state")
	var st struct {
		Graph graphView `json:"graph"`
	}
	if err := json.Unmarshal(b, &st); err != nil || code != http.StatusOK {
		t.Fatalf("%d %s", code, b)
	}
	var ends []string
	for _, e := range st.Graph.Edges {
		if e.To == "end_" {
			ends = append(ends, e.From+" "+e.Label)
		}
	}
	slices.Sort(ends)
	want := []string{"* after 10m0s", "* no match 2", "* trigger: bye", "a 1. X", "b stop", "c ", "c if n > 1"}
	if !slices.Equal(ends, want) {
		t.Errorf("edges to the end: %q, want %q", ends, want)
	}
	i := slices.IndexFunc(st.Graph.Nodes, func(n graphNode) bool { return n.ID == "end_" })
	if i < 0 || st.Graph.Nodes[i].Shape != "end_" || st.Graph.Nodes[i].Label != "end" {
		t.Errorf("the end node: %+v", st.Graph.Nodes)
	}
}

// TestPathLightsTheRuleThatEnds: a rule that ends the conversation (or
// hands it off) itself moves to no state, yet the page lights its edge to
// the "end" (or "handoff to a person") node: the path's last move goes
// there, from the state the conversation was in, with the rule that did it.
func TestPathLightsTheRuleThatEnds(t *testing.T) {
	last := func(st *snapshot) pathStep {
		if len(st.Path) == 0 {
			t.Fatal("no path")
		}
		return st.Path[len(st.Path)-1]
	}
	for _, tc := range []struct {
		name string
		say  []string
		want pathStep
	}{
		{"an option", []string{"hi", "X"}, pathStep{From: "a", To: "end_", Via: "menu", Rule: "x"}},
		{"a route", []string{"hi", "Y", "stop"}, pathStep{From: "b", To: "end_", Via: "route", Rule: "stop"}},
		{"a trigger", []string{"hi", "bye"}, pathStep{From: "a", To: "end_", Via: "trigger", Rule: "bye"}},
		{"a trigger's handoff", []string{"hi", "agent"}, pathStep{From: "a", To: "handoff_", Via: "trigger", Rule: "human"}},
		{"a no-match ladder step", []string{"hi", "what?", "what?"}, pathStep{From: "a", To: "end_", Via: "no_match"}},
	} {
		p := newPage(t, Options{Flow: "../graph/testdata/flows/ends.yaml"})
		var st *snapshot
		for _, text := range tc.say {
			st = p.post("message", map[string]string{"text": text})
		}
		got := last(st)
		got.Step = 0
		if got != tc.want {
			t.Errorf("%s: the path ends with %+v, want %+v", tc.name, got, tc.want)
		}
	}
	// A state whose own actions end the conversation (or hand it off) is
	// where the path ends, and a solved ticket ends it by no rule: no move
	// past it.
	flow := filepath.Join(t.TempDir(), "own.yaml")
	if err := os.WriteFile(flow, []byte(`flow: own
languages: [en]
start: a
triggers:
  - name: human
    keywords: [agent]
    handoff: {team: t}
  - name: bye
    keywords: [bye]
    end: customer_left
states:
  a:
    say: hi
    menu:
      options:
        - {id: x, label: X, goto: bye}
        - {id: h, label: H, goto: human}
  bye: {say: bye, end: true}
  human:
    handoff: {team: t}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		say  []string
		want pathStep
	}{
		{"a state that ends", []string{"hi", "X"}, pathStep{From: "a", To: "bye", Via: "menu", Rule: "x"}},
		{"a state that hands off", []string{"hi", "H"}, pathStep{From: "a", To: "human", Via: "menu", Rule: "h"}},
		{"a ticket solved", []string{"hi", "agent", "ticket:solved"}, pathStep{From: "a", To: "handoff_", Via: "trigger", Rule: "human"}},
	} {
		p := newPage(t, Options{Flow: flow})
		var st *snapshot
		for _, text := range tc.say {
			if status, ok := strings.CutPrefix(text, "ticket:"); ok {
				st = p.post("ticket", map[string]string{"status": status})
				continue
			}
			st = p.post("message", map[string]string{"text": text})
		}
		got := last(st)
		got.Step = 0
		if got != tc.want {
			t.Errorf("%s: the path ends with %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
