package handoff

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/batonbot/baton/flows"
)

// storeLoads stands in for a session store's flows.LoadTracker (what every
// flows.Store implements): counts kept outside the Router, shared by every
// Router that uses the store.
type storeLoads struct {
	mu    sync.Mutex
	n     map[string]int
	asked [][]string
}

var _ flows.LoadTracker = (*storeLoads)(nil)

func (s *storeLoads) Loads(_ context.Context, agents []string) (map[string]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, slices.Clone(agents))
	out := map[string]int{}
	for _, a := range agents {
		out[a] = s.n[a]
	}
	return out, nil
}

func (s *storeLoads) Add(_ context.Context, agent string, delta int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[agent] = max(0, s.n[agent]+delta)
	return nil
}

// Least-loaded assignment reads the store's counts, so two Routers on one
// store (two processes, or one restarted) never pile handoffs on the same
// agent, and an agent released in the store is picked again. The counts
// change in the saves of the sessions (engine.Handle's flows.Commit.Loads),
// which the test does after each routing.
func TestLeastLoadedReadsTheStore(t *testing.T) {
	ctx := context.Background()
	store := &storeLoads{n: map[string]int{}}
	first := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(store))
	second := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(store))
	if first.Loads() != flows.LoadTracker(store) {
		t.Error("Router.Loads should return the store it counts in")
	}

	assign := func(r *Router, id string) string {
		t.Helper()
		h := &flows.Handoff{ID: id, Team: "tech"}
		d, err := r.Route(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if h.Assignee != d.Agent {
			t.Errorf("handoff assignee %q, decision %q", h.Assignee, d.Agent)
		}
		_ = store.Add(ctx, d.Agent, 1) // the session's save
		return d.Agent
	}
	if a := assign(first, "h1"); a != "ada" {
		t.Errorf("first handoff to %s, want ada (a tie goes to the first listed)", a)
	}
	if a := assign(second, "h2"); a != "linus" {
		t.Errorf("second handoff to %s, want linus: the store says ada has one open", a)
	}
	if !slices.Equal(store.asked[0], []string{"ada", "linus"}) {
		t.Errorf("Loads asked for %v, want the team's agents", store.asked[0])
	}
	// ada's ticket is solved: the save of that turn releases her.
	_ = store.Add(ctx, "ada", -1)
	if a := assign(second, "h3"); a != "ada" {
		t.Errorf("third handoff to %s, want ada, free again", a)
	}
	if store.n["ada"] != 1 || store.n["linus"] != 1 {
		t.Errorf("store counts = %v, want ada 1, linus 1", store.n)
	}
}
