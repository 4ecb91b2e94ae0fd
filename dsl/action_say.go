package dsl

import (
	"strings"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// text converts a message: a string, or a map from language to string.
// Every string is a template.
func (l *loader) text(n *yaml.Node, what string) *flows.Text {
	rn := resolve(n)
	langs := 1
	if rn != nil {
		langs = max(1, len(rn.Content)/2)
	}
	t := &flows.Text{Pos: l.pos(n), ByLang: make(map[string]*flows.Template, langs)}
	switch {
	case rn != nil && rn.Kind == yaml.ScalarNode && !isNull(rn):
		if tpl := l.template(n, "text"); tpl != nil {
			t.ByLang[""] = tpl
		}
	case rn != nil && rn.Kind == yaml.MappingNode:
		// written holds the languages given a text, even one that is
		// reported broken (not a string, a bad template): that text's own
		// error says what to fix, and "has no text" would be wrong.
		written := map[string]bool{}
		for _, p := range l.uniquePairs(rn, "a text") {
			if !l.language(p.key) {
				continue
			}
			lang := resolve(p.key).Value
			written[lang] = true
			if !isScalar(p.val) || isNull(p.val) {
				l.errorf(p.val, "expected the %s text (a string), got %s", lang, describe(p.val))
				continue
			}
			if tpl := l.template(p.val, "text"); tpl != nil {
				t.ByLang[lang] = tpl
			}
		}
		if def := l.flow.DefaultLanguage(); def != "" && len(written) > 0 && !written[def] {
			l.errorf(n, "%s has no %q text, the default language's, used when a translation is missing; add it", what, def)
		}
		if len(t.ByLang) > 0 {
			l.noteUntranslated(t.Pos, func(lang string) bool { return t.ByLang[lang] != nil })
		}
	default:
		l.errorf(n, "expected %s: a text, or a map of language to text, got %s", what, describe(n))
		return nil
	}
	return t
}

// localized converts a static text (menu labels): a string, or a map from
// language to string. A plain string is filed under the default language.
func (l *loader) localized(n *yaml.Node, what string) flows.Localized {
	out := flows.Localized{}
	rn := resolve(n)
	switch {
	case rn != nil && rn.Kind == yaml.ScalarNode && !isNull(rn):
		out[l.flow.DefaultLanguage()] = rn.Value
	case rn != nil && rn.Kind == yaml.MappingNode:
		written := map[string]bool{} // as in text: a broken label has its own error
		for _, p := range l.uniquePairs(rn, "a "+what) {
			if !l.language(p.key) {
				continue
			}
			lang := resolve(p.key).Value
			if s, ok := l.str(p.val, "the "+what+" text"); ok {
				out[lang] = s
				written[lang] = s != ""
			} else {
				written[lang] = true
			}
		}
		if def := l.flow.DefaultLanguage(); def != "" && len(written) > 0 && !written[def] {
			l.errorf(n, "%s has no %q text, the default language's; add it", what, def)
		}
		if len(out) > 0 {
			l.noteUntranslated(l.pos(n), func(lang string) bool { return out[lang] != "" })
		}
	default:
		l.errorf(n, "expected %s: a text, or a map of language to text, got %s", what, describe(n))
		return nil
	}
	for lang, s := range out {
		if strings.Contains(s, "{{") {
			l.errorf(n, "%s (%s) is fixed text and cannot hold {{ }}", what, lang)
		}
	}
	return out
}

// language checks a language key of a text map.
func (l *loader) language(k *yaml.Node) bool {
	s, ok := l.str(k, "a language code")
	if !ok {
		return false
	}
	if len(l.langs) == 0 || l.langs[s] {
		return true
	}
	if len(l.langTypos) > 0 {
		// languages: has an error: say so once per language, not once
		// per text, and nothing of the texts in the mistyped code.
		if !l.langTypos[s] && !l.langFlagged[s] {
			l.langFlagged[s] = true
			l.errorf(k, "unknown language %q; the flow speaks %s (languages: has an error; the other texts in %s are not flagged)", s, strings.Join(l.flow.Languages, ", "), s)
		}
		return false
	}
	if m := MeantLanguage(s, l.flow.Languages); m != "" {
		l.errorf(k, "unknown language %q; did you mean %q? The flow speaks %s", s, m, strings.Join(l.flow.Languages, ", "))
		return false
	}
	l.errorf(k, "unknown language %q; the flow speaks %s (add it to languages: or remove this text)", s, strings.Join(l.flow.Languages, ", "))
	return false
}

// noteUntranslated records the text at pos, written per language, under
// each of the flow's languages has says it lacks (lintTranslations).
func (l *loader) noteUntranslated(pos flows.Pos, has func(lang string) bool) {
	for _, lang := range l.flow.Languages {
		if has(lang) {
			continue
		}
		if l.untranslated == nil {
			l.untranslated = map[string][]flows.Pos{}
		}
		l.untranslated[lang] = append(l.untranslated[lang], pos)
	}
}
