package engine

import (
	"context"
	"errors"
	"time"

	"github.com/batonbot/baton/flows"
)

// Engine runs one flow for any number of conversations. It is safe for
// concurrent use; the flow is never modified.
type Engine struct {
	flow     *flows.Flow
	analyzer flows.Analyzer
	now      func() time.Time
	newID    func() string
	maxSteps int
	maxTrans int
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

// WithMaxSteps bounds the state moves in one turn (default 50): a flow that
// loops without waiting for input is cut short with an ErrorEffect.
func WithMaxSteps(n int) Option { return func(e *Engine) { e.maxSteps = n } }

// WithTranscriptLimit bounds the messages a session keeps (default 200).
func WithTranscriptLimit(n int) Option { return func(e *Engine) { e.maxTrans = n } }

// New returns an engine for f.
func New(f *flows.Flow, opts ...Option) *Engine {
	e := &Engine{flow: f, now: time.Now, maxSteps: 50, maxTrans: 200}
	for _, o := range opts {
		o(e)
	}
	return e
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
func (e *Engine) Turn(ctx context.Context, s *flows.Session, in flows.Input) (*flows.Session, []flows.Effect, error) {
	return nil, nil, errors.New("engine: not implemented yet")
}

// Handle loads the session id from store (creating it with create when it
// does not exist), runs the turn and saves the session together with the
// outbox items for its handoff effects, in one write.
func (e *Engine) Handle(ctx context.Context, store flows.SessionStore, id string, in flows.Input, create func() *flows.Session) ([]flows.Effect, error) {
	return nil, errors.New("engine: not implemented yet")
}
