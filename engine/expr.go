package engine

import (
	"errors"
	"strings"
	"sync"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/batonbot/baton/flows"
)

// Expressions run on a pooled VM over a pooled environment map. The
// environment holds only what the turn's expressions read: the names a
// program uses are found once (its syntax tree, cached by the engine), and
// each evaluation adds those it lacks, so a turn whose expressions read
// two variables fills two entries, not every variable and builtin. A
// program that reads $env gets the whole environment.
var (
	envPool = sync.Pool{New: func() any { return make(map[string]any, 8) }}
	vmPool  = sync.Pool{New: func() any { return new(vm.VM) }}
)

// exprNames are the environment names a program reads.
type exprNames struct {
	names []string
	all   bool // it reads $env: every name
}

// namesOf returns the names p reads, computing them on first use.
func (e *Engine) namesOf(p *vm.Program) exprNames {
	if n, ok := e.exprNames.Load(p); ok {
		return n.(exprNames)
	}
	var n exprNames
	seen := map[string]bool{}
	node := p.Node()
	ast.Walk(&node, identVisitor(func(name string) {
		if name == "$env" {
			n.all = true
		} else if !seen[name] {
			seen[name] = true
			n.names = append(n.names, name)
		}
	}))
	e.exprNames.Store(p, n)
	return n
}

type identVisitor func(string)

func (v identVisitor) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok {
		v(id.Value)
	}
}

// envFor returns the turn's environment with every name x reads.
func (t *turn) envFor(x *flows.Expr) map[string]any {
	if t.env == nil {
		t.env = envPool.Get().(map[string]any)
	}
	env := t.env
	n := t.e.namesOf(x.Program)
	if n.all {
		t.fillAll()
		return env
	}
	for _, name := range n.names {
		if t.refresh(name) {
			continue
		}
		if _, ok := env[name]; !ok {
			if v, ok := t.envValue(name); ok {
				env[name] = v
			}
		}
	}
	return env
}

// fillAll puts every variable and builtin in the environment, once a turn.
func (t *turn) fillAll() {
	if t.envAll {
		for _, name := range dynamicNames {
			t.refresh(name)
		}
		return
	}
	t.envAll = true
	for k := range t.f.Vars {
		t.envAdd(k)
	}
	for k := range t.s.Vars {
		t.envAdd(k)
	}
	for k := range t.e.unset {
		t.envAdd(k)
	}
	for k := range flows.Builtins() {
		if !t.refresh(k) {
			t.envAdd(k)
		}
	}
	t.envAdd(flows.EnvBudget)
}

func (t *turn) envAdd(name string) {
	if _, ok := t.env[name]; !ok {
		if v, ok := t.envValue(name); ok {
			t.env[name] = v
		}
	}
}

// dynamicNames are the builtins that change during a turn: refresh keeps
// them current at every evaluation.
var dynamicNames = []string{flows.EnvState, flows.EnvLang, flows.EnvTrigger, flows.EnvAnswer, flows.EnvNoMatch}

// refresh sets name in the environment when it is a builtin that changes
// during a turn, and reports whether it is one. It boxes a new value only
// when the value changed.
func (t *turn) refresh(name string) bool {
	env, s := t.env, t.s
	switch name {
	case flows.EnvState:
		if v, ok := env[name].(string); !ok || v != s.State {
			env[name] = s.State
		}
	case flows.EnvLang:
		if v, ok := env[name].(string); !ok || v != s.Lang {
			env[name] = s.Lang
		}
	case flows.EnvTrigger:
		if v, ok := env[name].(string); !ok || v != t.trigger {
			env[name] = t.trigger
		}
	case flows.EnvAnswer:
		if v, ok := env[name].(string); !ok || v != t.answer {
			env[name] = t.answer
		}
	case flows.EnvNoMatch:
		if v, ok := env[name].(int); !ok || v != s.NoMatch {
			env[name] = s.NoMatch
		}
	default:
		return false
	}
	return true
}

// envValue is the value of name at the start of its first use in the
// turn: a builtin, else the session's variable, else the flow's default
// (or what an unset capture reads).
func (t *turn) envValue(name string) (any, bool) {
	s := t.s
	switch name {
	case flows.EnvText:
		return t.text, true
	case flows.EnvChannel:
		return s.Channel, true
	case flows.EnvUser:
		return userMap(s.Contact), true
	case flows.EnvNow:
		return t.now, true
	case flows.EnvInHours:
		return t.e.defaultCal.Open(t.now), true
	case flows.EnvHours:
		hours := make(map[string]bool, len(t.f.Hours))
		for name, h := range t.f.Hours {
			hours[name] = h.Open(t.now)
		}
		return hours, true
	case flows.EnvOutcome:
		return s.Outcome, true
	case flows.EnvMedia:
		return t.mediaEnv(), true
	case flows.EnvBudget:
		return &t.budget, true
	case flows.EnvSLA:
		return t.slaInfo(), true
	}
	if flows.IsSignal(name) {
		return t.signalValue(name), true
	}
	v, declared := t.f.Vars[name]
	sv, set := s.Vars[name]
	if set {
		v = sv
	}
	if v == nil {
		if u, ok := t.e.unset[name]; ok {
			return u, true
		}
	}
	return v, declared || set
}

// fillSignals makes the environment's signal builtins follow this turn's
// analysis: they are dropped, and the next evaluation that reads one
// fills it again (signalValue).
func (t *turn) fillSignals() {
	if t.env == nil {
		return
	}
	for _, name := range flows.SignalNames {
		delete(t.env, name)
	}
}

// signalValue is signal builtin name: this turn's analysis when there was
// one, else the zero signals.
func (t *turn) signalValue(name string) any {
	sig := t.sig
	if !t.analysed {
		sig = flows.Signals{Intent: flows.UnknownIntent}
	}
	switch name {
	case flows.EnvIntent:
		return sig.Intent
	case flows.EnvConfidence:
		return sig.Confidence
	case flows.EnvWantsHuman:
		return sig.WantsHuman
	case flows.EnvFrustrated:
		return sig.Frustrated
	case flows.EnvFrustration:
		return sig.Frustration
	case flows.EnvSentiment:
		return sig.Sentiment
	case flows.EnvLanguage:
		return sig.Language
	case flows.EnvEntities:
		ent := sig.Entities
		if t.f.NeedsEntities {
			ent = t.mergeEntities(ent)
		}
		if ent == nil {
			ent = map[string][]string{}
		}
		return ent
	}
	return nil
}

func (t *turn) releaseEnv() {
	if t.env != nil {
		clear(t.env)
		envPool.Put(t.env)
		t.env, t.envAll = nil, false
	}
}

// userMap is the `user` builtin: the contact's fields, what the channel
// knows (Meta) and the country derived from the phone prefix.
func userMap(c flows.Contact) map[string]any {
	m := make(map[string]any, 6+len(c.Meta))
	if cc := flows.PhoneCountry(c.Phone); cc != "" {
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
	env := t.envFor(x)
	m := vmPool.Get().(*vm.VM)
	m.MemoryBudget = flows.MaxExprMemory
	t.budget.StartFor(t.e.exprTime)
	v, err := m.Run(x.Program, env)
	vmPool.Put(m)
	if err != nil {
		cause := exprMessage(err) // may quote the customer's words: apart, for a log to mask
		t.emit(flows.ErrorEffect{Message: "expression `" + x.Source + "` failed: " + cause, Cause: cause, State: t.s.State, Pos: x.Pos})
		return nil, false
	}
	return v, true
}

// exprMessage is what went wrong in a run of an expression, in one line:
// expr's errors also draw the expression with a caret under the place,
// over several lines, which the error's position (the expression's)
// replaces.
func exprMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) && fe.Message != "" {
		return fe.Message
	}
	return err.Error()
}

// evalBool runs a condition; anything but true (including an error) is
// false.
func (t *turn) evalBool(x *flows.Expr) bool {
	v, ok := t.eval(x)
	b, _ := v.(bool)
	return ok && b
}

// render renders a template as text.
func (t *turn) render(tp *flows.Template) string { return t.renderAs(tp, false) }

// renderHTTP renders a template of an HTTP action's request: the ${ of
// each hole's value is escaped (flows.EscapeEnvRefs), so the host fills
// only the ${NAME} references the flow writes, never one a customer typed.
func (t *turn) renderHTTP(tp *flows.Template) string { return t.renderAs(tp, true) }

func (t *turn) renderAs(tp *flows.Template, envSafe bool) string {
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
			switch {
			case p.Encode:
				b.WriteString(flows.URLEncode(formatValue(v)))
			case envSafe:
				s := flows.EscapeEnvRefs(formatValue(v))
				if strings.HasPrefix(s, "{") && strings.HasSuffix(b.String(), "$") {
					// A $ before the hole (the flow's, or the end of
					// the previous hole's value) would make its ${
					// a reference: escaped as $${ too.
					b.WriteByte('$')
				}
				b.WriteString(s)
			default:
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
