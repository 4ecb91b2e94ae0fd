package graph

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/internal/golden"
)

// load compiles a flow file, failing the test on any error.
func load(t *testing.T, path string) *flows.Flow {
	t.Helper()
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() || f == nil {
		t.Fatalf("%s does not compile: %v", path, diags)
	}
	return f
}

// render draws path's flow in format.
func render(t *testing.T, path string, format Format) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, load(t, path), format); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRenderGolden(t *testing.T) {
	for _, format := range []Format{Mermaid, Dot} {
		t.Run(string(format), func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", "shop."+string(format)), render(t, "testdata/flows/shop.yaml", format))
		})
	}
}

// TestRenderHandoffsAndRoutes: a trigger's or route's own handoff leads to
// a "handoff to a person" node, and unnamed routes are labelled with what
// they match (intent, keywords, pattern).
func TestRenderHandoffsAndRoutes(t *testing.T) {
	for _, format := range []Format{Mermaid, Dot} {
		t.Run(string(format), func(t *testing.T) {
			got := render(t, "testdata/flows/handoffs.yaml", format)
			golden.Check(t, filepath.Join("testdata", "handoffs."+string(format)), got)
			for _, want := range []string{`trigger: refund`, `handoff to a person`, `"refund"`, `order, parcel`} {
				if !strings.Contains(got, want) {
					t.Errorf("the graph lacks %s:\n%s", want, got)
				}
			}
		})
	}
}

// TestRenderSubflows: sub-flows are drawn as groups of their states, with
// the calls leading into them.
func TestRenderSubflows(t *testing.T) {
	for format, wants := range map[Format][]string{
		Mermaid: {`subgraph sub0 ["sub-flow address"]`, `s_pickup -.->|"call address"| s6`, `any_sub0 -.->|"no match 2"| s_human`},
		Dot:     {`subgraph "cluster_0"`, `"s:pickup" -> "s:address/ask_street" [label="call address", style=dashed];`},
	} {
		got := render(t, "../examples/flows/returns.yaml", format)
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s graph lacks %s:\n%s", format, want, got)
			}
		}
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	var b bytes.Buffer
	err := Render(&b, load(t, "testdata/flows/shop.yaml"), "svg")
	if err == nil || !strings.Contains(err.Error(), `"svg"`) {
		t.Errorf("Render(svg) = %v, want an error naming the format", err)
	}
	if b.Len() != 0 {
		t.Errorf("Render(svg) wrote %q", b.String())
	}
}

func TestEscaping(t *testing.T) {
	if got := mermaidText(`say "hi" | <b> #1`); got != `say #quot;hi#quot; #124; #lt;b#gt; #35;1` {
		t.Errorf("mermaidText = %q", got)
	}
	if got := dotText("a \"b\" \\ c\nd"); got != `"a \"b\" \\ c\nd"` {
		t.Errorf("dotText = %q", got)
	}
}

func ExampleRender() {
	f, diags := dsl.Load("hello.yaml", []byte(`flow: hello
languages: [en]
start: welcome
states:
  welcome:
    say: Hi! Track an order or talk to a person?
    menu:
      options:
        - {id: track, label: Track an order, goto: bye}
        - {id: agent, label: A person, goto: human}
  human:
    handoff: {team: support}
  bye:
    say: Bye!
    end: done
`))
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	_ = Render(os.Stdout, f, Mermaid)
	// Output:
	// %% flow hello
	// flowchart TD
	//   start_((start))
	//   s_welcome("welcome")
	//   s_human{{"human"}}
	//   s_bye((("bye")))
	//   start_ --> s_welcome
	//   s_welcome -->|"1. Track an order"| s_bye
	//   s_welcome -->|"2. A person"| s_human
}

// TestRenderNoMoveAfterAStop: a rule whose handoff or end stops the turn
// never takes its goto (docs/dsl.md, "How a turn runs"): no edge is drawn
// for it.
func TestRenderNoMoveAfterAStop(t *testing.T) {
	for _, tc := range []struct {
		format Format
		edges  []string
	}{
		{Mermaid, []string{`s_a -->|"1. X"| s_b`, `any_state -.->|"trigger: human"| s_b`}},
		{Dot, []string{`"s:a" -> "s:b"`, `"any_state" -> "s:b"`}},
	} {
		got := render(t, "testdata/flows/stops.yaml", tc.format)
		for _, e := range tc.edges {
			if strings.Contains(got, e) {
				t.Errorf("%s: the graph draws %s, a goto that never runs:\n%s", tc.format, e, got)
			}
		}
		if !strings.Contains(got, "handoff to a person") {
			t.Errorf("%s: the trigger's handoff is not drawn:\n%s", tc.format, got)
		}
	}
}

// TestRenderRuleEnds: a trigger, option, route, next: rule, ladder step or
// timeout that ends the conversation itself is drawn to an "end" node,
// like a rule's own handoff to the "handoff to a person" node.
func TestRenderRuleEnds(t *testing.T) {
	for format, wants := range map[Format][]string{
		Mermaid: {`end_((("end")))`, `s_a -->|"1. X"| end_`, `s_b -->|"stop"| end_`, `s_c -->|"if n #gt; 1"| end_`, `s_c --> end_`,
			`any_state -.->|"trigger: bye"| end_`, `any_state -.->|"no match 2"| end_`, `any_state -.->|"after 10m"| end_`},
		Dot: {`end_ [label="end", shape=doublecircle];`, `"s:a" -> end_ [label="1. X"];`, `"s:b" -> end_ [label="stop"];`,
			`"s:c" -> end_;`, `"any_state" -> end_ [label="trigger: bye", style=dashed];`},
	} {
		got := render(t, "testdata/flows/ends.yaml", format)
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s graph lacks %s:\n%s", format, want, got)
			}
		}
	}
}

// TestRenderSubflowReturns: in a sub-flow an end returns to the state
// that called it (docs/dsl.md, "Sub-flows"), whether a state's own end, a
// route's or a ladder step's: each is drawn as a dashed "return" edge back
// to every calling state, not to the conversation's "end" node, which
// only the flow's own ends lead to.
func TestRenderSubflowReturns(t *testing.T) {
	for _, tc := range []struct {
		format      Format
		wants, bads []string
	}{
		{Mermaid, []string{
			`s4 -.->|"return"| s_a`, `s4 -.->|"return"| s_b`,
			`s3 -.->|"return: none"| s_a`, `s3 -.->|"return: none"| s_b`,
			`any_sub0 -.->|"return: no match 2"| s_a`, `any_sub0 -.->|"return: no match 2"| s_b`,
			`any_state -.->|"trigger: bye"| end_`,
		}, []string{`s3 -->|"none"| end_`, `any_sub0 -.->|"no match 2"| end_`}},
		{Dot, []string{
			`"s:ask/done" -> "s:a" [label="return", style=dashed];`, `"s:ask/done" -> "s:b" [label="return", style=dashed];`,
			`"s:ask/q" -> "s:a" [label="return: none", style=dashed];`, `"s:ask/*" -> "s:b" [label="return: no match 2", style=dashed];`,
			`"any_state" -> end_ [label="trigger: bye", style=dashed];`,
		}, []string{`"s:ask/q" -> end_`, `"s:ask/*" -> end_`}},
	} {
		got := render(t, "testdata/flows/returns.yaml", tc.format)
		for _, want := range tc.wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s graph lacks %s:\n%s", tc.format, want, got)
			}
		}
		for _, bad := range tc.bads {
			if strings.Contains(got, bad) {
				t.Errorf("%s graph draws a sub-flow's return as the conversation's end, %s:\n%s", tc.format, bad, got)
			}
		}
	}
}
