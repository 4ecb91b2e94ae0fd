package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonbot/baton/flows"
)

// maxConflictRetries is how many times Handle reloads the session and
// runs the turn again when another writer saved it first.
const maxConflictRetries = 5

// sharingStore is a store that lends Handle its stored session and takes
// over the new one without copying either (store/memory): Turn never
// modifies the session it is given, and the session it returns shares
// only unchanged parts with it, which nobody modifies. LoadShared also
// says whether this caller alone may append to the session's transcript
// array beyond its length (tail): the store grants that to one loader of
// each saved revision, so the turn appends its messages in place instead
// of copying the transcript.
type sharingStore interface {
	LoadShared(ctx context.Context, id string) (s *flows.Session, tail bool, err error)
	SaveOwned(ctx context.Context, s *flows.Session, c flows.Commit) error
}

// HandleOption adds to what one Handle call writes.
type HandleOption func(*handleCall)

type handleCall struct {
	done  []string
	claim *flows.ReplyClaim
	left  *flows.InboxLeft
	hold  func(version string) bool
}

// ErrHeld is returned, wrapped, by a Handle that left the conversation as
// it was because HoldMissing asked it to: its state is gone from this
// flow, and another process may run the version that has it. Nothing was
// written; the caller leaves the input for that process.
var ErrHeld = errors.New("the conversation's state is not in this version of the flow; left for a process that runs the version that has it")

// HoldMissing asks Handle, when the conversation's state (or the sub-flow
// it runs) is gone from the flow, the turn that would move it to the
// flow's on_reload state (else start), whether to leave it instead:
// hold is given the version that last saved the session
// (flows.Session.FlowDigest, "" when unknown), and when it returns true
// Handle writes nothing and fails with an error wrapping ErrHeld. A
// conversation the bot does not hold, or whose state the flow has, runs
// as usual and hold is not asked.
func HoldMissing(hold func(version string) bool) HandleOption {
	return func(c *handleCall) { c.hold = hold }
}

// ClaimReplies asks the save to write the turn's reply items already
// leased to the caller, until claim.Until (flows.Commit.Claim): after
// Handle, claim.Items holds the ones it leased, for the caller to send
// without claiming them and to settle.
func ClaimReplies(claim *flows.ReplyClaim) HandleOption {
	return func(c *handleCall) { c.claim = claim }
}

// InboxAfter asks the save to report what the conversation's inbox holds
// once the turn's entries are consumed (flows.Commit.Left): after Handle,
// left.More says whether its next message can be claimed now.
func InboxAfter(left *flows.InboxLeft) HandleOption {
	return func(c *handleCall) { c.left = left }
}

// Consumes names the inbox entries the input came from (flows.InboxEntry
// IDs): the save acknowledges them with the session (flows.Commit.Done),
// and when another worker consumed one first Handle fails with an error
// wrapping flows.ErrConsumed and writes nothing.
func Consumes(ids ...string) HandleOption {
	return func(c *handleCall) { c.done = append(c.done, ids...) }
}

// Handle loads the session id from store (creating it with create when it
// does not exist), runs the turn and saves the session together with its
// commit (see Commit) in one write. With WithHandoffHook the hook sees
// (and may route) each handoff before the save. When another writer saved
// the session meanwhile (flows.ErrConflict) it reloads and runs the turn
// again, a few times.
func (e *Engine) Handle(ctx context.Context, store flows.SessionStore, id string, in flows.Input, create func() *flows.Session, opts ...HandleOption) ([]flows.Effect, error) {
	if store == nil {
		return nil, errors.New("engine: Handle needs a session store (store/memory's is the default)")
	}
	var call handleCall
	for _, o := range opts {
		o(&call)
	}
	if in.At.IsZero() {
		in.At = e.now() // the same clock for every retry
	}
	shared, _ := store.(sharingStore)
	var err error
	traced := traceLen(ctx)
	for range maxConflictRetries {
		dropTrace(ctx, traced) // a retry's turn replaces the last attempt's
		var s *flows.Session
		tail := false
		if shared != nil {
			s, tail, err = shared.LoadShared(ctx, id)
		} else {
			s, err = store.Load(ctx, id)
		}
		if errors.Is(err, flows.ErrNoSession) {
			if create == nil {
				return nil, fmt.Errorf("engine: Handle was given no create function: %w", err)
			}
			s = create()
			if s == nil {
				return nil, fmt.Errorf("engine: create returned no session for %q", id)
			}
			s = s.Clone() // the caller may keep what create returned
			s.ID = id
			err = nil
		}
		if err != nil {
			return nil, fmt.Errorf("engine: loading session %q: %w", id, err)
		}
		if call.hold != nil && e.stateGone(s) && call.hold(s.FlowDigest) {
			return nil, fmt.Errorf("engine: session %q waits in %q, last handled by flow version %q: %w", id, s.State, s.FlowDigest, ErrHeld)
		}
		ns, effects, terr := e.turn(ctx, s, in, tail)
		if terr != nil {
			return nil, terr
		}
		ns, effects, items, herr := e.handoffs(ctx, ns, effects, in)
		if herr != nil {
			return nil, herr
		}
		c := e.Commit(s, ns, effects, in)
		if len(items) > 0 {
			c.Outbox = append(items, c.Outbox...)
		}
		c.Done = call.done
		c.Claim = call.claim
		c.Left = call.left
		if e.commitHook != nil {
			e.commitHook(s, ns, &c)
		}
		if shared != nil {
			err = shared.SaveOwned(ctx, ns, c)
		} else {
			err = store.Save(ctx, ns, c)
		}
		if errors.Is(err, flows.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("engine: saving session %q: %w", id, err)
		}
		if e.observer != nil {
			e.observer(ctx, flows.TurnRecord{Flow: e.flow, Before: s, After: ns, Input: in, Effects: effects})
		}
		return effects, nil
	}
	return nil, fmt.Errorf("engine: session %q kept changing while this turn ran (%d attempts): %w", id, maxConflictRetries, err)
}
