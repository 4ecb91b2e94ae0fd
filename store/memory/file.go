package memory

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/batonbot/baton/flows"
)

// fileSnapshot is the JSON file OpenFile keeps: the format of the file
// store Baton had before store/bolt.
type fileSnapshot struct {
	Sessions map[string]*flows.Session  `json:"sessions"`
	Outbox   []flows.OutboxItem         `json:"outbox"`
	Tickets  map[string]flows.TicketRef `json:"tickets,omitempty"`
	Loads    map[string]int             `json:"loads,omitempty"`
	Version  int                        `json:"version"`
}

// fileBacking writes a Store to a JSON file after every change.
type fileBacking struct {
	path string
	last []byte // the last snapshot written, to undo a change the file did not take
}

// OpenFile opens (or creates) a memory store kept in the JSON file at
// path: after every change of its sessions, outbox or loads it writes a
// snapshot of them, atomically (a temporary file renamed over the old
// one). When the snapshot cannot be written the change is undone and the
// error returned. Timers, dedupe keys and the inbox are not kept.
func OpenFile(path string, opts ...Option) (*Store, error) {
	m := New(opts...)
	fb := &fileBacking{path: path}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("file store: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("file store: %w", err)
	default:
		var snap fileSnapshot
		if err := json.Unmarshal(b, &snap); err != nil || snap.Version == 0 {
			if err == nil {
				err = errors.New("no version")
			}
			return nil, fmt.Errorf("file store %s: not a Baton store file (%v); move it away or pass another path", path, err)
		}
		m.restore(snap)
		fb.last = b
	}
	m.file = fb
	return m, nil
}

// restore replaces m's sessions, outbox and loads with snap's. The caller
// holds m.mu or owns m.
func (m *Store) restore(snap fileSnapshot) {
	now := m.now()
	m.sessions = make(map[string]*entry, len(snap.Sessions))
	for id, s := range snap.Sessions {
		if s != nil {
			m.sessions[id] = &entry{s: s, touched: now}
		}
	}
	m.items, m.byID, m.delivered = nil, make(map[string]*item), 0
	for _, it := range snap.Outbox {
		mi := &item{it: it}
		m.items = append(m.items, mi)
		m.byID[it.ID] = mi
		if it.Status == flows.OutboxDelivered {
			m.delivered++
		}
	}
	m.tickets = make(map[string]ticket, len(snap.Tickets))
	for id, t := range snap.Tickets {
		m.tickets[id] = ticket{ref: t, at: now}
	}
	m.loads = make(map[string]int, len(snap.Loads))
	for agent, n := range snap.Loads {
		if n > 0 {
			m.loads[agent] = n
		}
	}
}

// persist writes m's snapshot when m is kept in a file; when that fails it
// undoes the change since the last snapshot and returns the error. The
// caller holds m.mu.
func (m *Store) persist() error {
	if m.file == nil {
		return nil
	}
	snap := fileSnapshot{Version: 1, Sessions: make(map[string]*flows.Session, len(m.sessions)),
		Tickets: make(map[string]flows.TicketRef, len(m.tickets)), Loads: m.loads}
	for id, e := range m.sessions {
		snap.Sessions[id] = e.s
	}
	snap.Outbox = make([]flows.OutboxItem, len(m.items))
	for i, mi := range m.items {
		snap.Outbox[i] = mi.it
	}
	for id, t := range m.tickets {
		snap.Tickets[id] = t.ref
	}
	b, err := json.Marshal(snap)
	if err == nil {
		err = writeFile(m.file.path, b)
	}
	if err != nil {
		var last fileSnapshot
		if m.file.last != nil {
			_ = json.Unmarshal(m.file.last, &last)
		}
		m.restore(last)
		return fmt.Errorf("file store: %w", err)
	}
	m.file.last = b
	return nil
}

// writeFile replaces path with b atomically.
func writeFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baton-store-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
