package engine

import (
	"strings"

	"github.com/batonbot/baton/flows"
)

// set assigns variables in order; assigning `lang` changes the
// conversation's language, to one the flow speaks (else its default).
func (t *turn) set(a *flows.Set) {
	if a == nil {
		return
	}
	for _, as := range a.Assign {
		v, ok := t.eval(as.Value)
		if !ok {
			continue
		}
		if as.Var == flows.EnvLang {
			lang := t.flowLang(formatValue(v), as.Value)
			t.s.Lang = lang
			if t.env != nil {
				t.env[flows.EnvLang] = lang
			}
			t.emit(flows.VarSet{Name: as.Var, Value: lang})
			continue
		}
		t.setVar(as.Var, v)
	}
}

// flowLang is lang as the flow spells it among its languages; a language
// it does not speak is its default one, with an error at the value x.
func (t *turn) flowLang(lang string, x *flows.Expr) string {
	langs := t.e.flow.Languages
	if len(langs) == 0 { // a flow built without languages: nothing to check
		return lang
	}
	for _, l := range langs {
		if strings.EqualFold(l, lang) {
			return l
		}
	}
	def := t.e.flow.DefaultLanguage()
	msg := "set: lang: the flow does not speak " + quote(lang) + " (it speaks " + strings.Join(langs, ", ") + "); the conversation goes on in " + quote(def) + ", the default language: add the language to languages: or set one of these"
	var pos flows.Pos
	if x != nil {
		pos = x.Pos
	}
	t.emit(flows.ErrorEffect{Message: msg, State: t.s.State, Pos: pos})
	return def
}
