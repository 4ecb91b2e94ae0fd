package dsl

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// exprKeywords cannot name variables: expressions would not parse.
var exprKeywords = []string{"and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith", "nil", "true", "false", "let", "if", "else"}

// set converts `set: {var: value, ...}`, keeping the written order.
func (l *loader) set(pos flows.Pos, n *yaml.Node) flows.Action {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.MappingNode {
		l.errorf(n, "expected set: a map from variable to value, got %s", describe(n))
		return nil
	}
	a := &flows.Set{Pos: pos}
	seen := map[string]bool{}
	for _, p := range pairs(rn) {
		name, ok := l.name(p.key, "a variable name")
		if !ok {
			continue
		}
		if seen[name] {
			l.errorf(p.key, "variable %q is set twice in one set:", name)
			continue
		}
		seen[name] = true
		if name == flows.EnvLang {
			l.setLang(p.val)
		} else {
			if _, builtin := builtinNames[name]; builtin {
				l.errorf(p.key, "%q is a builtin and cannot be set (only lang can)", name)
				continue
			}
			l.assigned = append(l.assigned, nameRef{name, l.pos(p.key), "set"})
		}
		if v := l.valueExpr(p.val); v != nil {
			a.Assign = append(a.Assign, flows.Assign{Var: name, Value: v})
			if name != flows.EnvLang {
				l.typed = append(l.typed, typedWrite{name: name, pos: l.pos(p.val), what: "set", value: v})
			}
		}
	}
	return a
}

// setLang checks a literal value of `set: {lang: ...}` against the flow's
// languages (an expression is checked at run time).
func (l *loader) setLang(n *yaml.Node) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.ScalarNode || len(l.langs) == 0 || strings.Contains(rn.Value, "{{") || l.langs[rn.Value] {
		return
	}
	speaks := strings.Join(l.flow.Languages, ", ")
	if s := MeantLanguage(rn.Value, l.flow.Languages); s != "" {
		l.errorf(n, "set: unknown language %q; did you mean %q? The flow speaks %s", rn.Value, s, speaks)
		return
	}
	l.errorf(n, "set: unknown language %q; the flow speaks %s (add it to languages: or set one of them)", rn.Value, speaks)
}

// checkAssigned reports set: of variables the flow never declares.
func (l *loader) checkAssigned() {
	if l.outside {
		return
	}
	var known []string
	for name := range l.flow.Vars {
		known = append(known, name)
	}
	sort.Strings(known)
	for _, r := range l.assigned {
		if _, ok := l.flow.Vars[r.name]; ok {
			continue
		}
		hint := didYouMean(r.name, known)
		if hint == "" {
			hint = "; declare it under vars: with its initial value"
		}
		l.errAt(r.pos, "set: unknown variable %q%s", r.name, hint)
	}
}

// vars converts `vars:`, each variable with its initial value.
func (l *loader) vars(n *yaml.Node) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.MappingNode {
		if !isNull(n) {
			l.errorf(n, "expected vars: a map from variable name to initial value, got %s", describe(n))
		}
		return
	}
	for _, p := range pairs(rn) {
		name, ok := l.name(p.key, "a variable name")
		if !ok || !l.varName(p.key, name) {
			continue
		}
		if !l.define(l.varPos, p.key, "variable %q is declared twice: here and at %s; keep one", name) {
			continue
		}
		l.flow.Vars[name] = l.value(p.val)
	}
}

// builtinNames are the names every expression can use (flows.Builtins),
// read-only.
var builtinNames = flows.Builtins()

// varName checks that name can be a variable.
func (l *loader) varName(k *yaml.Node, name string) bool {
	if _, ok := builtinNames[name]; ok {
		l.errorf(k, "%q is a builtin name and cannot be a variable; pick another name", name)
		return false
	}
	if !identifier.MatchString(name) || contains(exprKeywords, name) || strings.HasPrefix(name, "__") {
		l.errorf(k, "%q cannot be a variable name: use letters, digits and _ (not starting with a digit or __), and not a keyword", name)
		return false
	}
	return true
}

// capture records a variable written by ask, collect, survey or http
// (by names it in errors); sample gives its type, nil an unknown one (not
// checked against the declared type).
func (l *loader) capture(n *yaml.Node, sample any, by string) string {
	name, ok := l.name(n, "a variable name")
	if !ok || !l.varName(n, name) {
		return ""
	}
	if _, ok := l.captures[name]; !ok {
		l.captures[name] = sample
	}
	if sample != nil {
		l.typed = append(l.typed, typedWrite{name: name, pos: l.pos(n), sample: sample, by: by})
	}
	return name
}

// typedWrite is a value written into a variable: a set: expression, or an
// ask or http capture (sample is then "" or a map).
type typedWrite struct {
	name   string
	pos    flows.Pos
	what   string
	value  *flows.Expr
	sample any
	// by names what captures the value (ask, survey...), for errors.
	by string
	// sub, when set, is the sub-flow whose variable name is (a call's
	// with:), named subName.
	sub     *flows.Flow
	subName string
}

// checkTypes reports values written into a variable declared with a
// value of another type: expressions are compiled against the declared
// type (score: 0 is a number), so the written value would make them fail
// at run time ("score >= 4" on the text "5").
func (l *loader) checkTypes() {
	for _, w := range l.typed {
		decl, where := l.flow.Vars[w.name], fmt.Sprintf("at %s", l.varPos[w.name])
		if w.sub != nil {
			decl, where = w.sub.Vars[w.name], "in the sub-flow "+w.subName
		}
		want := kindOfValue(decl)
		if want == "" {
			continue // declared without a value (null), or a capture
		}
		declared := func() string { return fmt.Sprintf("declared as %s (%s) %s", want, sourceOf(decl), where) }
		if w.value == nil {
			got := kindOfValue(w.sample)
			if got == want {
				continue
			}
			switch {
			case w.what != "":
				l.errAt(w.pos, "%s: %q is %s, but this value is %s; expressions that use %s would fail on it", w.what, w.name, declared(), got, w.name)
			case got == kindText:
				l.errAt(w.pos, "%s saves the answer as text in %q, %s; declare it as \"\" and compare it as text (e.g. %s in [\"4\", \"5\"])", w.by, w.name, declared(), w.name)
			case got == kindNumber:
				l.errAt(w.pos, "%s saves %s in %q, %s; declare it as 0", w.by, numberSaved(w.by), w.name, declared())
			default:
				l.errAt(w.pos, "http saves its result (status, ok, body, error) in %q, %s; declare it as null or save the result under another name", w.name, declared())
			}
			continue
		}
		if w.value.Program == nil {
			continue // already reported
		}
		got := kindOfType(w.value.Program.Node().Type())
		if got != "" && got != want {
			l.errAt(w.pos, "%s: %q is %s, but this value is %s; expressions that use %s would fail on it", w.what, w.name, declared(), got, w.name)
		}
	}
}

// numberSaved says what number a capture by saves.
func numberSaved(by string) string {
	if by == "survey" {
		return "the score, a number,"
	}
	return "a number"
}

const (
	kindText   = "a text"
	kindBool   = "true or false"
	kindNumber = "a number"
	kindMap    = "a map"
	kindList   = "a list"
)

// kindOfValue names the type of a variable's value as the flow's author
// sees it; "" when any value fits (null).
func kindOfValue(v any) string {
	if v == nil {
		return ""
	}
	return kindOfType(reflect.TypeOf(v))
}

// kindOfType is kindOfValue for a static type; "" when unknown.
func kindOfType(t reflect.Type) string {
	if t == nil {
		return ""
	}
	switch t.Kind() {
	case reflect.String:
		return kindText
	case reflect.Bool:
		return kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return kindNumber
	case reflect.Map:
		return kindMap
	case reflect.Slice, reflect.Array:
		return kindList
	}
	return ""
}

// checkSaveTypos warns about a save_as (ask, collect, survey, http) into a
// variable vars: does not declare and nothing reads, one typo away from a
// declared one: the answer lands in the typo, and the variable meant keeps
// its initial value ("We'll write to  ."). Only in a flow loaded as
// itself, with no errors: a called flow's variables are read by its
// callers' save:, and a flow with errors may have left reads uncompiled.
func (l *loader) checkSaveTypos() {
	if l.parent != nil || l.prefix != "" || l.outside || l.diags.HasErrors() {
		return
	}
	declared := slices.Sorted(maps.Keys(l.varPos))
	warned := map[string]bool{}
	for _, w := range l.typed {
		if w.by == "" || warned[w.name] || l.read[w.name] { // only save_as
			continue
		}
		if _, ok := l.varPos[w.name]; ok {
			continue
		}
		meant := flows.Suggest(w.name, declared)
		if meant == "" || flows.EditDistance(strings.ToLower(w.name), strings.ToLower(meant)) > 2 {
			continue // not a typo: an answer kept for the handoff, say
		}
		warned[w.name] = true
		l.warnAt(w.pos, "save_as: %q is not declared under vars: and nothing reads it; did you mean %q? (%s keeps its initial value)", w.name, meant, meant)
	}
}
