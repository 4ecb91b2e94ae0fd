package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/batonbot/baton/flows"
)

// maxConflictRetries is how many times Handle reloads the session and
// runs the turn again when another writer saved it first.
const maxConflictRetries = 5

// Handle loads the session id from store (creating it with create when it
// does not exist), runs the turn and saves the session together with the
// outbox items for its handoff effects, in one write. With WithHandoffHook
// the hook sees (and may route) each handoff before the save. When another
// writer saved the session meanwhile (flows.ErrConflict) it reloads and runs
// the turn again, a few times.
func (e *Engine) Handle(ctx context.Context, store flows.SessionStore, id string, in flows.Input, create func() *flows.Session) ([]flows.Effect, error) {
	if store == nil {
		return nil, errors.New("engine: Handle needs a session store (engine.NewMemoryStore() is the default)")
	}
	if in.At.IsZero() {
		in.At = e.now() // the same clock for every retry
	}
	// The memory store skips its defensive copies here: Turn never modifies
	// the loaded session and the new one never leaves Handle.
	ms, _ := store.(*MemoryStore)
	var err error
	for range maxConflictRetries {
		var s *flows.Session
		if ms != nil {
			s, err = ms.loadShared(ctx, id)
		} else {
			s, err = store.Load(ctx, id)
		}
		if errors.Is(err, flows.ErrNoSession) {
			if create == nil {
				return nil, fmt.Errorf("engine: session %q does not exist and Handle was given no create function", id)
			}
			s = create()
			if s == nil {
				return nil, fmt.Errorf("engine: create returned no session for %q", id)
			}
			s = cloneSession(s) // the caller may keep what create returned
			s.ID = id
			err = nil
		}
		if err != nil {
			return nil, fmt.Errorf("engine: loading session %q: %w", id, err)
		}
		ns, effects, terr := e.Turn(ctx, s, in)
		if terr != nil {
			return nil, terr
		}
		ns, effects, items, herr := e.handoffs(ctx, ns, effects, in)
		if herr != nil {
			return nil, herr
		}
		if ms != nil {
			err = ms.saveOwned(ctx, ns, items)
		} else {
			err = store.Save(ctx, ns, items...)
		}
		if errors.Is(err, flows.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("engine: saving session %q: %w", id, err)
		}
		return effects, nil
	}
	return nil, fmt.Errorf("engine: session %q kept changing while this turn ran (%d attempts): %w", id, maxConflictRetries, err)
}

// OutboxItems returns the outbox items a turn's effects call for: an open
// for each handoff, an append for each customer message to a ticket. Their
// ids are derived from the handoff and the turn, so a retried turn yields
// the same items.
func OutboxItems(s *flows.Session, effects []flows.Effect) []flows.OutboxItem {
	var items []flows.OutboxItem
	n := 0
	for _, ef := range effects {
		switch ef := ef.(type) {
		case flows.HandoffEffect:
			if ef.Handoff == nil {
				continue
			}
			items = append(items, flows.OutboxItem{
				ID: ef.ID + ":open", Kind: flows.OutboxOpen, ConversationID: s.ID, HandoffID: ef.ID,
				Handoff: ef.Handoff, Status: flows.OutboxPending, CreatedAt: ef.CreatedAt, NextAt: ef.CreatedAt,
			})
		case flows.Append:
			n++
			m := ef.Message
			items = append(items, flows.OutboxItem{
				ID:   ef.HandoffID + ":append:" + strconv.Itoa(s.Turns) + ":" + strconv.Itoa(n),
				Kind: flows.OutboxAppend, ConversationID: s.ID, HandoffID: ef.HandoffID,
				Message: &m, Status: flows.OutboxPending, CreatedAt: m.At, NextAt: m.At,
			})
		}
	}
	return items
}
