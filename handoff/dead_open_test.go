package handoff_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/handoff/handofftest"
	"github.com/batonbot/baton/store/memory"
)

// TestDeadOpenTakesItsItems: with the memory store, an open that dies
// (Zendesk refuses the token) takes its handoff's appends and close with
// it, at once, instead of leaving them pending for ever; a message written
// after that is dead too; `retry` of the open brings them all back, and
// once the token is fixed they are delivered in order.
func TestDeadOpenTakesItsItems(t *testing.T) {
	ctx := context.Background()
	clock := handofftest.NewClock(time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC))
	zd := handofftest.NewZendesk(t, clock, "bot@acme.test", "right-token", "")
	store := memory.New(memory.WithClock(clock.Now))
	deliverer := func(token string) *handoff.Deliverer {
		z, err := handoff.NewZendesk("", handoff.ZendeskAPIToken("bot@acme.test", token), handoff.WithBaseURL(zd.URL), handoff.WithTimeSource(clock))
		if err != nil {
			t.Fatal(err)
		}
		d, err := handoff.NewDeliverer(store.OutboxOf(flows.HandoffKinds...), handoff.ConnectorMap(map[string]flows.Connector{"zendesk": z}, "zendesk"),
			handoff.DeliverTimeSource(clock), handoff.DeliverAppendWindow(0))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	run := func(d *handoff.Deliverer) {
		for range 10 {
			if n, err := d.RunOnce(ctx); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				return
			}
		}
	}
	save := func(s *flows.Session, items ...flows.OutboxItem) {
		t.Helper()
		if err := store.Save(ctx, s, flows.Commit{Outbox: items}); err != nil {
			t.Fatal(err)
		}
	}
	now := clock.Now()
	h := &flows.Handoff{ID: "h1", ConversationID: "c1", CreatedAt: now, Contact: flows.Contact{ID: "393331234567", Name: "Mario"},
		Transcript: []flows.Message{{At: now, From: flows.RoleUser, Text: "a person, please"}}}
	msg := func(text string) *flows.Message {
		return &flows.Message{At: clock.Now(), From: flows.RoleUser, Text: text}
	}
	s := &flows.Session{ID: "c1", Lifecycle: flows.LifecycleHandedOff}
	save(s,
		flows.OutboxItem{ID: "h1:open", Kind: flows.OutboxOpen, ConversationID: "c1", HandoffID: "h1", Handoff: h, Status: flows.OutboxPending, CreatedAt: now, NextAt: now},
		flows.OutboxItem{ID: "h1:append:1", Kind: flows.OutboxAppend, ConversationID: "c1", HandoffID: "h1", Message: msg("hello?"), Status: flows.OutboxPending, CreatedAt: now, NextAt: now})

	wrong := deliverer("wrong-token")
	run(wrong)
	statuses := func() map[string]flows.OutboxStatus {
		out := map[string]flows.OutboxStatus{}
		items, _ := store.List(ctx, "")
		for _, it := range items {
			out[it.ID] = it.Status
		}
		return out
	}
	if st := statuses(); st["h1:open"] != flows.OutboxDead || st["h1:append:1"] != flows.OutboxDead {
		t.Fatalf("after a refused token: %v; want the open and its append dead", st)
	}
	clock.Advance(time.Minute)
	save(s, flows.OutboxItem{ID: "h1:append:2", Kind: flows.OutboxAppend, ConversationID: "c1", HandoffID: "h1", Message: msg("anyone?"),
		Status: flows.OutboxPending, CreatedAt: clock.Now(), NextAt: clock.Now()},
		flows.OutboxItem{ID: "h1:close", Kind: flows.OutboxClose, ConversationID: "c1", HandoffID: "h1", Status: flows.OutboxPending, CreatedAt: clock.Now(), NextAt: clock.Now()})
	run(wrong)
	if st := statuses(); st["h1:append:2"] != flows.OutboxDead || st["h1:close"] != flows.OutboxDead {
		t.Fatalf("items written after the open died: %v; want them dead too, not stranded", st)
	}

	right := deliverer("right-token")
	ids, err := right.Retry(ctx, "h1:open")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if want := []string{"h1:append:1", "h1:append:2", "h1:close", "h1:open"}; !slices.Equal(ids, want) {
		t.Errorf("retry requeued %v, want %v", ids, want)
	}
	run(right)
	for id, st := range statuses() {
		if st != flows.OutboxDelivered {
			t.Errorf("%s is %s after the retry", id, st)
		}
	}
	tk := zd.Tickets()
	if len(tk) != 1 || tk[0].Status != "solved" {
		t.Fatalf("tickets = %+v", tk)
	}
	var later []string
	for _, c := range tk[0].Comments[1:] {
		later = append(later, c.Body)
	}
	all := strings.Join(later, "\n")
	if strings.Count(all, "hello?") != 1 || strings.Count(all, "anyone?") != 1 || strings.Index(all, "hello?") > strings.Index(all, "anyone?") {
		t.Errorf("the customer's messages on the ticket: %q; want each once, in order", later)
	}
}
