package dsl

import (
	"strings"
	"testing"
)

// TestSetUnknownLanguage: `set: {lang: fr}` in a flow that does not speak
// French is an error at the value, with a did-you-mean over the flow's
// languages; a language the flow speaks, and an expression (checked at
// run time), load.
func TestSetUnknownLanguage(t *testing.T) {
	src := func(v string) string {
		return "flow: x\nlanguages: [it, en, es]\nstart: s\nvars: {l: en}\nstates:\n  s:\n    set: {lang: " + v + "}\n    end: true\n"
	}
	for _, tc := range []struct{ value, want string }{
		{"fr", `x.yaml:7:17: error: set: unknown language "fr"; the flow speaks it, en, es (add it to languages: or set one of them)`},
		{"enn", `x.yaml:7:17: error: set: unknown language "enn"; did you mean "en"? The flow speaks it, en, es`},
		{"\"EN\"", `x.yaml:7:17: error: set: unknown language "EN"; did you mean "en"? The flow speaks it, en, es`},
	} {
		_, ds := Load("x.yaml", []byte(src(tc.value)))
		if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), tc.want) {
			t.Errorf("%s: %v\nwant %s", tc.value, ds.Err(), tc.want)
		}
	}
	for _, v := range []string{"es", `"{{ l }}"`, `"{{ language }}"`} {
		if _, ds := Load("x.yaml", []byte(src(v))); ds.HasErrors() {
			t.Errorf("%s: %v", v, ds.Err())
		}
	}
}
