package studio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/batonbot/baton/flows"
)

// graphView is the flow's graph for the page, which lays it out (dagre)
// and draws it: the states (labels as events name them, "key/name" in a
// sub-flow), and the moves between them, as `baton graph` draws them.
type graphView struct {
	Rev   int         `json:"rev"`
	Start string      `json:"start"`
	Nodes []graphNode `json:"nodes"`
	Edges []graphEdge `json:"edges"`
}

type graphNode struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Shape string `json:"shape"` // step, wait, handoff, end; any, handoff_, end_ and start for the pseudo-nodes
	Sub   string `json:"sub,omitempty"`
	Pos   string `json:"pos,omitempty"`
}

type graphEdge struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Kind    string `json:"kind"`
	Label   string `json:"label,omitempty"`
	Dashed  bool   `json:"dashed,omitempty"`
	Handoff bool   `json:"handoff,omitempty"`
	Pos     string `json:"pos,omitempty"`
}

// Pseudo-nodes of the graph. Their ids begin with "/", which no state's
// label can: a state name has no "/" and a sub-flow's states are
// "key/name" with a key that is never empty. Any state's node is its
// label, "*" (or "key/*"), which no state may be called.
const (
	nodeStart   = "/start"
	nodeAny     = "*"
	nodeHandoff = "/handoff"
	nodeEnd     = "/end" // where a rule that ends the conversation itself leads
)

func (s *Studio) graph() *graphView {
	f := s.flow
	g := &graphView{Rev: s.rev, Start: f.Start, Nodes: []graphNode{{ID: nodeStart, Label: "start", Shape: "start"}}, Edges: []graphEdge{}}
	for _, label := range f.Labels() {
		st := f.Lookup(label)
		n := graphNode{ID: label, Label: label, Shape: string(st.Shape()), Pos: st.Pos.String()}
		if i := strings.LastIndex(label, "/"); i > 0 {
			n.Sub, n.Label = label[:i], label[i+1:]
		}
		g.Nodes = append(g.Nodes, n)
	}
	if f.Lookup(f.Start) != nil {
		g.Edges = append(g.Edges, graphEdge{From: nodeStart, To: f.Start, Kind: "start"})
	}
	anyUsed, handoffUsed, endUsed := map[string]bool{}, false, false
	for _, e := range f.DistinctEdges() {
		ge := graphEdge{From: e.From, To: e.To, Kind: string(e.Kind), Label: e.Caption(), Handoff: e.Handoff, Pos: e.Pos.String()}
		if e.Handoff {
			ge.To, handoffUsed = nodeHandoff, true
		} else if e.End {
			ge.To, endUsed = nodeEnd, true
		} else if f.Lookup(e.To) == nil {
			continue
		}
		if e.From == flows.AnyState || strings.HasSuffix(e.From, "/"+flows.AnyState) {
			anyUsed[e.From] = true
		} else if f.Lookup(e.From) == nil {
			continue
		}
		ge.Dashed = anyUsed[e.From] || e.Kind == flows.EdgeReturn || e.Kind == flows.EdgeCall || e.Returns
		g.Edges = append(g.Edges, ge)
	}
	for from := range anyUsed {
		n := graphNode{ID: from, Label: "any state", Shape: "any"}
		if k, ok := strings.CutSuffix(from, "/"+flows.AnyState); ok {
			n.Sub, n.Label = k, "any state of "+k
		}
		g.Nodes = append(g.Nodes, n)
	}
	if handoffUsed {
		g.Nodes = append(g.Nodes, graphNode{ID: nodeHandoff, Label: "handoff to a person", Shape: "handoff_"})
	}
	if endUsed {
		g.Nodes = append(g.Nodes, graphNode{ID: nodeEnd, Label: "end", Shape: "end_"})
	}
	return g
}

// sourceView is a state's YAML as written, for the page.
type sourceView struct {
	State string       `json:"state"`
	Pos   string       `json:"pos"`
	File  string       `json:"file"`
	Lines []sourceLine `json:"lines"`
}

type sourceLine struct {
	N    int    `json:"n"`
	Text string `json:"text"`
}

// maxSourceLines bounds the YAML shown for one state.
const maxSourceLines = 400

// source returns the YAML block of state label: its key line, what is
// indented under it and the comment lines just above it.
func (s *Studio) source(label string) (*sourceView, error) {
	st := s.flow.Lookup(label)
	if st == nil {
		return nil, fmt.Errorf("no state %q in %s", label, s.flow.Name)
	}
	if st.Pos.IsZero() || st.Pos.File == "" {
		return nil, fmt.Errorf("the position of state %q is unknown", label)
	}
	var r io.Reader
	if b, ok := s.texts[st.Pos.File]; ok {
		r = bytes.NewReader(b)
	} else {
		f, err := os.Open(st.Pos.File)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var all []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		all = append(all, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return &sourceView{State: label, Pos: st.Pos.String(), File: st.Pos.File, Lines: block(all, st.Pos.Line)}, nil
}

// block cuts the YAML block whose key is on line (1-based) out of lines.
func block(lines []string, line int) []sourceLine {
	if line < 1 || line > len(lines) {
		return nil
	}
	indent := indentOf(lines[line-1])
	first := line
	for first > 1 {
		prev := lines[first-2]
		if t := strings.TrimSpace(prev); strings.HasPrefix(t, "#") && indentOf(prev) == indent {
			first--
			continue
		}
		break
	}
	last := line
	for i := line; i < len(lines) && i-first < maxSourceLines; i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" {
			continue
		}
		if indentOf(l) <= indent {
			break
		}
		last = i + 1
	}
	out := make([]sourceLine, 0, last-first+1)
	for n := first; n <= last; n++ {
		out = append(out, sourceLine{N: n, Text: lines[n-1]})
	}
	return out
}

func indentOf(s string) int {
	return len(s) - len(strings.TrimLeft(s, " \t"))
}
