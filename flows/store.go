package flows

import (
	"context"
	"errors"
	"time"
)

// ErrNoSession is returned by SessionStore.Load for an unknown id.
var ErrNoSession = errors.New("no such session")

// ErrConflict is returned by SessionStore.Save when the session changed
// since it was loaded (its Rev is stale); load it again and retry the turn.
var ErrConflict = errors.New("session changed since it was loaded")

// SessionStore keeps sessions between turns.
type SessionStore interface {
	// Load returns the session with id, or ErrNoSession.
	Load(ctx context.Context, id string) (*Session, error)
	// Save writes s and enqueues out in the outbox in one atomic write, so
	// a crash never keeps one without the other. It fails with ErrConflict
	// when s.Rev is not the stored revision, and bumps s.Rev on success.
	Save(ctx context.Context, s *Session, out ...OutboxItem) error
}

// OutboxKind says what an outbox item delivers.
type OutboxKind string

const (
	OutboxOpen   OutboxKind = "open"   // open a ticket for Handoff
	OutboxAppend OutboxKind = "append" // append Message to the handoff's ticket
	OutboxClose  OutboxKind = "close"  // close the handoff's ticket
)

// OutboxStatus is an outbox item's delivery state.
type OutboxStatus string

const (
	OutboxPending   OutboxStatus = "pending"
	OutboxDelivered OutboxStatus = "delivered"
	OutboxDead      OutboxStatus = "dead"
)

// OutboxItem is one delivery to a helpdesk, written with the session
// change that caused it.
type OutboxItem struct {
	ID             string     `json:"id"`
	Kind           OutboxKind `json:"kind"`
	ConversationID string     `json:"conversation_id"`
	// HandoffID groups the items of one handoff; items of a handoff are
	// delivered in order, after its open.
	HandoffID string       `json:"handoff_id"`
	Handoff   *Handoff     `json:"handoff,omitempty"`
	Message   *Message     `json:"message,omitempty"`
	Status    OutboxStatus `json:"status"`
	Attempts  int          `json:"attempts"`
	CreatedAt time.Time    `json:"created_at"`
	NextAt    time.Time    `json:"next_at"`
	LastError string       `json:"last_error,omitempty"`
	// Ticket is filled once the open is delivered.
	Ticket TicketRef `json:"ticket,omitzero"`
}

// Outbox is the delivery side of a store: workers claim due items, deliver
// them and settle the outcome.
type Outbox interface {
	// Claim returns up to max items due at now and leases them for lease,
	// so no other worker takes them meanwhile.
	Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]OutboxItem, error)
	// Settle records the outcome of a claimed item (Status, Attempts,
	// NextAt, LastError, Ticket) and releases its lease.
	Settle(ctx context.Context, item OutboxItem) error
	// List returns the items with status (all when empty), oldest first.
	List(ctx context.Context, status OutboxStatus) ([]OutboxItem, error)
}
