package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// A language set at run time that the flow does not speak (an expression:
// the loader checks literals) falls back to the flow's default language,
// with an error that says so; a language it speaks is kept.
func TestSetLangUnknownAtRunTime(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"want": ""})
	b.state("a", &flows.State{
		Actions: []flows.Action{b.say("it", "Lingua?", "en", "Language?")},
		Ask:     &flows.Ask{SaveAs: "want"},
		Next:    []*flows.Rule{{Do: flows.Do{Actions: []flows.Action{b.set("lang", "want"), b.say("it", "Ciao {{ lang }}", "en", "Hi {{ lang }}")}, Goto: "a"}}},
	})
	c := newConv(t, b.f)
	c.s.Lang = "en"
	c.user("hi")
	effs := c.user("en")
	if got, want := replies(effs), []string{"Hi en", "Language?"}; !slices.Equal(got, want) || c.s.Lang != "en" {
		t.Errorf("en: replies %q, lang %q", got, c.s.Lang)
	}
	effs = c.user("fr")
	if got, want := replies(effs), []string{"Ciao it", "Lingua?"}; !slices.Equal(got, want) || c.s.Lang != "it" {
		t.Errorf("fr: replies %q, want %q; lang %q, want it", got, want, c.s.Lang)
	}
	e, ok := find[flows.ErrorEffect](effs)
	if !ok || !strings.Contains(e.Message, `"fr"`) || !strings.Contains(e.Message, "it, en") {
		t.Errorf("fr: error %+v, want one naming fr and the flow's languages", e)
	}
	var lang []any
	for _, e := range effs {
		if v, ok := e.(flows.VarSet); ok && v.Name == "lang" {
			lang = append(lang, v.Value)
		}
	}
	if !slices.Equal(lang, []any{"it"}) {
		t.Errorf("fr: lang set to %v, want [it]", lang)
	}
}
