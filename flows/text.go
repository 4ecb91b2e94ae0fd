package flows

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	// Encode percent-encodes the expression's text (URLEncode): a hole in
	// the path or query of an HTTP action's URL.
	Encode bool
}

// EscapeEnvRefs escapes each ${ of s as $${. A host fills the ${NAME}
// references of an HTTP action's request with secrets from its
// environment; the engine escapes the values of the request's holes
// (what a customer wrote, an API's answer) with it, so only the
// references the flow itself writes are filled, and the host turns $${
// back into ${.
func EscapeEnvRefs(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return strings.ReplaceAll(s, "${", "$${")
}

// URLEncode percent-encodes s for any part of a URL: every byte but
// letters, digits and - . _ ~ (RFC 3986's unreserved characters), so a
// space is %20 and a customer's "&" or "/" cannot change the request.
// Flows call it as urlencode(); the holes of a URL's path and query are
// encoded with it.
func URLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
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

// FormatValue writes a value the way a template's hole shows it: strings
// as they are, numbers without trailing zeros, nil as nothing, times as
// RFC 3339, maps and lists as JSON. The engine renders texts with it and
// the loader compiles texts with holes (a set: value, an HTTP body string)
// to call it, so a value reads the same wherever it is written.
func FormatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(time.RFC3339)
	case time.Duration:
		return v.String()
	case map[string]any, []any, map[string]string, []string, map[string]bool, map[string][]string:
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}
