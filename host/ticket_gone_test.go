package host

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/handoff/handofftest"
)

// An agent deletes the ticket (or merges it into another, which closes
// it) while the customer is bridged, and no "closed" comes through the
// bridge (Zendesk's triggers do not fire on a deletion). The customer
// writes again: the message cannot go on the ticket, and it was dead
// with a hint to check the subdomain while the conversation stayed with
// an agent who would never answer; every later message died the same
// way, in silence. Now the conversation returns to the bot, as the
// helpdesk's "closed" would have done: the handoff's return state runs
// (the CSAT question of the shop flow), the dead append says the ticket
// is gone, and the ticket's close is done, not dead.
func TestCustomerWritesToADeletedTicket(t *testing.T) {
	for _, how := range []string{"deleted", "closed"} {
		t.Run(how, func(t *testing.T) {
			fake := handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "tok", "")
			cfg, diags := config.Parse("baton.yaml", []byte("connectors:\n  zendesk: {base_url: \""+fake.URL+"\", subdomain: acme, email: bot@acme.example, token: tok}\n"))
			if diags.HasErrors() {
				t.Fatal(diags.Err())
			}
			conns, err := handoff.Connectors(cfg.Handoff)
			if err != nil {
				t.Fatal(err)
			}
			th := startHost(t, WithDeployment(cfg.Handoff, conns), WithDeliverOptions(handoff.DeliverAppendWindow(0)))
			const conv = "web:site:v1"
			th.say(t, "m1", "hello", "")
			th.say(t, "m2", "agent", "")
			waitFor(t, "the ticket", func() bool { return len(fake.Tickets()) == 1 })
			id := fake.Tickets()[0].ID
			if how == "deleted" {
				fake.DeleteTicket(id)
			} else {
				fake.SetStatus(id, "closed") // a merge closes the ticket merged into another
			}
			th.say(t, "m3", "are you still there?", "")
			waitFor(t, "the conversation back with the bot", func() bool {
				s, _ := th.store.Load(context.Background(), conv)
				return s.Lifecycle != flows.LifecycleHandedOff && s.Lifecycle != flows.LifecycleWithAgent
			})
			waitFor(t, "the CSAT question", func() bool { return strings.Contains(strings.Join(th.ch.texts(), "|"), "How did we do, from 1 to 5?") })
			waitFor(t, "the helpdesk items settled", func() bool {
				pending, _ := th.store.OutboxOf(flows.HandoffKinds...).List(context.Background(), flows.OutboxPending)
				return len(pending) == 0
			})
			// The message the ticket refused is the one no agent read: the
			// transcript marks the handoff's end before it, so a next
			// handoff's routing and summary (which read what follows the
			// last system line) carry it.
			s, _ := th.store.Load(context.Background(), conv)
			sys, msg := -1, -1
			for i, m := range s.Transcript {
				if m.From == flows.RoleSystem {
					sys = i
					if !strings.Contains(m.Text, "was "+how+" in the helpdesk") {
						t.Errorf("system line %q; want it to say the ticket was %s", m.Text, how)
					}
				}
				if m.From == flows.RoleUser && m.Text == "are you still there?" {
					msg = i
				}
			}
			if sys < 0 || msg < 0 || sys > msg {
				t.Errorf("transcript %+v: the system line (%d) comes after the refused message (%d); want it before", s.Transcript, sys, msg)
			}
			items, _ := th.store.OutboxOf(flows.HandoffKinds...).List(context.Background(), "")
			ticket := "ticket " + strconv.FormatInt(id, 10)
			kinds := map[flows.OutboxKind]int{}
			for _, it := range items {
				kinds[it.Kind]++
				switch it.Kind {
				case flows.OutboxAppend:
					if it.Status != flows.OutboxDead || !strings.Contains(it.LastError, ticket) || !strings.Contains(it.LastError, how) {
						t.Errorf("append %s: %s (%s); want dead, saying the ticket is %s", it.ID, it.Status, it.LastError, how)
					}
				case flows.OutboxClose:
					if it.Status != flows.OutboxDelivered {
						t.Errorf("close %s: %s (%s); want done: the ticket is %s", it.ID, it.Status, it.LastError, how)
					}
				}
			}
			if kinds[flows.OutboxOpen] != 1 || kinds[flows.OutboxAppend] != 1 || kinds[flows.OutboxClose] != 1 {
				t.Errorf("helpdesk items by kind: %v; want the open, the customer's message and the close", kinds)
			}
		})
	}
}

// A customer's message that died on the ticket for another reason (the
// helpdesk refused it) was not read by any agent either; when a later
// message then finds the ticket deleted, the handoff's end is marked
// before the first of them, not before the later one, so the next
// handoff carries both.
func TestTicketGoneMarksTheEndBeforeAnEarlierDeadMessage(t *testing.T) {
	fake := handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "tok", "")
	cfg, diags := config.Parse("baton.yaml", []byte("connectors:\n  zendesk: {base_url: \""+fake.URL+"\", subdomain: acme, email: bot@acme.example, token: tok}\n"))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	conns, err := handoff.Connectors(cfg.Handoff)
	if err != nil {
		t.Fatal(err)
	}
	th := startHost(t, WithDeployment(cfg.Handoff, conns), WithDeliverOptions(handoff.DeliverAppendWindow(0)))
	const conv = "web:site:v1"
	th.say(t, "m1", "hello", "")
	th.say(t, "m2", "agent", "")
	waitFor(t, "the ticket", func() bool { return len(fake.Tickets()) == 1 })
	id := fake.Tickets()[0].ID
	fake.Inject(handofftest.Fault{Method: "PUT", Path: "/api/v2/tickets/" + strconv.FormatInt(id, 10), Status: 422})
	th.say(t, "m3", "my parcel A123 never came", "")
	dead := func() int {
		items, _ := th.store.OutboxOf(flows.OutboxAppend).List(context.Background(), flows.OutboxDead)
		return len(items)
	}
	waitFor(t, "the first message dead", func() bool { return dead() == 1 })
	fake.DeleteTicket(id)
	th.say(t, "m4", "hello??", "")
	waitFor(t, "the conversation back with the bot", func() bool {
		s, _ := th.store.Load(context.Background(), conv)
		return s.Lifecycle != flows.LifecycleHandedOff && s.Lifecycle != flows.LifecycleWithAgent
	})
	s, _ := th.store.Load(context.Background(), conv)
	var after []string
	for _, m := range s.Transcript {
		if m.From == flows.RoleSystem {
			after = nil
			continue
		}
		if m.From == flows.RoleUser {
			after = append(after, m.Text)
		}
	}
	if want := []string{"my parcel A123 never came", "hello??"}; !slices.Equal(after, want) {
		t.Errorf("customer's words after the system line %q; want %q (transcript %+v)", after, want, s.Transcript)
	}
}
