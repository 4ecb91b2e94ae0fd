package engine

import (
	"context"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// Engine runs one flow for any number of conversations. It is safe for
// concurrent use; the flow is never modified.
type Engine struct {
	flow     *flows.Flow
	analyzer flows.Analyzer
	entities flows.EntityExtractor
	now      func() time.Time
	newID    func() string
	maxSteps int
	maxTrans int
	// handoffHook is called by Handle for each handoff before saving.
	handoffHook HandoffHook
	// replyOutbox makes Handle write replies to the outbox.
	replyOutbox bool
	// observer sees each turn Handle saved (analytics).
	observer func(context.Context, flows.TurnRecord)
	// commitHook adds to what Handle saves with the session (SLA timers).
	commitHook func(prev, next *flows.Session, c *flows.Commit)
	// slaInfo answers the `sla` builtin (the expected wait for a person).
	slaInfo SLAInfo
	// maxMsg bounds the bytes of a user message kept (WithMaxMessage).
	maxMsg int
	// mediaReplies override the polite replies to media, by language.
	mediaReplies map[string]string
	// exprTime bounds an expression's evaluation (WithExprTime).
	exprTime time.Duration
	// httpTimeout is the timeout of HTTP actions without their own
	// (WithHTTPTimeout).
	httpTimeout time.Duration
	// digest names the flow's version in the sessions saved
	// (WithDigest).
	digest string

	// Precomputed once per engine, read-only afterwards.
	menus      map[*flows.Menu]*menuIndex
	defaultCal *flows.BusinessHours
	lang       string
	// unset are what expressions read for ask and http captures not
	// declared with a value, before they are set: "" and a failed call.
	unset map[string]any
	// exprNames caches the environment names each program reads
	// (*vm.Program → exprNames).
	exprNames sync.Map
}

// Option configures an Engine.
type Option func(*Engine)

// WithAnalyzer sets the NLU analyser, called at most once per turn and only
// when the flow reads signals.
func WithAnalyzer(a flows.Analyzer) Option { return func(e *Engine) { e.analyzer = a } }

// WithClock sets the clock used when an input has no time.
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// WithIDs sets the generator of effect ids (HTTP requests, handoffs, timers).
// The default derives ids from the session id and turn, deterministically.
func WithIDs(next func() string) Option { return func(e *Engine) { e.newID = next } }

// WithHTTPTimeout sets the timeout of the HTTP actions that give none of
// their own (default 10s): `baton serve`'s server.http_timeout.
func WithHTTPTimeout(d time.Duration) Option { return func(e *Engine) { e.httpTimeout = d } }

// WithMaxSteps bounds the state moves in one turn (default 50): a flow that
// loops without waiting for input is cut short with an ErrorEffect.
func WithMaxSteps(n int) Option { return func(e *Engine) { e.maxSteps = n } }

// WithObserver sets a function Handle calls after each turn it saved,
// with the sessions before and after it, the input and the effects
// (analytics.Recorder.Observe derives the analytics events from them). It
// runs in the turn's goroutine: keep it quick. Turn never calls it.
func WithObserver(f func(context.Context, flows.TurnRecord)) Option {
	return func(e *Engine) { e.observer = f }
}

// DefaultMaxMessage is the size of a user message the engine keeps when
// WithMaxMessage does not say.
const DefaultMaxMessage = 4096

// WithMaxMessage bounds the bytes of a user message the engine keeps
// (default DefaultMaxMessage; 0 or less keeps the default): a longer one
// is cut on a rune boundary, the turn sees the kept part, and the
// transcript records it followed by a mark of what was cut, so a pasted
// novel neither grows the session nor costs seconds to match.
func WithMaxMessage(n int) Option {
	return func(e *Engine) {
		if n > 0 {
			e.maxMsg = n
		}
	}
}

// WithDigest names the version of the flow this engine runs (a hash of
// its files' contents): every turn records it in the session
// (flows.Session.FlowDigest), so that a
// process running another version can tell, during a rolling deploy,
// that a conversation whose state it lacks was last handled by a version
// that has it (see HoldMissing). Without it the session's is left as it
// was.
func WithDigest(digest string) Option { return func(e *Engine) { e.digest = digest } }

// Digest is the flow version the engine runs, as WithDigest named it.
func (e *Engine) Digest() string { return e.digest }

// WithCommitHook sets a function Handle calls before each save with the
// sessions before and after the turn and the commit it is about to write,
// which the function may add to (sla.Watcher.Commit adds the SLA timers
// of a new handoff, so they are written with it).
func WithCommitHook(f func(prev, next *flows.Session, c *flows.Commit)) Option {
	return func(e *Engine) { e.commitHook = f }
}

// SLAInfo returns what the `sla` builtin holds for a handoff to team at
// priority p in language lang at now (see flows.EnvSLA): the expected
// wait for a first reply, from the host's live queue figures. s is the
// conversation (read only): its contact, who reads the times told.
type SLAInfo func(team string, p flows.Priority, lang string, now time.Time, s *flows.Session) map[string]any

// WithSLAInfo sets what answers the `sla` builtin; without it `sla` reads
// an unknown wait (first_response "").
func WithSLAInfo(f SLAInfo) Option { return func(e *Engine) { e.slaInfo = f } }

// WithExprTime sets the wall-clock time one expression evaluation may take
// (default flows.MaxExprTime). The loop-step, text and memory budgets,
// which do not depend on the machine's load, stay. Replays raise it: a
// turn must not take another path because the machine was busy.
func WithExprTime(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.exprTime = d
		}
	}
}

// WithTranscriptLimit bounds the messages a session keeps (default 200).
func WithTranscriptLimit(n int) Option { return func(e *Engine) { e.maxTrans = n } }

// New returns an engine for f. A nil f is replaced by an empty flow, so
// every turn reports that the flow has no start state instead of panicking.
func New(f *flows.Flow, opts ...Option) *Engine {
	if f == nil {
		f = &flows.Flow{}
	}
	e := &Engine{flow: f, now: time.Now, maxSteps: 50, maxTrans: 200, maxMsg: DefaultMaxMessage, exprTime: flows.MaxExprTime}
	for _, o := range opts {
		o(e)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.maxSteps <= 0 {
		e.maxSteps = 50
	}
	if e.maxTrans <= 0 {
		e.maxTrans = 200
	}
	e.lang = f.DefaultLanguage()
	e.defaultCal = f.Hours["default"]
	e.menus = make(map[*flows.Menu]*menuIndex)
	for _, st := range f.States {
		if st != nil && st.Menu != nil {
			e.menus[st.Menu] = newMenuIndex(st.Menu)
		}
	}
	e.unset = unsetCaptures(f)
	return e
}

// unsetCaptures returns, for each variable an ask or http action saves
// into and the flow declares without a value, what expressions read
// before it is set: an answer is a string, so "", and an HTTP result a
// map, so a call that did not happen (ok false, status 0).
func unsetCaptures(f *flows.Flow) map[string]any {
	out := map[string]any{}
	add := func(name string, v any) {
		if name == "" {
			return
		}
		if d, declared := f.Vars[name]; declared && d == nil {
			out[name] = v
		}
	}
	actions := func(as []flows.Action) {
		for _, a := range as {
			if h, ok := a.(*flows.HTTP); ok && h != nil {
				add(h.SaveAs, httpValue(&flows.HTTPResult{}))
			}
		}
	}
	rules := func(rs []*flows.Rule) {
		for _, r := range rs {
			if r != nil {
				actions(r.Do.Actions)
			}
		}
	}
	ladder := func(l *flows.Ladder) {
		if l != nil {
			for _, d := range l.Steps {
				actions(d.Actions)
			}
		}
	}
	for _, st := range f.States {
		if st == nil {
			continue
		}
		actions(st.Actions)
		if st.Ask != nil {
			add(st.Ask.SaveAs, "")
		}
		if st.Menu != nil {
			for _, o := range st.Menu.Options {
				if o != nil {
					actions(o.Do.Actions)
				}
			}
		}
		rules(st.Routes)
		rules(st.Next)
		ladder(st.NoMatch)
	}
	rules(f.Triggers)
	ladder(f.NoMatch)
	for _, t := range f.Timeouts {
		if t != nil {
			actions(t.Do.Actions)
		}
	}
	return out
}

// Flow returns the engine's flow.
func (e *Engine) Flow() *flows.Flow { return e.flow }

// NewSession returns a fresh session for a conversation; its first turn
// enters the flow's start state.
func (e *Engine) NewSession(id string, c flows.Contact, channel, lang string) *flows.Session {
	return &flows.Session{ID: id, Flow: e.flow.Name, Contact: c, Channel: channel, Lang: lang, Lifecycle: flows.LifecycleBot}
}

// Turn runs one input through the conversation and returns the new session
// and the effects, in order. s is not modified. A new session (empty State)
// first enters the start state; a first message is checked against the
// global triggers before that, so "operatore" as a first word escalates.
//
// Problems the turn survives (a runaway loop, an expression failing at run
// time, a stale HTTP result, an unknown state) are reported as ErrorEffects;
// the error is non-nil only when the turn could not run at all.
func (e *Engine) Turn(ctx context.Context, s *flows.Session, in flows.Input) (*flows.Session, []flows.Effect, error) {
	return e.turn(ctx, s, in, false)
}
