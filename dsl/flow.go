package dsl

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var (
	topKeys     = []string{"flow", "version", "languages", "start", "on_reload", "timezone", "vars", "include", "hours", "nlu", "triggers", "no_match", "timeouts", "states", "subflows"}
	includeKeys = []string{"vars", "include", "hours", "nlu", "triggers", "states"}
	langCode    = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

func (l *loader) load(path string, src []byte) (*flows.Flow, Diagnostics) {
	l.init(path)
	f := newSrcFile(path, src, 0)
	l.files[path] = f
	l.file = f
	root := l.parse(f)
	if root == nil {
		return nil, l.sorted()
	}
	l.top(root)
	l.waitAhead()
	l.resolveCalls()
	l.check()
	l.checkIntents()
	if l.diags.HasErrors() {
		return nil, l.sorted()
	}
	l.lint()
	l.flow.Files = l.fileList()
	// The files of the flows it calls are its files too: saving one
	// reloads it.
	for _, p := range l.calls.files {
		if !contains(l.flow.Files, p) {
			l.flow.Files = append(l.flow.Files, p)
		}
	}
	return l.flow, l.sorted()
}

// fileList lists the files read: the main one, then the included ones in
// the order they were read.
func (l *loader) fileList() []string {
	out := make([]string, len(l.files))
	for path, f := range l.files {
		if f.index < len(out) {
			out[f.index] = path
		}
	}
	return out
}

// loadFragment checks a file meant to be included (vars, include, hours,
// nlu, triggers, states) on its own. What it uses from the flows that
// include it (states, variables, intents, calendars) is taken on trust.
func (l *loader) loadFragment(path string, src []byte) Diagnostics {
	l.init(path)
	l.outside = true
	f := newSrcFile(path, src, 0)
	l.files[path] = f
	l.file = f
	root := l.parse(f)
	if root == nil {
		return l.sorted()
	}
	l.included(root, []string{path})
	l.waitAhead()
	l.resolveCalls()
	l.check()
	return l.sorted()
}

// check compiles the expressions and checks the names once the whole flow
// is read.
func (l *loader) check() {
	l.compileAll()
	l.checkRefs()
	l.checkAssigned()
	l.checkTypes()
	l.checkSaveTypos()
}

func (l *loader) init(path string) {
	l.files = map[string]*srcFile{}
	l.statePos = map[string]flows.Pos{}
	l.varPos = map[string]flows.Pos{}
	l.hoursPos = map[string]flows.Pos{}
	l.intentPos = map[string]flows.Pos{}
	l.nluSet = map[string]flows.Pos{}
	l.captures = map[string]any{}
	l.langs = map[string]bool{}
	l.langTypos, l.langFlagged = map[string]bool{}, map[string]bool{}
	l.flow = &flows.Flow{
		Source: path,
		Vars:   map[string]any{},
		States: map[string]*flows.State{},
		Hours:  map[string]*flows.BusinessHours{},
	}
}

// top converts the main file's top-level map.
func (l *loader) top(root *yaml.Node) {
	ps, ok := l.fields(root, "the flow file", topKeys)
	if !ok {
		return
	}
	byKey := map[string]*yaml.Node{}
	for _, p := range ps {
		byKey[resolve(p.key).Value] = p.val
	}
	for _, req := range []struct{ key, hint string }{
		{"flow", "the flow's name, e.g. flow: shop-support"},
		{"languages", "the languages the flow speaks, e.g. languages: [en]"},
		{"start", "the state a conversation starts in, e.g. start: welcome"},
		{"states", "the states of the conversation"},
	} {
		if _, ok := byKey[req.key]; !ok {
			l.errorf(root, "missing %s: %s", req.key, req.hint)
		}
	}
	// The included files parse while this one converts.
	l.parseAhead(includeItems(byKey["include"]), []string{l.file.path})
	if n, ok := byKey["languages"]; ok {
		l.languages(n)
	}
	for _, p := range ps {
		switch key := resolve(p.key).Value; key {
		case "flow":
			if s, ok := l.name(p.val, "the flow's name"); ok {
				l.flow.Name = s
			}
		case "version":
			if s, ok := l.str(p.val, "a version (text)"); ok {
				l.flow.Version = s
			}
		case "start":
			l.flow.Start = l.goTo(p.val, "start")
		case "on_reload":
			l.flow.OnReload = l.goTo(p.val, "on_reload")
		case "no_match":
			l.flow.NoMatch = l.ladder(p.val)
		case "timeouts":
			l.timeouts(p.val)
		case "timezone":
			l.timezone(p.val)
		case "subflows":
			l.subflowNodes(p.val)
		case "languages", "include":
		default:
			l.shared(key, p.val, []string{l.file.path})
		}
	}
	// Included files come after this one's own definitions.
	if n, ok := byKey["include"]; ok {
		l.includes(n, []string{l.file.path})
	}
	l.settleTimezone(root)
}

// shared converts the sections an included file may hold too.
func (l *loader) shared(key string, n *yaml.Node, chain []string) {
	switch key {
	case "vars":
		l.vars(n)
	case "include":
		l.includes(n, chain)
	case "hours":
		l.hours(n)
	case "nlu":
		l.nlu(n)
	case "triggers":
		items, _ := l.list(n, "a list of triggers")
		for _, it := range items {
			if r := l.rule(it, ruleTrigger); r != nil {
				l.flow.Triggers = append(l.flow.Triggers, r)
			}
		}
	case "states":
		l.states(n)
	}
}

func (l *loader) languages(n *yaml.Node) {
	items, ok := l.list(n, "languages: a list of language codes like [it, en]")
	if !ok {
		return
	}
	if len(items) == 0 {
		l.errorf(n, "languages is empty: list at least one, e.g. languages: [en]")
	}
	for _, it := range items {
		code, ok := l.name(it, "a language code")
		if !ok {
			continue
		}
		if !langCode.MatchString(code) {
			l.errorf(it, "%q is not a language code; use ISO 639-1 codes like en, it, es, pt-BR", code)
			continue
		}
		if sug, isoCode, bad := unknownLanguage(code); bad {
			msg := fmt.Sprintf("languages: %q is not a language code the flow can use", code)
			switch {
			case isoCode:
				msg += fmt.Sprintf("; did you mean %q (its ISO 639-1 code)?", sug)
			case sug != "":
				msg += fmt.Sprintf("; did you mean %q?", sug)
			default:
				msg += "; use ISO 639-1 codes like en, it, es, pt-BR"
			}
			l.errorf(it, "%s", msg)
			l.langTypos[code] = true
			continue
		}
		if l.langs[code] {
			l.errorf(it, "language %q is listed twice", code)
			continue
		}
		l.langs[code] = true
		l.flow.Languages = append(l.flow.Languages, code)
	}
}

func (l *loader) states(n *yaml.Node) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.MappingNode {
		l.errorf(n, "expected the states (a map from state name to state), got %s", describe(n))
		return
	}
	for _, p := range pairs(rn) {
		name, ok := l.name(p.key, "a state name")
		if !ok {
			continue
		}
		if name == flows.AnyState || strings.ContainsAny(name, "\n\r") {
			l.errorf(p.key, "%q cannot be a state name", name)
			continue
		}
		if strings.Contains(name, "/") {
			// Still defined: the goto: naming it is not a second error.
			l.errorf(p.key, "%q cannot be a state name (no /: a sub-flow's states are named sub-flow/state)", name)
		}
		if !l.define(l.statePos, p.key, "state %q is defined twice: here and at %s; rename one", name) {
			continue
		}
		s := l.state(name, p.key, p.val)
		l.flow.States[name] = s
		l.flow.Order = append(l.flow.Order, name)
	}
}
