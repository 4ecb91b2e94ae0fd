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
		{"spa", `x.yaml:7:17: error: set: unknown language "spa"; did you mean "es"? The flow speaks it, en, es`},
		{"ita", `x.yaml:7:17: error: set: unknown language "ita"; did you mean "it"? The flow speaks it, en, es`},
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

// TestTextInAThreeLetterCode: a text written under the three-letter code of
// a language the flow speaks is an error with the code meant.
func TestTextInAThreeLetterCode(t *testing.T) {
	src := "flow: x\nlanguages: [it, en]\nstart: s\nstates:\n  s:\n    say: {it: Ciao, eng: Hi}\n    end: true\n"
	want := `x.yaml:6:21: error: unknown language "eng"; did you mean "en"? The flow speaks it, en`
	if _, ds := Load("x.yaml", []byte(src)); !ds.HasErrors() || !strings.Contains(ds.Err().Error(), want) {
		t.Errorf("%v\nwant %s", ds.Err(), want)
	}
}

// TestMeantLanguage: the code of the flow's languages a code that is not
// one likely means.
func TestMeantLanguage(t *testing.T) {
	speaks := []string{"it", "en", "pt-BR"}
	for _, tc := range []struct{ code, want string }{
		{"eng", "en"}, {"ita", "it"}, {"fre", ""}, {"EN", "en"}, {"enn", "en"}, {"por", ""}, {"de", ""}, {"pt-br", "pt-BR"},
	} {
		if got := MeantLanguage(tc.code, speaks); got != tc.want {
			t.Errorf("MeantLanguage(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
}
