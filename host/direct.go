package host

import (
	"context"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// Observer sees what the host does besides the turns' effects: `baton
// chat --live` shows it. Each func may be nil; they are called from the
// host's goroutines.
type Observer struct {
	// Routed is called when the router decided a handoff (before the
	// turn's save; again if the turn is retried), with the error of the
	// LLM summary when one was asked for and failed.
	Routed func(h *flows.Handoff, d handoff.Decision, summaryErr error)
	// Settled is called when a helpdesk delivery attempt ended: delivered,
	// pending again (with err) or dead.
	Settled func(it flows.OutboxItem, err error)
	// Notified is called after a team's chat was told about an urgent
	// handoff (err when posting failed).
	Notified func(h *flows.Handoff, err error)
	// Called is called with each HTTP action's request and its result.
	Called func(conversation string, r flows.HTTPRequest, res *flows.HTTPResult)
}

// WithObserver reports to o what the host does.
func WithObserver(o Observer) Option { return func(h *Host) { h.observer = o } }

// WithoutTurns makes Run deliver replies and handoffs only: the caller
// takes the turns itself (Turn) and fires the timers, as `baton chat
// --live` does with its own clock. Nothing is taken from the inbox.
func WithoutTurns() Option { return func(h *Host) { h.noTurns = true } }

// Turn takes one turn of conversation now, in the caller's goroutine,
// through the host's wiring (its engine, routing, summaries, analytics),
// without the inbox: for hosts that hold the conversation themselves.
// create makes the session when there is none (nil: ErrNoSession is an
// error). The turn's replies are sent through the account's channel and
// its handoff items delivered by Run's worker; HTTP requests among the
// effects are left to the caller (Call, then Turn with the result).
func (h *Host) Turn(ctx context.Context, conversation string, in flows.Input, create func() *flows.Session) ([]flows.Effect, error) {
	a, err := h.account(conversation)
	if err != nil {
		return nil, err
	}
	effects, leased, err := h.handle(ctx, a, conversation, in, create)
	if err != nil {
		return nil, err
	}
	h.carryOut(ctx, conversation, effects, leased)
	return effects, nil
}

// Store is the host's store.
func (h *Host) Store() flows.Store { return h.store }

// WakeDeliveries makes the handoff worker look at the outbox now.
func (h *Host) WakeDeliveries() { h.deliverer.Wake() }
