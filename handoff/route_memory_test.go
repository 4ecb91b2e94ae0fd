package handoff

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/batonbot/baton/flows"
)

// A host that routes a handoff again (engine.Handle retrying a turn after
// a conflict) gets the same decision; routing counts nothing (the saved
// turn does, once).
func TestRouteIsIdempotentPerHandoff(t *testing.T) {
	ctx := context.Background()
	loads := NewMemLoads()
	r := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(loads))
	route := func(id string) (Decision, *flows.Handoff) {
		t.Helper()
		h := &flows.Handoff{ID: id, Team: "tech", Tags: []string{"whatsapp"}}
		d, err := r.Route(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		return d, h
	}
	first, _ := route("h1")
	_ = loads.Add(ctx, first.Agent, 1) // the turn's save
	first.Tags[0] = "changed by the caller"
	again, h := route("h1")
	if again.Agent != "ada" || first.Agent != "ada" || h.Team != "tech" || h.Assignee != "ada" || !slices.Equal(h.Tags, []string{"whatsapp"}) || !slices.Equal(again.Tags, []string{"whatsapp"}) {
		t.Fatalf("routed again: %+v, handoff team %q assignee %q tags %q", again, h.Team, h.Assignee, h.Tags)
	}
	if d, _ := route("h2"); d.Agent != "linus" {
		t.Errorf("another handoff goes to the other agent, got %q", d.Agent)
	}
	if l, _ := loads.Loads(ctx, []string{"ada", "linus"}); l["ada"] != 1 || l["linus"] != 0 {
		t.Errorf("loads %v, want ada's one save only", l)
	}
}

func TestRouteRemembersABoundedNumber(t *testing.T) {
	ctx := context.Background()
	loads := NewMemLoads()
	r := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(loads), RouterMemory(2))
	var agents []string
	for _, id := range []string{"h1", "h2", "h3", "h3", "h1"} { // h1 is forgotten by the time it comes back
		d, err := r.Route(ctx, &flows.Handoff{ID: id, Team: "rr"})
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, d.Agent)
	}
	if !slices.Equal(agents, []string{"a1", "a2", "a3", "a3", "a1"}) {
		t.Errorf("agents %q: want h3 remembered, h1 routed anew (forgotten)", agents)
	}
	if l, _ := loads.Loads(ctx, []string{"a1", "a2", "a3"}); l["a1"]+l["a2"]+l["a3"] != 0 {
		t.Errorf("routing counted loads %v; the saves count them", l)
	}
	if len(r.recent) != 2 || len(r.order) != 2 {
		t.Errorf("remembers %d decisions, want 2", len(r.recent))
	}
}

func TestRouteSameHandoffConcurrently(t *testing.T) {
	ctx := context.Background()
	loads := NewMemLoads()
	r := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(loads))
	var wg sync.WaitGroup
	agents := make([]string, 8)
	for i := range agents {
		wg.Go(func() {
			d, err := r.Route(ctx, &flows.Handoff{ID: "h1", Team: "rr"})
			if err != nil {
				t.Error(err)
			}
			agents[i] = d.Agent
		})
	}
	wg.Wait()
	for _, a := range agents {
		if a != agents[0] {
			t.Fatalf("agents %q: one handoff, one agent", agents)
		}
	}
	if l, _ := loads.Loads(ctx, []string{"a1", "a2", "a3"}); l["a1"]+l["a2"]+l["a3"] != 0 {
		t.Errorf("routing counted loads %v; the saves count them", l)
	}
}
