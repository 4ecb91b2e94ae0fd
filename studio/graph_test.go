package studio

import (
	"encoding/json"
	"net/http"
	"slices"
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
