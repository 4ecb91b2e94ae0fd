package dsl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm/runtime"
)

// Every expression is compiled so that one evaluation stays within
// flows' limits (MaxExprSteps, MaxExprBytes, MaxExprTime): boundPatch
// rewrites the tree before it is checked,
//
//   - the body of each loop (map, filter, all, reduce...) into
//     __tick(__budget, body), which counts a step;
//   - the builtins that produce text (repeat, replace, split, splitAfter,
//     join, upper, lower, toJSON, toBase64) into a call of the same
//     builtin through a guard that refuses, before allocating, a result
//     past the budget;
//   - + on texts into __add(__budget, a, b), for the same reason (a
//     reduce that doubles a text).
//
// __budget is the evaluation's *flows.ExprBudget, put in the environment
// by the engine (flows.EnvBudget). Each guard keeps its builtin's name and
// types, so error messages and type checks read as before.

const tickFunc, addFunc = "__tick", "__add"

// guarded are the builtins whose result can be much larger than their
// input, with how to size it before it is built.
var guarded = map[string]func(args []any) (int, error){
	"repeat": func(a []any) (int, error) {
		s, _ := a[0].(string)
		n := runtime.ToInt(a[1])
		if n > 0 && len(s) > math.MaxInt/n {
			return -1, nil // past counting
		}
		return len(s) * max(n, 0), nil
	},
	"replace": func(a []any) (int, error) {
		s, _ := a[0].(string)
		old, _ := a[1].(string)
		repl, _ := a[2].(string)
		n := strings.Count(s, old)
		if len(a) == 4 {
			if lim := runtime.ToInt(a[3]); lim >= 0 {
				n = min(n, lim)
			}
		}
		if grow := len(repl) - len(old); grow > 0 {
			if n > (math.MaxInt-len(s))/grow {
				return -1, nil
			}
			return len(s) + n*grow, nil
		}
		return len(s), nil
	},
	"split":      splitSize,
	"splitAfter": splitSize,
	"join": func(a []any) (int, error) {
		glue := ""
		if len(a) == 2 {
			glue, _ = a[1].(string)
		}
		n, parts := 0, 0
		add := func(s string) {
			n += len(s)
			parts++
		}
		switch list := a[0].(type) {
		case []string:
			for _, s := range list {
				add(s)
			}
		case []any:
			for _, v := range list {
				s, _ := v.(string)
				add(s)
			}
		}
		return n + max(parts-1, 0)*len(glue), nil
	},
	"upper":    textSize,
	"lower":    textSize,
	"toBase64": func(a []any) (int, error) { s, _ := a[0].(string); return base64.StdEncoding.EncodedLen(len(s)), nil },
	// toJSON's size is only known once written: it is charged after.
	"toJSON": func([]any) (int, error) { return 0, nil },
}

func textSize(a []any) (int, error) {
	s, _ := a[0].(string)
	return len(s), nil
}

// splitSize charges a split 16 bytes per part (the parts share the
// text's memory; each is a string header).
func splitSize(a []any) (int, error) {
	s, _ := a[0].(string)
	sep, _ := a[1].(string)
	parts := strings.Count(s, sep) + 1
	if sep == "" {
		parts = utf8.RuneCountInString(s)
	}
	if len(a) == 3 {
		if n := runtime.ToInt(a[2]); n >= 0 {
			parts = min(parts, n)
		}
	}
	return 16 * parts, nil
}

// loopBuiltins are the builtins whose predicate runs once per element.
var loopBuiltins = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true, "count": true, "sum": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true, "groupBy": true, "sortBy": true, "reduce": true,
}

var budgetType = reflect.TypeOf((*flows.ExprBudget)(nil))

// boundFunctions registers __tick, __add and a guard per guarded builtin in
// cfg.
func boundFunctions(cfg *conf.Config) {
	cfg.Functions[tickFunc] = &builtin.Function{
		Name: tickFunc,
		Func: func(args ...any) (any, error) {
			b, _ := args[0].(*flows.ExprBudget)
			return args[1], b.Step()
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			if len(args) != 2 {
				return nil, errors.New("internal: __tick takes 2 arguments")
			}
			return args[1], nil
		},
	}
	cfg.Functions[addFunc] = &builtin.Function{
		Name: "+",
		Func: func(args ...any) (any, error) {
			b, _ := args[0].(*flows.ExprBudget)
			x, xs := args[1].(string)
			y, ys := args[2].(string)
			if xs && ys {
				if err := b.Grow("+", len(x)+len(y)); err != nil {
					return nil, err
				}
				return x + y, nil
			}
			return runtime.Add(args[1], args[2]), nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			if len(args) == 3 && args[1].Kind() == reflect.String && args[2].Kind() == reflect.String {
				return args[1], nil
			}
			return reflect.TypeOf((*any)(nil)).Elem(), nil
		},
	}
	for name, size := range guarded {
		orig := builtin.Builtins[builtin.Index[name]]
		call := orig.Func
		switch {
		case orig.Safe != nil:
			safe := orig.Safe
			call = func(args ...any) (any, error) {
				out, _, err := safe(args...)
				return out, err
			}
		case orig.Fast != nil:
			fast := orig.Fast
			call = func(args ...any) (any, error) { return fast(args[0]), nil }
		}
		types := make([]reflect.Type, 0, len(orig.Types))
		for _, t := range orig.Types {
			types = append(types, withBudget(t))
		}
		cfg.Functions["__"+name] = &builtin.Function{
			Name:  name,
			Types: types,
			Func: func(args ...any) (any, error) {
				b, _ := args[0].(*flows.ExprBudget)
				n, err := size(args[1:])
				if err == nil {
					err = b.Grow(name+"()", n)
				}
				if err != nil {
					return nil, err
				}
				out, err := call(args[1:]...)
				if s, ok := out.(string); ok && name == "toJSON" && err == nil {
					err = b.Grow(name+"()", len(s))
				}
				return out, err
			},
		}
	}
}

// withBudget is the function type t with a *flows.ExprBudget first.
func withBudget(t reflect.Type) reflect.Type {
	in := []reflect.Type{budgetType}
	for i := range t.NumIn() {
		in = append(in, t.In(i))
	}
	out := make([]reflect.Type, t.NumOut())
	for i := range out {
		out[i] = t.Out(i)
	}
	return reflect.FuncOf(in, out, t.IsVariadic())
}

// boundPatch rewrites a tree so that its evaluation charges the budget
// (see above). warn, when set, is told about the first loop or
// text-producing builtin applied to the customer's message.
type boundPatch struct {
	warned bool
	warn   func(node ast.Node, msg string)
}

func (p *boundPatch) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.PredicateNode:
		n.Node = budgetCall(tickFunc, n.Node, n.Node)
	case *ast.BuiltinNode:
		if loopBuiltins[n.Name] && len(n.Arguments) > 0 {
			p.customerText(n, n.Arguments[0], "loops over")
		}
		if _, ok := guarded[n.Name]; ok {
			if len(n.Arguments) > 0 && n.Name != "upper" && n.Name != "lower" && n.Name != "toBase64" && n.Name != "toJSON" {
				p.customerText(n, n.Arguments[0], "applies to")
			}
			ast.Patch(node, budgetCall("__"+n.Name, n, n.Arguments...))
		}
	case *ast.BinaryNode:
		if n.Operator == "+" && textual(n.Left) && textual(n.Right) {
			ast.Patch(node, budgetCall(addFunc, n, n.Left, n.Right))
		}
	}
}

// budgetCall is fn(__budget, args...) placed where at is.
func budgetCall(fn string, at ast.Node, args ...ast.Node) ast.Node {
	b := &ast.IdentifierNode{Value: flows.EnvBudget}
	b.SetLocation(at.Location())
	callee := &ast.IdentifierNode{Value: fn}
	callee.SetLocation(at.Location())
	c := &ast.CallNode{Callee: callee, Arguments: append([]ast.Node{b}, args...)}
	c.SetLocation(at.Location())
	return c
}

// textual reports whether n is a text or of a type known only at run time
// (a text is possible): such a + is guarded.
func textual(n ast.Node) bool {
	t := n.Type()
	return t == nil || t.Kind() == reflect.String || t.Kind() == reflect.Interface
}

// customerText warns when in reads the customer's message.
func (p *boundPatch) customerText(n *ast.BuiltinNode, in ast.Node, verb string) {
	if p.warn == nil || p.warned || !readsText(in) {
		return
	}
	p.warned = true
	p.warn(n, fmt.Sprintf("%s() %s the customer's message, so its cost grows with what the customer writes; an evaluation stops with an error past %s, so bound the input first (e.g. text[:200])",
		n.Name, verb, flows.DescribeExprLimits()))
}

// readsText reports whether n reads the customer's message (text, answer).
func readsText(n ast.Node) bool {
	found := false
	ast.Walk(&n, visitFunc(func(node *ast.Node) {
		if id, ok := (*node).(*ast.IdentifierNode); ok && (id.Value == flows.EnvText || id.Value == flows.EnvAnswer) {
			found = true
		}
	}))
	return found
}

type visitFunc func(*ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }
