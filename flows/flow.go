package flows

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Flow is one compiled bot. It is immutable once built and safe for
// concurrent use by any number of conversations.
type Flow struct {
	Name    string
	Version string
	// Source is the path of the main flow file.
	Source string
	// Languages the flow speaks; the first is the default.
	Languages []string
	// Start names the state a new conversation enters.
	Start string
	// OnReload names the state a conversation moves to when the state it
	// waits in is gone from a reloaded flow (empty: Start).
	OnReload string
	// Files are the files the flow was read from: Source, then the files
	// it includes, then the flow files it calls (and theirs): a host
	// watches them to reload the flow.
	Files []string
	// Vars declares the flow's variables and their initial values. Captured
	// answers and HTTP results are variables too and are declared here by
	// the loader with a nil value.
	Vars map[string]any
	// States by name; Order keeps the order in which they were written.
	States map[string]*State
	Order  []string
	// Triggers are global rules, tried in order before the current state's
	// own logic on every user message.
	Triggers []*Rule
	// NoMatch is the flow-wide no-match ladder (states may override it).
	NoMatch *Ladder
	// Timeouts run when the user does not answer, in order of After.
	Timeouts []*Timeout
	// Hours are the named business-hours calendars; "default" (if present)
	// backs the in_hours builtin.
	Hours map[string]*BusinessHours
	// NLU configures intent examples and lexicon extensions.
	NLU NLUConfig
	// NeedsSignals reports whether any rule or expression reads an NLU
	// signal; when false the engine never calls the analyser.
	NeedsSignals bool
	// NeedsEntities reports whether the flow reads system entities (an
	// ask or collect with entity:, or the entities builtin); when false the
	// engine never calls the entity extractor.
	NeedsEntities bool
	// Location is the flow's time zone: relative dates ("domani") resolve
	// in it. Nil means UTC.
	Location *time.Location
	// Subflows are the flows the states call (State.Call), by key: a named
	// sub-flow's name, or the called file's path as written. A sub-flow
	// has its own variables, states and no-match ladder; its Subflows are
	// empty (every flow a conversation can call is in the root's).
	Subflows map[string]*Flow
}

// Call runs another flow (a sub-flow) from a state, then comes back: the
// sub-flow starts with its own variables (its vars: defaults, then In),
// and when it reaches an end (End.Return) its variables named by Out are
// copied back and the calling state's Next runs. The root flow's triggers
// still apply inside it; one that fires leaves the sub-flow.
type Call struct {
	Pos Pos
	// Flow is the key of the sub-flow in the root flow's Subflows.
	Flow string
	// In sets the sub-flow's variables, evaluated in the caller.
	In []Assign
	// Out copies, on return, the sub-flow's variable Out[i].From into the
	// caller's Out[i].To; a From of CallEndReason copies the reason the
	// sub-flow ended with instead.
	Out []CallOut
}

// CallOut is one value a sub-flow returns.
type CallOut struct {
	To, From string
}

// CallEndReason is the CallOut.From of the reason a sub-flow ended with
// (`end: identified` gives "identified", `end: true` ""): `save: {how:
// end.reason}` in a flow file. It cannot be a variable's name.
const CallEndReason = "end.reason"

// Describe is a one-line summary of the flow, as `baton validate` and the
// chat's banner show it: `flow "support" version 3, 12 states, languages
// it, en`.
func (f *Flow) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow %q", f.Name)
	if f.Version != "" {
		fmt.Fprintf(&b, " version %s", f.Version)
	}
	fmt.Fprintf(&b, ", %s, languages %s", Plural(len(f.States), "state"), strings.Join(f.Languages, ", "))
	return b.String()
}

// DefaultLanguage is the language used when a conversation has none.
func (f *Flow) DefaultLanguage() string {
	if len(f.Languages) == 0 {
		return ""
	}
	return f.Languages[0]
}

// State is one node of the flow.
//
// On entry the engine runs Actions in order. If the state takes input (it has
// a Menu, an Ask or Routes) the turn then stops and waits; otherwise Next is
// evaluated at once. After a user message, the engine tries global triggers
// (unless Triggers is false), then Menu, then Routes, then Ask; if none
// matches the no-match ladder runs. After a successful Ask, Next is
// evaluated.
type State struct {
	Name    string
	Pos     Pos
	Actions []Action
	Menu    *Menu
	Routes  []*Rule
	Ask     *Ask
	// Survey, when set, makes the state a survey step (see Survey).
	Survey *Survey
	// Next holds the transitions tried in order after the actions (or after
	// a successful Ask); the first whose conditions hold is taken. A rule
	// with no conditions always holds.
	Next []*Rule
	// NoMatch overrides the flow's ladder in this state when non-nil.
	NoMatch *Ladder
	// NoTriggers disables global triggers in this state (e.g. a survey).
	NoTriggers bool
	// Collect, when set, fills several variables from the customer's
	// messages, asking only for the ones still missing.
	Collect *Collect
	// Call, when set, runs a sub-flow after the actions; Next runs when it
	// returns.
	Call *Call
	// End reports that entering this state ends the conversation; the same
	// as an End action, kept here so graph tools see terminal states.
	End bool
}

// WaitsForInput reports whether the state stops the turn to wait for a user
// message.
func (s *State) WaitsForInput() bool {
	return s.Menu != nil || s.Ask != nil || s.Survey != nil || len(s.Routes) > 0 || s.Collect != nil
}

// Collect is a form: slots filled from what the customer writes, several
// at once ("per 4 sabato alle 20"), the missing ones asked for in order.
// A slot already filled (its variable differs from its initial value) is
// not asked again; when every slot is filled the state's Next runs.
type Collect struct {
	Pos   Pos
	Slots []*Slot
}

// Slot is one variable of a Collect.
type Slot struct {
	Pos Pos
	// SaveAs names the variable; Entity is the kind of system entity that
	// fills it (EntityNumber, EntityDate...).
	SaveAs string
	Entity string
	// Prompt asks for the slot when it is missing.
	Prompt *Text
	// Validate, when set, must hold for a value (as `answer`) to fill it.
	Validate *Expr
	// Invalid is said when a message fills no missing slot while this one
	// is asked for (the loader puts a hint for the entity kind there when
	// the flow gives none).
	Invalid *Text
}

// Menu is a numbered list of options. Each option is matched by its number,
// its label in any language, its synonyms and its id (the payload of a reply
// button), accent- and case-insensitively and tolerating small typos.
type Menu struct {
	Pos Pos
	// Style is how channels should render the menu.
	Style   MenuStyle
	Options []*Option
}

// MenuStyle says how a channel renders a menu.
type MenuStyle string

const (
	MenuAuto    MenuStyle = "auto"    // buttons up to 3 options, list up to 10, text beyond
	MenuButtons MenuStyle = "buttons" // WhatsApp reply buttons: at most 3, titles ≤ 20 chars
	MenuList    MenuStyle = "list"    // WhatsApp list: at most 10 rows, titles ≤ 24 chars
	MenuText    MenuStyle = "text"    // a numbered list in the message text
)

// WhatsApp's interactive message limits, checked by the loader.
const (
	MaxButtons        = 3
	MaxButtonTitleLen = 20
	MaxListRows       = 10
	MaxListTitleLen   = 24
)

// Option is one menu entry. Choosing it runs Do.
type Option struct {
	Pos Pos
	// ID is stable across languages; channels use it as the button payload.
	ID string
	// Number is the option's 1-based position.
	Number int
	// Label per language.
	Label Localized
	// Keys are the folded strings (see Fold) that select this option:
	// labels in every language and synonyms. The number and ID match too.
	Keys []string
	Do   Do
}

// Ask captures the user's answer into a variable.
type Ask struct {
	Pos Pos
	// SaveAs names the variable that receives the answer.
	SaveAs string
	// Pattern, when set, must be found in the answer; the first match (its
	// first group when it has groups) is saved.
	Pattern *regexp.Regexp
	// Validate, when set, must evaluate to true; it sees the answer as
	// `text` (after Pattern extraction, as `answer`).
	Validate *Expr
	// Invalid replaces the ladder step's message when an answer fails
	// validation; the failure still counts as a no-match.
	Invalid *Text
	// Entity, when set, is the kind of system entity the answer must hold
	// (EntityDate, EntityNumber...); its value is saved. An ask with an
	// entity is skipped when its variable is already filled (it differs
	// from its initial value), for example from the message that led here.
	Entity string
}

// Rule is the one shape shared by global triggers, state routes, menu
// options' actions, transitions and ladder steps: conditions and what to do
// when they all hold.
type Rule struct {
	Name string
	Pos  Pos
	// Keywords: any one phrase found in the message matches (negation
	// aware: "non voglio un operatore" does not match "operatore").
	Keywords *Keywords
	// Unless: when one of these phrases is found in the message, negated
	// or not, the rule does not hold, whatever else matches: a keyword
	// used as a job or a name ("agente immobiliare", "travel agent").
	Unless *Keywords
	// Pattern: a regular expression found in the raw message.
	Pattern *regexp.Regexp
	// Intent: the analyser's top intent must equal this name.
	Intent string
	// When: an expression that must evaluate to true.
	When *Expr
	Do   Do
}

// NeedsInput reports whether the rule looks at the user's message.
func (r *Rule) NeedsInput() bool {
	return r.Keywords != nil || r.Unless != nil || r.Pattern != nil || r.Intent != ""
}

// NeedsSignals reports whether evaluating the rule needs NLU signals.
func (r *Rule) NeedsSignals() bool {
	return r.Intent != "" || (r.When != nil && r.When.Signals)
}

// Do is what a rule, option or ladder step does: actions in order, then an
// optional jump.
type Do struct {
	Actions []Action
	// Goto names the next state; empty means stay (or, for transitions,
	// nothing more to do).
	Goto string
}

// Keywords is a set of phrases, already folded (see Fold) and split into
// words, matched against the folded words of a message.
type Keywords struct {
	Phrases [][]string
	// Negatable: a phrase preceded in its clause by a negation ("non",
	// "not", "no quiero") does not count. True unless the flow opts out.
	Negatable bool
}

// Ladder is the no-match ladder: Steps[i] runs on the (i+1)-th consecutive
// message the state does not understand; the last step repeats.
type Ladder struct {
	Pos   Pos
	Steps []Do
}

// Step returns the step for the count-th consecutive miss (count ≥ 1).
func (l *Ladder) Step(count int) Do {
	if l == nil || len(l.Steps) == 0 {
		return Do{}
	}
	if count > len(l.Steps) {
		count = len(l.Steps)
	}
	if count < 1 {
		count = 1
	}
	return l.Steps[count-1]
}

// Timeout runs when the user has not written for After since the bot last
// waited. The engine emits a Schedule effect; the host feeds the timer back
// as an InputTimer.
type Timeout struct {
	Pos   Pos
	After time.Duration
	Do    Do
}

// NLUConfig is what the flow tells the analyser.
type NLUConfig struct {
	// Intents with example phrases, for the built-in classifier.
	Intents []*Intent
	// Threshold below which the top intent is reported as "unknown".
	Threshold float64
	// Lexicon extends the built-in lexicons: lexicon name (e.g.
	// "wants_human", "frustrated", "negative", "positive") → language →
	// phrases.
	Lexicon map[string]map[string][]string
	// Analyzer names the analyser to use ("builtin", "llm", "hybrid" or a
	// name registered by the host); empty means the host's default.
	Analyzer string
}

// Intent is a named intent and its example phrases by language.
type Intent struct {
	Name     string
	Pos      Pos
	Examples map[string][]string
}

// Localized is a static string per language.
type Localized map[string]string

// For returns the string for lang, else for fallback, else any.
func (l Localized) For(lang, fallback string) string {
	if s, ok := l[lang]; ok {
		return s
	}
	if s, ok := l[fallback]; ok {
		return s
	}
	for _, s := range l {
		return s
	}
	return ""
}
