package dsl

import (
	"strings"
	"testing"
)

// TestEntityKindTypo: entities.KIND close to a system entity's kind but
// not one (entities.dat) is a warning with "did you mean" at the kind;
// the flow still loads, and a kind that resembles none (a custom
// analyser's, entities.sku) says nothing.
func TestEntityKindTypo(t *testing.T) {
	for _, tc := range []struct {
		when, want string
	}{
		{`len(entities.dat) > 0`, `f.yaml:8:28: warning: when: entities has no system kind "dat"; did you mean "date"?`},
		{`'len(entities["emial"]) > 0'`, `f.yaml:8:29: warning: when: entities has no system kind "emial"; did you mean "email"?`},
		{`'any(entities.oder, # == "A1")'`, `f.yaml:8:29: warning: when: entities has no system kind "oder"; did you mean "order"?`},
		{`len(entities.date) > 0`, ``},
		{`len(entities.date_range) > 0 or len(entities.order) > 0`, ``},
		{`len(entities.sku) > 0`, ``},
	} {
		t.Run(tc.when, func(t *testing.T) {
			src := "flow: x\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: hi\n    next:\n      - when: " + tc.when + "\n        goto: a\n      - handoff: {}\n"
			f, ds := Load("f.yaml", []byte(src), noIncludes)
			if f == nil || ds.HasErrors() {
				t.Fatalf("the flow does not load: %v", ds.Err())
			}
			var got []string
			for _, d := range ds {
				if strings.Contains(d.String(), "entities") {
					got = append(got, d.String())
				}
			}
			if tc.want == "" {
				if len(got) > 0 {
					t.Errorf("diagnostics %q, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("diagnostics %q, want %q", got, tc.want)
			}
		})
	}
}
