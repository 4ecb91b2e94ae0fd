package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// The environment holds what the turn's expressions read, with the values
// they had when they ran; $env reads everything.
func TestEnvHoldsWhatExpressionsRead(t *testing.T) {
	b := newFlow(t, "a", map[string]any{"x": 1, "y": "why", "z": nil})
	b.state("a", &flows.State{Actions: []flows.Action{
		b.say("{{ x }} {{ state }}"),
		b.set("x", "x + 1"),
		b.say("{{ x }} {{ y }} {{ user.name }} {{ $env[\"y\"] }} {{ $env.z == nil }} {{ state }} {{ trigger }}"),
	}, Routes: []*flows.Rule{{Keywords: kw("never")}}})
	e := New(b.f, WithClock(func() time.Time { return t0 }))
	s := e.NewSession("c", flows.Contact{ID: "u", Name: "Anna"}, "web", "it")
	_, effs, err := e.Turn(context.Background(), s, flows.Input{Kind: flows.InputMessage, Text: "ciao"})
	if err != nil {
		t.Fatal(err)
	}
	got := replies(effs)
	want := []string{"1 a", "2 why Anna why true a "}
	if !slices.Equal(got, want) {
		t.Fatalf("replies %q, want %q (effects %s)", got, want, types(effs))
	}
	names := e.namesOf(b.expr("x + len(y) > 2 && user.name != ''").Program)
	slices.Sort(names.names)
	if !slices.Equal(names.names, []string{"user", "x", "y"}) || names.all {
		t.Errorf("names %+v", names)
	}
	if n := e.namesOf(b.expr("$env.x").Program); !n.all {
		t.Errorf("$env not seen: %+v", n)
	}
}
