package dsl

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/batonbot/baton/flows"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"
)

// loader holds the options and, during one load, everything found so far.
type loader struct {
	readFile func(string) ([]byte, error)

	diags Diagnostics
	files map[string]*srcFile
	ahead map[string]*parsed // included files parsing (ahead.go)
	file  *srcFile           // the file being converted
	flow  *flows.Flow
	langs map[string]bool
	// langTypos are the codes of languages: that are no language; texts
	// in a language not listed are then flagged once per language
	// (langFlagged), as they likely follow from the typo.
	langTypos, langFlagged map[string]bool

	// Where each name was first defined, for "defined twice" errors.
	statePos  map[string]flows.Pos
	varPos    map[string]flows.Pos
	hoursPos  map[string]flows.Pos
	intentPos map[string]flows.Pos
	nluSet    map[string]flows.Pos // threshold, analyzer

	// captures are variables written by ask.save_as (string) and
	// http.save_as (a result map), with a sample of their type.
	captures map[string]any
	// assigned are variables written by set, checked once all are known.
	assigned []nameRef
	refs     []nameRef // state references
	intents  []nameRef // rule intents
	exprs    []*pending
	cc       *exprCompiler // built once every variable is known
	consts   *exprCompiler // for literal values
	// constProgs are the programs of literal values, shared by equal ones.
	constProgs map[any]*vm.Program
	patterns   map[string]*regexp.Regexp
	// unloaded are the included files (as written) that could not be
	// read or parsed: a state they would define is missing because of
	// them, and "unknown state" says so.
	unloaded []string
	// outside is set when checking an included file alone: names it
	// uses from the flows that include it are taken on trust.
	outside bool
	// datesRead: an ask or slot reads dates or times (a timezone: matters).
	datesRead bool
	// read are the names the flow's expressions and texts read.
	read map[string]bool
	// undeclared are the variables only an ask, a save_as or a call's
	// save: declares (vars: does not); varReads their reads, by the
	// address of the expression, and composites the holes of a template
	// compiled as one expression, by its address (lintUnset).
	undeclared map[string]bool
	varReads   map[uintptr][]varRead
	composites map[uintptr][]*flows.Expr
	// tzBroken: the flow's timezone: or its default calendar's is written
	// but no time zone, an error already; "sets no timezone" would be wrong.
	tzBroken bool

	// Sub-flows: the calls read so far, the named sub-flows, what the
	// loaders of one root flow share, the prefix of this file's named
	// sub-flows' keys, and the loader of the flow a named sub-flow is in.
	pendingCalls []*pendingCall
	namedSubs    map[string]pair
	namedOrder   []string
	namedState   map[string]int // namedLoading, namedDone
	calls        *calls
	prefix       string
	parent       *loader
	finals       []func()
	signals      bool // a rule reads an intent

	// autoHints are the built-in re-prompts of entity asks and slots
	// (no invalid: written), by entity kind, for the lints.
	autoHints map[*flows.Text]string

	// untranslated are the texts written per language that lack one of
	// the flow's languages, by language (lintTranslations).
	untranslated map[string][]flows.Pos

	// typed are the values written into variables (set, ask and http
	// save_as), checked against the variables' types once compiled.
	typed []typedWrite
}

// nameRef is a use of a name that must be defined somewhere in the flow.
type nameRef struct {
	name string
	pos  flows.Pos
	what string
}

func (l *loader) ref(name string, n *yaml.Node, what string) {
	l.refs = append(l.refs, nameRef{name, l.pos(n), what})
}

// goTo reads a state name used as a jump target.
func (l *loader) goTo(n *yaml.Node, what string) string {
	s, ok := l.name(n, "a state name")
	if !ok {
		return ""
	}
	l.ref(s, n, what)
	return s
}

// checkRefs reports jumps to states that do not exist.
func (l *loader) checkRefs() {
	if l.outside {
		return
	}
	names := make([]string, 0, len(l.flow.States))
	for n := range l.flow.States {
		names = append(names, n)
	}
	for _, r := range l.refs {
		if _, ok := l.flow.States[r.name]; ok {
			continue
		}
		if l.parent != nil && l.parent.flow.States[r.name] != nil {
			continue // a named sub-flow may jump back to its flow's states, leaving itself
		}
		hint := l.subflowStateHint(r.name)
		if hint == "" {
			hint = didYouMean(r.name, names)
		}
		if hint == "" {
			hint = l.unloadedHint()
		}
		l.errAt(r.pos, "%s: unknown state %q%s", r.what, r.name, hint)
	}
	intents := make([]string, 0, len(l.flow.NLU.Intents))
	for _, in := range l.flow.NLU.Intents {
		intents = append(intents, in.Name)
	}
	for _, r := range l.intents {
		if !contains(intents, r.name) {
			hint := didYouMean(r.name, intents)
			if hint == "" {
				hint = "; declare it with examples under nlu: intents:"
			}
			l.errAt(r.pos, "unknown intent %q%s", r.name, hint)
		}
	}
}

// unloadedHint says which included files did not load, when some did not:
// the names missing may be theirs.
func (l *loader) unloadedHint() string {
	switch n := len(l.unloaded); n {
	case 0:
		return ""
	case 1:
		return " (" + l.unloaded[0] + " did not load and may define it: fix it first)"
	default:
		return " (" + strings.Join(l.unloaded[:n-1], ", ") + " and " + l.unloaded[n-1] + " did not load and may define it: fix them first)"
	}
}

// subflowStateHint explains a jump to a sub-flow's state ("ask_mail", or
// "contact/ask_mail" as events name it): only a call: enters a sub-flow,
// at its start. It names a state that calls the sub-flow, if there is one.
func (l *loader) subflowStateHint(name string) string {
	sub, state, ok := strings.Cut(name, "/")
	if !ok {
		state = ""
		for _, key := range slices.Sorted(maps.Keys(l.flow.Subflows)) {
			if f := l.flow.Subflows[key]; f != nil && f.States[name] != nil {
				sub, state = key, name
				break
			}
		}
	}
	if f := l.flow.Subflows[sub]; state == "" || f == nil || f.States[state] == nil {
		return ""
	}
	hint := fmt.Sprintf("; %q is a state of the sub-flow %q, which only a call: enters, at its start", state, sub)
	for _, n := range slices.Sorted(maps.Keys(l.flow.States)) {
		if st := l.flow.States[n]; st != nil && st.Call != nil && st.Call.Flow == sub {
			return hint + ": go to " + n + ", which calls it"
		}
	}
	if _, named := l.namedSubs[sub]; named {
		return hint + ": call it from a state (call: {subflow: " + sub + "})"
	}
	return hint + ": call it from a state (call: {flow: " + sub + "})"
}
