package dsl

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// piece is a run of literal text or a {{ hole }} of a template.
type piece struct {
	lit  string
	src  string // the hole's expression
	off  int    // rune offset of src in the scalar's value
	hole bool
}

// splitTemplate cuts s into literal text and holes. On an unclosed or
// empty hole it returns the rune offset of its "{{" and a message.
func splitTemplate(s string) ([]piece, int, string) {
	holes := strings.Count(s, "{{")
	if holes == 0 {
		if s == "" {
			return nil, 0, ""
		}
		return []piece{{lit: s}}, 0, ""
	}
	out := make([]piece, 0, 2*holes+1)
	// runes counts the runes of s before rest, so offsets cost linear time
	// however many holes the text has.
	rest, runes := s, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				out = append(out, piece{lit: rest})
			}
			return out, 0, ""
		}
		if i > 0 {
			out = append(out, piece{lit: rest[:i]})
		}
		open := runes + utf8.RuneCountInString(rest[:i])
		j := holeEnd(rest[i+2:])
		if j < 0 {
			return nil, open, "unclosed {{ in text: close it with }} (write {{ \"{{\" }} for literal braces)"
		}
		src := rest[i+2 : i+2+j]
		if strings.TrimSpace(src) == "" {
			return nil, open, "empty {{ }} in text: put an expression inside, e.g. {{ user.name }}"
		}
		out = append(out, piece{src: src, off: open + 2, hole: true})
		runes = open + 2 + utf8.RuneCountInString(src) + 2
		rest = rest[i+2+j+2:]
	}
}

// holeEnd is the index in s, the text after a "{{", of the "}}" that
// closes the hole: the first one outside the expression's string literals
// and its map literals' braces, so {{ "}}" }} and {{ {"a": {"b": 1}} }}
// are one hole each. The scan stops at the next "{{" after the first "}}"
// (the next hole), so a text's holes cost linear time; when it finds no
// end there (an unbalanced quote or brace, which the expression's
// compiler reports), the hole ends at the first "}}".
func holeEnd(s string) int {
	first := strings.Index(s, "}}")
	if first < 0 {
		return -1
	}
	limit := len(s)
	if k := strings.Index(s[first+2:], "{{"); k >= 0 {
		limit = first + 2 + k
	}
	depth := 0
	for i := 0; i < limit; i++ {
		switch c := s[i]; c {
		case '"', '\'', '`':
			for i++; i < limit && s[i] != c; i++ {
				if s[i] == '\\' && c != '`' {
					i++
				}
			}
		case '{':
			depth++
		case '}':
			if depth == 0 && i+1 < limit && s[i+1] == '}' {
				return i
			}
			if depth > 0 {
				depth--
			}
		}
	}
	return first
}

// commentCut explains an unquoted value that YAML cut short: " #" starts a
// comment, so `validate: len(map(xs, #)) > 0` ends at "len(map(xs,".
func commentCut(n *yaml.Node) string {
	if n == nil || n.Style != 0 || n.LineComment == "" {
		return ""
	}
	return fmt.Sprintf(" (YAML read %q as a comment, so the value stops before it: quote the whole value)", n.LineComment)
}

// pieces splits scalar n into pieces, reporting a malformed template.
func (l *loader) pieces(n *yaml.Node) ([]piece, bool) {
	rn := resolve(n)
	ps, off, msg := splitTemplate(rn.Value)
	if msg != "" {
		l.errAt(l.file.posIn(rn, rn.Value, off), "%s%s", msg, commentCut(rn))
		return nil, false
	}
	return ps, true
}

// template converts a scalar into a Template, each hole compiled later
// against the whole flow's variables.
func (l *loader) template(n *yaml.Node, what string) *flows.Template {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.ScalarNode || rn.ShortTag() == "!!null" {
		l.errorf(n, "expected %s (a text), got %s", what, describe(n))
		return nil
	}
	t := &flows.Template{Pos: l.pos(n)}
	ps, ok := l.pieces(n)
	if !ok {
		return nil
	}
	t.Parts = make([]flows.TemplatePart, 0, len(ps))
	for _, p := range ps {
		if p.hole {
			t.Parts = append(t.Parts, flows.TemplatePart{Expr: l.hole(rn, p, false)})
		} else {
			t.Parts = append(t.Parts, flows.TemplatePart{Lit: p.lit})
		}
	}
	return t
}

// hole queues a template hole for compilation.
func (l *loader) hole(rn *yaml.Node, p piece, asBool bool) *flows.Expr {
	// The position is the expression's first character (past the spaces
	// after {{), as the diagnostics' and the run time errors' point.
	lead := len(p.src) - len(strings.TrimLeftFunc(p.src, unicode.IsSpace))
	e := &flows.Expr{Source: strings.TrimSpace(p.src), Pos: l.file.posIn(rn, rn.Value, p.off+lead)}
	l.exprs = append(l.exprs, &pending{file: l.file, node: rn, value: rn.Value, off: p.off, src: p.src, asBool: asBool, what: "{{ }}", out: e})
	return e
}

// value expression: the right-hand side of set. A string that is exactly
// one {{ hole }} keeps the expression's type; any other string is a string
// template; anything else is a constant.
func (l *loader) valueExpr(n *yaml.Node) *flows.Expr {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.ScalarNode || rn.ShortTag() != "!!str" {
		v := l.value(n)
		return l.constant(v, l.pos(n), sourceOf(v))
	}
	ps, ok := l.pieces(n)
	if !ok {
		return nil
	}
	if len(ps) == 1 && ps[0].hole {
		return l.hole(rn, ps[0], false)
	}
	holes := 0
	for _, p := range ps {
		if p.hole {
			holes++
		}
	}
	if holes == 0 {
		return l.constant(rn.Value, l.pos(n), rn.Value)
	}
	return l.composite(rn, ps, false)
}

// composite compiles a string template with holes into one expression
// that renders it; wrapJSON renders it as a JSON string instead.
func (l *loader) composite(rn *yaml.Node, ps []piece, wrapJSON bool) *flows.Expr {
	out := &flows.Expr{Source: rn.Value, Pos: l.pos(rn)}
	var parts []*flows.Expr
	for _, p := range ps {
		if p.hole {
			parts = append(parts, l.hole(rn, p, false))
		}
	}
	if l.composites == nil {
		l.composites = map[uintptr][]*flows.Expr{}
	}
	l.composites[reflect.ValueOf(out).Pointer()] = parts
	l.finals = append(l.finals, func() {
		for _, e := range parts {
			if e.Program == nil {
				return // already reported
			}
			out.Signals = out.Signals || e.Signals
		}
		prog, err := l.compileComposite(ps, wrapJSON)
		if err != nil {
			l.errAt(out.Pos, "cannot compile the template: %v", err)
			return
		}
		out.Program = prog
	})
	return out
}

// sourceOf renders a constant for Expr.Source.
func sourceOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// jsonBody converts an HTTP body: any YAML value, rendered as JSON, whose
// strings are templates. Each hole renders as JSON (toJSON), so rendering
// the Template (literals and holes in turn, as for any text) yields a
// JSON document; a string that is exactly one hole keeps the hole's type.
func (l *loader) jsonBody(n *yaml.Node) *flows.Template {
	t := &flows.Template{Pos: l.pos(n)}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.Parts = append(t.Parts, flows.TemplatePart{Lit: lit.String()})
			lit.Reset()
		}
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		rn := resolve(n)
		switch {
		case rn == nil:
			lit.WriteString("null")
		case rn.Kind == yaml.MappingNode:
			lit.WriteByte('{')
			for i, p := range l.uniquePairs(rn, "a body") {
				if i > 0 {
					lit.WriteByte(',')
				}
				k, ok := l.str(p.key, "a body key (a name)")
				if !ok {
					continue
				}
				b, _ := json.Marshal(k)
				lit.Write(b)
				lit.WriteByte(':')
				walk(p.val)
			}
			lit.WriteByte('}')
		case rn.Kind == yaml.SequenceNode:
			lit.WriteByte('[')
			for i, c := range rn.Content {
				if i > 0 {
					lit.WriteByte(',')
				}
				walk(c)
			}
			lit.WriteByte(']')
		case rn.ShortTag() != "!!str":
			b, err := json.Marshal(l.value(rn))
			if err != nil {
				l.errorf(n, "cannot write %s as JSON", describe(n))
				b = []byte("null")
			}
			lit.Write(b)
		default:
			ps, ok := l.pieces(rn)
			if !ok {
				return
			}
			holes := 0
			for _, p := range ps {
				if p.hole {
					holes++
				}
			}
			if holes == 0 {
				b, _ := json.Marshal(rn.Value)
				lit.Write(b)
				return
			}
			flush()
			if len(ps) == 1 {
				// One hole, the usual body value: compiled once as
				// toJSON(hole), shared by its copies, not once to check
				// it and again to render it.
				e := &flows.Expr{Source: rn.Value, Pos: l.pos(rn)}
				l.exprs = append(l.exprs, &pending{file: l.file, node: rn, value: rn.Value, off: ps[0].off, src: ps[0].src,
					pre: "toJSON((", post: "))", what: "{{ }}", out: e})
				t.Parts = append(t.Parts, flows.TemplatePart{Expr: e})
				return
			}
			t.Parts = append(t.Parts, flows.TemplatePart{Expr: l.composite(rn, ps, true)})
		}
	}
	walk(n)
	flush()
	return t
}
