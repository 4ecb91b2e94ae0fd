package dsl

import (
	"strings"
	"testing"
)

// TestNamedSubflowCallsSibling: a named sub-flow may call another named
// sub-flow of the same file (a sibling defined before or after it); a
// cycle between them is an error that says so, not "unknown sub-flow ...;
// define it under subflows:" about a sub-flow that is defined there.
func TestNamedSubflowCallsSibling(t *testing.T) {
	const base = "flow: d\nlanguages: [en]\nstart: s\nsubflows:\n" +
		"  x:\n    start: s1\n    states:\n" +
		"      s1:\n        call: {subflow: y}\n        next: d\n" +
		"      d: {end: true}\n" +
		"  y:\n    start: t1\n    states:\n" +
		"      t1:\n        say: in y\n        CALL_OR_ASK\n        next: d\n" +
		"      d: {end: true}\n" +
		"states:\n  s:\n    call: {subflow: x}\n    next: h\n  h:\n    handoff: {}\n"

	f, ds := Load("d.yaml", []byte(strings.Replace(base, "CALL_OR_ASK", "ask: {save_as: q}", 1)), noIncludes)
	if f == nil || ds.HasErrors() {
		t.Fatalf("x calling its sibling y does not load: %v", ds.Err())
	}
	x, y := f.Subflows["x"], f.Subflows["y"]
	if x == nil || y == nil {
		t.Fatalf("sub-flows %v, want x and y", f.Subflows)
	}
	if c := x.States["s1"].Call; c == nil || c.Flow != "y" {
		t.Errorf("x's call: %+v, want the sub-flow y", c)
	}

	_, ds = Load("d.yaml", []byte(strings.Replace(base, "CALL_OR_ASK", "call: {subflow: x}", 1)), noIncludes)
	got := diagText(ds)
	if want := "d.yaml:17:25: error: call cycle: d.yaml → x → y → x; a flow cannot call itself, directly or not"; !strings.Contains(got, want) {
		t.Errorf("a cycle between sub-flows: diagnostics lack %q:\n%s", want, got)
	}
	if strings.Contains(got, "define it under subflows") {
		t.Errorf("a defined sub-flow is reported as unknown:\n%s", got)
	}
}
