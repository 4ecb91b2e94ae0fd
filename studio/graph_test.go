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
		if e.To == nodeEnd {
			ends = append(ends, e.From+" "+e.Label)
		}
	}
	slices.Sort(ends)
	want := []string{"* after 10m", "* no match 2", "* trigger: bye", "a 1. X", "b stop", "c ", "c if n > 1"}
	if !slices.Equal(ends, want) {
		t.Errorf("edges to the end: %q, want %q", ends, want)
	}
	i := slices.IndexFunc(st.Graph.Nodes, func(n graphNode) bool { return n.ID == nodeEnd })
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
		{"an option", []string{"hi", "X"}, pathStep{From: "a", To: nodeEnd, Via: "menu", Rule: "x"}},
		{"a route", []string{"hi", "Y", "stop"}, pathStep{From: "b", To: nodeEnd, Via: "route", Rule: "stop"}},
		{"a trigger", []string{"hi", "bye"}, pathStep{From: "a", To: nodeEnd, Via: "trigger", Rule: "bye"}},
		{"a trigger's handoff", []string{"hi", "agent"}, pathStep{From: "a", To: nodeHandoff, Via: "trigger", Rule: "human"}},
		{"a no-match ladder step", []string{"hi", "what?", "what?"}, pathStep{From: "a", To: nodeEnd, Via: "no_match"}},
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
		{"a ticket solved", []string{"hi", "agent", "ticket:solved"}, pathStep{From: "a", To: nodeHandoff, Via: "trigger", Rule: "human"}},
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

// TestGraphPseudoNodesNeverCollideWithStates: a flow may name its states
// start_, end_ or handoff_ (the dsl allows any name without / or line
// breaks); the graph's start, end and handoff pseudo-nodes are still nodes
// of their own, and the states keep theirs, with their own edges.
func TestGraphPseudoNodesNeverCollideWithStates(t *testing.T) {
	flow := filepath.Join(t.TempDir(), "names.yaml")
	if err := os.WriteFile(flow, []byte(`flow: names
languages: [en]
start: start_
triggers:
  - name: human
    keywords: [agent]
    handoff: {team: t}
  - name: bye
    keywords: [bye]
    end: customer_left
states:
  start_:
    say: hi
    menu:
      options:
        - {id: e, label: E, goto: end_}
        - {id: h, label: H, goto: handoff_}
  end_: {say: bye, end: true}
  handoff_:
    handoff: {team: t}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, Options{Flow: flow})
	code, b := p.get("/api/state")
	var st struct {
		Graph graphView `json:"graph"`
	}
	if err := json.Unmarshal(b, &st); err != nil || code != http.StatusOK {
		t.Fatalf("%d %s", code, b)
	}
	ids := map[string]graphNode{}
	for _, n := range st.Graph.Nodes {
		if prev, dup := ids[n.ID]; dup {
			t.Errorf("two nodes have the id %q: %+v and %+v", n.ID, prev, n)
		}
		ids[n.ID] = n
	}
	for name, shape := range map[string]string{"start_": "wait", "end_": "end", "handoff_": "handoff"} {
		if n, ok := ids[name]; !ok || n.Shape != shape || n.Label != name {
			t.Errorf("state %s is drawn as %+v, want shape %s", name, n, shape)
		}
	}
	pseudo := map[string]string{} // shape → id
	for _, n := range st.Graph.Nodes {
		if n.Shape == "start" || n.Shape == "end_" || n.Shape == "handoff_" {
			pseudo[n.Shape] = n.ID
			if want := map[string]string{"start": "start", "end_": "end", "handoff_": "handoff to a person"}[n.Shape]; n.Label != want {
				t.Errorf("pseudo-node %s is labelled %q, want %q", n.ID, n.Label, want)
			}
		}
	}
	if len(pseudo) != 3 {
		t.Fatalf("pseudo-nodes: %v, want start, end_ and handoff_", pseudo)
	}
	var edges []string
	for _, e := range st.Graph.Edges {
		from, to := e.From, e.To
		for shape, id := range pseudo {
			if from == id {
				from = "(" + shape + ")"
			}
			if to == id {
				to = "(" + shape + ")"
			}
		}
		edges = append(edges, from+">"+to+" "+e.Kind)
	}
	slices.Sort(edges)
	want := []string{"(start)>start_ start", "*>(end_) trigger", "*>(handoff_) trigger", "start_>end_ menu", "start_>handoff_ menu"}
	if !slices.Equal(edges, want) {
		t.Errorf("edges:\n%q\nwant\n%q", edges, want)
	}
	// The path of a conversation that ends by a trigger leads to the end
	// pseudo-node, not to the state end_.
	p.post("message", map[string]string{"text": "hi"})
	last := p.post("message", map[string]string{"text": "bye"})
	if n := len(last.Path); n == 0 || last.Path[n-1].To != pseudo["end_"] {
		t.Errorf("the path: %+v, want its last move to %s", last.Path, pseudo["end_"])
	}
}

// TestGraphDrawsSubflowReturns: a sub-flow's ends return to the state that
// called it: the page draws them as dashed "return" edges back to each
// calling state, as `baton graph` does, not to the conversation's end.
func TestGraphDrawsSubflowReturns(t *testing.T) {
	p := newPage(t, Options{Flow: "../graph/testdata/flows/returns.yaml"})
	code, b := p.get("/api/state")
	var st struct {
		Graph graphView `json:"graph"`
	}
	if err := json.Unmarshal(b, &st); err != nil || code != http.StatusOK {
		t.Fatalf("%d %s", code, b)
	}
	var returns, ends []string
	for _, e := range st.Graph.Edges {
		switch {
		case e.To == nodeEnd:
			ends = append(ends, e.From+" "+e.Label)
		case strings.HasPrefix(e.Label, "return"):
			if !e.Dashed {
				t.Errorf("the return %+v is not dashed", e)
			}
			returns = append(returns, e.From+">"+e.To+" "+e.Label)
		}
	}
	slices.Sort(returns)
	want := []string{"ask/*>a return: no match 2", "ask/*>b return: no match 2", "ask/done>a return", "ask/done>b return", "ask/q>a return: none", "ask/q>b return: none"}
	if !slices.Equal(returns, want) {
		t.Errorf("returns:\n%q\nwant\n%q", returns, want)
	}
	if !slices.Equal(ends, []string{"* trigger: bye"}) {
		t.Errorf("edges to the end: %q, want the flow's trigger's only", ends)
	}
}
