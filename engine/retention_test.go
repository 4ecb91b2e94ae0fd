package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// A long-running store forgets old deliveries but never a pending or dead
// item, and a closed ticket's entry goes with its close.
func TestMemoryStoreRetention(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	m := NewMemoryStore(WithStoreClock(func() time.Time { return now }), WithDeliveredRetention(2))
	deliver := func(status flows.OutboxStatus) {
		t.Helper()
		items, err := m.Claim(ctx, now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			it.Status, it.Ticket = status, flows.TicketRef{Connector: "zendesk", ID: "T-" + it.HandoffID}
			if err := m.Settle(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 1; i <= 4; i++ {
		s := &flows.Session{ID: fmt.Sprintf("c%d", i)}
		hid := fmt.Sprintf("h%d", i)
		if err := m.Save(ctx, s, flows.OutboxItem{ID: hid + "-open", Kind: flows.OutboxOpen, HandoffID: hid}); err != nil {
			t.Fatal(err)
		}
	}
	deliver(flows.OutboxDelivered)
	s := &flows.Session{ID: "c5"}
	if err := m.Save(ctx, s, flows.OutboxItem{ID: "h5-open", Kind: flows.OutboxOpen, HandoffID: "h5"}); err != nil {
		t.Fatal(err)
	}
	deliver(flows.OutboxDead)

	ids := func(status flows.OutboxStatus) string {
		items, _ := m.List(ctx, status)
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return strings.Join(out, " ")
	}
	if got := ids(flows.OutboxDelivered); got != "h3-open h4-open" {
		t.Errorf("delivered kept = %q; want the newest two, h3 and h4", got)
	}
	if got := ids(flows.OutboxDead); got != "h5-open" {
		t.Errorf("dead = %q; dead letters are never dropped", got)
	}

	// An append still finds the ticket of an open delivered long ago, and
	// the close drops it.
	s4 := &flows.Session{ID: "c4", Rev: 1}
	if err := m.Save(ctx, s4, flows.OutboxItem{ID: "h4-close", Kind: flows.OutboxClose, HandoffID: "h4"}); err != nil {
		t.Fatal(err)
	}
	items, _ := m.Claim(ctx, now, time.Minute, 10)
	if len(items) != 1 || items[0].Ticket.ID != "T-h4" {
		t.Fatalf("close claimed = %+v; want it with the open's ticket", items)
	}
	items[0].Status = flows.OutboxDelivered
	if err := m.Settle(ctx, items[0]); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.tickets["h4"]; ok {
		t.Error("a delivered close left its ticket in the store")
	}
}
