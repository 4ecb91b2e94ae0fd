package engine

import (
	"strings"
	"sync"

	"github.com/expr-lang/expr/vm"

	"github.com/batonbot/baton/flows"
)

// Expressions run on a pooled VM over a pooled environment map: a turn
// builds the environment once, on its first expression, and keeps it in
// step with the variables it sets.
var (
	envPool = sync.Pool{New: func() any { return make(map[string]any, 32) }}
	vmPool  = sync.Pool{New: func() any { return new(vm.VM) }}
)

// envMap returns the turn's environment, building it on first use.
func (t *turn) envMap() map[string]any {
	if t.env != nil {
		return t.env
	}
	env := envPool.Get().(map[string]any)
	for k, v := range t.f.Vars {
		env[k] = v
	}
	for k, v := range t.s.Vars {
		env[k] = v
	}
	for k, v := range t.e.unset {
		if env[k] == nil {
			env[k] = v
		}
	}
	s := t.s
	env[flows.EnvText] = t.text
	env[flows.EnvChannel] = s.Channel
	env[flows.EnvUser] = userMap(s.Contact)
	env[flows.EnvNow] = t.now
	env[flows.EnvInHours] = t.e.defaultCal.Open(t.now)
	hours := make(map[string]bool, len(t.f.Hours))
	for name, h := range t.f.Hours {
		hours[name] = h.Open(t.now)
	}
	env[flows.EnvHours] = hours
	env[flows.EnvOutcome] = s.Outcome
	env[flows.EnvBudget] = &t.budget
	t.env = env
	t.fillSignals()
	return env
}

// refreshEnv updates the builtins that change during a turn.
func (t *turn) refreshEnv(env map[string]any) {
	s := t.s
	if v, _ := env[flows.EnvState].(string); v != s.State || env[flows.EnvState] == nil {
		env[flows.EnvState] = s.State
	}
	if v, _ := env[flows.EnvLang].(string); v != s.Lang || env[flows.EnvLang] == nil {
		env[flows.EnvLang] = s.Lang
	}
	if v, _ := env[flows.EnvTrigger].(string); v != t.trigger || env[flows.EnvTrigger] == nil {
		env[flows.EnvTrigger] = t.trigger
	}
	if v, _ := env[flows.EnvAnswer].(string); v != t.answer || env[flows.EnvAnswer] == nil {
		env[flows.EnvAnswer] = t.answer
	}
	if v, _ := env[flows.EnvNoMatch].(int); v != s.NoMatch || env[flows.EnvNoMatch] == nil {
		env[flows.EnvNoMatch] = s.NoMatch
	}
}

// fillSignals puts the signal builtins in the environment: this turn's
// analysis when there was one, else the zero signals.
func (t *turn) fillSignals() {
	env := t.env
	if env == nil {
		return
	}
	sig := t.sig
	if !t.analysed {
		sig = flows.Signals{Intent: flows.UnknownIntent}
	}
	env[flows.EnvIntent] = sig.Intent
	env[flows.EnvConfidence] = sig.Confidence
	env[flows.EnvWantsHuman] = sig.WantsHuman
	env[flows.EnvFrustrated] = sig.Frustrated
	env[flows.EnvSentiment] = sig.Sentiment
	env[flows.EnvLanguage] = sig.Language
	ent := sig.Entities
	if t.f.NeedsEntities {
		ent = t.mergeEntities(ent)
	}
	if ent == nil {
		ent = map[string][]string{}
	}
	env[flows.EnvEntities] = ent
}

func (t *turn) releaseEnv() {
	if t.env != nil {
		clear(t.env)
		envPool.Put(t.env)
		t.env = nil
	}
}

// userMap is the `user` builtin: the contact's fields, what the channel
// knows (Meta) and the country derived from the phone prefix.
func userMap(c flows.Contact) map[string]any {
	m := make(map[string]any, 6+len(c.Meta))
	if cc := phoneCountry(c.Phone); cc != "" {
		m["country"] = cc
	}
	for k, v := range c.Meta {
		m[k] = v
	}
	m["id"] = c.ID
	m["name"] = c.Name
	m["phone"] = c.Phone
	m["email"] = c.Email
	if _, ok := m["country"]; !ok {
		m["country"] = ""
	}
	return m
}

// phoneCountry maps an international prefix to an ISO 3166 code for the
// most common prefixes; empty when unknown.
func phoneCountry(phone string) string {
	p, ok := strings.CutPrefix(phone, "+")
	if !ok {
		if p, ok = strings.CutPrefix(phone, "00"); !ok {
			return ""
		}
	}
	for n := 3; n >= 1; n-- {
		if len(p) >= n {
			if cc, ok := countryPrefixes[p[:n]]; ok {
				return cc
			}
		}
	}
	return ""
}

var countryPrefixes = map[string]string{
	"1": "US", "7": "RU", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES",
	"36": "HU", "39": "IT", "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE", "47": "NO",
	"48": "PL", "49": "DE", "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO",
	"58": "VE", "60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "81": "JP",
	"82": "KR", "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK", "212": "MA", "234": "NG", "351": "PT",
	"353": "IE", "356": "MT", "358": "FI", "378": "SM", "380": "UA", "385": "HR", "386": "SI", "420": "CZ", "971": "AE",
}

// eval runs x; a runtime failure is reported as an ErrorEffect at the
// expression's position and ok is false. A nil x evaluates to nil.
func (t *turn) eval(x *flows.Expr) (any, bool) {
	if x == nil {
		return nil, true
	}
	if x.Program == nil {
		t.emit(flows.ErrorEffect{Message: "expression `" + x.Source + "` was not compiled; load flows with the dsl package", State: t.s.State, Pos: x.Pos})
		return nil, false
	}
	if x.Signals && !t.analysed {
		t.signals()
	}
	env := t.envMap()
	t.refreshEnv(env)
	m := vmPool.Get().(*vm.VM)
	m.MemoryBudget = flows.MaxExprMemory
	t.budget.Start()
	v, err := m.Run(x.Program, env)
	vmPool.Put(m)
	if err != nil {
		t.emit(flows.ErrorEffect{Message: "expression `" + x.Source + "` failed: " + err.Error(), State: t.s.State, Pos: x.Pos})
		return nil, false
	}
	return v, true
}

// evalBool runs a condition; anything but true (including an error) is
// false.
func (t *turn) evalBool(x *flows.Expr) bool {
	v, ok := t.eval(x)
	b, _ := v.(bool)
	return ok && b
}

// render renders a template as text.
func (t *turn) render(tp *flows.Template) string {
	if tp == nil {
		return ""
	}
	if len(tp.Parts) == 1 && tp.Parts[0].Expr == nil {
		return tp.Parts[0].Lit
	}
	var b strings.Builder
	for _, p := range tp.Parts {
		if p.Expr == nil {
			b.WriteString(p.Lit)
			continue
		}
		if v, ok := t.eval(p.Expr); ok {
			if p.Encode {
				b.WriteString(flows.URLEncode(formatValue(v)))
			} else {
				b.WriteString(formatValue(v))
			}
		}
	}
	return b.String()
}

// renderText renders a text in the conversation's language (the flow's
// default language as fallback).
func (t *turn) renderText(tx *flows.Text) string {
	return t.render(tx.For(t.s.Lang, t.e.lang))
}

// formatValue writes a value the way templates show it (flows.FormatValue).
func formatValue(v any) string { return flows.FormatValue(v) }
