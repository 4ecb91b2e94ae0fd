package dsl

import (
	"strings"
	"testing"
)

// TestMissingTranslation: a text written per language that lacks one of
// the flow's languages is said in the default language to those
// customers; validate said nothing. It warns once per language, at the
// first text that lacks it, with how many others do and where. A plain
// string (the same for every language) is not warned.
func TestMissingTranslation(t *testing.T) {
	src := `flow: s
languages: [en, it, es]
start: menu
triggers:
  - {name: human, keywords: [agent], handoff: {team: support}}
no_match:
  - say: {en: "Sorry?", it: "Scusa?", es: "¿Perdón?"}
states:
  menu:
    say: {en: Pick one, it: Scegli}
    menu:
      options:
        - {id: faq, label: {en: FAQ, it: Domande, es: Preguntas}, goto: faq}
        - {id: bye, label: {en: Bye, it: Ciao}, goto: bye}
  faq:
    say: {en: "We ship in 2 days.", es: "Enviamos en 2 días."}
    next: bye
  bye:
    say: "👋"
    end: true
`
	_, ds := Load("s.yaml", []byte(src))
	got := diagText(ds)
	for _, want := range []string{
		`s.yaml:10:10: warning: 2 texts have no "es" translation (this one, and s.yaml:14:28): a conversation in es gets them in en; add "es" to each`,
		`s.yaml:16:10: warning: a text has no "it" translation: a conversation in it gets it in en; add "it"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack\n%s\ngot:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "translation"); n != 2 {
		t.Errorf("%d warnings about translations, want 2:\n%s", n, got)
	}
}
