package handoff

import (
	"context"
	"strings"
	"sync"

	"github.com/batonbot/baton/flows"
)

// MemLoads is an in-memory flows.LoadTracker, safe for concurrent use: the
// Router's default, which forgets on restart and is not shared between
// processes. Deployments pass their session store instead (RouterLoads),
// which keeps the counts with the sessions.
type MemLoads struct {
	mu sync.Mutex
	n  map[string]int
}

var _ flows.LoadTracker = (*MemLoads)(nil)

// NewMemLoads returns an empty MemLoads.
func NewMemLoads() *MemLoads { return &MemLoads{n: map[string]int{}} }

// Loads implements flows.LoadTracker.
func (m *MemLoads) Loads(_ context.Context, agents []string) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int, len(agents))
	for _, a := range agents {
		out[a] = m.n[a]
	}
	return out, nil
}

// Add implements flows.LoadTracker.
func (m *MemLoads) Add(_ context.Context, agent string, delta int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]int{}
	}
	m.n[agent] = max(0, m.n[agent]+delta)
	return nil
}

// assign picks an agent of team by its strategy, or "" when the team
// lists none.
func (r *Router) assign(ctx context.Context, t *ConfigTeam, skills []string, lang string) (string, error) {
	if t == nil || len(t.Agents) == 0 {
		return "", nil
	}
	switch t.Strategy {
	case StrategyLeastLoaded:
		return r.leastLoaded(ctx, t.Agents)
	case StrategySkills:
		return r.bySkills(ctx, t.Agents, skills, lang)
	default:
		r.mu.Lock()
		i := r.next[t.Name] % len(t.Agents)
		r.next[t.Name] = i + 1
		r.mu.Unlock()
		return t.Agents[i].ID, nil
	}
}

// leastLoaded returns the agent with the fewest open handoffs, the first
// listed on a tie.
func (r *Router) leastLoaded(ctx context.Context, agents []ConfigAgent) (string, error) {
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.ID
	}
	loads, err := r.loads.Loads(ctx, ids)
	if err != nil {
		return "", err
	}
	best := ""
	for _, id := range ids {
		if best == "" || loads[id] < loads[best] {
			best = id
		}
	}
	return best, nil
}

// bySkills keeps the agents with the most of the required skills, then
// those who speak lang (when any does), then the least loaded.
func (r *Router) bySkills(ctx context.Context, agents []ConfigAgent, skills []string, lang string) (string, error) {
	bestScore := -1
	var cands []ConfigAgent
	for _, a := range agents {
		score := 0
		for _, s := range skills {
			if assignHas(a.Skills, s) {
				score++
			}
		}
		switch {
		case score > bestScore:
			bestScore, cands = score, []ConfigAgent{a}
		case score == bestScore:
			cands = append(cands, a)
		}
	}
	if lang != "" {
		var speakers []ConfigAgent
		for _, a := range cands {
			if assignSpeaks(a.Languages, lang) {
				speakers = append(speakers, a)
			}
		}
		if len(speakers) > 0 {
			cands = speakers
		}
	}
	return r.leastLoaded(ctx, cands)
}

func assignHas(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// assignSpeaks matches "pt" with "pt-BR" both ways.
func assignSpeaks(langs []string, lang string) bool {
	base := func(s string) string {
		b, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(s, "_", "-")), "-")
		return b
	}
	for _, l := range langs {
		if base(l) == base(lang) {
			return true
		}
	}
	return false
}
