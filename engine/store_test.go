package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

// testStore is the session store of the engine's tests: it keeps sessions
// and what their saves commit, so tests can check both. (The stores
// themselves are in store/ and pass store/storetest.)
type testStore struct {
	mu       sync.Mutex
	sessions map[string]*flows.Session
	claimed  map[string]*flows.Session // the revision whose transcript tail a turn took, by id
	items    []flows.OutboxItem
	loads    map[string]int
	timers   map[string]time.Time // key → due
	saves    int
}

var _ flows.SessionStore = (*testStore)(nil)

func newTestStore() *testStore {
	return &testStore{sessions: map[string]*flows.Session{}, claimed: map[string]*flows.Session{}, loads: map[string]int{}, timers: map[string]time.Time{}}
}

func (m *testStore) Load(ctx context.Context, id string) (*flows.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, fmt.Errorf("session %q: %w", id, flows.ErrNoSession)
	}
	return s.Clone(), nil
}

func (m *testStore) Save(ctx context.Context, s *flows.Session, c flows.Commit) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.bump(s); err != nil {
		return err
	}
	m.sessions[s.ID] = s.Clone()
next:
	for _, it := range c.Outbox {
		for _, have := range m.items {
			if have.ID == it.ID {
				continue next
			}
		}
		m.items = append(m.items, it.Clone())
	}
	for a, d := range c.Loads {
		m.loads[a] = max(0, m.loads[a]+d)
	}
	for _, t := range c.Timers {
		if t.At.IsZero() {
			delete(m.timers, t.Key)
		} else {
			m.timers[t.Key] = t.At
		}
	}
	return nil
}

// bump checks s.Rev against the stored revision and moves it on; the
// caller holds m.mu.
func (m *testStore) bump(s *flows.Session) error {
	var rev int64
	if cur, ok := m.sessions[s.ID]; ok {
		rev = cur.Rev
	}
	if s.Rev != rev {
		return fmt.Errorf("session %q at %d, saved from %d: %w", s.ID, rev, s.Rev, flows.ErrConflict)
	}
	s.Rev = rev + 1
	m.saves++
	return nil
}

func (m *testStore) Delete(ctx context.Context, id string) error {
	m.mu.Lock()
	delete(m.sessions, id)
	m.mu.Unlock()
	return nil
}

// List returns the saved outbox items of kind (all when empty).
func (m *testStore) List(kind flows.OutboxKind) []flows.OutboxItem {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.OutboxItem
	for _, it := range m.items {
		if kind == "" || it.Kind == kind {
			out = append(out, it)
		}
	}
	return out
}

// sharedStore is a testStore that lends Handle its sessions and takes the
// new ones over without copies, as store/memory does (the fast path).
type sharedStore struct{ *testStore }

func newSharedStore() sharedStore { return sharedStore{newTestStore()} }

func (m sharedStore) LoadShared(ctx context.Context, id string) (*flows.Session, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, false, fmt.Errorf("session %q: %w", id, flows.ErrNoSession)
	}
	tail := m.claimed[id] != s
	m.claimed[id] = s
	return s, tail, nil
}

func (m sharedStore) SaveOwned(ctx context.Context, s *flows.Session, c flows.Commit) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.bump(s); err != nil {
		return err
	}
	m.sessions[s.ID] = s
	m.items = append(m.items, c.Outbox...)
	return nil
}
