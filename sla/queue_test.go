package sla

import (
	"context"
	"strconv"
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

// A handoff the bot took back before any agent answered, and one whose
// conversation expired while it waited (no callback ever came), were
// counted as waiting for ever: the queue a customer is told of only grew.
func TestQueueForgetsHandoffsThatNoLongerWait(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	q := NewQueue(&Table{}, QueueMaxAge(24*time.Hour), QueueClock(func() time.Time { return t0.Add(25 * time.Hour) }))
	_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, Team: "support", Handoff: "resumed", At: t0},
		flows.Event{Type: flows.EvHandoffRequested, Team: "support", Handoff: "expired", At: t0},
		flows.Event{Type: flows.EvHandoffRequested, Team: "billing", Handoff: "expired too", At: t0},
		flows.Event{Type: flows.EvBotResumed, Team: "support", Handoff: "resumed", At: t0.Add(time.Minute)})
	if _, n := q.Expected("support", flows.PriorityNormal); n != 1 {
		t.Errorf("%d waiting for support; the one the bot took back no longer waits", n)
	}
	_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, Team: "support", Handoff: "new", At: t0.Add(25 * time.Hour)})
	if _, n := q.Expected("support", flows.PriorityNormal); n != 1 {
		t.Errorf("%d waiting for support; want the new one only, the one past the max age forgotten", n)
	}
	if _, n := q.Expected("billing", flows.PriorityNormal); n != 0 || len(q.waiting) != 1 {
		t.Errorf("%d waiting for billing, %d teams held; want none", n, len(q.waiting))
	}
}

// A handoff whose wait ends without a first reply or a ticket event (the
// conversation went back to the bot, the customer closed it, the handoff
// was declined) no longer counts as waiting.
func TestQueueForgetsHandoffsThatStopWaiting(t *testing.T) {
	ctx := context.Background()
	for _, end := range []flows.Event{
		{Type: flows.EvBotResumed, Conversation: "c1", Team: "support", Handoff: "h1"},
		{Type: flows.EvConversationEnded, Conversation: "c1", Reason: "customer_closed"},
		{Type: flows.EvConversationEnded, Conversation: "c1", Reason: "handoff_declined"},
	} {
		q := NewQueue(&Table{})
		_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, Conversation: "c1", Team: "support", Handoff: "h1"},
			flows.Event{Type: flows.EvHandoffRequested, Conversation: "c2", Team: "support", Handoff: "h2"})
		_ = q.Write(ctx, end)
		if _, n := q.Expected("support", flows.PriorityNormal); n != 1 {
			t.Errorf("after %s (%s): %d waiting, want 1", end.Type, end.Reason, n)
		}
	}
}

// The cap on the handoffs the queue remembers is per team, but it was
// compared with the handoffs waiting for every team: once a busy team
// had maxWaiting waiting, a quiet team's new handoffs were no longer
// counted, and its customers were told nobody was ahead of them.
func TestQueueCapIsPerTeam(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	q := NewQueue(&Table{})
	busy := make([]flows.Event, maxWaiting)
	for i := range busy {
		id := strconv.Itoa(i)
		busy[i] = flows.Event{Type: flows.EvHandoffRequested, At: t0, Team: "support", Handoff: "h" + id, Conversation: "c" + id}
	}
	_ = q.Write(ctx, busy...)
	_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, At: t0, Team: "billing", Handoff: "b1", Conversation: "quiet1"},
		flows.Event{Type: flows.EvHandoffRequested, At: t0, Team: "billing", Handoff: "b2", Conversation: "quiet2"})
	if _, n := q.Expected("billing", flows.PriorityNormal); n != 2 {
		t.Errorf("billing has %d waiting behind a full support queue; want 2", n)
	}
	if _, n := q.Expected("support", flows.PriorityNormal); n != maxWaiting {
		t.Errorf("support has %d waiting; want the cap, %d", n, maxWaiting)
	}
	_ = q.Write(ctx, flows.Event{Type: flows.EvConversationEnded, At: t0, Conversation: "quiet1"})
	if _, n := q.Expected("billing", flows.PriorityNormal); n != 1 {
		t.Errorf("billing has %d waiting after a conversation ended; want 1", n)
	}
}

// TestQueueWaitLeavesOutAfterHoursTickets: tickets opened while the team
// was closed get their first reply the next morning; their 14-hour waits
// are not what a customer handing off in hours waits, and told as the
// expected wait they promised "within 14 hours" at 10:00.
func TestQueueWaitLeavesOutAfterHoursTickets(t *testing.T) {
	ctx := context.Background()
	q := NewQueue(&Table{})
	closed, open := false, true
	waits := []struct {
		minutes int
		in      *bool
	}{{10, &open}, {840, &closed}, {20, &open}, {780, &closed}, {900, &closed}, {30, &open}, {15, nil}, {25, &open}, {860, &closed}, {820, &closed}, {870, &closed}}
	for i, w := range waits {
		id := "h" + strconv.Itoa(i)
		_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, Team: "support", Handoff: id, Conversation: "c" + id, InHours: w.in},
			flows.Event{Type: flows.EvFirstAgentReply, Team: "support", Handoff: id, Conversation: "c" + id, WaitMS: int64(w.minutes) * 60000})
	}
	if d, n := q.Expected("support", flows.PriorityNormal); d != 20*time.Minute || n != 0 {
		t.Errorf("expected wait %s, %d waiting; want the 20m median of the in-hours replies", d, n)
	}
}

// One event dated far ahead (a host's clock gone wrong, a provider's bad
// timestamp) moved the queue's time there: every handoff waiting was
// taken for one past the max age and forgotten, and the customers next
// in line were told nobody was ahead of them. An event is now read at
// most at the queue's clock, and told to QueueOnFuture.
func TestQueueEventFromTheFutureForgetsNobody(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	now := t0
	var future []flows.EventType
	q := NewQueue(&Table{}, QueueMaxAge(24*time.Hour), QueueClock(func() time.Time { return now }),
		QueueOnFuture(func(ev *flows.Event) { future = append(future, ev.Type) }))
	_ = q.Write(ctx, flows.Event{Type: flows.EvHandoffRequested, Conversation: "c1", Team: "support", Handoff: "h1", At: t0})
	now = t0.Add(2 * time.Minute)
	_ = q.Write(ctx, flows.Event{Type: flows.EvMessageIn, Conversation: "c2", At: t0.AddDate(1, 0, 0)},
		flows.Event{Type: flows.EvHandoffRequested, Conversation: "c2", Team: "billing", Handoff: "h2", At: t0.AddDate(1, 0, 0)})
	if _, n := q.Expected("support", flows.PriorityNormal); n != 1 {
		t.Errorf("%d waiting for support after an event dated a year ahead; want 1", n)
	}
	if _, n := q.Expected("billing", flows.PriorityNormal); n != 1 {
		t.Errorf("%d waiting for billing; the handoff dated a year ahead still waits", n)
	}
	if len(future) != 2 {
		t.Errorf("told of %v as dated ahead of the clock; want both events", future)
	}
	// The handoff dated ahead waits from when it was read: past the max
	// age, it is forgotten like the others.
	now = t0.Add(25 * time.Hour)
	_ = q.Write(ctx, flows.Event{Type: flows.EvMessageIn, Conversation: "c3", At: now})
	if _, n := q.Expected("billing", flows.PriorityNormal); n != 0 {
		t.Errorf("%d waiting for billing a day later; want the handoff dated ahead forgotten past the max age", n)
	}
	if _, n := q.Expected("support", flows.PriorityNormal); n != 0 {
		t.Errorf("%d waiting for support a day later; want none", n)
	}
	if len(future) != 2 {
		t.Errorf("told of %v; an event dated now is not ahead", future)
	}
}
