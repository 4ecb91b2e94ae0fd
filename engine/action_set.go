package engine

import (
	"github.com/batonbot/baton/flows"
)

// set assigns variables in order; assigning `lang` changes the
// conversation's language.
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
			lang := formatValue(v)
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
