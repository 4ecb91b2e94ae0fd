package kpi_test

import (
	"testing"
	"time"

	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/flows"
)

// ev builds one event by hand for the edge cases below.
func ev(typ flows.EventType, conv string, at time.Time, fill ...func(*flows.Event)) flows.Event {
	e := flows.Event{V: 1, Type: typ, At: at, Conversation: conv, Contact: "c" + conv, Flow: "f", Channel: "web", Lang: "en"}
	for _, f := range fill {
		f(&e)
	}
	return e
}

func TestTeamFilterEscalationRate(t *testing.T) {
	events := goldenEvents(t)
	// Both handoffs of the golden script go to support: with --team
	// billing there is no escalation, with --team support the rate is
	// the unfiltered one (D and E of 7).
	r := compute(events, kpi.Options{Team: "billing"})
	if r.EscalationRate != 0 || r.TimeToHandoff.Count != 0 || r.Turns.BeforeHandoff != 0 {
		t.Errorf("team billing: escalation rate %v, time to handoff %+v, turns before handoff %v, want none",
			r.EscalationRate, r.TimeToHandoff, r.Turns.BeforeHandoff)
	}
	for _, b := range r.Series {
		if b.Escalated != 0 {
			t.Errorf("team billing: series bucket %s has %d escalated, want 0", b.Start, b.Escalated)
		}
	}
	r = compute(events, kpi.Options{Team: "support"})
	if !near(r.EscalationRate, 2.0/7) || r.TimeToHandoff.Count != 2 {
		t.Errorf("team support: escalation rate %v, time to handoff %+v, want 2/7 and 2", r.EscalationRate, r.TimeToHandoff)
	}
}
