package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/batonbot/baton/flows"
)

var (
	_ flows.SessionStore = (*FileStore)(nil)
	_ flows.Outbox       = (*FileStore)(nil)
)

// FileStore is a MemoryStore that survives restarts: after every change it
// writes a snapshot of its sessions and outbox to a JSON file, atomically
// (a temporary file renamed over the old one), so a crash loses no saved
// turn and no handoff. It suits one process on one machine (the sandbox
// with --live, `baton handoff list|retry`, a small deployment); several
// processes need a shared store such as Valkey.
type FileStore struct {
	*MemoryStore
	path string
	// wmu serialises snapshot writes; the MemoryStore's own lock guards the
	// data while a snapshot is taken.
	wmu sync.Mutex
}

type fileSnapshot struct {
	Sessions map[string]*flows.Session  `json:"sessions"`
	Outbox   []flows.OutboxItem         `json:"outbox"`
	Tickets  map[string]flows.TicketRef `json:"tickets,omitempty"`
	// Loads are the agents' open handoffs (flows.LoadTracker); stores
	// written before they were kept have none, read as all zero.
	Loads   map[string]int `json:"loads,omitempty"`
	Version int            `json:"version"`
}

// OpenFileStore opens (or creates) the store kept in the file at path.
func OpenFileStore(path string, opts ...StoreOption) (*FileStore, error) {
	f := &FileStore{MemoryStore: NewMemoryStore(opts...), path: path}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("file store: %w", err)
		}
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("file store: %w", err)
	}
	var snap fileSnapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("file store %s: not a Baton store file (%v); move it away or pass another path", path, err)
	}
	m := f.MemoryStore
	for id, s := range snap.Sessions {
		if s != nil {
			m.sessions[id] = s
		}
	}
	for _, it := range snap.Outbox {
		mi := &memItem{item: it}
		m.items = append(m.items, mi)
		m.byID[it.ID] = mi
		if it.Status == flows.OutboxDelivered {
			m.delivered++
		}
	}
	for id, t := range snap.Tickets {
		m.tickets[id] = t
	}
	for agent, n := range snap.Loads {
		if n > 0 {
			m.addLoad(agent, n)
		}
	}
	return f, nil
}

// Save stores s and its outbox items, then writes the snapshot. When the
// snapshot cannot be written the save is undone: the error means nothing
// was saved, as for any store, so the host may retry the turn.
func (f *FileStore) Save(ctx context.Context, s *flows.Session, out ...flows.OutboxItem) error {
	if s == nil {
		return f.MemoryStore.Save(ctx, s, out...) // says what is wrong
	}
	f.wmu.Lock()
	defer f.wmu.Unlock()
	m := f.MemoryStore
	rev := s.Rev
	m.mu.Lock()
	prev := m.sessions[s.ID]
	existed := make(map[string]bool, len(out))
	for _, it := range out {
		_, existed[it.ID] = m.byID[it.ID]
	}
	m.mu.Unlock()
	if err := m.Save(ctx, s, out...); err != nil {
		return err
	}
	if err := f.write(); err != nil {
		m.mu.Lock()
		if prev != nil {
			m.sessions[s.ID] = prev
		} else {
			delete(m.sessions, s.ID)
		}
		added := map[*memItem]bool{}
		for _, it := range out {
			if mi, ok := m.byID[it.ID]; ok && !existed[it.ID] {
				added[mi] = true
				delete(m.byID, it.ID)
			}
		}
		kept := m.items[:0]
		for _, mi := range m.items {
			if !added[mi] {
				kept = append(kept, mi)
			}
		}
		clear(m.items[len(kept):])
		m.items = kept
		m.mu.Unlock()
		s.Rev = rev
		return err
	}
	return nil
}

// Settle records a delivery outcome, then writes the snapshot.
func (f *FileStore) Settle(ctx context.Context, item flows.OutboxItem) error {
	if err := f.MemoryStore.Settle(ctx, item); err != nil {
		return err
	}
	return f.flush()
}

// Delete forgets a session, then writes the snapshot.
func (f *FileStore) Delete(ctx context.Context, id string) error {
	if err := f.MemoryStore.Delete(ctx, id); err != nil {
		return err
	}
	return f.flush()
}

// Claim leases due items. Leases are not persisted: after a restart every
// pending item is claimable again, and connectors' idempotency on the
// handoff id keeps a re-delivery from opening a second ticket.
func (f *FileStore) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.OutboxItem, error) {
	return f.MemoryStore.Claim(ctx, now, lease, max)
}

func (f *FileStore) flush() error {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	return f.write()
}

// write writes the snapshot; the caller holds f.wmu.
func (f *FileStore) write() error {
	m := f.MemoryStore
	m.mu.Lock()
	snap := fileSnapshot{Version: 1, Sessions: make(map[string]*flows.Session, len(m.sessions)), Tickets: make(map[string]flows.TicketRef, len(m.tickets))}
	for id, s := range m.sessions {
		snap.Sessions[id] = s // stored sessions are replaced, never changed in place
	}
	snap.Outbox = make([]flows.OutboxItem, len(m.items))
	for i, mi := range m.items {
		snap.Outbox[i] = mi.item
	}
	for id, t := range m.tickets {
		snap.Tickets[id] = t
	}
	if len(m.loads) > 0 {
		snap.Loads = maps.Clone(m.loads)
	}
	b, err := json.Marshal(snap)
	m.mu.Unlock()
	if err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".baton-store-*")
	if err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("file store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("file store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	return nil
}
