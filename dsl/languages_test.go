package dsl

import (
	"strings"
	"testing"
)

// TestLanguageTypo: a mistyped code in languages: is one error at its
// place in the list, with a did-you-mean; the texts it leaves without a
// language are flagged once per language, not once per text, and the
// texts in the mistyped code itself are not flagged again.
func TestLanguageTypo(t *testing.T) {
	src := func(langs, third string) string {
		s := "flow: x\nlanguages: " + langs + "\nstart: s1\nstates:\n"
		for _, st := range []string{"s1", "s2", "s3", "s4"} {
			s += "  " + st + ":\n    say:\n      it: Ciao\n      en: Hi\n      " + third + ": Hola\n    next: s4\n"
		}
		return s + "  s5:\n    handoff: {team: t}\n"
	}
	for _, tc := range []struct {
		name, langs, third string
		want               []string
	}{
		{"639-2 code", "[it, en, spa]", "spa", []string{
			`x.yaml:2:21: error: languages: "spa" is not a language code the flow can use; did you mean "es" (its ISO 639-1 code)?`,
		}},
		{"639-2 code for one in use", "[it, eng]", "es", []string{
			`x.yaml:2:17: error: languages: "eng" is not a language code the flow can use; did you mean "en" (its ISO 639-1 code)?`,
			`x.yaml:8:7: error: unknown language "en"; the flow speaks it (languages: has an error; the other texts in en are not flagged)`,
			`x.yaml:9:7: error: unknown language "es"; the flow speaks it (languages: has an error; the other texts in es are not flagged)`,
		}},
		{"639-2/B code", "[it, en, fre]", "fre", []string{
			`x.yaml:2:21: error: languages: "fre" is not a language code the flow can use; did you mean "fr" (its ISO 639-1 code)?`,
		}},
		{"639-2/B code of German", "[it, en, ger]", "ger", []string{
			`x.yaml:2:21: error: languages: "ger" is not a language code the flow can use; did you mean "de" (its ISO 639-1 code)?`,
		}},
		{"no such code", "[it, en, jp]", "jp", []string{
			`x.yaml:2:21: error: languages: "jp" is not a language code the flow can use; did you mean "ja"?`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := Load("x.yaml", []byte(src(tc.langs, tc.third)))
			var got []string
			for _, d := range ds {
				if d.Severity == Error {
					got = append(got, d.String())
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s\nall: %v", strings.Join(got, "\n"), strings.Join(tc.want, "\n"), ds)
			}
			for _, d := range ds {
				if d.Severity != Error && strings.Contains(d.String(), "translation") {
					t.Errorf("a follow-on warning: %s", d)
				}
			}
		})
	}
}
