package engine

import (
	"context"
	"strconv"
	"strings"

	"github.com/batonbot/baton/flows"
)

// Trace collects what the turns run with its context checked on the way
// to their effects: every trigger, route, transition and menu match tried,
// in order, whether it held and why not, and the NLU signals and entities
// the turn read. A host that shows a conversation's inner workings (the
// web sandbox's inspector) asks for it with WithTrace; other turns pay one
// context lookup and nil checks, nothing else.
//
// A Trace is not safe for concurrent use: give each conversation's turns
// their own.
type Trace struct {
	Turns []TurnTrace `json:"turns"`
}

// TurnTrace is one turn's trace.
type TurnTrace struct {
	// Input is the kind of input the turn ran.
	Input flows.InputKind `json:"input"`
	// State is where the conversation was when the turn began ("" for a
	// new conversation).
	State string `json:"state"`
	// Analysed is set when the analyser ran on this turn's message;
	// Signals are what the turn read (this message's, or the last
	// analysed message's when the turn did not analyse), nil when the
	// turn read none.
	Analysed bool           `json:"analysed"`
	Signals  *flows.Signals `json:"signals,omitempty"`
	// Entities are the system entities extracted from the message, when
	// the flow read them.
	Entities []flows.Entity `json:"entities,omitempty"`
	// Checks are the rules and matches tried, in order.
	Checks []Check `json:"checks"`
}

// Check kinds.
const (
	CheckTrigger = "trigger" // a global trigger
	CheckRoute   = "route"   // a state's route
	CheckNext    = "next"    // a state's transition
	CheckMenu    = "menu"    // a menu's options against the message
	CheckTimeout = "timeout" // a no-reply timeout that fell due
)

// Check is one rule or match a turn tried.
type Check struct {
	Kind string `json:"kind"`
	// Name is the rule's name or label (flows.Rule.Label), the option's id
	// for a menu.
	Name  string    `json:"name"`
	State string    `json:"state,omitempty"`
	Pos   flows.Pos `json:"pos,omitzero"`
	// Fired is set when it held (and so ran, for a rule).
	Fired bool `json:"fired"`
	// By and Match say what matched (as flows.TriggerFired): keyword,
	// pattern, intent, when; button, number, label, typo for a menu.
	By    string `json:"by,omitempty"`
	Match string `json:"match,omitempty"`
	// Why says why it did not hold.
	Why string `json:"why,omitempty"`
}

type traceKey struct{}

// WithTrace returns a context under which Turn and Handle append a
// TurnTrace to tr for every turn they run (a turn Handle runs again after
// a conflict replaces its first attempt's).
func WithTrace(ctx context.Context, tr *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, tr)
}

func traceFrom(ctx context.Context) *Trace {
	tr, _ := ctx.Value(traceKey{}).(*Trace)
	return tr
}

// beginTrace starts this turn's entry in the context's trace, if any.
func (t *turn) beginTrace() {
	tr := traceFrom(t.ctx)
	if tr == nil {
		return
	}
	tr.Turns = append(tr.Turns, TurnTrace{Input: t.in.Kind, State: t.stateLabel, Checks: []Check{}})
	t.tr = tr
	t.trIdx = len(tr.Turns) - 1
}

// endTrace records what the turn read once it is over.
func (t *turn) endTrace() {
	if t.tr == nil {
		return
	}
	tt := &t.tr.Turns[t.trIdx]
	if t.analysed {
		tt.Analysed = t.analysedNow
		sig := t.sig.Clone()
		tt.Signals = sig
	}
	if len(t.ents) > 0 {
		tt.Entities = append([]flows.Entity(nil), t.ents...)
	}
	t.tr = nil
}

// dropTrace forgets the last turn's entry (Handle runs the turn again).
func dropTrace(ctx context.Context, n int) {
	if tr := traceFrom(ctx); tr != nil && len(tr.Turns) > n {
		tr.Turns = tr.Turns[:n]
	}
}

func traceLen(ctx context.Context) int {
	if tr := traceFrom(ctx); tr != nil {
		return len(tr.Turns)
	}
	return 0
}

// traceCheck records a check when the turn is traced.
func (t *turn) traceCheck(c Check) {
	if t.tr == nil {
		return
	}
	tt := &t.tr.Turns[t.trIdx]
	tt.Checks = append(tt.Checks, c)
}

// checkRule evaluates r (see holds) and records the check.
func (t *turn) checkRule(kind, state string, r *flows.Rule) (by, match string, ok bool) {
	t.why = ""
	by, match, ok = t.holds(r)
	if t.tr != nil && r != nil {
		c := Check{Kind: kind, Name: r.Label(), State: state, Pos: r.Pos, Fired: ok, By: by, Match: match}
		if !ok {
			c.Why = t.why
		}
		if c.Name == "" && kind == CheckNext {
			c.Name = "(otherwise)"
		}
		t.traceCheck(c)
	}
	return by, match, ok
}

// failed notes why a rule did not hold, when tracing.
func (t *turn) failed(why func() string) {
	if t.tr != nil {
		t.why = why()
	}
}

// traceMenu records a menu match: the option chosen (how) or none.
func (t *turn) traceMenu(st *flows.State, i int, by string) {
	if t.tr == nil {
		return
	}
	c := Check{Kind: CheckMenu, State: t.qual(st.Name), Pos: st.Menu.Pos, By: by}
	if i >= 0 {
		o := st.Menu.Options[i]
		c.Name, c.Fired, c.Pos = o.ID, true, o.Pos
		c.Match = t.label(o)
	} else {
		c.Name = "(options)"
		c.Why = "no option's number, label or synonym is in the message"
	}
	t.traceCheck(c)
}

// phrases shows a keyword list for a why: the first few, quoted.
func phrases(k *flows.Keywords) string {
	var b strings.Builder
	for i, p := range k.Phrases {
		if i == 4 {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(strings.Join(p, " ")))
	}
	return b.String()
}

// directBy says how a direct menu choice was made.
func directBy(in flows.Input) string {
	if in.Payload != "" {
		return "button"
	}
	return "number"
}
