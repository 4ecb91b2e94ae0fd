package dsl

import (
	"reflect"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestSharedPrograms checks what one load compiles once and shares: equal
// literal values of one type share a program, lists and maps get their
// own, and every copy of an expression keeps its own position, signals
// and errors.
func TestSharedPrograms(t *testing.T) {
	src := `flow: x
languages: [en]
start: a
vars: {s: "", n: 0, f: 0.0, b: false, l: [], m: {}, z: null, w: ""}
hours:
  shop: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
states:
  a:
    set: {s: support, n: 1, f: 1.0, b: true, l: [1, two], m: {k: v}, z: null, w: "{{ wants_human ? 'yes' : 'no' }}"}
    next: b
  b:
    set: {s: support, n: 1, f: 1.0, b: true, l: [1, two], m: {k: v}, z: null, w: "{{ wants_human ? 'yes' : 'no' }}"}
    next:
      - when: hours.shop
        goto: a
      - goto: a
`
	f, ds := Load("x.yaml", []byte(src))
	if f == nil {
		t.Fatal(ds.Err())
	}
	assigns := func(state string) map[string]*flows.Expr {
		out := map[string]*flows.Expr{}
		for _, a := range f.States[state].Actions {
			if set, ok := a.(*flows.Set); ok {
				for _, as := range set.Assign {
					out[as.Var] = as.Value
				}
			}
		}
		return out
	}
	a, b := assigns("a"), assigns("b")
	want := map[string]any{"s": "support", "n": 1, "f": 1.0, "b": true, "l": []any{1, "two"}, "m": map[string]any{"k": "v"}, "z": nil}
	for name, v := range want {
		for _, e := range []*flows.Expr{a[name], b[name]} {
			if got := run(t, e, nil); !reflect.DeepEqual(got, v) {
				t.Errorf("%s = %#v (%T), want %#v (%T)", name, got, got, v, v)
			}
		}
		shared := a[name].Program == b[name].Program
		if wantShared := name != "l" && name != "m"; shared != wantShared {
			t.Errorf("%s: program shared %v, want %v", name, shared, wantShared)
		}
	}
	if a["n"].Program == a["f"].Program {
		t.Error("1 and 1.0 share a program: the number's type is lost")
	}
	if a["w"].Pos == b["w"].Pos || !a["w"].Signals || !b["w"].Signals {
		t.Errorf("copies of one expression: positions %v and %v, signals %v and %v", a["w"].Pos, b["w"].Pos, a["w"].Signals, b["w"].Signals)
	}

	// Each copy of an unknown calendar is reported where it is.
	bad := strings.ReplaceAll(src, "hours.shop", "hours.shp")
	bad = strings.Replace(bad, "next: b\n", "next:\n      - when: hours.shp\n        goto: b\n      - goto: b\n", 1)
	_, ds = Load("x.yaml", []byte(bad))
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	wantDiags := []string{
		`x.yaml:11:21: error: when: unknown calendar "shp"; did you mean "shop"?`,
		`x.yaml:17:21: error: when: unknown calendar "shp"; did you mean "shop"?`,
	}
	if !reflect.DeepEqual(got, wantDiags) {
		t.Errorf("diagnostics:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantDiags, "\n"))
	}
}
