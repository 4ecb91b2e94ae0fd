package handoff

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/batonbot/baton/flows"
)

// A host that routes a handoff again (engine.Handle retrying a turn after
// a conflict) gets the same decision, and the agent is counted once.
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
	first.Tags[0] = "changed by the caller"
	again, h := route("h1")
	if again.Agent != "ada" || first.Agent != "ada" || h.Team != "tech" || h.Assignee != "ada" || !slices.Equal(h.Tags, []string{"whatsapp"}) || !slices.Equal(again.Tags, []string{"whatsapp"}) {
		t.Fatalf("routed again: %+v, handoff team %q assignee %q tags %q", again, h.Team, h.Assignee, h.Tags)
	}
	if d, _ := route("h2"); d.Agent != "linus" {
		t.Errorf("another handoff goes to the other agent, got %q", d.Agent)
	}
	if l, _ := loads.Loads(ctx, []string{"ada", "linus"}); l["ada"] != 1 || l["linus"] != 1 {
		t.Errorf("loads %v, want one each", l)
	}
}

func TestRouteRemembersABoundedNumber(t *testing.T) {
	ctx := context.Background()
	loads := NewMemLoads()
	r := newTestRouter(t, routeTestConfig(t), monday10, RouterLoads(loads), RouterMemory(2))
	for _, id := range []string{"h1", "h2", "h3", "h3", "h1"} { // h1 is forgotten by the time it comes back
		if _, err := r.Route(ctx, &flows.Handoff{ID: id, Team: "rr"}); err != nil {
			t.Fatal(err)
		}
	}
	if l, _ := loads.Loads(ctx, []string{"a1", "a2", "a3"}); l["a1"] != 2 || l["a2"] != 1 || l["a3"] != 1 {
		t.Errorf("loads %v: want h1 counted twice (forgotten), h3 once", l)
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
	l, _ := loads.Loads(ctx, []string{"a1", "a2", "a3"})
	if l["a1"]+l["a2"]+l["a3"] != 1 || l[agents[0]] != 1 {
		t.Errorf("loads %v, want 1 for %s", l, agents[0])
	}
}
