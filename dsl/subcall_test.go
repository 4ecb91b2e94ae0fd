package dsl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNamedSubflowCallsNamedSubflow checks that a named sub-flow may call
// another named sub-flow of the same file (calls nest), and that one
// calling itself, directly or not, is a cycle, not an "unknown sub-flow".
func TestNamedSubflowCallsNamedSubflow(t *testing.T) {
	const ok = `flow: nest
languages: [en]
start: a
vars: {name: "", street: ""}
subflows:
  ident:
    vars: {nm: "", street: ""}
    start: ask
    states:
      ask:
        ask: {save_as: nm}
        next: more
      more:
        call: {subflow: addr, save: {street: street}}
        next: done
      done:
        end: ok
  addr:
    vars: {street: ""}
    start: st
    states:
      st:
        ask: {save_as: street}
        next: fin
      fin:
        end: true
states:
  a:
    call: {subflow: ident, save: {name: nm, street: street}}
    next: b
  b:
    end: true
`
	f, ds := Load("nest.yaml", []byte(ok))
	if ds.HasErrors() || f == nil {
		t.Fatalf("a named sub-flow calling another did not load:\n%v", ds.Err())
	}
	more := f.Subflows["ident"].States["more"]
	if more.Call == nil || more.Call.Flow != "addr" || f.Subflows["addr"] == nil {
		t.Fatalf("ident/more calls %+v; want the sub-flow addr", more.Call)
	}

	const loop = `flow: loop
languages: [en]
start: a
subflows:
  one:
    start: x
    states:
      x:
        call: {subflow: two}
        next: y
      y:
        end: true
  two:
    start: x
    states:
      x:
        call: {subflow: one}
        next: y
      y:
        end: true
  self:
    start: x
    states:
      x:
        call: {subflow: self}
        next: y
      y:
        end: true
states:
  a:
    call: {subflow: one}
    next: b
  b:
    call: {subflow: self}
    next: c
  c:
    end: true
`
	_, ds = Load("loop.yaml", []byte(loop))
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"loop.yaml:17:25: error: call cycle: loop.yaml → one → two → one; a flow cannot call itself, directly or not",
		"loop.yaml:25:25: error: call cycle: loop.yaml → self → self; a flow cannot call itself, directly or not",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "unknown sub-flow") {
		t.Errorf("a defined sub-flow is reported unknown:\n%s", got)
	}
}

// TestCallTypes: with: writes the sub-flow's variables and save: the
// caller's, like set:, so a value of another type than the variable's
// declared one is an error at load, not an expression failing at run time.
func TestCallTypes(t *testing.T) {
	src := `flow: types
languages: [en]
start: a
vars: {name: "", n: 0}
subflows:
  s:
    vars: {count: 0, label: ""}
    start: x
    states:
      x:
        say: "{{ count + 1 }}"
        end: true
states:
  a:
    call:
      subflow: s
      with: {count: "{{ name }}", label: "{{ name }}"}
      save: {n: label, name: count}
    next: b
  b:
    say: "{{ n + 1 }}"
    end: true
`
	_, ds := Load("types.yaml", []byte(src))
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		`types.yaml:17:25: error: with: "count" is declared as a number (0) in the sub-flow s, but this value is a text; expressions that use count would fail on it`,
		`types.yaml:18:17: error: save: "n" is declared as a number (0) at types.yaml:4:18, but this value is a text; expressions that use n would fail on it`,
		`types.yaml:18:30: error: save: "name" is declared as a text ("") at types.yaml:4:8, but this value is a number; expressions that use name would fail on it`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"label"`) {
		t.Errorf("a value of the right type is reported:\n%s", got)
	}
}

// TestSubflowStartIsItsOwn: a named sub-flow starts in one of its own
// states; a start naming a state of the calling flow is an error (the call
// would jump back to the caller, in a loop), not a reference allowed as a
// goto back to the caller is.
func TestSubflowStartIsItsOwn(t *testing.T) {
	src := `flow: start
languages: [en]
start: a
subflows:
  empty:
    start: a
    states: {}
  other:
    start: b
    states:
      x: {end: true}
states:
  a:
    say: hi
    call: {subflow: empty}
    next: b
  b:
    call: {subflow: other}
    next: c
  c:
    end: true
`
	_, ds := Load("start.yaml", []byte(src))
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		`start.yaml:6:12: error: start: "a" is not a state of the sub-flow "empty"; a sub-flow starts in one of its own states`,
		`start.yaml:9:12: error: start: "b" is not a state of the sub-flow "other"; a sub-flow starts in one of its own states (it has x)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, got)
		}
	}
}

// TestCalledFilesAreFlowFiles: a flow file a state calls is one of the
// files the flow is read from (Flow.Files), as an included file is, so
// baton serve, chat --watch and test --watch reload when it is saved.
func TestCalledFilesAreFlowFiles(t *testing.T) {
	f, ds := LoadFile("../examples/flows/returns.yaml")
	if f == nil || ds.HasErrors() {
		t.Fatalf("returns.yaml does not load: %v", ds.Err())
	}
	want := filepath.Join("..", "examples", "flows", "common", "identify.yaml")
	if !slices.Contains(f.Files, want) {
		t.Errorf("Files = %q, want %s among them", f.Files, want)
	}
	if f.Files[0] != f.Source {
		t.Errorf("Files = %q: the flow's own file comes first", f.Files)
	}
}

// TestFragmentCallsTakenOnTrust: an included file checked alone takes the
// named sub-flows of the flows that include it on trust, as it does their
// states and variables.
func TestFragmentCallsTakenOnTrust(t *testing.T) {
	path := filepath.Join(t.TempDir(), "part.yaml")
	src := "states:\n  p:\n    call: {subflow: address}\n    next: q\n  q:\n    end: true\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range LoadFragment(path) {
		if d.Severity == Error {
			t.Errorf("an included file calling its flow's sub-flow: %s", d)
		}
	}
}
