package dsl

import (
	"regexp"
	"strings"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

type ruleKind int

const (
	ruleTrigger ruleKind = iota
	ruleRoute
	ruleNext
)

func (k ruleKind) String() string {
	switch k {
	case ruleTrigger:
		return "a trigger"
	case ruleRoute:
		return "a route"
	}
	return "a next rule"
}

var ruleKeys = append([]string{"name", "keywords", "unless", "negation", "pattern", "intent", "when", "goto"}, actionKeys...)

// rule converts a trigger, route or next rule.
func (l *loader) rule(n *yaml.Node, kind ruleKind) *flows.Rule {
	r := &flows.Rule{Pos: l.pos(n)}
	ps, ok := l.fields(n, kind.String(), ruleKeys)
	if !ok {
		return nil
	}
	negation := true
	for _, p := range ps {
		switch k := resolve(p.key).Value; k {
		case "name":
			r.Name, _ = l.name(p.val, "a rule name")
		case "keywords":
			r.Keywords = l.keywords(p.val)
			if noPhrases(p.val) {
				l.errorf(p.val, "keywords: lists no word or phrase, so this rule never holds; list the words that should match (keywords: [agent, operator]), or remove it")
			}
		case "unless":
			r.Unless = l.keywords(p.val)
		case "negation":
			negation, _ = l.boolean(p.val, "negation:")
		case "pattern":
			r.Pattern = l.regexp(p.val)
		case "intent":
			if s, ok := l.name(p.val, "an intent name"); ok {
				r.Intent = s
				l.intents = append(l.intents, nameRef{s, l.pos(p.val), "intent"})
				l.signals = true
			}
		case "when":
			r.When = l.expr(p.val, true, "when")
		default:
			l.doKey(k, p, &r.Do)
		}
	}
	if r.Keywords != nil {
		r.Keywords.Negatable = negation
	}

	if kind == ruleTrigger {
		if r.Name == "" {
			l.errorf(n, "a trigger needs a name: (it is shown in events and used as the handoff reason)")
		}
		if r.Keywords == nil && r.Pattern == nil && r.Intent == "" && r.When == nil && !hasKey(ps, "when") && !hasKey(ps, "keywords") && !hasKey(ps, "pattern") && !hasKey(ps, "intent") {
			l.errorf(n, "trigger %q has no condition, so it would fire on every message; add keywords:, pattern:, intent: or when:", r.Name)
		}
	}
	return r
}

// noPhrases reports whether a keywords: value is an empty list, or a map
// of languages to empty lists: a rule with it can never hold.
func noPhrases(n *yaml.Node) bool {
	rn := resolve(n)
	switch {
	case rn == nil:
		return false
	case rn.Kind == yaml.SequenceNode:
		return len(rn.Content) == 0
	case rn.Kind == yaml.MappingNode:
		for i := 1; i < len(rn.Content); i += 2 {
			if v := resolve(rn.Content[i]); v == nil || v.Kind != yaml.SequenceNode || len(v.Content) > 0 {
				return false
			}
		}
		return true
	}
	return false
}

func hasKey(ps []pair, key string) bool {
	for _, p := range ps {
		if resolve(p.key).Value == key {
			return true
		}
	}
	return false
}

// doKey converts goto and action keys into d; it reports whether key was
// one of them.
func (l *loader) doKey(key string, p pair, d *flows.Do) bool {
	if key == "goto" {
		d.Goto = l.goTo(p.val, "goto")
		return true
	}
	if contains(actionKeys, key) {
		l.action(key, p, &d.Actions)
		return true
	}
	return false
}

// keywords converts a list of phrases or a map from language to phrases.
func (l *loader) keywords(n *yaml.Node) *flows.Keywords {
	k := &flows.Keywords{Negatable: true}
	add := func(items []*yaml.Node) {
		for _, it := range items {
			s, ok := l.phrase(it)
			if !ok {
				continue
			}
			words := flows.Words(flows.Fold(s))
			if len(words) == 0 {
				l.errorf(it, "keyword %q has no letters or digits, so it can never match", s)
				continue
			}
			k.Phrases = append(k.Phrases, words)
		}
	}
	rn := resolve(n)
	switch {
	case rn != nil && rn.Kind == yaml.SequenceNode:
		add(rn.Content)
	case rn != nil && rn.Kind == yaml.MappingNode:
		for _, p := range l.uniquePairs(rn, "phrases by language") {
			// Customers write in languages the bot does not answer in:
			// keywords may be in any language.
			if !l.anyLanguage(p.key) {
				continue
			}
			if isScalar(p.val) && !isNull(p.val) {
				add([]*yaml.Node{p.val}) // {es: persona}: one phrase
				continue
			}
			items, _ := l.list(p.val, "a list of keywords")
			add(items)
		}
	case rn != nil && rn.Kind == yaml.ScalarNode && !isNull(rn):
		add([]*yaml.Node{n}) // one phrase; a number is refused there
	default:
		l.errorf(n, "expected keywords (a list of phrases, or a map from language to phrases), got %s", describe(n))
		return nil
	}
	return k
}

// phrase reads a keyword: text. A number or true/false is refused, as
// YAML reads 42 or yes-like values as something else than the text.
func (l *loader) phrase(n *yaml.Node) (string, bool) {
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.ScalarNode && rn.ShortTag() != "!!str" && !isNull(rn) {
		l.errorf(n, "expected a keyword (a text), got %s; quote it (\"%s\") to match it as text", describe(n), rn.Value)
		return "", false
	}
	return l.str(n, "a keyword or phrase")
}

// regexp compiles a pattern with Go's RE2 syntax; a pattern written
// several times compiles once (a Regexp is safe for concurrent use).
func (l *loader) regexp(n *yaml.Node) *regexp.Regexp {
	s, ok := l.str(n, "a regular expression")
	if !ok {
		return nil
	}
	if re, ok := l.patterns[s]; ok {
		return re
	}
	re, err := regexp.Compile(s)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		l.errorf(n, "invalid regular expression: %s (Go RE2 syntax: no lookarounds or backreferences)", msg)
		return nil
	}
	if l.patterns == nil {
		l.patterns = map[string]*regexp.Regexp{}
	}
	l.patterns[s] = re
	return re
}
