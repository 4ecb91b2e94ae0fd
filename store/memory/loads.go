package memory

import (
	"context"
	"errors"
)

// Loads returns the open handoffs of each of agents (0 for an agent never
// counted). It implements flows.LoadTracker.
func (m *Store) Loads(ctx context.Context, agents []string) (map[string]int, error) {
	if err := m.live(ctx); err != nil {
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

// Add changes agent's count of open handoffs by delta; a count never goes
// below zero. Turns change counts with their session (flows.Commit.Loads);
// Add is for corrections.
func (m *Store) Add(ctx context.Context, agent string, delta int) error {
	if err := m.live(ctx); err != nil {
		return err
	}
	if agent == "" {
		return errors.New("memory store: counting the open handoffs of an agent needs the agent's id")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLoad(agent, delta)
	return nil
}

// addLoad changes agent's count; the caller holds m.mu.
func (m *Store) addLoad(agent string, delta int) {
	if n := max(0, m.loads[agent]+delta); n > 0 {
		m.loads[agent] = n
	} else {
		delete(m.loads, agent)
	}
}

// hold records that conversation conv's save changed agent's count by
// delta (what it holds never goes below zero); the caller holds m.mu.
func (m *Store) hold(conv, agent string, delta int) {
	h := m.held[conv]
	if n := max(0, h[agent]+delta); n > 0 {
		if h == nil {
			h = map[string]int{}
			m.held[conv] = h
		}
		h[agent] = n
	} else if h != nil {
		if delete(h, agent); len(h) == 0 {
			delete(m.held, conv)
		}
	}
}
