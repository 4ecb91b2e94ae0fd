package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/batonbot/baton/flows"
)

// Every saved turn records the version the engine was given
// (WithDigest). A Handle with HoldMissing leaves a conversation whose
// state is gone from the flow when hold says so of the version that last
// saved it: nothing is written and Handle fails with ErrHeld. When hold
// says no it relocates as without the option, and a conversation whose
// state the flow has runs as usual whatever hold would say.
func TestHoldMissing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		gone     bool // the new version lacks the conversation's state
		hold     bool
		held     bool
		state    string // after the turn
		askedFor string // the version hold was asked about ("": not asked)
	}{
		{"state gone, hold", true, true, true, "ask_order", "v1"},
		{"state gone, no hold", true, false, false, "welcome", "v1"},
		{"state kept, not asked", false, true, false, "lookup", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestStore()
			v1 := New(shop(t), WithDigest("v1"))
			create := func() *flows.Session { return v1.NewSession("", flows.Contact{ID: "u"}, "web", "it") }
			msg := func(e *Engine, text string, opts ...HandleOption) ([]flows.Effect, error) {
				return e.Handle(ctx, m, "c", flows.Input{Kind: flows.InputMessage, Text: text}, create, opts...)
			}
			for _, text := range []string{"ciao", "1"} {
				if _, err := msg(v1, text); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := m.Load(ctx, "c")
			if before.State != "ask_order" || before.FlowDigest != "v1" {
				t.Fatalf("before: state %q version %q, want ask_order, v1", before.State, before.FlowDigest)
			}
			f2 := shop(t)
			if tt.gone {
				f2 = without(f2, "ask_order", "")
			}
			v2 := New(f2, WithDigest("v2"))
			asked := ""
			effs, err := msg(v2, "A12345", HoldMissing(func(version string) bool { asked = version; return tt.hold }))
			if asked != tt.askedFor {
				t.Errorf("hold asked about %q, want %q", asked, tt.askedFor)
			}
			after, _ := m.Load(ctx, "c")
			if tt.held {
				if !errors.Is(err, ErrHeld) || effs != nil {
					t.Fatalf("Handle = %v, %v; want ErrHeld and no effects", types(effs), err)
				}
				if after.Rev != before.Rev || after.FlowDigest != "v1" {
					t.Fatalf("a held turn wrote the session: %+v", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, reloaded := find[flows.Reloaded](effs); reloaded != tt.gone {
				t.Errorf("reloaded event %v, want %v: %s", reloaded, tt.gone, types(effs))
			}
			if after.State != tt.state || after.FlowDigest != "v2" {
				t.Errorf("after: state %q version %q, want %q, v2", after.State, after.FlowDigest, tt.state)
			}
		})
	}
}
