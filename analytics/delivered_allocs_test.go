// The race detector drops pooled values at random, so allocations are
// measured only without it (go test ./analytics).

//go:build !race

package analytics_test

import (
	"context"
	"testing"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
)

type discardSink struct{}

func (discardSink) Write(context.Context, ...flows.Event) error { return nil }
func (discardSink) Close() error                                { return nil }

// A delivery's event goes in a pooled slice, as a turn's: Delivered
// allocates only the event's strings (its id, the contact's pseudonym),
// not the event (most of a kilobyte, once per ticket).
func TestDeliveredAllocs(t *testing.T) {
	rec := analytics.NewRecorder(discardSink{})
	it := flows.OutboxItem{Kind: flows.OutboxOpen, Status: flows.OutboxDelivered, HandoffID: "h1", ConversationID: "c1", Attempts: 1,
		Handoff: &flows.Handoff{ID: "h1", ConversationID: "c1", Contact: flows.Contact{ID: "u1"}}, Ticket: flows.TicketRef{Connector: "webhook", ID: "T-1"}}
	rec.Delivered(context.Background(), it, nil)
	n := testing.AllocsPerRun(200, func() { rec.Delivered(context.Background(), it, nil) })
	if n > 2 {
		t.Errorf("Delivered allocates %v times, want at most 2", n)
	}
}
