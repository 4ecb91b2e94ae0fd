package handoff_test

import (
	"context"
	"fmt"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// exampleOutbox is the smallest Outbox: a slice, no leases.
type exampleOutbox struct{ items []flows.OutboxItem }

func (o *exampleOutbox) Claim(_ context.Context, now time.Time, _ time.Duration, max int) ([]flows.OutboxItem, error) {
	var out []flows.OutboxItem
	for _, it := range o.items {
		if it.Status == flows.OutboxPending && !it.NextAt.After(now) && len(out) < max {
			out = append(out, it)
		}
	}
	return out, nil
}

func (o *exampleOutbox) Settle(_ context.Context, item flows.OutboxItem) error {
	for i := range o.items {
		if o.items[i].ID == item.ID {
			o.items[i] = item
		}
	}
	return nil
}

func (o *exampleOutbox) List(context.Context, flows.OutboxStatus) ([]flows.OutboxItem, error) {
	return o.items, nil
}

// flakyDesk rate-limits the first call, then opens ticket 42.
type flakyDesk struct{ calls int }

func (d *flakyDesk) Open(context.Context, *flows.Handoff) (flows.TicketRef, error) {
	d.calls++
	if d.calls == 1 {
		return flows.TicketRef{}, &handoff.Error{Connector: "desk", Op: "open", Status: 429, Retryable: true, RetryAfter: time.Minute}
	}
	return flows.TicketRef{Connector: "desk", ID: "42"}, nil
}
func (d *flakyDesk) Append(context.Context, flows.TicketRef, flows.Message) error { return nil }
func (d *flakyDesk) Close(context.Context, flows.TicketRef) error                 { return nil }

func ExampleDeliverer() {
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	box := &exampleOutbox{items: []flows.OutboxItem{{
		ID: "o1", Kind: flows.OutboxOpen, HandoffID: "h1", Status: flows.OutboxPending,
		Handoff: &flows.Handoff{ID: "h1"}, CreatedAt: now, NextAt: now,
	}}}
	d, err := handoff.NewDeliverer(box,
		handoff.ConnectorMap(map[string]flows.Connector{"desk": &flakyDesk{}}, "desk"),
		handoff.DeliverClock(func() time.Time { return now }),
		handoff.DeliverOnSettled(func(_ context.Context, it flows.OutboxItem, err error) {
			fmt.Printf("%s: %s, attempts %d, next %s, ticket %q\n", it.ID, it.Status, it.Attempts, it.NextAt.Format("15:04"), it.Ticket.ID)
		}))
	if err != nil {
		panic(err)
	}
	_, _ = d.RunOnce(context.Background()) // 429: retry after a minute
	now = now.Add(time.Minute)
	_, _ = d.RunOnce(context.Background())
	// Output:
	// o1: pending, attempts 1, next 09:01, ticket ""
	// o1: delivered, attempts 2, next 09:01, ticket "42"
}

func ExampleRouter_Route() {
	dep, diags := config.Parse("baton.yaml", []byte(`
connectors:
  zendesk: {subdomain: acme, email: bot@acme.example, token: "${ZD_TOKEN}", groups: {billing: "360001"}}
teams:
  support: {name: Support}
  billing:
    name: Billing
    hours: {timezone: Europe/Rome, mon-fri: "09:00-18:00"}
routing:
  default_team: support
  rules:
    - when: {keywords: [fattura, rimborso]}
      team: billing
sla: {normal: 2h}
`), config.WithEnv(func(name string) (string, bool) { return "secret", name == "ZD_TOKEN" }))
	if diags.HasErrors() {
		fmt.Println(diags.Err())
		return
	}
	cfg := dep.Handoff
	monday := time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC)
	r, _ := handoff.NewRouter(cfg, handoff.RouterClock(func() time.Time { return monday }))
	h := &flows.Handoff{Language: "it", Transcript: []flows.Message{{From: flows.RoleUser, Text: "La fattura è sbagliata"}}}
	d, _ := r.Route(context.Background(), h)
	fmt.Println(d.Team, d.Connector, d.Group, d.Priority)
	fmt.Println(d.Message)
	// Output:
	// billing zendesk 360001 normal
	// Ti ho passato al team Billing, ti risponderemo entro 2 ore.
}
