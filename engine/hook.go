package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonbot/baton/flows"
)

// HandoffHook is called by Handle for each handoff a turn emits, after the
// turn and before the session and its outbox items are saved, so what it
// changes in h (team, priority, assignee, tags: routing) is what the open
// item carries, written together with the session. s is the session the
// turn produced; the hook must not change it: Handle records the assignee
// the hook set (h.Assignee) in s.Handoff.Assignee itself, so the host can
// release the agent when the ticket is solved, closed or declined.
//
// An error fails the turn: nothing is saved and Handle returns it.
// ErrHandoffDeclined is not a failure: no ticket is opened for h and the
// conversation ends in the same save (see ErrHandoffDeclined).
//
// Handle runs the turn again when another writer saved the session first,
// so the hook may be called more than once for a handoff with the same ID;
// it should give the same answer each time (handoff.Router remembers its
// recent decisions by handoff ID).
type HandoffHook func(ctx context.Context, s *flows.Session, h *flows.Handoff) error

// ErrHandoffDeclined is what a HandoffHook returns (possibly wrapped) when
// no ticket is to be opened for the handoff: routing found the team closed
// and the deployment tells the customer instead (out_of_hours: tell or
// email). Handle then writes no open item for it and runs the conversation's
// flows.TicketDeclined update before saving: the conversation ends with
// reason "handoff_declined" (never at the handoff's return state), and the
// customer's next message starts a new one. Both turns' effects are
// returned, the handoff first, so the host can show its own message for
// the customer between them.
var ErrHandoffDeclined = errors.New("no ticket is opened for the handoff")

// WithHandoffHook sets the hook Handle calls for each handoff before saving
// (see HandoffHook). Turn never calls it.
func WithHandoffHook(hook HandoffHook) Option { return func(e *Engine) { e.handoffHook = hook } }

// handoffs runs the hook on the turn's handoffs and returns the session,
// effects and outbox items to save: a declined handoff has no items and is
// declined at once.
func (e *Engine) handoffs(ctx context.Context, ns *flows.Session, effects []flows.Effect, in flows.Input) (*flows.Session, []flows.Effect, []flows.OutboxItem, error) {
	if e.handoffHook == nil {
		return ns, effects, OutboxItems(ns, effects), nil
	}
	var declined map[string]bool
	for _, ef := range effects {
		he, ok := ef.(flows.HandoffEffect)
		if !ok || he.Handoff == nil {
			continue
		}
		err := e.handoffHook(ctx, ns, he.Handoff)
		if err == nil {
			recordAssignee(ns, he.Handoff)
		}
		switch {
		case errors.Is(err, ErrHandoffDeclined):
			if declined == nil {
				declined = map[string]bool{}
			}
			declined[he.ID] = true
		case err != nil:
			return nil, nil, nil, fmt.Errorf("engine: handing off %s of conversation %q: %w", he.ID, ns.ID, err)
		}
	}
	items := OutboxItems(ns, effects)
	if declined == nil {
		return ns, effects, items, nil
	}
	kept := items[:0]
	for _, it := range items {
		if !declined[it.HandoffID] {
			kept = append(kept, it)
		}
	}
	if ns.Handoff == nil || !declined[ns.Handoff.ID] {
		return ns, effects, kept, nil
	}
	in = flows.Input{Kind: flows.InputTicket, At: in.At, Ticket: &flows.TicketUpdate{Status: flows.TicketDeclined}}
	next, more, err := e.Turn(ctx, ns, in)
	if err != nil {
		return nil, nil, nil, err
	}
	return next, append(effects, more...), kept, nil
}

// recordAssignee copies what the hook decided for h (the agent it
// assigned, the team, priority and SLA due times) into the session's
// reference to h (a new HandoffRef: the turn's may be shared).
func recordAssignee(ns *flows.Session, h *flows.Handoff) {
	if ns.Handoff == nil || ns.Handoff.ID != h.ID {
		return
	}
	r := ns.Handoff
	if r.Assignee == h.Assignee && r.Team == h.Team && r.Priority == h.Priority && r.Reason == h.Reason &&
		r.FirstResponseDue.Equal(h.FirstResponseDue) && r.ResolutionDue.Equal(h.ResolutionDue) {
		return
	}
	ref := *r
	ref.Assignee, ref.Team, ref.Priority, ref.Reason = h.Assignee, h.Team, h.Priority, h.Reason
	ref.FirstResponseDue, ref.ResolutionDue = h.FirstResponseDue, h.ResolutionDue
	ns.Handoff = &ref
}
