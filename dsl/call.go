package dsl

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/batonbot/baton/flows"
	"go.yaml.in/yaml/v3"
)

var (
	callKeys    = []string{"flow", "subflow", "with", "save"}
	subflowKeys = []string{"vars", "start", "states", "no_match"}
)

// MaxCallDepth bounds how deep flows may call flows (a → b → c...).
const MaxCallDepth = 8

// calls is what the loaders of one root flow share: every sub-flow, by
// key, and the files being loaded (for cycles).
type calls struct {
	subs    map[string]*flows.Flow
	files   []string // the called files' Files, for the root flow's
	loading []string
	rootDir string // called files are keyed by their path from here
}

// pendingCall is a call: read while the states are, resolved once the
// sub-flows are loaded.
type pendingCall struct {
	call    *flows.Call
	node    *yaml.Node // the call: map
	file    *srcFile
	named   string // subflow: NAME
	path    string // flow: FILE, resolved
	rel     string
	target  *yaml.Node
	inNames []nameRef // the sub-flow variables with: sets
	outs    []nameRef // the sub-flow variables save: reads (what = caller variable)
}

// call reads `call:` {flow: FILE | subflow: NAME, with: {var: value},
// save: {caller_var: subflow_var | end.reason}}.
func (l *loader) call(n *yaml.Node) *flows.Call {
	ps, ok := l.fields(n, "a call", callKeys)
	if !ok {
		return nil
	}
	c := &flows.Call{Pos: l.pos(n)}
	pc := &pendingCall{call: c, node: n, file: l.file}
	hasFlow, hasSub := hasKey(ps, "flow"), hasKey(ps, "subflow")
	if hasFlow == hasSub {
		l.errorf(n, "a call names one flow: flow: a flow file, or subflow: a sub-flow under subflows:")
	}
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "flow":
			if rel, ok := l.name(p.val, "a flow file"); ok {
				pc.rel, pc.target = rel, p.val
				pc.path = rel
				if !filepath.IsAbs(rel) {
					pc.path = filepath.Join(filepath.Dir(l.file.path), rel)
				}
			}
		case "subflow":
			if name, ok := l.name(p.val, "a sub-flow name"); ok {
				pc.named, pc.target = name, p.val
			}
		case "with":
			rn := resolve(p.val)
			if rn == nil || rn.Kind != yaml.MappingNode {
				l.errorf(p.val, "expected with: a map from the sub-flow's variable to a value, got %s", describe(p.val))
				continue
			}
			for _, wp := range l.uniquePairs(rn, "with:") {
				name, ok := l.name(wp.key, "a variable of the sub-flow")
				if !ok {
					continue
				}
				pc.inNames = append(pc.inNames, nameRef{name, l.pos(wp.key), ""})
				if v := l.valueExpr(wp.val); v != nil {
					c.In = append(c.In, flows.Assign{Var: name, Value: v})
				}
			}
		case "save":
			rn := resolve(p.val)
			if rn == nil || rn.Kind != yaml.MappingNode {
				l.errorf(p.val, "expected save: a map from this flow's variable to the sub-flow's, got %s", describe(p.val))
				continue
			}
			for _, sp := range l.uniquePairs(rn, "save:") {
				to, ok := l.name(sp.key, "a variable")
				if !ok || !l.varName(sp.key, to) {
					continue
				}
				from, ok := l.name(sp.val, "a variable of the sub-flow")
				if !ok {
					continue
				}
				if from == flows.CallEndReason {
					// The reason the sub-flow ended with: a text.
					if _, ok := l.captures[to]; !ok {
						l.captures[to] = ""
					}
					l.typed = append(l.typed, typedWrite{name: to, pos: l.pos(sp.val), what: "save: end.reason", sample: ""})
					c.Out = append(c.Out, flows.CallOut{To: to, From: from})
					continue
				}
				if strings.HasPrefix(from, "end.") {
					l.errorf(sp.val, "save: a sub-flow's end gives only its reason: write %s", flows.CallEndReason)
					continue
				}
				pc.outs = append(pc.outs, nameRef{from, l.pos(sp.val), to})
				c.Out = append(c.Out, flows.CallOut{To: to, From: from})
			}
		}
	}
	l.pendingCalls = append(l.pendingCalls, pc)
	return c
}

// subflowNodes records the named sub-flows under `subflows:`, loaded once
// the flow's own states are known (they may jump back to them).
func (l *loader) subflowNodes(n *yaml.Node) {
	rn := resolve(n)
	if rn == nil || rn.Kind != yaml.MappingNode {
		l.errorf(n, "expected subflows: a map from sub-flow name to its vars, start and states, got %s", describe(n))
		return
	}
	for _, p := range pairs(rn) {
		name, ok := l.name(p.key, "a sub-flow name")
		if !ok {
			continue
		}
		if strings.ContainsAny(name, "/\n") {
			l.errorf(p.key, "%q cannot be a sub-flow name (no / or line breaks)", name)
			continue
		}
		if _, dup := l.namedSubs[name]; dup {
			l.errorf(p.key, "sub-flow %q is defined twice", name)
			continue
		}
		if l.namedSubs == nil {
			l.namedSubs = map[string]pair{}
		}
		l.namedSubs[name] = p
		l.namedOrder = append(l.namedOrder, name)
	}
}

// resolveCalls loads the named sub-flows and the called files, links each
// call to its sub-flow and checks the names its with: and save: use. It
// runs after the flow's own states are read and before its expressions are
// compiled (the outputs' types come from the sub-flows).
func (l *loader) resolveCalls() {
	if l.calls == nil {
		l.calls = &calls{subs: map[string]*flows.Flow{}, rootDir: filepath.Dir(l.flow.Source), loading: []string{filepath.Base(l.flow.Source)}}
	}
	for _, name := range l.namedOrder {
		l.namedSub(name, nil)
	}
	for _, pc := range l.pendingCalls {
		var sub *flows.Flow
		prev := l.file
		l.file = pc.file
		switch {
		case pc.named != "":
			pc.call.Flow = l.subKey(pc.named)
			owner := l // a named sub-flow calls its siblings, its flow's
			if l.parent != nil {
				owner = l.parent
			}
			if _, defined := owner.namedSubs[pc.named]; defined {
				sub = owner.namedSub(pc.named, pc)
			} else if l.outside {
				break // an included file checked alone: its flow's sub-flows are taken on trust
			} else {
				l.errorf(pc.target, "unknown sub-flow %q%s", pc.named, hintOr(didYouMean(pc.named, owner.namedOrder), "; define it under subflows:"))
			}
		case pc.path != "":
			key := pc.path
			if rel, err := filepath.Rel(l.calls.rootDir, pc.path); err == nil {
				key = rel
			}
			pc.call.Flow = filepath.ToSlash(key)
			sub = l.loadCalled(pc)
		}
		if sub != nil {
			l.checkCallNames(pc, sub)
		}
		l.file = prev
	}
	l.flow.Subflows = l.calls.subs
}

func hintOr(hint, otherwise string) string {
	if hint != "" {
		return hint
	}
	return otherwise
}

// namedSub loads this file's named sub-flow name once, when the flow's
// loop reaches it or a sibling that calls it does first; pc is that call
// (nil from the loop), reported when the sub-flow is still loading (a
// cycle) or nests too deep. It returns nil when the sub-flow has errors
// (already reported).
func (l *loader) namedSub(name string, pc *pendingCall) *flows.Flow {
	key := l.subKey(name)
	if f, ok := l.calls.subs[key]; ok {
		return f
	}
	switch l.namedState[name] {
	case namedLoading:
		l.errorf(pc.target, "call cycle: %s → %s; a flow cannot call itself, directly or not", strings.Join(l.calls.loading, " → "), key)
		return nil
	case namedDone:
		return nil
	}
	if pc != nil && len(l.calls.loading) > MaxCallDepth {
		l.tooDeep(pc, key)
		return nil
	}
	if l.namedState == nil {
		l.namedState = map[string]int{}
	}
	l.namedState[name] = namedLoading
	l.calls.loading = append(l.calls.loading, key)
	p := l.namedSubs[name]
	f := l.loadNamed(name, p.key, p.val)
	l.calls.loading = l.calls.loading[:len(l.calls.loading)-1]
	l.namedState[name] = namedDone
	if f != nil {
		l.calls.subs[key] = f
	}
	return f
}

// tooDeep reports the call pc to key, one call deeper than MaxCallDepth,
// with the chain of calls that leads to it and what to do instead.
func (l *loader) tooDeep(pc *pendingCall, key string) {
	l.errorf(pc.target, "calls nested more than %d deep: %s → %s; call sub-flows one after the other (a caller's next state calls the next sub-flow once the one before ends with end:) rather than one inside another, or merge some of them",
		MaxCallDepth, strings.Join(l.calls.loading, " → "), key)
}

// The states of a named sub-flow's load (loader.namedState).
const (
	namedLoading = 1 + iota
	namedDone
)

// subKey is the key of a named sub-flow: its name in the root flow, the
// calling file's path and its name in a called file.
func (l *loader) subKey(name string) string {
	if l.prefix == "" {
		return name
	}
	return l.prefix + "#" + name
}

// loadNamed converts a named sub-flow with a loader of its own (its own
// variables and states), sharing this file's positions.
func (l *loader) loadNamed(name string, key, n *yaml.Node) *flows.Flow {
	sl := l.child()
	sl.files, sl.file = l.files, l.file
	sl.flow.Name = l.flow.Name + "/" + name
	sl.parent = l
	ps, ok := sl.fields(n, "sub-flow "+quote(name), subflowKeys)
	if !ok {
		l.diags = append(l.diags, sl.diags...)
		return nil
	}
	for _, req := range []string{"start", "states"} {
		if !hasKey(ps, req) {
			sl.errorf(key, "sub-flow %q needs %s:", name, req)
		}
	}
	for _, p := range ps {
		switch resolve(p.key).Value {
		case "vars":
			sl.vars(p.val)
		case "states":
			sl.states(p.val)
		case "start":
			sl.flow.Start = sl.goTo(p.val, "start")
		case "no_match":
			sl.flow.NoMatch = sl.ladder(p.val)
		}
	}
	if start := sl.flow.Start; start != "" && sl.flow.States[start] == nil && l.flow.States[start] != nil {
		// A goto may leave the sub-flow for a state of its flow; its
		// start may not: the call would jump straight back.
		names := make([]string, 0, len(sl.flow.States))
		for n := range sl.flow.States {
			names = append(names, n)
		}
		sort.Strings(names)
		have := ""
		if len(names) > 0 {
			have = " (it has " + strings.Join(names, ", ") + ")"
		}
		for _, p := range ps {
			if resolve(p.key).Value == "start" {
				sl.errorf(p.val, "start: %q is not a state of the sub-flow %q; a sub-flow starts in one of its own states%s", start, name, have)
			}
		}
	}
	sl.resolveCalls()
	sl.check()
	l.diags = append(l.diags, sl.diags...)
	if sl.diags.HasErrors() {
		return nil
	}
	sl.flow.Subflows = nil // every sub-flow is the root's
	markReturns(sl.flow)
	return sl.flow
}

// loadCalled loads a called flow file, once per root flow.
func (l *loader) loadCalled(pc *pendingCall) *flows.Flow {
	key := pc.call.Flow
	if f, ok := l.calls.subs[key]; ok {
		return f
	}
	if contains(l.calls.loading, key) {
		l.errorf(pc.target, "call cycle: %s → %s; a flow cannot call itself, directly or not", strings.Join(l.calls.loading, " → "), key)
		return nil
	}
	if len(l.calls.loading) > MaxCallDepth {
		l.tooDeep(pc, key)
		return nil
	}
	src, err := l.readFile(pc.path)
	if err != nil {
		l.errorf(pc.target, "cannot call %q: %s", pc.rel, strings.TrimPrefix(readError(err), "cannot read the file: "))
		return nil
	}
	sl := newLoader(nil)
	sl.readFile = l.readFile
	sl.calls = l.calls
	sl.prefix = key
	l.calls.loading = append(l.calls.loading, key)
	f, ds := sl.load(pc.path, src)
	l.calls.loading = l.calls.loading[:len(l.calls.loading)-1]
	for _, d := range ds {
		if d.Severity == Error || !strings.Contains(d.Summary, "no handoff to a human") {
			l.diags = append(l.diags, d)
		}
	}
	if f == nil {
		l.errorf(pc.target, "the called flow %s has errors (listed under its own path)", pc.rel)
		return nil
	}
	for _, p := range f.Files {
		if !contains(l.calls.files, p) {
			l.calls.files = append(l.calls.files, p)
		}
	}
	f = cloneForCall(f)
	l.calls.subs[key] = f
	return f
}

// child is a loader for a flow inside this one's load.
func (l *loader) child() *loader {
	sl := newLoader(nil)
	sl.readFile = l.readFile
	sl.init(l.flow.Source)
	sl.calls, sl.prefix = l.calls, l.prefix
	sl.langs = l.langs
	sl.langTypos, sl.langFlagged = l.langTypos, l.langFlagged
	sl.flow.Languages = l.flow.Languages
	sl.flow.Location = l.flow.Location
	return sl
}

// cloneForCall is a called flow as a sub-flow: its own sub-flows are the
// root's, and its ends return.
func cloneForCall(f *flows.Flow) *flows.Flow {
	cp := *f
	cp.Subflows = nil
	markReturns(&cp)
	return &cp
}

// markReturns makes the ends of a sub-flow's own states and rules return
// to the caller. (A called file loads as a flow of its own; its End
// actions are shared with nothing else.)
func markReturns(f *flows.Flow) {
	mark := func(as []flows.Action) {
		for _, a := range as {
			if e, ok := a.(*flows.End); ok {
				e.Return = true
			}
		}
	}
	rules := func(rs []*flows.Rule) {
		for _, r := range rs {
			mark(r.Do.Actions)
		}
	}
	for _, s := range f.States {
		mark(s.Actions)
		rules(s.Routes)
		rules(s.Next)
		if s.Menu != nil {
			for _, o := range s.Menu.Options {
				mark(o.Do.Actions)
			}
		}
		if s.NoMatch != nil {
			for _, d := range s.NoMatch.Steps {
				mark(d.Actions)
			}
		}
	}
	rules(f.Triggers)
	if f.NoMatch != nil {
		for _, d := range f.NoMatch.Steps {
			mark(d.Actions)
		}
	}
}

// checkCallNames checks that with: sets and save: reads variables of the
// sub-flow, and declares save:'s variables in this flow with the
// sub-flow's types.
func (l *loader) checkCallNames(pc *pendingCall, sub *flows.Flow) {
	known := make([]string, 0, len(sub.Vars))
	for n := range sub.Vars {
		known = append(known, n)
	}
	sort.Strings(known)
	for _, r := range pc.inNames {
		if _, ok := sub.Vars[r.name]; !ok {
			l.errAt(r.pos, "with: %q is not a variable of the sub-flow %s%s", r.name, pc.call.Flow, hintOr(didYouMean(r.name, known), "; declare it under its vars:"))
		}
	}
	// with: writes the sub-flow's variables, save: this flow's: each
	// value must have the type of the variable it goes into, as for set:.
	for _, a := range pc.call.In {
		if _, ok := sub.Vars[a.Var]; ok {
			l.typed = append(l.typed, typedWrite{name: a.Var, pos: a.Value.Pos, what: "with", value: a.Value, sub: sub, subName: pc.call.Flow})
		}
	}
	for _, r := range pc.outs {
		v, ok := sub.Vars[r.name]
		if !ok {
			l.errAt(r.pos, "save: %q is not a variable of the sub-flow %s%s", r.name, pc.call.Flow, hintOr(didYouMean(r.name, known), ""))
			continue
		}
		if _, ok := l.captures[r.what]; !ok {
			l.captures[r.what] = v
		}
		if kindOfValue(v) != "" {
			l.typed = append(l.typed, typedWrite{name: r.what, pos: r.pos, what: "save", sample: v})
		}
	}
}
