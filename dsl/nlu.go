package dsl

import (
	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

// nluKeys: analyser and analyzer are the same key (the deployment config
// and the docs spell it the British way, Go code the American way).
var nluKeys = []string{"threshold", "analyser", "analyzer", "intents", "lexicon"}

// nlu converts `nlu:`; included files add intents and lexicon phrases.
func (l *loader) nlu(n *yaml.Node) {
	ps, _ := l.fields(n, "nlu", nluKeys)
	cfg := &l.flow.NLU
	for _, p := range ps {
		key := resolve(p.key).Value
		if key == "analyzer" {
			key = "analyser"
		}
		switch key {
		case "threshold", "analyser":
			if first, dup := l.nluSet[key]; dup {
				l.errorf(p.key, "nlu %s is set twice: here and at %s; keep one", key, first)
				l.errAt(first, "nlu %s is set twice: here and at %s; keep one", key, l.pos(p.key))
				continue
			}
			l.nluSet[key] = l.pos(p.key)
			if key == "analyser" {
				cfg.Analyzer, _ = l.name(p.val, "an analyser name (builtin, llm, hybrid)")
				continue
			}
			if t, ok := l.number(p.val, "threshold"); ok {
				if t < 0 || t > 1 {
					l.errorf(p.val, "threshold must be between 0 and 1, got %v", t)
				}
				cfg.Threshold = t
			}
		case "intents":
			rn := resolve(p.val)
			if rn == nil || rn.Kind != yaml.MappingNode {
				l.errorf(p.val, "expected intents: a map from intent name to examples, got %s", describe(p.val))
				continue
			}
			for _, ip := range pairs(rn) {
				name, ok := l.name(ip.key, "an intent name")
				if !ok {
					continue
				}
				if name == flows.UnknownIntent {
					l.errorf(ip.key, "intent %q is reserved for messages below the threshold; rename the intent", name)
					continue
				}
				if !l.define(l.intentPos, ip.key, "intent %q is defined twice: here and at %s; keep one", name) {
					continue
				}
				in := &flows.Intent{Name: name, Pos: l.pos(ip.key), Examples: l.examplesByLang(ip.val)}
				n := 0
				for _, ex := range in.Examples {
					n += len(ex)
				}
				if n == 0 {
					l.errorf(ip.key, "intent %q has no examples; add at least one phrase a customer would write", name)
				}
				cfg.Intents = append(cfg.Intents, in)
			}
		case "lexicon":
			rn := resolve(p.val)
			if rn == nil || rn.Kind != yaml.MappingNode {
				l.errorf(p.val, "expected lexicon: a map from lexicon name to phrases, got %s", describe(p.val))
				continue
			}
			if cfg.Lexicon == nil {
				cfg.Lexicon = map[string]map[string][]string{}
			}
			for _, lp := range l.uniquePairs(rn, "the lexicon") {
				name, ok := l.name(lp.key, "a lexicon name")
				if !ok {
					continue
				}
				if cfg.Lexicon[name] == nil {
					cfg.Lexicon[name] = map[string][]string{}
				}
				for lang, ph := range l.phrasesByLang(lp.val, "phrase") {
					cfg.Lexicon[name][lang] = append(cfg.Lexicon[name][lang], ph...)
				}
			}
		}
	}
}

// phrasesByLang reads a map from language to phrases, or a plain list
// (filed under "", any language).
func (l *loader) phrasesByLang(n *yaml.Node, what string) map[string][]string {
	out := map[string][]string{}
	rn := resolve(n)
	if rn != nil && rn.Kind == yaml.MappingNode {
		for _, p := range l.uniquePairs(rn, what+"s by language") {
			if !l.language(p.key) {
				continue
			}
			ph, _ := l.strList(p.val, what)
			out[resolve(p.key).Value] = append(out[resolve(p.key).Value], ph...)
		}
		return out
	}
	ph, _ := l.strList(n, what)
	if len(ph) > 0 {
		out[""] = ph
	}
	return out
}

// examplesByLang reads an intent's examples: like phrasesByLang, but in
// any language, not only the flow's: customers write in languages the bot
// does not answer in, and the classifier should still know them.
func (l *loader) examplesByLang(n *yaml.Node) map[string][]string {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.MappingNode {
		return l.phrasesByLang(n, "example")
	}
	out := map[string][]string{}
	for _, p := range l.uniquePairs(rn, "examples") {
		if !l.anyLanguage(p.key) {
			continue
		}
		ph, _ := l.strList(p.val, "example")
		code := resolve(p.key).Value
		out[code] = append(out[code], ph...)
	}
	return out
}

// anyLanguage checks a language code that need not be one of the flow's:
// keywords and intent examples may be in any language.
func (l *loader) anyLanguage(k *yaml.Node) bool {
	code, ok := l.str(k, "a language code")
	if !ok {
		return false
	}
	if !langCode.MatchString(code) {
		l.errorf(k, "%q is not a language code; use ISO 639-1 codes like en, it, es", code)
		return false
	}
	return true
}

// checkIntents reports a flow that reads the NLU with a single intent (its
// own and its included files'): the built-in classifier tells intents
// apart, so it needs two, and the flow would validate only to fail to
// start.
func (l *loader) checkIntents() {
	if in := l.flow.NLU.Intents; len(in) == 1 && l.flow.NeedsSignals {
		l.errAt(in[0].Pos, "only one intent (%q); the built-in classifier needs at least two: add another intent with examples, or match this one with keywords:", in[0].Name)
	}
}
