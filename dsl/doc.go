// Package dsl turns flow files (YAML, see docs/dsl.md) into *flows.Flow.
//
// Loading reports every problem at once as Diagnostics, each with a
// severity, a summary, an optional detail and the source position taken from
// the YAML nodes, in the form editors understand:
//
//	support.yaml:12:9: error: unknown state "welcom"; did you mean "welcome"?
//
// Expressions are compiled with github.com/expr-lang/expr when the flow
// loads, against an environment of the flow's variables and the builtins in
// flows.Builtins, so unknown names fail at load time with a position inside
// the expression. Hostile input (huge files, alias bombs, deep nesting,
// binary data) gets a clear error in bounded time and memory, never a panic.
package dsl
