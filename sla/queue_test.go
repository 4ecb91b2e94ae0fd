package sla

import (
	"context"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

func TestQueueExpectedWait(t *testing.T) {
	q := NewQueue(&Table{Default: Policy{FirstResponse: map[flows.Priority]time.Duration{flows.PriorityNormal: 2 * time.Hour}}})
	if d, n := q.Expected("support", flows.PriorityNormal); d != 2*time.Hour || n != 0 {
		t.Fatalf("no figures yet: %s, %d waiting; want the 2h target", d, n)
	}
	if d, _ := q.Expected("support", flows.PriorityLow); d != 0 {
		t.Errorf("no target, no figures: %s", d)
	}
	ctx := context.Background()
	for i, m := range []int{10, 30, 20, 50, 40} {
		id := string(rune('a' + i))
		_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, Team: "support", Handoff: id})
		_ = q.Write(ctx, flows.Event{Type: flows.EvFirstAgentReply, Team: "support", Handoff: id, WaitMS: int64(m) * 60000})
	}
	_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, Team: "support", Handoff: "x"},
		flows.Event{Type: flows.EvHandoffRequested, Team: "support", Handoff: "y"},
		flows.Event{Type: flows.EvHandoffRequested, Team: "billing", Handoff: "z"},
		flows.Event{Type: flows.EvTicketClosed, Team: "support", Handoff: "y"})
	if d, n := q.Expected("support", flows.PriorityNormal); d != 30*time.Minute || n != 1 {
		t.Errorf("live figures: %s, %d waiting; want the 30m median and 1 waiting", d, n)
	}
}
