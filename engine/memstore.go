package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

var (
	_ flows.SessionStore = (*MemoryStore)(nil)
	_ flows.Outbox       = (*MemoryStore)(nil)
)

// MemoryStore is Baton's default SessionStore and Outbox: everything in
// memory, lost when the process exits. It is safe for concurrent use and
// keeps its own deep copies: nothing a caller holds aliases what it stores.
type MemoryStore struct {
	mu       sync.Mutex
	now      func() time.Time
	sessions map[string]*flows.Session
	items    []*memItem // in the order they were saved
	byID     map[string]*memItem
	tickets  map[string]flows.TicketRef // handoff id → ticket, once its open is delivered
	loads    map[string]int             // agent → open handoffs (flows.LoadTracker), none at 0
	// keepDelivered bounds the delivered items kept for List; older ones
	// are dropped so the outbox does not grow for ever.
	keepDelivered int
	delivered     int
}

type memItem struct {
	item       flows.OutboxItem
	leaseUntil time.Time
}

// StoreOption configures a MemoryStore.
type StoreOption func(*MemoryStore)

// WithStoreClock sets the clock that stamps outbox items saved without a
// time.
func WithStoreClock(now func() time.Time) StoreOption {
	return func(m *MemoryStore) { m.now = now }
}

// WithDeliveredRetention keeps at most n delivered outbox items (default
// 1000) for List; pending and dead items are always kept.
func WithDeliveredRetention(n int) StoreOption {
	return func(m *MemoryStore) { m.keepDelivered = max(n, 0) }
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore(opts ...StoreOption) *MemoryStore {
	m := &MemoryStore{
		now:      time.Now,
		sessions: make(map[string]*flows.Session),
		byID:     make(map[string]*memItem),
		tickets:  make(map[string]flows.TicketRef),

		keepDelivered: 1000,
	}
	for _, o := range opts {
		o(m)
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Load returns a copy of the session id, or an error wrapping
// flows.ErrNoSession.
func (m *MemoryStore) Load(ctx context.Context, id string) (*flows.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	s, ok := m.sessions[id]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("session %q: %w", id, flows.ErrNoSession)
	}
	// Stored sessions are never modified in place (Save replaces them), so
	// copying outside the lock is safe.
	return cloneSession(s), nil
}

// Save stores a copy of s and enqueues out, atomically. s.Rev must be the
// stored revision (0 for a new session), else the error wraps
// flows.ErrConflict; on success s.Rev is the new revision. Items whose ID
// is already in the outbox are skipped, so a retried save does not
// deliver twice.
func (m *MemoryStore) Save(ctx context.Context, s *flows.Session, out ...flows.OutboxItem) error {
	if s == nil || s.ID == "" {
		return errors.New("memory store: cannot save a session without an id")
	}
	return m.save(ctx, s, cloneSession(s), out)
}

// loadShared returns the stored session itself, for Handle: stored
// sessions are never modified in place and Turn does not modify its input.
func (m *MemoryStore) loadShared(ctx context.Context, id string) (*flows.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	s, ok := m.sessions[id]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("session %q: %w", id, flows.ErrNoSession)
	}
	return s, nil
}

// saveOwned is Save for Handle: the store takes s over without copying it
// (nothing outside Handle holds it; it may share unchanged parts with the
// stored session it was computed from, which are never modified either).
func (m *MemoryStore) saveOwned(ctx context.Context, s *flows.Session, out []flows.OutboxItem) error {
	return m.save(ctx, s, s, out)
}

func (m *MemoryStore) save(ctx context.Context, s, c *flows.Session, out []flows.OutboxItem) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	items := make([]*memItem, 0, len(out))
	now := time.Time{}
	for _, it := range out {
		if it.ID == "" {
			return fmt.Errorf("memory store: outbox item of kind %q for session %q has no id", it.Kind, s.ID)
		}
		it = cloneItem(it)
		if it.Status == "" {
			it.Status = flows.OutboxPending
		}
		if it.ConversationID == "" {
			it.ConversationID = s.ID
		}
		if it.CreatedAt.IsZero() || it.NextAt.IsZero() {
			if now.IsZero() {
				now = m.now()
			}
			if it.CreatedAt.IsZero() {
				it.CreatedAt = now
			}
			if it.NextAt.IsZero() {
				it.NextAt = now
			}
		}
		items = append(items, &memItem{item: it})
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	var rev int64
	if cur, ok := m.sessions[s.ID]; ok {
		rev = cur.Rev
	}
	if s.Rev != rev {
		return fmt.Errorf("session %q is at revision %d, the turn started from %d: %w", s.ID, rev, s.Rev, flows.ErrConflict)
	}
	c.Rev = rev + 1
	m.sessions[s.ID] = c
	for _, mi := range items {
		if _, dup := m.byID[mi.item.ID]; dup {
			continue
		}
		m.byID[mi.item.ID] = mi
		m.items = append(m.items, mi)
	}
	s.Rev = c.Rev
	return nil
}

// Delete forgets the session id (its outbox items stay).
func (m *MemoryStore) Delete(ctx context.Context, id string) error {
	m.mu.Lock()
	delete(m.sessions, id)
	m.mu.Unlock()
	return nil
}
