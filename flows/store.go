package flows

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoSession is returned by SessionStore.Load for an unknown id.
var ErrNoSession = errors.New("no such session")

// ErrConflict is returned by SessionStore.Save when the session changed
// since it was loaded (its Rev is stale); load it again and retry the turn.
var ErrConflict = errors.New("session changed since it was loaded")

// ErrConsumed is returned by SessionStore.Save when an inbox entry named in
// Commit.Done was already consumed by another turn (or is unknown to the
// store): another worker handled that message, so this turn's work is
// dropped and nothing is written. Do not retry the turn.
var ErrConsumed = errors.New("inbox entry already consumed")

// ErrLeaseLost is returned by Outbox.Settle when another worker claimed
// the item since the caller got it: the caller's lease ran out (a long
// pause, a clock behind the other workers'), the item is the other
// worker's now, and the settle writes nothing. Do not retry it.
var ErrLeaseLost = errors.New("outbox item claimed by another worker since its lease ran out")

// ErrClosed is returned, wrapped, by every method of a Store called after
// its Close: nothing is read or written. Open the store again.
var ErrClosed = errors.New("store closed")

// DefaultSessionTTL is how long a store keeps a conversation nobody touched:
// after it the session, its timers and its inbox entries are deleted, so
// personal data is not kept for ever.
const DefaultSessionTTL = 30 * 24 * time.Hour

// DefaultInboxDedupe is how long an inbox remembers an accepted message id
// (Meta redelivers a webhook for up to 7 days).
const DefaultInboxDedupe = 7 * 24 * time.Hour

// Commit is what a turn writes together with its session, in the same
// atomic write: a crash keeps all of it or none of it.
type Commit struct {
	// Outbox are new outbox items; an item whose ID is already stored is
	// skipped, so a retried save does not deliver twice. An empty
	// ConversationID is the session's, another conversation's is an error;
	// a zero CreatedAt or NextAt is the store's clock; an empty Status is
	// pending.
	Outbox []OutboxItem
	// Loads changes agents' open-handoff counts (LoadTracker) by these
	// deltas; a count never goes below zero.
	Loads map[string]int
	// Timers sets the conversation's due timers, in order (a later one with
	// the same Key wins); a Timer whose At is zero deletes the Key. An empty
	// ConversationID is the session's; another conversation's is an error.
	Timers []Timer
	// Done are the ids of the inbox entries this turn consumed: they are
	// acknowledged in the same write. When one was consumed already the
	// save fails with ErrConsumed and writes nothing.
	Done []string
	// Claim, when not nil, asks the save to write the commit's reply items
	// already claimed by the caller, so that sending them needs no Claim
	// (see ReplyClaim).
	Claim *ReplyClaim
	// Left, when not nil, asks the save what the conversation's inbox
	// still holds once Done is consumed (see InboxLeft).
	Left *InboxLeft
}

// InboxLeft is what a conversation's inbox holds after a Save. Its next
// message may have been accepted while the turn ran, by another process
// on the same store: it became claimable with the save, and the caller
// can claim it at once instead of at its next poll.
type InboxLeft struct {
	// More is set by a successful Save: the conversation has unconsumed
	// inbox entries.
	More bool
}

// ReplyClaim asks a Save to write its commit's reply items (OutboxReply)
// already leased to the caller, the worker that will send them, as if it
// had claimed them: the outbox hands them to nobody else until the lease
// ends (a crash before the send: they are claimed again then, as any
// pending item), and the caller settles each one as a claimed item.
//
// A conversation's replies go out in order, so the save leases them only
// when the conversation has no earlier reply pending (leased or not);
// otherwise they are written claimable, to be taken after it.
type ReplyClaim struct {
	// Until is when the lease ends.
	Until time.Time
	// Items is set by a successful Save: the reply items it wrote leased,
	// in order, as Claim would have returned them (none when they wait
	// for an earlier reply, or the commit wrote none). Send them in this
	// order, and settle each (the ones not sent too, to release them).
	Items []OutboxItem
}

// IsZero reports whether c writes nothing besides the session.
func (c Commit) IsZero() bool {
	return len(c.Outbox) == 0 && len(c.Loads) == 0 && len(c.Timers) == 0 && len(c.Done) == 0
}

// SessionStore keeps sessions between turns.
type SessionStore interface {
	// Load returns the session with id, or an error wrapping ErrNoSession.
	// The caller owns the session returned.
	Load(ctx context.Context, id string) (*Session, error)
	// Save writes s and c in one atomic write. It fails with ErrConsumed
	// when an entry of c.Done was consumed already, with ErrConflict when
	// s.Rev is not the stored revision (0 for a new session), and writes
	// nothing then; on success it bumps s.Rev.
	Save(ctx context.Context, s *Session, c Commit) error
	// Delete forgets the conversation id: its session, timers and inbox
	// entries, and takes the agents' loads its saves counted off
	// (LoadTracker). Its outbox items stay until delivered (a handoff is never
	// lost) and expire with the outbox's retention. Deleting an unknown id
	// is not an error.
	Delete(ctx context.Context, id string) error
}

// Timer is a due time the scheduler fires as InputTimer{Timer: Key} into
// ConversationID (the engine's Schedule effects become Timers).
type Timer struct {
	Key            string    `json:"key"`
	ConversationID string    `json:"conversation_id"`
	At             time.Time `json:"at"`
}

// Timers is the scheduler's side of a store.
type Timers interface {
	// Due returns up to max timers due at now, earliest first. A timer
	// stays until a Save removes it (the turn its firing runs, see
	// Commit.Timers), so a timer whose turn failed fires again.
	Due(ctx context.Context, now time.Time, max int) ([]Timer, error)
}

// Deduper remembers keys for a while: webhook and delivery ids (bridge
// invocations, Telegram update_id, ...).
type Deduper interface {
	// Seen records key and reports whether it was already recorded within
	// ttl. An empty key is an error; a ttl of zero or less records nothing
	// (the key is new again at once), though a key still within the ttl it
	// was recorded with is seen.
	Seen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// DefaultSentTTL is how long a SentLog keeps a sent message's
// conversation: a provider reports a message's delivery within days, and
// a conversation nobody touched is forgotten after DefaultSessionTTL.
const DefaultSentTTL = 30 * 24 * time.Hour

// MaxSent bounds how many sent messages the memory and bbolt stores'
// SentLog keeps: past it, recording one forgets the oldest.
const MaxSent = 100_000

// SentLog remembers which conversation a message sent to a customer
// belongs to, for a delivery status that names only an address the
// conversation is not keyed by (a WhatsApp failure of a message sent to
// the phone of a conversation keyed by the business-scoped user id). The
// memory, bbolt and Valkey stores implement it.
type SentLog interface {
	// RecordSent records that channel's message messageID belongs to
	// conversationID, for ttl (a ttl of zero or less records nothing).
	// An empty messageID or conversationID is an error.
	RecordSent(ctx context.Context, channel, messageID, conversationID string, ttl time.Duration) error
	// SentConversation returns the conversation recorded for channel's
	// message messageID, or "" when none is (never recorded, or expired).
	SentConversation(ctx context.Context, channel, messageID string) (string, error)
}

// Inbox holds accepted inbound messages: durable before the webhook
// answers 200, consumed by the turn that handles them (Commit.Done).
type Inbox interface {
	// Accept stores in durably, deduplicated on in.ID for the store's dedupe
	// window (DefaultInboxDedupe unless configured); false means a
	// duplicate, nothing stored. in.ID and in.ConversationID are required.
	Accept(ctx context.Context, in Inbound) (bool, error)
	// Claim leases up to max entries for lease, oldest first, taking only
	// the oldest unconsumed entry of each conversation and none of a
	// conversation whose oldest entry is leased: a conversation's messages
	// are handled one at a time, in the order they were accepted. Each
	// claim counts one attempt.
	Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]InboxEntry, error)
}

// InboxDeferrer is an Inbox whose claimed entries can be given back
// before their lease ends; the memory, bbolt and Valkey stores' inboxes
// implement it. A host that claimed a message it should leave to another
// process (one serving the flow version that last handled the
// conversation) defers it instead of holding it for the whole lease.
type InboxDeferrer interface {
	// Defer moves the lease of e, an entry as Claim returned it, to until
	// while e is still under that claim (no later claim took it, which
	// e.Attempts tells): it is claimed again from until, the
	// conversation's later entries still waiting behind it, and the
	// claim's attempt is taken back (a deferral is not a failed attempt).
	// An entry consumed, claimed again since, or unknown is left as it is,
	// and is not an error.
	Defer(ctx context.Context, e InboxEntry, until time.Time) error
}

// FlowVersions is a shared store's notice board of the flow versions its
// processes serve (a version is a hash of a flow's files: see
// Session.FlowDigest). Each process announces its own while it runs; one
// that finds a conversation waiting in a state its flow lacks, last
// handled by a version it never ran, leaves the conversation's message
// for another process only while some process announces that version.
// The Valkey store implements it; a store of one process needs none.
type FlowVersions interface {
	// AnnounceVersions says that versions are served until until: a
	// process announces its versions again before then while it runs.
	AnnounceVersions(ctx context.Context, versions []string, until time.Time) error
	// VersionServed reports whether a process announced version as
	// served until after now.
	VersionServed(ctx context.Context, version string, now time.Time) (bool, error)
}

// InboxEntry is one accepted message waiting for its turn.
type InboxEntry struct {
	// ID is the entry's id, for Commit.Done (the Inbound's ID).
	ID      string  `json:"id"`
	Inbound Inbound `json:"inbound"`
	// Attempts counts the claims, this one included.
	Attempts   int       `json:"attempts"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// OutboxKind says what an outbox item delivers.
type OutboxKind string

const (
	OutboxOpen   OutboxKind = "open"   // open a ticket for Handoff
	OutboxAppend OutboxKind = "append" // append Message to the handoff's ticket
	OutboxClose  OutboxKind = "close"  // close the handoff's ticket
	OutboxReply  OutboxKind = "reply"  // send Outbound to the customer on its channel
)

// OutboxStatus is an outbox item's delivery state.
type OutboxStatus string

const (
	OutboxPending   OutboxStatus = "pending"
	OutboxDelivered OutboxStatus = "delivered"
	OutboxDead      OutboxStatus = "dead"
)

// OutboxItem is one delivery, to a helpdesk or to the customer, written
// with the session change that caused it.
type OutboxItem struct {
	ID             string     `json:"id"`
	Kind           OutboxKind `json:"kind"`
	ConversationID string     `json:"conversation_id"`
	// HandoffID groups the items of one handoff; items of a handoff are
	// delivered in order, after its open.
	HandoffID string       `json:"handoff_id,omitempty"`
	Handoff   *Handoff     `json:"handoff,omitempty"`
	Message   *Message     `json:"message,omitempty"`
	Outbound  *Outbound    `json:"outbound,omitempty"` // a reply's
	Status    OutboxStatus `json:"status"`
	Attempts  int          `json:"attempts"`
	CreatedAt time.Time    `json:"created_at"`
	NextAt    time.Time    `json:"next_at"`
	LastError string       `json:"last_error,omitempty"`
	// Ticket is filled once the open is delivered.
	Ticket TicketRef `json:"ticket,omitzero"`
	// LeaseID names the item's latest claim (by Claim or a ReplyClaim
	// save), as Claim and List return it: Settle refuses an item whose
	// LeaseID is not the stored one (ErrLeaseLost). Zero, on an item not
	// read from the store, is not checked. Stores set it; callers pass it
	// back untouched.
	LeaseID int64 `json:"lease_id,omitempty"`
}

// DeadOpenError is the LastError of an item that died with its handoff's
// dead open: the stores settle it when the open dies, and the deliverer
// when it finds one left behind. It says how to bring both back.
func DeadOpenError(open *OutboxItem) string {
	return fmt.Sprintf("the open of handoff %s is dead (%s): %s; `baton handoff retry %s` retries both", open.HandoffID, open.ID, open.LastError, open.ID)
}

// Outbox is the delivery side of a store: workers claim due items, deliver
// them and settle the outcome.
//
// Items are claimed in order within their group: only the oldest pending
// item of a handoff (an append or a close only once the handoff's open is
// delivered, carrying its Ticket), and only the oldest pending reply of a
// conversation. A dead item does not hold its group back, except a dead
// open: settling an open dead settles its handoff's pending items dead with
// it, and settling that open pending again (a retry) revives them together.
// Delivered items are kept for a bounded time and count, for List.
type Outbox interface {
	// Claim returns up to max items due at now and leases them for lease,
	// so no other worker takes them meanwhile.
	Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]OutboxItem, error)
	// Settle records the outcome of a claimed item (Status, Attempts,
	// NextAt, LastError, Ticket) and releases its lease. It fails with
	// ErrLeaseLost, writing nothing, when the item was claimed again since
	// the caller got it (its LeaseID is not the latest claim's), and with
	// an error, writing nothing, when Status is neither empty (kept) nor
	// one of the OutboxStatus constants.
	Settle(ctx context.Context, item OutboxItem) error
	// List returns the items with status (all when empty, none when it is
	// not one of the OutboxStatus constants), oldest first.
	List(ctx context.Context, status OutboxStatus) ([]OutboxItem, error)
}

// PendingStat is how many items of a kind wait in an outbox (pending,
// leased or not) and when the oldest of them was created.
type PendingStat struct {
	Count  int
	Oldest time.Time
}

// OutboxStats tells how much waits in an outbox without listing it, for
// what reads it often (the host's metrics at every scrape): its cost does
// not grow with the items waiting. memory, bbolt and Valkey stores
// implement it.
type OutboxStats interface {
	// PendingStats returns, for each kind with pending items, their count
	// and the oldest one's creation time, as List(ctx, OutboxPending)
	// would give them.
	PendingStats(ctx context.Context) (map[OutboxKind]PendingStat, error)
}

// OutboxSplitter hands out views of an outbox restricted to some kinds, so
// separate workers share one outbox: the handoff Deliverer takes
// OutboxOf(OutboxOpen, OutboxAppend, OutboxClose), the channel worker
// OutboxOf(OutboxReply).
type OutboxSplitter interface {
	// OutboxOf returns the outbox whose Claim and List see only kinds
	// (every kind when none is given).
	OutboxOf(kinds ...OutboxKind) Outbox
}

// HandoffKinds are the outbox kinds that go to helpdesks.
var HandoffKinds = []OutboxKind{OutboxOpen, OutboxAppend, OutboxClose}

// Store is everything a Baton store keeps: sessions with their commits,
// the outbox, agents' loads, timers, dedupe keys and the inbox. The
// memory, bbolt and Valkey stores implement it, and store/storetest checks
// that they behave alike.
type Store interface {
	SessionStore
	Outbox
	OutboxSplitter
	LoadTracker
	Timers
	Deduper
	// Inbox returns the store's inbox (its Claim is not the outbox's).
	Inbox() Inbox
	// Close releases the store (its file, its connections). Afterwards
	// every method fails with an error wrapping ErrClosed, and so does a
	// call under way that the closing stops; closing again does nothing.
	Close() error
}
