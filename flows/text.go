package flows

import (
	"strings"

	"github.com/expr-lang/expr/vm"
)

// Expr is a compiled expression (github.com/expr-lang/expr). The loader
// compiles it once, against the flow's environment (see Builtins), so an
// unknown name is a load error, never a runtime surprise.
type Expr struct {
	Source  string
	Pos     Pos
	Program *vm.Program
	// Signals reports whether the expression reads an NLU signal.
	Signals bool
}

// Template is a text with {{ expression }} holes, compiled once.
type Template struct {
	Pos   Pos
	Parts []TemplatePart
}

// TemplatePart is either literal text or an expression to render.
type TemplatePart struct {
	Lit  string
	Expr *Expr
}

// Static returns the template's text and true when it has no expressions.
func (t *Template) Static() (string, bool) {
	if t == nil {
		return "", true
	}
	var b strings.Builder
	for _, p := range t.Parts {
		if p.Expr != nil {
			return "", false
		}
		b.WriteString(p.Lit)
	}
	return b.String(), true
}

// Text is a message in several languages, each a Template.
type Text struct {
	Pos    Pos
	ByLang map[string]*Template
}

// For returns the template for lang, else for fallback, else nil.
func (t *Text) For(lang, fallback string) *Template {
	if t == nil {
		return nil
	}
	if tpl, ok := t.ByLang[lang]; ok {
		return tpl
	}
	if tpl, ok := t.ByLang[fallback]; ok {
		return tpl
	}
	if tpl, ok := t.ByLang[""]; ok { // written without a language
		return tpl
	}
	return nil
}
