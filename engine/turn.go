package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// turn is the working state of one Turn call. It owns t.s, a copy of the
// caller's session: fields are replaced, never written through (Vars and
// the transcript are copied before the first change).
type turn struct {
	e   *Engine
	f   *flows.Flow
	ctx context.Context
	s   *flows.Session
	in  flows.Input
	now time.Time
	out []flows.Effect

	// msgs are this turn's transcript messages, merged into the session's
	// transcript when the turn ends.
	msgs      []flows.Message
	varsOwned bool

	// tail: the turn may append to the transcript's array in place (see
	// appendTranscript).
	tail bool

	steps   int
	path    []string // states entered this turn, for the runaway-loop error
	trigger string   // what led here this turn (the `trigger` builtin)
	// noMatchSeen is the highest no-match count of this turn, so a handoff
	// reached through a ladder step reports it after entering a new state.
	noMatchSeen int

	text     string // the user's message (text, else payload)
	toks     []token
	toksDone bool
	tokBuf   [16]token

	// cut is how many bytes of the user's message the engine dropped
	// (WithMaxMessage).
	cut      int
	analysed bool
	sig      flows.Signals

	// The system entities of the message (sysEntities), which of them
	// filled a variable, and whether an ask took the whole message.
	ents       []flows.Entity
	entUsed    []bool
	entDone    bool
	entAllUsed bool
	// rejected are the collect slots whose entity was in the message but
	// refused by their validate: this turn, so the slot's invalid text
	// is said rather than its prompt.
	rejected map[*flows.Slot]bool
	direct   bool // the message was a direct menu choice
	// resumedAt is when the message that led to the HTTP call this turn
	// resumes after came in (zero in other turns): its entities are read
	// against that clock.
	resumedAt time.Time
	// unanalysed says the turn resumes after an HTTP call that a
	// customer's message led to, before that message was analysed.
	unanalysed bool
	// ownSignals says Session.Signals are this turn's message's;
	// noSignals that the message, analysed before the HTTP call the turn
	// resumes after, has none.
	ownSignals, noSignals bool
	// analysedBefore says the message was analysed before the HTTP call
	// the turn resumes after.
	analysedBefore bool
	// usedBefore are the indexes of the message's entities a question
	// took before the HTTP call this turn resumes after.
	usedBefore []int
	// resumedMedia is the media of that message (Pending.Media).
	resumedMedia *flows.Media

	// stateLabel names the current state in events ("subflow/state" in a
	// sub-flow, see qual).
	stateLabel string
	// endReason is the reason of the end: that returns from a sub-flow,
	// for the caller's save: of end.reason (returnCall).
	endReason string

	idn    int
	env    map[string]any
	envAll bool // env holds every variable and builtin ($env)
	answer string
	// budget bounds each expression evaluation (flows.ExprBudget).
	budget flows.ExprBudget

	// invalid is the Ask's Invalid text while a ladder step runs for a
	// rejected answer; invalidSaid records that it replaced a Say.
	invalid     *flows.Text
	invalidSaid bool

	// slaTeam and slaPrio are the handoff under way's, for the `sla`
	// builtin (the flow's default team and normal otherwise).
	slaTeam string
	slaPrio flows.Priority

	userMsg    bool // a user message reached the bot this turn
	rearm      bool // (re)schedule the no-reply timeouts if the bot waits
	timerFired bool
	firedIndex int
	suspended  bool // waiting for an HTTP result
	stopped    bool // a handoff, an end or a cut loop: no more moves

	// tr is the trace this turn appends to (WithTrace), at tr.Turns[trIdx];
	// nil when nobody asked. why is the reason the last rule did not
	// hold, and analysedNow says the analyser ran, both kept only then.
	tr          *Trace
	trIdx       int
	why         string
	analysedNow bool
}

// turnPool recycles the working state of turns; nothing in it outlives the
// Turn call that used it (the effects and the new session are fresh).
var turnPool = sync.Pool{New: func() any { return new(turn) }}

func (e *Engine) turn(ctx context.Context, s *flows.Session, in flows.Input, tail bool) (ns *flows.Session, out []flows.Effect, err error) {
	if s == nil {
		return nil, nil, errors.New("engine: Turn needs a session: create one with Engine.NewSession")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	t := turnPool.Get().(*turn)
	msgs, path := t.msgs[:0], t.path[:0]
	*t = turn{e: e, f: e.flow, ctx: ctx, in: in, out: make([]flows.Effect, 0, 8), msgs: msgs, path: path, tail: tail}
	defer func() {
		t.ctx, t.s, t.out, t.e, t.f = nil, nil, nil, nil, nil
		clear(t.msgs)
		turnPool.Put(t)
	}()
	defer func() {
		if r := recover(); r != nil {
			t.releaseEnv()
			ns, out = nil, nil
			err = fmt.Errorf("engine: turn failed in state %q of flow %q: %v (please report this as a bug, with the flow)", s.State, e.flow.Name, r)
		}
	}()
	cp := *s
	t.s = &cp
	t.noMatchSeen = s.NoMatch
	t.now = in.At
	if t.now.IsZero() {
		t.now = e.now()
	}
	if cp.Turns == 0 && cp.InitVars == nil {
		cp.InitVars = e.initVars(cp.Vars)
	}
	cp.Turns++
	cp.UpdatedAt = t.now
	if cp.CreatedAt.IsZero() {
		cp.CreatedAt = t.now
	}
	switch cp.Lifecycle {
	case flows.LifecycleBot, flows.LifecycleHandedOff, flows.LifecycleWithAgent, flows.LifecycleClosed:
	case "":
		cp.Lifecycle = flows.LifecycleBot
	default: // written by another version: give the conversation back to the bot rather than silence it
		t.errorf("unknown lifecycle %q in the stored session; the bot takes the conversation back", cp.Lifecycle)
		cp.Lifecycle = flows.LifecycleBot
		t.closeTicket("returned_to_bot")
	}
	if cp.Lang == "" {
		cp.Lang = e.lang
	}
	if cp.Flow == "" {
		cp.Flow = e.flow.Name
	}
	if e.digest != "" {
		cp.FlowDigest = e.digest
	}

	if len(cp.Stack) > 0 { // a sub-flow is running
		if f := t.flowAt(len(cp.Stack)); f != nil {
			t.f = f
		} else {
			t.errorf("the sub-flow %q of the stored session is not in flow %q (the flow changed?); back to the flow", cp.Stack[len(cp.Stack)-1].Flow, e.flow.Name)
			t.unwind(0)
		}
	}
	t.stateLabel = t.qual(cp.State)
	t.beginTrace()

	if !t.relocate() {
		t.dispatch()
	}
	t.finish()
	t.endTrace()
	return t.s, t.out, nil
}

// dispatch runs the input.
func (t *turn) dispatch() {
	switch t.in.Kind {
	case flows.InputMessage:
		t.message()
	case flows.InputHTTP:
		t.httpResult()
	case flows.InputTimer:
		t.timer()
	case flows.InputAgent:
		t.agent()
	case flows.InputTicket:
		t.ticket()
	case flows.InputClose:
		t.customerClose()
	default:
		t.errorf("unknown input kind %q: use message, http, timer, agent, ticket or close", t.in.Kind)
	}
}

// initVars returns the variables of vars that differ from the flow's
// defaults, copied, or nil when none does.
func (e *Engine) initVars(vars map[string]any) map[string]any {
	var out map[string]any
	for k, v := range vars {
		if d, ok := e.flow.Vars[k]; ok && reflect.DeepEqual(d, v) {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(vars))
		}
		out[k] = cloneValue(v)
	}
	return out
}

// finish settles the timers, merges the transcript and releases pooled
// resources.
func (t *turn) finish() {
	if t.s.State == "" && !t.halted() && (t.in.Kind == flows.InputMessage || t.in.Kind == flows.InputHTTP) {
		t.goTo(t.e.flow.Start) // a first-message trigger that did not move on
	}
	t.timers()
	if len(t.msgs) > 0 {
		t.s.Transcript = appendTranscript(t.s.Transcript, t.msgs, t.e.maxTrans, t.tail)
	}
	t.releaseEnv()
}

// appendTranscript returns old followed by msgs, the last limit of them.
// With tail the turn owns old's spare capacity (the store granted it: no
// other turn extends this array), so it appends in place, dropping the
// oldest by slicing, and most turns copy nothing; when the capacity runs
// out it copies into a new array with room for the next turns. Without
// tail it copies into an array of the exact size, as the sessions of
// every other turn share nothing they could overwrite.
func appendTranscript(old, msgs []flows.Message, limit int, tail bool) []flows.Message {
	skip := max(0, len(old)+len(msgs)-limit)
	if tail && len(old)+len(msgs) <= cap(old) {
		return append(old, msgs...)[skip:]
	}
	if skip >= len(old) {
		msgs, old = msgs[skip-len(old):], nil
	} else {
		old = old[skip:]
	}
	n := len(old) + len(msgs)
	room := 0
	if tail {
		// A conversation at the limit (200 messages by default) copies
		// its transcript once every room/2 turns: room 50 costs it 1.2 KB
		// a turn where 32 cost 1.7 KB, for 7 % more memory.
		room = min(max(n/4, 4), 64)
	}
	tr := make([]flows.Message, 0, n+room)
	tr = append(tr, old...)
	return append(tr, msgs...)
}

func (t *turn) emit(e flows.Effect) { t.out = append(t.out, e) }

// errorf reports a problem the turn survives.
func (t *turn) errorf(format string, args ...any) {
	t.emit(flows.ErrorEffect{Message: fmt.Sprintf(format, args...), State: t.s.State})
}

// id returns the next effect id: WithIDs's generator, else
// "<session>-<turn>-<n>", unique and the same on every run.
func (t *turn) id() string {
	t.idn++
	if t.e.newID != nil {
		return t.e.newID()
	}
	return t.s.ID + "-" + strconv.Itoa(t.s.Turns) + "-" + strconv.Itoa(t.idn)
}

// record adds a message to this turn's transcript and returns its index in
// t.msgs.
func (t *turn) record(from flows.Role, text string) int {
	t.msgs = append(t.msgs, flows.Message{At: t.now, From: from, Text: text})
	return len(t.msgs) - 1
}

// reply sends a bot message.
func (t *turn) reply(text string) {
	t.emit(flows.Reply{Text: text, From: "bot"})
	t.record(flows.RoleBot, text)
}

// setVar assigns a variable, copying the session's map on first write.
func (t *turn) setVar(name string, v any) {
	if !t.varsOwned {
		m := make(map[string]any, len(t.s.Vars)+1)
		for k, x := range t.s.Vars {
			m[k] = x
		}
		t.s.Vars = m
		t.varsOwned = true
	}
	t.s.Vars[name] = v
	if t.env != nil {
		t.env[name] = v
	}
	t.emit(flows.VarSet{Name: name, Value: cloneValue(v)}) // the effect leaves the engine: no aliasing
}

// matched resets the no-match counter after the message was understood.
func (t *turn) matched() { t.s.NoMatch = 0 }

// halted reports whether the turn may not move any more.
func (t *turn) halted() bool {
	return t.stopped || t.suspended || t.s.Pending != nil || t.s.Lifecycle != flows.LifecycleBot
}

// transcriptSoFar is the session's transcript with this turn's messages,
// as a fresh slice.
func (t *turn) transcriptSoFar() []flows.Message {
	old := t.s.Transcript
	out := make([]flows.Message, 0, len(old)+len(t.msgs))
	out = append(out, old...)
	return append(out, t.msgs...)
}
