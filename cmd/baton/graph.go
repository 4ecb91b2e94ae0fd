package main

import (
	"context"

	"github.com/batonbot/baton/graph"
)

var graphCmd = &command{
	name:    "graph",
	usage:   "graph [--format mermaid|dot] FLOW",
	summary: "draw a flow as a Mermaid or Graphviz diagram",
}

func init() {
	graphCmd.run = runGraph
	register(graphCmd)
}

const graphAbout = `
Draws the flow's states and transitions on stdout: Mermaid (paste it into
Markdown on GitHub, or https://mermaid.live) or Graphviz DOT (dot -Tsvg).

Shapes: rounded boxes wait for the customer (menu, ask, routes), hexagons
hand off to a human, double circles end the conversation, plain boxes move
on at once. Dotted edges leave any state: global triggers, the flow's
no-match ladder and timeouts. Each sub-flow is a group of its states:
dashed edges call it, and its ends are dashed "return" edges back to the
states that call it.

Exit status: 0 on success, 1 when the flow has errors, 2 for usage errors
(a flow file that does not exist too).`

func runGraph(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(graphCmd, graphAbout, e.stderr)
	format := fs.String("format", string(graph.Mermaid), "the output `format`: mermaid or dot")
	pos, code, done := parseFlags(e, fs, args)
	if done {
		return code
	}
	if f := graph.Format(*format); f != graph.Mermaid && f != graph.Dot {
		return usageError(e, graphCmd, "--format %q: use mermaid or dot", *format)
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			return usageError(e, graphCmd, "no flow file given")
		}
		return usageError(e, graphCmd, "one flow file at a time, got %d", len(pos))
	}
	if code, bad := missingPaths(e, graphCmd, pos[0]); bad {
		return code
	}
	f := loadFlow(e.stderr, pos[0], false)
	if f == nil {
		return exitFailed
	}
	if err := graph.Render(e.stdout, f, graph.Format(*format)); err != nil {
		return usageError(e, graphCmd, "%v", err)
	}
	return exitOK
}
