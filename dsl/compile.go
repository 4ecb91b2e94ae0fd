package dsl

import (
	"fmt"
	"reflect"

	"github.com/batonbot/baton/flows"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// exprCompiler compiles the expressions of one load against one expr
// configuration. expr.Env builds the type information of the whole
// environment (every variable of the flow), so passing it to each
// expr.Compile made loading quadratic; here it is built once, when every
// variable is known, and each expression only parses, checks and compiles.
type exprCompiler struct {
	env map[string]any
	cfg *conf.Config
}

// compiler returns the load's expression compiler, built on first use
// (once every variable is known: compileAll runs after the whole flow is
// read).
func (l *loader) compiler() *exprCompiler {
	if l.cc == nil {
		env := l.env()
		env[flows.EnvBudget] = (*flows.ExprBudget)(nil)
		l.cc = newExprCompiler(env)
		boundFunctions(l.cc.cfg)
		if l.outside { // variables of the including flows: any type
			l.cc.cfg.Strict = false
		}
	}
	return l.cc
}

// constCompiler compiles literal values, which read no variable: it is
// ready before the flow's variables are known.
func (l *loader) constCompiler() *exprCompiler {
	if l.consts == nil {
		l.consts = newExprCompiler(map[string]any{})
	}
	return l.consts
}

func newExprCompiler(env map[string]any) *exprCompiler {
	cfg := conf.CreateNew()
	cfg.WithEnv(env)
	textOption(cfg)
	urlencodeOption(cfg)
	return &exprCompiler{env: env, cfg: cfg}
}

// compile is expr.Compile with the shared configuration: asBool expects a
// boolean; consts replaces identifiers with constants before the tree is
// checked; bound, when set, rewrites the checked tree to charge the
// evaluation budget, and the tree is checked again. A panic inside expr
// becomes an error.
//
// expr's own patch-and-check runs the visitors between checks whose errors
// it drops, and its last check trusts the types the dropped ones set: an
// unknown name inside a rewritten builtin (upper(cod)) went unreported.
// Here the tree is checked, errors and all, before it is rewritten.
func (c *exprCompiler) compile(src string, asBool bool, consts map[string]any, bound *boundPatch) (prog *vm.Program, err error) {
	cfg := c.cfg
	cfg.Expect, cfg.ExpectAny = reflect.Invalid, false
	if asBool {
		cfg.Expect, cfg.ExpectAny = reflect.Bool, true
	}
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("the expression cannot be compiled (%v)", r)
		}
	}()
	cfg.Check()
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return nil, err
	}
	if consts != nil {
		ast.Walk(&tree.Node, &constPatch{vals: consts})
	}
	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, err
	}
	if bound != nil {
		ast.Walk(&tree.Node, bound)
		if _, err := checker.Check(tree, cfg); err != nil {
			return nil, err
		}
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		return nil, err
	}
	return compiler.Compile(tree, cfg)
}
