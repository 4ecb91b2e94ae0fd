package flows_test

import (
	"context"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
)

// TestVIPPriorityStep pins the VIP bump of common/escalation.yaml on both
// of its handoffs (transfer in hours, after_hours_ticket out of hours): a
// VIP goes one step up and never above urgent. No conversation test can
// reach a low or urgent priority (main_menu resets it to normal and the
// triggers set high), so the priority is set in the session here.
func TestVIPPriorityStep(t *testing.T) {
	flow, diags := dsl.LoadFile("support.yaml")
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	cet := time.FixedZone("CET", 3600)
	paths := []struct {
		name string
		now  time.Time
		msgs []string // after the priority is set at the main menu
	}{
		{"transfer", time.Date(2026, 3, 3, 10, 30, 0, 0, cet), []string{"3"}},                                              // Tuesday morning
		{"after_hours_ticket", time.Date(2026, 3, 3, 20, 0, 0, 0, cet), []string{"3", "1", "la mia richiesta per domani"}}, // Tuesday evening
	}
	steps := []struct {
		vip  bool
		set  string
		want flows.Priority
	}{
		{true, "low", flows.PriorityNormal},
		{true, "normal", flows.PriorityHigh},
		{true, "high", flows.PriorityUrgent},
		{true, "urgent", flows.PriorityUrgent},
		{false, "low", flows.PriorityLow},
		{false, "urgent", flows.PriorityUrgent},
	}
	for _, p := range paths {
		for _, st := range steps {
			eng := engine.New(flow, engine.WithClock(func() time.Time { return p.now }))
			ctx := context.Background()
			s := eng.NewSession("c1", flows.Contact{ID: "+393331234567", Name: "Anna"}, "whatsapp", "it")
			var err error
			if s, _, err = eng.Turn(ctx, s, flows.Input{Kind: flows.InputMessage, Text: "ciao"}); err != nil {
				t.Fatal(err)
			}
			s.Vars["vip"], s.Vars["priority"] = st.vip, st.set
			var got *flows.Handoff
			for _, m := range p.msgs {
				var effects []flows.Effect
				if s, effects, err = eng.Turn(ctx, s, flows.Input{Kind: flows.InputMessage, Text: m}); err != nil {
					t.Fatal(err)
				}
				for _, e := range effects {
					if h, ok := e.(flows.HandoffEffect); ok {
						got = h.Handoff
					}
				}
			}
			if got == nil {
				t.Errorf("%s, vip %v, priority %s: no handoff (state %s)", p.name, st.vip, st.set, s.State)
				continue
			}
			if got.Priority != st.want {
				t.Errorf("%s, vip %v, priority %s: handed off %s, want %s", p.name, st.vip, st.set, got.Priority, st.want)
			}
		}
	}
}
