package engine

import (
	"context"
	"testing"

	"github.com/batonbot/baton/flows"
)

// The agent the hook assigns is kept in the saved session's HandoffRef, so
// the host knows whose load to release when the ticket is solved.
func TestHandoffHookAssigneeIsSaved(t *testing.T) {
	for _, agent := range []string{"anna@acme.example", ""} {
		host := newHandoffHost(t, func(_ context.Context, _ *flows.Session, h *flows.Handoff) error {
			h.Assignee = agent
			return nil
		})
		host.must("ciao")
		host.must("operatore")
		s, err := host.store.Load(context.Background(), "c1")
		if err != nil {
			t.Fatal(err)
		}
		if s.Handoff == nil || s.Handoff.ID != "c1-2-1" || s.Handoff.Assignee != agent {
			t.Errorf("saved handoff ref = %+v, want assignee %q", s.Handoff, agent)
		}
	}
}
