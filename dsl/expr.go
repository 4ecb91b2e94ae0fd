package dsl

import (
	"errors"
	"fmt"
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
	file   *srcFile
	node   *yaml.Node // the scalar that holds it
	value  string     // the scalar's value
	off    int        // rune offset of src in value
	src    string
	asBool bool
	what   string // "when", "validate", "{{ }}"
	out    *flows.Expr
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
	cache := make(map[compileKey]compiled)
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

type compiled struct {
	prog  *vm.Program
	err   error
	warns []exprWarning
}

// exprWarning is a warning about an expression, at a rune offset in it.
type exprWarning struct {
	off int
	msg string
}

func (l *loader) compile(p *pending, names []string, cache map[compileKey]compiled) {
	key := compileKey{p.src, p.asBool}
	c, ok := cache[key]
	if !ok {
		bound := &boundPatch{warn: func(n ast.Node, msg string) {
			c.warns = append(c.warns, exprWarning{n.Location().From, msg})
		}}
		c.prog, c.err = l.compiler().compile(p.src, p.asBool, bound)
		cache[key] = c
	}
	if c.err != nil {
		l.exprError(p, c.err, names)
		return
	}
	for _, w := range c.warns {
		l.warnAt(p.file.posIn(p.node, p.value, p.off+clampOff(w.off, p.src)), "%s: %s", p.what, w.msg)
	}
	prog := c.prog
	p.out.Program = prog
	ast.Walk(ptr(prog.Node()), &inspector{l: l, p: p})
}

func ptr(n ast.Node) *ast.Node { return &n }

// inspector marks expressions that read NLU signals and checks the
// calendar names in hours.NAME.
type inspector struct {
	l *loader
	p *pending
}

func (v *inspector) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if flows.IsSignal(n.Value) {
			v.p.out.Signals = true
		}
		if n.Value == flows.EnvEntities {
			v.l.flow.NeedsEntities = true
		}
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		if !ok || id.Value != flows.EnvHours {
			return
		}
		prop, ok := n.Property.(*ast.StringNode)
		if !ok {
			return
		}
		if _, ok := v.l.flow.Hours[prop.Value]; !ok && !v.l.outside {
			cals := make([]string, 0, len(v.l.flow.Hours))
			for c := range v.l.flow.Hours {
				cals = append(cals, c)
			}
			hint := didYouMean(prop.Value, cals)
			if hint == "" {
				hint = "; define it under hours:"
			}
			off := v.p.off + clampOff(n.Property.Location().From, v.p.src)
			v.l.errAt(v.p.file.posIn(v.p.node, v.p.value, off), "%s: unknown calendar %q%s", v.p.what, prop.Value, hint)
		}
	}
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
	off = clampOff(off, p.src)
	// Start at the token, not at the blanks before it.
	runes := []rune(p.src)
	for off < len(runes) && (runes[off] == ' ' || runes[off] == '\t' || runes[off] == '\n') {
		off++
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
			hint = "; declare it under vars:"
		}
		msg = fmt.Sprintf("unknown name %q%s", name, hint)
	} else if strings.HasPrefix(msg, "expected bool, but got ") {
		msg = fmt.Sprintf("must be true or false, but this expression gives %s", strings.TrimPrefix(msg, "expected bool, but got "))
	}
	msg = mediaMessage(msg)
	l.errAt(p.file.posIn(p.node, p.value, p.off+off), "%s: %s%s", p.what, msg, commentCut(p.node))
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
func (l *loader) constant(v any, pos flows.Pos, src string) *flows.Expr {
	prog, err := l.constCompiler().compile("__c", false, &constPatch{vals: map[string]any{"__c": v}})
	if err != nil {
		l.errAt(pos, "cannot use this value: %v", err)
		return nil
	}
	e := &flows.Expr{Source: src, Pos: pos, Program: prog}
	l.all = append(l.all, e)
	return e
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
	return l.compiler().compile(src, false, &constPatch{vals: vals}, &boundPatch{})
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
