package dsl

import (
	"fmt"
	"reflect"
	"regexp"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/batonbot/baton/flows"
)

// A variable that vars: does not declare exists only once an ask:, a
// save_as or a set: has given it a value: read before, it renders empty
// (null in an expression). lintUnset warns at such a read when no path
// from start can be sure of a value, with a must-set analysis over the
// states: what is set on every way into a state. Where it cannot tell it
// says nothing: a read guarded (x ?? "", x != nil, x?.f), the flow's
// sub-flows, a flow whose analysis does not settle.

// varRead is a read of a variable vars: does not declare, where it is.
type varRead struct {
	name    string
	pos     flows.Pos
	guarded bool // read with care: never reported
}

// identRead is an identifier an expression reads, at a rune offset.
type identRead struct {
	name string
	off  int
}

// recordReads keeps the reads of p's expression of the variables vars:
// does not declare, for lintUnset.
func (l *loader) recordReads(p *pending, c *compiled) {
	if len(l.undeclared) == 0 || len(c.reads) == 0 {
		return
	}
	for _, r := range c.reads {
		if !l.undeclared[r.name] {
			continue
		}
		if l.varReads == nil {
			l.varReads = map[uintptr][]varRead{}
		}
		k := reflect.ValueOf(p.out).Pointer()
		l.varReads[k] = append(l.varReads[k], varRead{r.name, p.file.posIn(p.node, p.value, p.off+p.srcOff(r.off)), c.guarded[r.name]})
	}
}

// guard marks the variable at the root of n as read with care.
func (c *compiled) guard(n ast.Node) {
	for {
		switch m := n.(type) {
		case *ast.MemberNode:
			n = m.Node
			continue
		case *ast.ChainNode:
			n = m.Node
			continue
		case *ast.IdentifierNode:
			if c.guarded == nil {
				c.guarded = map[string]bool{}
			}
			c.guarded[m.Value] = true
		}
		return
	}
}

// guards marks the variables node reads with care: x ?? y, x == nil,
// x != nil, x?.field.
func (c *compiled) guards(node ast.Node) {
	switch n := node.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "??":
			c.guard(n.Left)
		case "==", "!=":
			if _, ok := n.Right.(*ast.NilNode); ok {
				c.guard(n.Left)
			}
			if _, ok := n.Left.(*ast.NilNode); ok {
				c.guard(n.Right)
			}
		}
	case *ast.MemberNode:
		if n.Optional {
			c.guard(n.Node)
		}
	}
}

// unsetVisits bounds the analysis, in state visits per state; one that
// has not settled by then says nothing.
const unsetVisits = 64

// vset is a set of variables by number; nil is every variable (a state no
// way reaches yet).
type vset []bool

func (s vset) clone() vset { return append(vset(nil), s...) }

// meet keeps in *dst only what src has too; it reports a change.
func meet(dst *vset, src vset) bool {
	if *dst == nil {
		*dst = src.clone()
		return true
	}
	changed := false
	for i, ok := range *dst {
		if ok && !src[i] {
			(*dst)[i] = false
			changed = true
		}
	}
	return changed
}

// unset is one run of the analysis.
type unset struct {
	l      *loader
	g      *graph
	names  []string
	num    map[string]int
	idx    map[string]int // state numbers by name
	in     []vset         // per state
	queue  []int          // states whose in changed, to visit again
	queued []bool
	warn   bool // the final pass: report the reads
	seen   map[flows.Pos]bool
}

func (l *loader) lintUnset(g *graph) {
	if len(l.varReads) == 0 || l.parent != nil || l.outside {
		return
	}
	n := len(g.states)
	u := &unset{l: l, g: g, num: map[string]int{}, idx: make(map[string]int, n), in: make([]vset, n), queued: make([]bool, n), seen: map[flows.Pos]bool{}}
	for i, s := range g.states {
		u.idx[s.Name] = i
	}
	for name := range l.undeclared {
		u.num[name] = len(u.names)
		u.names = append(u.names, name)
	}
	if _, ok := u.idx[l.flow.Start]; !ok {
		return
	}
	u.goTo(l.flow.Start, make(vset, len(u.names)))
	budget := unsetVisits*n + 1024
	var globals string
	for {
		for len(u.queue) > 0 {
			if budget--; budget < 0 {
				return
			}
			i := u.queue[0]
			u.queue = u.queue[1:]
			u.queued[i] = false
			u.state(u.in[i].clone(), g.states[i])
		}
		// The flow-wide rules, from what the states that wait now hold;
		// done when that no longer changes.
		now := u.global()
		if now == globals && len(u.queue) == 0 {
			break
		}
		globals = now
	}
	u.warn = true
	u.global()
	for i, s := range g.states {
		if u.in[i] != nil {
			u.state(u.in[i].clone(), s)
		}
	}
}

// global runs the flow-wide rules from the states that wait: what is set
// in all of them (and, for triggers, nothing: a first message is checked
// against them before start). It returns the sets it ran them from.
func (u *unset) global() string {
	f := u.l.flow
	trig, lad, tout := make(vset, len(u.names)), vset(nil), vset(nil)
	for i, s := range u.g.states {
		if u.in[i] == nil || !waits(s) {
			continue
		}
		a := u.actions(u.in[i].clone(), s.Actions, false)
		if a == nil {
			continue
		}
		if !s.NoTriggers {
			meet(&trig, a)
		}
		if s.NoMatch == nil {
			meet(&lad, a)
		}
		meet(&tout, a)
	}
	for _, r := range f.Triggers {
		u.rule(trig, r)
	}
	if lad != nil && f.NoMatch != nil {
		for _, d := range f.NoMatch.Steps {
			u.do(lad.clone(), d)
		}
	}
	if tout != nil {
		for _, t := range f.Timeouts {
			u.do(tout.clone(), t.Do)
		}
	}
	return fmt.Sprint(trig, lad, tout)
}

// state runs s from a, what is set on the way in.
func (u *unset) state(a vset, s *flows.State) {
	a = u.actions(a, s.Actions, true)
	if a == nil {
		return // the state's actions end or hand off
	}
	if s.Menu != nil {
		for _, o := range s.Menu.Options {
			u.do(a.clone(), o.Do)
		}
	}
	for _, r := range s.Routes {
		u.rule(a, r)
	}
	if s.NoMatch != nil {
		for _, d := range s.NoMatch.Steps {
			u.do(a.clone(), d)
		}
	}
	if s.Ask != nil {
		u.reads(a, s.Ask.Invalid)
	}
	if s.Survey != nil {
		u.reads(a, s.Survey.Question)
		if s.Survey.Skip != "" {
			u.goTo(s.Survey.Skip, a)
		}
	}
	if s.Collect != nil {
		// A slot's prompt may read the slots filled before it: taken as
		// set, as the analysis cannot tell which are.
		filled := a.clone()
		for _, sl := range s.Collect.Slots {
			u.set(filled, sl.SaveAs)
		}
		u.reads(filled, s.Collect)
	}
	// After the answer, the sub-flow's return or the actions: next.
	next := a.clone()
	switch {
	case s.Ask != nil:
		u.set(next, s.Ask.SaveAs)
	case s.Survey != nil:
		u.set(next, s.Survey.SaveAs)
	}
	if s.Collect != nil {
		for _, sl := range s.Collect.Slots {
			u.set(next, sl.SaveAs)
		}
	}
	if s.Call != nil {
		for _, in := range s.Call.In {
			u.reads(a, in.Value)
		}
		for _, o := range s.Call.Out {
			u.set(next, o.To)
		}
	}
	for _, r := range s.Next {
		u.rule(next, r)
	}
}

// rule runs r from a: its condition, then its actions and goto. A
// variable the condition reads is taken as set after it (code == "1"
// holds only once code is): whether it is, the analysis cannot tell.
func (u *unset) rule(a vset, r *flows.Rule) {
	u.reads(a, r.When)
	b := a.clone()
	if r.When != nil {
		for _, rd := range u.l.varReads[reflect.ValueOf(r.When).Pointer()] {
			u.set(b, rd.name)
		}
	}
	u.do(b, r.Do)
}

// do runs d's actions from a, then its goto.
func (u *unset) do(a vset, d flows.Do) {
	if a = u.actions(a, d.Actions, true); a != nil && d.Goto != "" {
		u.goTo(d.Goto, a)
	}
}

// actions runs as from a and returns what is set after them; nil when
// one of them ends the turn (an end:, a handoff: whose return: state gets
// what is set then when moves is set).
func (u *unset) actions(a vset, as []flows.Action, moves bool) vset {
	for _, act := range as {
		switch x := act.(type) {
		case *flows.Set:
			for _, as := range x.Assign {
				u.reads(a, as.Value)
				u.set(a, as.Var)
			}
		case *flows.HTTP:
			u.reads(a, x)
			u.set(a, x.SaveAs)
		case *flows.HandoffAction:
			u.reads(a, x)
			if moves && x.Return != "" {
				u.goTo(x.Return, a)
			}
			return nil
		case *flows.End:
			return nil
		default:
			u.reads(a, x)
		}
	}
	return a
}

func (u *unset) set(a vset, name string) {
	if i, ok := u.num[name]; ok {
		a[i] = true
	}
}

func (u *unset) goTo(name string, a vset) {
	if i, ok := u.idx[name]; ok && meet(&u.in[i], a) && !u.queued[i] {
		u.queued[i] = true
		u.queue = append(u.queue, i)
	}
}

// reads reports, in the final pass, the reads in v of variables a does
// not hold.
func (u *unset) reads(a vset, v any) {
	if !u.warn {
		return
	}
	var report func(k uintptr)
	report = func(k uintptr) {
		for _, r := range u.l.varReads[k] {
			if r.guarded || a[u.num[r.name]] || u.seen[r.pos] {
				continue
			}
			u.seen[r.pos] = true
			u.l.warnAt(r.pos, "%s is read here before anything sets it (no ask:, save_as or set: gives it a value on every path here) and vars: gives it no default, so it is empty (null in an expression); declare it under vars: with a default (%s: %s), or set it before", r.name, r.name, defaultFor(u.l.captures[r.name]))
		}
		for _, p := range u.l.composites[k] {
			report(reflect.ValueOf(p).Pointer())
		}
	}
	exprsIn(reflect.ValueOf(v), report)
}

// defaultFor is a default of the type of sample, as written in vars:.
func defaultFor(sample any) string {
	switch sample.(type) {
	case map[string]any:
		return "{}"
	case []any:
		return "[]"
	case bool:
		return "false"
	case int, int64, float64:
		return "0"
	}
	return `""`
}

var (
	exprType    = reflect.TypeFor[*flows.Expr]()
	skipTypes   = map[reflect.Type]bool{reflect.TypeFor[*flows.Flow](): true, reflect.TypeFor[*vm.Program](): true, reflect.TypeFor[*regexp.Regexp](): true}
	visitBudget = 1 << 16
)

// exprsIn calls fn with the address of every *flows.Expr in v (texts,
// templates, an action's fields), without going into sub-flows or
// compiled programs.
func exprsIn(v reflect.Value, fn func(uintptr)) {
	n := 0
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		if n++; n > visitBudget || !v.IsValid() {
			return
		}
		if skipTypes[v.Type()] {
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return
			}
			if v.Type() == exprType {
				fn(v.Pointer())
				return
			}
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Value())
			}
		}
	}
	walk(v)
}
