package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/graph"
)

// TestGraphDraws: baton graph writes what graph.Render draws, in either
// format (package graph tests the drawing itself).
func TestGraphDraws(t *testing.T) {
	f, diags := dsl.LoadFile("testdata/flows/shop.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, format := range []graph.Format{graph.Mermaid, graph.Dot} {
		t.Run(string(format), func(t *testing.T) {
			var want bytes.Buffer
			if err := graph.Render(&want, f, format); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "", "graph", "testdata/flows/shop.yaml", "--format", string(format))
			wantCode(t, code, exitOK, stdout, stderr)
			if stdout != want.String() {
				t.Errorf("baton graph --format %s wrote:\n%s\nwant:\n%s", format, stdout, want.String())
			}
		})
	}
}

func TestGraphDefaultsToMermaid(t *testing.T) {
	_, stdout, _ := runCLI(t, "", "graph", "testdata/flows/shop.yaml")
	if !strings.Contains(stdout, "\nflowchart TD\n") {
		t.Errorf("not a Mermaid flowchart:\n%s", stdout)
	}
}

func TestGraphUsage(t *testing.T) {
	for _, args := range [][]string{
		{"graph", "--format", "svg", "testdata/flows/shop.yaml"},
		{"graph"},
		{"graph", "testdata/flows/shop.yaml", "testdata/flows/shop.yaml"},
		{"graph", "testdata/flows/nothing-here.yaml"},
	} {
		code, stdout, stderr := runCLI(t, "", args...)
		wantCode(t, code, exitUsage, stdout, stderr)
		if stdout != "" {
			t.Errorf("baton %s wrote on stdout:\n%s", strings.Join(args, " "), stdout)
		}
	}
}

func TestGraphBrokenFlow(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "graph", "testdata/flows/broken.yaml")
	wantCode(t, code, exitFailed, stdout, stderr)
}

// TestGraphIncludedFile: a file meant to be included is not a flow to draw;
// baton graph says to draw the flow that includes it, not that the file
// lacks flow:, languages: and start:.
func TestGraphIncludedFile(t *testing.T) {
	path := "testdata/project/common/escalation.yaml"
	code, stdout, stderr := runCLI(t, "", "graph", path)
	wantCode(t, code, exitFailed, stdout, stderr)
	want := path + ": an included file (only vars, include, hours, nlu, triggers and states), not a flow: name the flow that includes it instead\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
}
