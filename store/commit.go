package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/batonbot/baton/flows"
)

// CheckCommit refuses what no store writes: outbox items without an id or
// of another conversation than id, timers without a key or of another
// conversation than id, loads of an agent without an id.
func CheckCommit(id string, c flows.Commit) error {
	for _, it := range c.Outbox {
		if it.ID == "" {
			return fmt.Errorf("store: an outbox item of kind %q for session %q has no id", it.Kind, id)
		}
		if it.ConversationID != "" && it.ConversationID != id {
			return fmt.Errorf("store: session %q cannot write outbox item %q of conversation %q; save it with that conversation's session", id, it.ID, it.ConversationID)
		}
	}
	for _, t := range c.Timers {
		if t.Key == "" {
			return fmt.Errorf("store: a timer of session %q has no key", id)
		}
		if t.ConversationID != "" && t.ConversationID != id {
			return fmt.Errorf("store: session %q cannot set timer %q of conversation %q", id, t.Key, t.ConversationID)
		}
	}
	for agent := range c.Loads {
		if agent == "" {
			return fmt.Errorf("store: session %q changes the load of an agent without an id", id)
		}
	}
	return nil
}

// CheckSettle refuses an item settled with a status that is none of the
// outbox's (an empty one keeps the item's), before anything is written.
func CheckSettle(it flows.OutboxItem) error {
	switch it.Status {
	case "", flows.OutboxPending, flows.OutboxDelivered, flows.OutboxDead:
		return nil
	}
	return fmt.Errorf("store: cannot settle outbox item %q with status %q; use %q, %q or %q", it.ID, it.Status,
		flows.OutboxPending, flows.OutboxDelivered, flows.OutboxDead)
}

// FillItem fills what a Commit may leave out of an outbox item of session
// id: pending, the session's conversation, the store's clock now.
func FillItem(it flows.OutboxItem, id string, now time.Time) flows.OutboxItem {
	if it.Status == "" {
		it.Status = flows.OutboxPending
	}
	if it.ConversationID == "" {
		it.ConversationID = id
	}
	if it.CreatedAt.IsZero() {
		it.CreatedAt = now
	}
	if it.NextAt.IsZero() {
		it.NextAt = now
	}
	return it
}

// Leasable reports whether a save of conversation conv with a
// flows.ReplyClaim leases it, a new item: a pending reply of conv (when
// conv has no other reply pending).
func Leasable(it *flows.OutboxItem, conv string) bool {
	return it.Kind == flows.OutboxReply && it.Status == flows.OutboxPending && it.ConversationID == conv
}

// Group is the delivery order an outbox item keeps: a handoff's items one
// after the other, a conversation's replies one after the other. Items of
// no group (ok false) go in any order.
func Group(it *flows.OutboxItem) (g GroupKey, ok bool) {
	switch {
	case it.Kind == flows.OutboxReply:
		return GroupKey{Reply: true, ID: it.ConversationID}, true
	case it.HandoffID != "":
		return GroupKey{ID: it.HandoffID}, true
	}
	return GroupKey{}, false
}

// GroupKey names a group: a conversation's replies (Reply) or a handoff's
// items. It is comparable, a map key built without a string.
type GroupKey struct {
	Reply bool
	ID    string // the conversation's or the handoff's
}

// NeedsTicket reports whether it goes to the ticket its handoff's open
// made (an append or a close), so it waits for the open's delivery.
func NeedsTicket(it *flows.OutboxItem) bool {
	return it.HandoffID != "" && it.Kind != flows.OutboxOpen && it.Kind != flows.OutboxReply
}

// KindOutbox is an outbox that claims and lists some kinds only: what
// OutboxOf needs of a store.
type KindOutbox interface {
	// ClaimKinds is Claim for the items of kinds.
	ClaimKinds(ctx context.Context, now time.Time, lease time.Duration, max int, kinds []flows.OutboxKind) ([]flows.OutboxItem, error)
	// ListKinds is List for the items of kinds.
	ListKinds(ctx context.Context, status flows.OutboxStatus, kinds []flows.OutboxKind) ([]flows.OutboxItem, error)
	Settle(ctx context.Context, item flows.OutboxItem) error
}

// OutboxOf returns the view of o's outbox restricted to kinds (see
// flows.OutboxSplitter).
func OutboxOf(o KindOutbox, kinds ...flows.OutboxKind) flows.Outbox {
	return kindView{o: o, kinds: slices.Clone(kinds)}
}

type kindView struct {
	o     KindOutbox
	kinds []flows.OutboxKind
}

func (v kindView) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	return v.o.ClaimKinds(ctx, now, lease, max, v.kinds)
}

func (v kindView) Settle(ctx context.Context, item flows.OutboxItem) error {
	return v.o.Settle(ctx, item)
}

func (v kindView) List(ctx context.Context, status flows.OutboxStatus) ([]flows.OutboxItem, error) {
	return v.o.ListKinds(ctx, status, v.kinds)
}

// CheckSession refuses a session no store could load back: a variable
// whose values nest deeper than a stored session's may (20000 levels, see
// DecodeSession), as a flow that wraps a variable in a list each turn
// (set x: [x]) builds over thousands of turns. The turn is not saved and
// the conversation keeps its last save, rather than being written and
// then failing every load. A store that encodes the session on every save
// refuses it with EncodeForSave instead, in the encoding's own walk.
func CheckSession(s *flows.Session) error {
	check := func(where varsOf, vars map[string]any) error {
		for k, v := range vars {
			if valueDepth(v, 1) > maxValueDepth {
				return where.tooDeep(s.ID, k)
			}
		}
		return nil
	}
	if err := check(varsOf{where: inVars}, s.Vars); err != nil {
		return err
	}
	if err := check(varsOf{where: inInitVars}, s.InitVars); err != nil {
		return err
	}
	for _, fr := range s.Stack {
		if err := check(varsOf{where: inFrame, frame: fr.Flow}, fr.Vars); err != nil {
			return err
		}
	}
	return nil
}

// Where a session's variables are.
const (
	inVars = iota + 1
	inInitVars
	inFrame
)

// varsOf says which of a session's variables maps a variable is in.
type varsOf struct {
	where int
	frame string // a sub-flow's, inFrame
}

// tooDeep is the error of a save of session id whose variable key, in
// these variables, nests deeper than maxValueDepth.
func (v varsOf) tooDeep(id, key string) error {
	where := "variable"
	switch v.where {
	case inInitVars:
		where = "initial variable"
	case inFrame:
		where = "sub-flow " + strconv.Quote(v.frame) + "'s variable"
	}
	return fmt.Errorf("store: session %q cannot be saved: %s %q nests values more than %d levels deep (lists in lists, maps in maps), deeper than a stored session can be loaded back; the flow wraps the variable in itself turn after turn (e.g. [x]): keep its depth bounded", id, where, key, maxValueDepth)
}

// valueDepth is how many levels v, at level d, nests as DecodeSession
// counts them (a string is one, a list of it two), at most
// maxValueDepth+1: it stops looking once past the bound.
func valueDepth(v any, d int) int {
	if d > maxValueDepth {
		return d
	}
	most := d
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if n := valueDepth(x, d+1); n > most {
				if most = n; most > maxValueDepth {
					return most
				}
			}
		}
	case map[string]any:
		for _, x := range v {
			if n := valueDepth(x, d+1); n > most {
				if most = n; most > maxValueDepth {
					return most
				}
			}
		}
	}
	return most
}
