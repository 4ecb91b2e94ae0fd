// Package graph draws a compiled flow as a diagram: a Mermaid flowchart or
// Graphviz DOT.
//
// Render writes the flow's states and transitions: rounded boxes wait for
// the customer (menu, ask, routes), hexagons hand off to a human, double
// circles end the conversation, plain boxes move on at once. Each
// sub-flow is a group of its states, with the calls leading into it and
// the returns leading out: its ends (a state's, which is a double circle
// there too, or a rule's) are dashed "return" edges back to each state
// that calls it. Dotted edges leave any state: global triggers,
// the flow's no-match ladder and timeouts. A rule's own handoff (in a
// trigger, route, option, ladder step or timeout) leads to a "handoff to a
// person" node, and edges are labelled with what takes them (an unnamed
// route with what it matches: intent, keywords, pattern).
//
// graph imports only flows. `baton graph` uses it.
package graph
