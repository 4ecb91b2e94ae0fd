package dsl

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"
)

// pending is an expression waiting for every variable of the flow to be
// known before it is compiled.
type pending struct {
	file  *srcFile
	node  *yaml.Node // the scalar that holds it
	value string     // the scalar's value
	off   int        // rune offset of src in value
	src   string
	// pre and post wrap src into what is compiled (toJSON( and ) for a
	// JSON body's hole); offsets in errors are src's.
	pre, post string
	asBool    bool
	what      string // "when", "validate", "{{ }}"
	out       *flows.Expr
}

// expr queues the expression in scalar n (when:, validate:).
func (l *loader) expr(n *yaml.Node, asBool bool, what string) *flows.Expr {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.ScalarNode || rn.ShortTag() == "!!null" {
		l.errorf(n, "expected %s: an expression, got %s", what, describe(n))
		return nil
	}
	src := rn.Value
	if strings.TrimSpace(src) == "" {
		l.errorf(n, "%s: is empty; write an expression, e.g. order_id != \"\"", what)
		return nil
	}
	// Holes are for texts; in an expression they are a common slip.
	if t := strings.TrimSpace(src); strings.HasPrefix(t, "{{") && strings.HasSuffix(t, "}}") {
		l.errorf(n, "%s: is already an expression; remove the {{ }}", what)
		return nil
	}
	e := &flows.Expr{Source: src, Pos: l.file.posIn(rn, src, 0)}
	l.exprs = append(l.exprs, &pending{file: l.file, node: rn, value: src, src: src, asBool: asBool, what: what, out: e})
	return e
}

// env is what expressions are checked against: the builtins, the declared
// variables with their default's type, and captured variables.
func (l *loader) env() map[string]any {
	env := flows.Builtins()
	for name, v := range l.flow.Vars {
		if _, builtin := env[name]; !builtin {
			env[name] = v
		}
	}
	for name, sample := range l.captures {
		if v, declared := l.flow.Vars[name]; !declared || v == nil {
			env[name] = sample
		}
	}
	return env
}

// compileAll compiles every queued expression, then the templates built
// from them, and works out whether the flow reads NLU signals.
func (l *loader) compileAll() {
	for name := range l.captures {
		if _, ok := l.flow.Vars[name]; !ok {
			l.flow.Vars[name] = nil
			if l.undeclared == nil {
				l.undeclared = map[string]bool{}
			}
			l.undeclared[name] = true
		}
	}
	cc := l.compiler()
	names := make([]string, 0, len(cc.env))
	for n := range cc.env {
		names = append(names, n)
	}
	sort.Strings(names)
	// One compilation per distinct source: "{{ user.name }}" in twenty
	// texts compiles once, and a hostile file with thousands of copies of
	// one bad hole costs one compilation, not thousands. Programs are
	// immutable and safe to share.
	cache := make(map[compileKey]*compiled)
	for _, p := range l.exprs {
		l.compile(p, names, cache)
	}
	for _, f := range l.finals {
		f()
	}
	need := l.signals
	for _, p := range l.exprs {
		need = need || p.out.Signals
	}
	l.flow.NeedsSignals = need
}

type compileKey struct {
	src    string
	asBool bool
}

// compiled is one compilation, shared by every copy of its source, with
// what inspecting its tree found.
type compiled struct {
	prog    *vm.Program
	err     error
	warns   []exprWarning
	signals bool      // reads an NLU signal
	hours   []hourRef // hours.NAME read, checked per copy
	inHours []int     // offsets of in_hours, checked per copy
	// reads are the identifiers it reads, guarded those read with care
	// (x ?? y, x != nil, x?.f), for lintUnset.
	reads   []identRead
	guarded map[string]bool
}

// exprWarning is a warning about an expression, at a rune offset in it.
type exprWarning struct {
	off int
	msg string
}

// hourRef is a calendar named in hours.NAME, at a rune offset.
type hourRef struct {
	name string
	off  int
}

func (l *loader) compile(p *pending, names []string, cache map[compileKey]*compiled) {
	key := compileKey{p.src, p.asBool}
	if p.pre != "" || p.post != "" {
		key.src = p.pre + p.src + p.post
	}
	c := cache[key]
	if c == nil {
		c = l.compileNew(key.src, p.asBool)
		cache[key] = c
	}
	if c.err != nil {
		if p.pre != "" || p.post != "" {
			// Say what is wrong with the hole as written, not with the
			// wrapper around it ("unexpected token )").
			bare := *p
			bare.pre, bare.post, bare.out = "", "", &flows.Expr{}
			l.compile(&bare, names, cache)
			if bare.out.Program != nil { // the hole is fine alone: say what the wrapper found
				l.exprError(p, c.err, names)
			}
			return
		}
		l.exprError(p, c.err, names)
		return
	}
	for _, w := range c.warns {
		l.warnAt(p.file.posIn(p.node, p.value, p.off+p.srcOff(w.off)), "%s: %s", p.what, w.msg)
	}
	p.out.Program = c.prog
	p.out.Signals = c.signals
	l.recordReads(p, c)
	for _, h := range c.hours {
		if _, ok := l.flow.Hours[h.name]; ok || l.outside {
			continue
		}
		cals := make([]string, 0, len(l.flow.Hours))
		for c := range l.flow.Hours {
			cals = append(cals, c)
		}
		hint := didYouMean(h.name, cals)
		if hint == "" {
			hint = "; define it under hours:"
		}
		off := p.off + p.srcOff(h.off)
		l.errAt(p.file.posIn(p.node, p.value, off), "%s: unknown calendar %q%s", p.what, h.name, hint)
	}
	if len(c.inHours) > 0 && len(l.flow.Hours) > 0 && l.flow.Hours["default"] == nil && !l.outside {
		// in_hours reads the calendar "default" and is true without it:
		// with calendars of other names it never says closed.
		cals := slices.Sorted(maps.Keys(l.flow.Hours))
		for i, name := range cals {
			cals[i] = "hours." + name
		}
		for _, o := range c.inHours {
			l.warnAt(p.file.posIn(p.node, p.value, p.off+p.srcOff(o)), "%s: in_hours reads the calendar named default, which this flow does not have, so it is always true; read one of its calendars (%s) or name one default", p.what, strings.Join(cals, ", "))
		}
	}
}

// compileNew compiles src and inspects its tree once: the NLU signals,
// entities and calendars it reads.
func (l *loader) compileNew(src string, asBool bool) *compiled {
	c := &compiled{}
	bound := &boundPatch{warn: func(n ast.Node, msg string) {
		c.warns = append(c.warns, exprWarning{n.Location().From, msg})
	}}
	c.prog, c.err = l.compiler().compile(src, asBool, nil, bound)
	if c.err == nil {
		root := c.prog.Node()
		ast.Walk(&root, &inspector{l: l, c: c})
	}
	return c
}

// inspector marks expressions that read NLU signals or entities and
// lists the calendar names in hours.NAME.
type inspector struct {
	l *loader
	c *compiled
}

func (v *inspector) Visit(node *ast.Node) {
	v.c.guards(*node)
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		v.c.reads = append(v.c.reads, identRead{n.Value, n.Location().From})
		if v.l.read == nil {
			v.l.read = map[string]bool{}
		}
		v.l.read[n.Value] = true
		if flows.IsSignal(n.Value) {
			v.c.signals = true
		}
		if n.Value == flows.EnvEntities {
			v.l.flow.NeedsEntities = true
		}
		if n.Value == flows.EnvInHours {
			v.c.inHours = append(v.c.inHours, n.Location().From)
		}
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		if !ok || (id.Value != flows.EnvHours && id.Value != flows.EnvEntities) {
			return
		}
		prop, ok := n.Property.(*ast.StringNode)
		if !ok {
			return
		}
		if id.Value == flows.EnvHours {
			v.c.hours = append(v.c.hours, hourRef{prop.Value, n.Property.Location().From})
			return
		}
		// A kind close to a system entity's is a typo; any other may be a
		// custom analyser's, which the loader cannot know.
		if !contains(flows.EntityKinds, prop.Value) {
			if hint := didYouMean(prop.Value, flows.EntityKinds); hint != "" {
				v.c.warns = append(v.c.warns, exprWarning{n.Property.Location().From,
					fmt.Sprintf("entities has no system kind %q%s", prop.Value, hint)})
			}
		}
	}
}

// srcOff turns a rune offset in what was compiled into one in src.
func (p *pending) srcOff(off int) int {
	return clampOff(off-utf8.RuneCountInString(p.pre), p.src)
}

func clampOff(off int, src string) int {
	return max(0, min(off, utf8.RuneCountInString(src)))
}

// exprError reports a compile error at its place inside the expression.
func (l *loader) exprError(p *pending, err error, names []string) {
	off, msg := 0, err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		off, msg = fe.From, fe.Message
	}
	off = p.srcOff(off)
	// Start at the token, not at the blanks before it.
	runes := []rune(p.src)
	for off < len(runes) && (runes[off] == ' ' || runes[off] == '\t' || runes[off] == '\n') {
		off++
	}
	// No token there (an unclosed bracket, a missing operand): the end of
	// the expression, its last character, not the line after a block
	// scalar's final line break.
	if off == len(runes) {
		last := len(runes) - 1
		for last >= 0 && (runes[last] == ' ' || runes[last] == '\t' || runes[last] == '\n') {
			last--
		}
		if last >= 0 && strings.ContainsRune(string(runes[last+1:]), '\n') {
			off = last
		}
	}
	if strings.HasPrefix(msg, "unknown name ") {
		name := strings.TrimPrefix(msg, "unknown name ")
		vars := append([]string(nil), builtin.Names...)
		for _, n := range names {
			if !strings.HasPrefix(n, "__") {
				vars = append(vars, n)
			}
		}
		hint := didYouMean(name, vars)
		if hint == "" {
			hint = l.callerVarHint(name)
		}
		if hint == "" {
			hint = "; declare it under vars:" + l.unloadedHint()
		}
		msg = fmt.Sprintf("unknown name %q%s", name, hint)
	} else if strings.HasPrefix(msg, "expected bool, but got ") {
		msg = fmt.Sprintf("must be true or false, but this expression gives %s", strings.TrimPrefix(msg, "expected bool, but got "))
	}
	cut := commentCut(p.node)
	switch {
	case msg == "unexpected token EOF" && cut == "":
		msg += " (the expression stops before it is complete: a value after an operator, a closing bracket or a quote is missing)"
	case msg == `unexpected token Operator("=")`:
		msg += " (compare with ==; = does not assign in an expression, set: does)"
	}
	msg = mediaMessage(msg)
	if strings.Contains(msg, "mismatched types time.Weekday") || strings.Contains(msg, "and time.Weekday)") {
		msg += `; compare int(now.Weekday()) with a number (0 is Sunday) or now.Weekday().String() with a name ("Sunday")`
	} else if strings.Contains(msg, "mismatched types time.Month") || strings.Contains(msg, "and time.Month)") {
		msg += `; compare int(now.Month()) with a number (1 is January) or now.Month().String() with a name ("January")`
	}
	l.errAt(p.file.posIn(p.node, p.value, p.off+off), "%s: %s%s", p.what, msg, cut)
}

// mediaMessage speaks of the `media` builtin by its name, not its Go type.
func mediaMessage(msg string) string {
	const noField = "type flows.MediaEnv has no field "
	if name, ok := strings.CutPrefix(msg, noField); ok {
		hint := didYouMean(name, flows.MediaFields)
		if hint == "" {
			hint = "; it has " + strings.Join(flows.MediaFields, ", ")
		}
		return fmt.Sprintf("media has no field %q%s", name, hint)
	}
	return strings.ReplaceAll(msg, "flows.MediaEnv", "media (kind, id, caption...)")
}

// constant compiles a literal value into an expression that returns it.
// A program is immutable, so the constants of one load that are equal
// share one: `team: support` in a hundred states compiles once.
func (l *loader) constant(v any, pos flows.Pos, src string) *flows.Expr {
	key, shared := v, false
	switch v.(type) {
	case nil, string, bool, int, int64, uint64, float64:
		shared = true
	}
	var prog *vm.Program
	if shared {
		prog = l.constProgs[key] // a map or list is not a key: compiled each time
	}
	if prog == nil {
		var err error
		prog, err = l.constCompiler().compile("__c", false, map[string]any{"__c": v}, nil)
		if err != nil {
			l.errAt(pos, "cannot use this value: %v", err)
			return nil
		}
		if shared {
			if l.constProgs == nil {
				l.constProgs = map[any]*vm.Program{}
			}
			l.constProgs[key] = prog
		}
	}
	return &flows.Expr{Source: src, Pos: pos, Program: prog}
}

// constPatch replaces placeholder identifiers with constants, so literal
// text never has to be quoted into expression syntax.
type constPatch struct{ vals map[string]any }

func (c *constPatch) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok {
		if v, ok := c.vals[id.Value]; ok {
			ast.Patch(node, &ast.ConstantNode{Value: v})
		}
	}
}

// compileComposite builds `lit + string(hole) + ...` (wrapped in toJSON
// for JSON bodies) from already checked holes.
func (l *loader) compileComposite(ps []piece, wrapJSON bool) (*vm.Program, error) {
	vals := map[string]any{}
	var b strings.Builder
	if len(ps) == 1 && ps[0].hole {
		b.WriteString("(" + ps[0].src + ")")
	} else {
		for i, p := range ps {
			if i > 0 {
				b.WriteString(" + ")
			}
			if p.hole {
				b.WriteString(textFunc + "((" + p.src + "))")
				continue
			}
			name := "__l" + strconv.Itoa(i)
			vals[name] = p.lit
			b.WriteString(name)
		}
	}
	src := b.String()
	if wrapJSON {
		src = "toJSON(" + src + ")"
	}
	return l.compiler().compile(src, false, vals, &boundPatch{})
}

// textFunc renders a hole inside a text the way the engine renders a say's
// holes (flows.FormatValue): nil as nothing, not "<nil>"; times as RFC 3339.
const textFunc = "__text"

var textOption = expr.Function(textFunc, func(params ...any) (any, error) {
	return flows.FormatValue(params[0]), nil
}, new(func(any) string))

// urlencodeOption is the urlencode() function: flows.URLEncode of a value
// written as text.
var urlencodeOption = expr.Function("urlencode", func(params ...any) (any, error) {
	return flows.URLEncode(flows.FormatValue(params[0])), nil
}, new(func(any) string))

// callerVarHint explains an unknown name in a named sub-flow that is a
// variable of the flow it is in: a sub-flow sees only its own variables.
func (l *loader) callerVarHint(name string) string {
	if l.parent == nil {
		return ""
	}
	_, declared := l.parent.flow.Vars[name]
	_, captured := l.parent.captures[name]
	if !declared && !captured {
		return ""
	}
	sub := l.flow.Name[strings.LastIndex(l.flow.Name, "/")+1:]
	return fmt.Sprintf("; %s is a variable of the flow that calls the sub-flow %q, which sees only its own vars: declare it there and pass it in the call (with: {%s: \"{{ %s }}\"})", name, sub, name, name)
}
