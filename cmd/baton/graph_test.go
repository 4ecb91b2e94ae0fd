package main

import (
	"strings"
	"testing"
)

func TestGraphGolden(t *testing.T) {
	for _, format := range []string{"mermaid", "dot"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", "graph", "testdata/flows/shop.yaml", "--format", format)
			wantCode(t, code, exitOK, stdout, stderr)
			golden(t, "graph/shop."+format, stdout)
		})
	}
}

// TestGraphHandoffsAndRoutes: a trigger's or route's own handoff leads to
// a "handoff to a person" node, and unnamed routes are labelled with what
// they match (intent, keywords, pattern).
func TestGraphHandoffsAndRoutes(t *testing.T) {
	for _, format := range []string{"mermaid", "dot"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", "graph", "testdata/flows/handoffs.yaml", "--format", format)
			wantCode(t, code, exitOK, stdout, stderr)
			golden(t, "graph/handoffs."+format, stdout)
			for _, want := range []string{`trigger: refund`, `handoff to a person`, `"refund"`, `order, parcel`} {
				if !strings.Contains(stdout, want) {
					t.Errorf("the graph lacks %s:\n%s", want, stdout)
				}
			}
		})
	}
}

// TestGraphSubflows: sub-flows are drawn as groups of their states, with
// the calls leading into them.
func TestGraphSubflows(t *testing.T) {
	for format, wants := range map[string][]string{
		"mermaid": {`subgraph sub0 ["sub-flow address"]`, `s_pickup -.->|"call address"| s6`, `any_sub0 -.->|"no match 2"| s_human`},
		"dot":     {`subgraph "cluster_0"`, `"s:pickup" -> "s:address/ask_street" [label="call address", style=dashed];`},
	} {
		code, stdout, stderr := runCLI(t, "", "graph", "--format", format, "../../examples/flows/returns.yaml")
		wantCode(t, code, exitOK, stdout, stderr)
		for _, want := range wants {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s graph lacks %s:\n%s", format, want, stdout)
			}
		}
	}
}

func TestGraphDefaultsToMermaid(t *testing.T) {
	_, stdout, _ := runCLI(t, "", "graph", "testdata/flows/shop.yaml")
	if !strings.Contains(stdout, "\nflowchart TD\n") {
		t.Errorf("not a Mermaid flowchart:\n%s", stdout)
	}
}

func TestGraphEscaping(t *testing.T) {
	if got := mermaidText(`say "hi" | <b> #1`); got != `say #quot;hi#quot; #124; #lt;b#gt; #35;1` {
		t.Errorf("mermaidText = %q", got)
	}
	if got := dotText("a \"b\" \\ c\nd"); got != `"a \"b\" \\ c\nd"` {
		t.Errorf("dotText = %q", got)
	}
}

func TestGraphBrokenFlow(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "graph", "testdata/flows/broken.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
}
