package engine

import (
	"context"
	"errors"

	"github.com/batonbot/baton/flows"
)

var (
	_ flows.LoadTracker = (*MemoryStore)(nil)
	_ flows.LoadTracker = (*FileStore)(nil)
)

// Loads returns the open handoffs of each of agents (0 for an agent never
// counted). It implements flows.LoadTracker.
func (m *MemoryStore) Loads(ctx context.Context, agents []string) (map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int, len(agents))
	for _, a := range agents {
		out[a] = m.loads[a]
	}
	return out, nil
}

// Add changes agent's count of open handoffs by delta (+1 when routing
// assigns a handoff, -1 when its ticket is solved, closed or declined);
// a count never goes below zero. It implements flows.LoadTracker.
func (m *MemoryStore) Add(ctx context.Context, agent string, delta int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if agent == "" {
		return errors.New("engine: counting the open handoffs of an agent needs the agent's id")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLoad(agent, delta)
	return nil
}

func (m *MemoryStore) addLoad(agent string, delta int) {
	if m.loads == nil {
		m.loads = map[string]int{}
	}
	if n := max(0, m.loads[agent]+delta); n > 0 {
		m.loads[agent] = n
	} else {
		delete(m.loads, agent)
	}
}

// Add changes agent's count like MemoryStore.Add, then writes the
// snapshot; when the write fails the count is as before.
func (f *FileStore) Add(ctx context.Context, agent string, delta int) error {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	m := f.MemoryStore
	m.mu.Lock()
	old := m.loads[agent]
	m.mu.Unlock()
	if err := m.Add(ctx, agent, delta); err != nil {
		return err
	}
	if err := f.write(); err != nil {
		m.mu.Lock()
		m.addLoad(agent, old-m.loads[agent])
		m.mu.Unlock()
		return err
	}
	return nil
}
