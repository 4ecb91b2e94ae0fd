package dsl

import (
	"regexp"
	"sort"

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
		if name != flows.EnvLang {
			if _, builtin := flows.Builtins()[name]; builtin {
				l.errorf(p.key, "%q is a builtin and cannot be set (only lang can)", name)
				continue
			}
			l.assigned = append(l.assigned, nameRef{name, l.pos(p.key), "set"})
		}
		if v := l.valueExpr(p.val); v != nil {
			a.Assign = append(a.Assign, flows.Assign{Var: name, Value: v})
		}
	}
	return a
}

// checkAssigned reports set: of variables the flow never declares.
func (l *loader) checkAssigned() {
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
	builtins := flows.Builtins()
	for _, p := range pairs(rn) {
		name, ok := l.name(p.key, "a variable name")
		if !ok || !l.varName(p.key, name, builtins) {
			continue
		}
		if first, dup := l.varPos[name]; dup {
			l.errorf(p.key, "variable %q is declared twice: here and at %s; keep one", name, first)
			l.errAt(first, "variable %q is declared twice: here and at %s; keep one", name, l.pos(p.key))
			continue
		}
		l.varPos[name] = l.pos(p.key)
		l.flow.Vars[name] = l.value(p.val)
	}
}

// varName checks that name can be a variable.
func (l *loader) varName(k *yaml.Node, name string, builtins map[string]any) bool {
	if _, ok := builtins[name]; ok {
		l.errorf(k, "%q is a builtin name and cannot be a variable; pick another name", name)
		return false
	}
	if !identifier.MatchString(name) || contains(exprKeywords, name) {
		l.errorf(k, "%q cannot be a variable name: use letters, digits and _ (not starting with a digit), and not a keyword", name)
		return false
	}
	return true
}

// capture records a variable written by ask or http; sample gives its type.
func (l *loader) capture(n *yaml.Node, sample any) string {
	name, ok := l.name(n, "a variable name")
	if !ok || !l.varName(n, name, flows.Builtins()) {
		return ""
	}
	if _, ok := l.captures[name]; !ok {
		l.captures[name] = sample
	}
	return name
}
