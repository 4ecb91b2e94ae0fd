package graph

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/batonbot/baton/flows"
)

// Format is a diagram language Render writes.
type Format string

// The formats Render writes.
const (
	// Mermaid is a Mermaid flowchart: paste it into Markdown on GitHub, or
	// https://mermaid.live.
	Mermaid Format = "mermaid"
	// Dot is Graphviz DOT: dot -Tsvg draws it.
	Dot Format = "dot"
)

// Render writes flow f as a diagram in format: Mermaid or Dot. An unknown
// format is an error and writes nothing.
func Render(w io.Writer, f *flows.Flow, format Format) error {
	switch format {
	case Mermaid:
		writeMermaid(w, f)
	case Dot:
		writeDot(w, f)
	default:
		return fmt.Errorf("graph: unknown format %q: use %s or %s", format, Mermaid, Dot)
	}
	return nil
}

// subflowKeys are the flow's sub-flows, in key order.
func subflowKeys(f *flows.Flow) []string {
	keys := make([]string, 0, len(f.Subflows))
	for k := range f.Subflows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// anyState reports whether an edge leaves any state: of the flow, or of a
// sub-flow ("key/*").
func anyState(from string) bool {
	return from == flows.AnyState || strings.HasSuffix(from, "/"+flows.AnyState)
}

// anyOf reports whether edges leave any state of sub-flow key.
func anyOf(edges []flows.Edge, key string) bool {
	for _, e := range edges {
		if e.From == key+"/"+flows.AnyState {
			return true
		}
	}
	return false
}

// handoffNode is the node a rule's own handoff (handoff: in a trigger,
// route, option, ladder step or timeout) leads to.
const handoffNode = "handoff_"

// endNode is the node a rule's own end (end: in a trigger, route, option,
// ladder step or timeout) leads to.
const endNode = "end_"

func hasEndEdge(edges []flows.Edge) bool {
	for _, e := range edges {
		if e.End {
			return true
		}
	}
	return false
}

func hasHandoffEdge(edges []flows.Edge) bool {
	for _, e := range edges {
		if e.Handoff {
			return true
		}
	}
	return false
}

// mermaidID is a node id Mermaid accepts whatever the state is called.
func mermaidIDs(f *flows.Flow) map[string]string {
	ids := map[string]string{flows.AnyState: "any_state"}
	for i, name := range f.Labels() {
		ok := name != ""
		for _, r := range name {
			if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				ok = false
			}
		}
		if ok {
			ids[name] = "s_" + name
		} else {
			ids[name] = "s" + strconv.Itoa(i)
		}
	}
	return ids
}

// mermaidText escapes a label for a quoted Mermaid string.
func mermaidText(s string) string {
	r := strings.NewReplacer(
		"#", "#35;",
		`"`, "#quot;",
		"<", "#lt;",
		">", "#gt;",
		"|", "#124;",
		"\n", " ",
	)
	return r.Replace(s)
}

func writeMermaid(w io.Writer, f *flows.Flow) {
	ids := mermaidIDs(f)
	fmt.Fprintf(w, "%%%% flow %s\n", strings.ReplaceAll(f.Name, "\n", " "))
	fmt.Fprintln(w, "flowchart TD")
	fmt.Fprintln(w, "  start_((start))")
	node := func(indent, name, label string) {
		id := ids[name]
		label = mermaidText(label)
		switch f.Lookup(name).Shape() {
		case flows.ShapeWait:
			fmt.Fprintf(w, "%s%s(\"%s\")\n", indent, id, label)
		case flows.ShapeHandoff:
			fmt.Fprintf(w, "%s%s{{\"%s\"}}\n", indent, id, label)
		case flows.ShapeEnd:
			fmt.Fprintf(w, "%s%s(((\"%s\")))\n", indent, id, label)
		default:
			fmt.Fprintf(w, "%s%s[\"%s\"]\n", indent, id, label)
		}
	}
	for _, name := range f.Order {
		node("  ", name, name)
	}
	edges := f.DistinctEdges()
	// Each sub-flow is a subgraph of its states.
	for i, key := range subflowKeys(f) {
		fmt.Fprintf(w, "  subgraph sub%d [\"%s\"]\n", i, mermaidText("sub-flow "+key))
		for _, name := range f.Subflows[key].Order {
			node("    ", key+"/"+name, name)
		}
		if anyOf(edges, key) {
			ids[key+"/"+flows.AnyState] = "any_sub" + strconv.Itoa(i)
			fmt.Fprintf(w, "    any_sub%d([\"any state of %s\"])\n", i, mermaidText(key))
		}
		fmt.Fprintln(w, "  end")
	}
	anyUsed := false
	for _, e := range edges {
		anyUsed = anyUsed || e.From == flows.AnyState
	}
	if anyUsed {
		fmt.Fprintln(w, "  any_state([\"any state\"])")
	}
	if hasHandoffEdge(edges) {
		fmt.Fprintf(w, "  %s{{\"handoff to a person\"}}\n", handoffNode)
		ids[""] = handoffNode
	}
	if hasEndEdge(edges) {
		fmt.Fprintf(w, "  %s(((\"end\")))\n", endNode)
	}
	if id, ok := ids[f.Start]; ok {
		fmt.Fprintf(w, "  start_ --> %s\n", id)
	}
	for _, e := range edges {
		from, ok1 := ids[e.From]
		to, ok2 := ids[e.To]
		if e.End {
			to, ok2 = endNode, true
		}
		if !ok1 || !ok2 {
			continue
		}
		arrow := "-->"
		if anyState(e.From) || e.Kind == flows.EdgeReturn || e.Kind == flows.EdgeCall || e.Returns {
			arrow = "-.->"
		}
		if l := e.Caption(); l != "" {
			fmt.Fprintf(w, "  %s %s|\"%s\"| %s\n", from, arrow, mermaidText(l), to)
		} else {
			fmt.Fprintf(w, "  %s %s %s\n", from, arrow, to)
		}
	}
}

// dotText quotes s as a DOT string.
func dotText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}

func writeDot(w io.Writer, f *flows.Flow) {
	fmt.Fprintf(w, "digraph %s {\n", dotText(f.Name))
	fmt.Fprintln(w, "  rankdir=TB;")
	fmt.Fprintln(w, `  node [shape=box, fontname="Helvetica"];`)
	fmt.Fprintln(w, `  edge [fontname="Helvetica", fontsize=10];`)
	fmt.Fprintln(w, `  "start_" [shape=circle, label="start", width=0.5];`)
	dotNode := func(indent, name, label string) {
		attrs := ""
		switch f.Lookup(name).Shape() {
		case flows.ShapeWait:
			attrs = "style=rounded"
		case flows.ShapeHandoff:
			attrs = "shape=hexagon"
		case flows.ShapeEnd:
			attrs = "shape=doublecircle"
		}
		if attrs != "" {
			attrs = ", " + attrs
		}
		fmt.Fprintf(w, "%s%s [label=%s%s];\n", indent, dotText("s:"+name), dotText(label), attrs)
	}
	for _, name := range f.Order {
		dotNode("  ", name, name)
	}
	edges := f.DistinctEdges()
	for i, key := range subflowKeys(f) {
		fmt.Fprintf(w, "  subgraph \"cluster_%d\" {\n    label=%s;\n    style=dashed;\n", i, dotText("sub-flow "+key))
		for _, name := range f.Subflows[key].Order {
			dotNode("    ", key+"/"+name, name)
		}
		if anyOf(edges, key) {
			fmt.Fprintf(w, "    %s [label=%s, shape=box, style=dashed];\n", dotText("s:"+key+"/"+flows.AnyState), dotText("any state of "+key))
		}
		fmt.Fprintln(w, "  }")
	}
	for _, e := range edges {
		if e.From == flows.AnyState {
			fmt.Fprintln(w, `  "any_state" [label="any state", shape=box, style=dashed];`)
			break
		}
	}
	if hasHandoffEdge(edges) {
		fmt.Fprintf(w, "  %s [label=\"handoff to a person\", shape=hexagon];\n", handoffNode)
	}
	if hasEndEdge(edges) {
		fmt.Fprintf(w, "  %s [label=\"end\", shape=doublecircle];\n", endNode)
	}
	if _, ok := f.States[f.Start]; ok {
		fmt.Fprintf(w, "  \"start_\" -> %s;\n", dotText("s:"+f.Start))
	}
	for _, e := range edges {
		to := dotText("s:" + e.To)
		if e.Handoff {
			to = handoffNode
		} else if e.End {
			to = endNode
		} else if f.Lookup(e.To) == nil {
			continue
		}
		from := dotText("s:" + e.From)
		if e.From == flows.AnyState {
			from = `"any_state"`
		} else if f.Lookup(e.From) == nil && !anyState(e.From) {
			continue
		}
		var attrs []string
		if l := e.Caption(); l != "" {
			attrs = append(attrs, "label="+dotText(l))
		}
		if anyState(e.From) || e.Kind == flows.EdgeReturn || e.Kind == flows.EdgeCall || e.Returns {
			attrs = append(attrs, "style=dashed")
		}
		a := ""
		if len(attrs) > 0 {
			a = " [" + strings.Join(attrs, ", ") + "]"
		}
		fmt.Fprintf(w, "  %s -> %s%s;\n", from, to, a)
	}
	fmt.Fprintln(w, "}")
}
