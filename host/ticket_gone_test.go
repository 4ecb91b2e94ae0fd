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
			connectors := zendeskConnectors(fake.URL)
			th := startConnectorHost(t, connectors)
			const conv = "web:site:v1"
			th.askForAPerson(t)
			waitFor(t, "the ticket", func() bool { return len(fake.Tickets()) == 1 })
			id := fake.Tickets()[0].ID
			if how == "deleted" {
				fake.DeleteTicket(id)
			} else {
				fake.SetStatus(id, "closed") // a merge closes the ticket merged into another
			}
			th.say(t, "m3", "are you still there?", "")
			waitBackWithBot(t, th, conv)
			waitFor(t, "the CSAT question", func() bool { return strings.Contains(strings.Join(th.ch.texts(), "|"), "How did we do, from 1 to 5?") })
			waitHelpdeskSettled(t, th)
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
	connectors := zendeskConnectors(fake.URL)
	th := startConnectorHost(t, connectors)
	const conv = "web:site:v1"
	th.askForAPerson(t)
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
	waitBackWithBot(t, th, conv)
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

// End to end, a second handoff after a ticket gone: the customer is
// handed off, an agent deletes the ticket in the helpdesk, the customer
// writes; the line is recorded, the conversation returns to the bot, and
// when the customer asks for a person again, the new ticket's summary and
// transcript carry the message the deleted ticket refused, once each.
func TestSecondHandoffAfterATicketGone(t *testing.T) {
	fake := handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "tok", "")
	connectors := zendeskConnectors(fake.URL)
	th := startConnectorHost(t, connectors)
	const conv = "web:site:v1"
	const refused = "my parcel B77 is broken, I want a refund"
	th.askForAPerson(t)
	waitFor(t, "the first ticket", func() bool { return len(fake.Tickets()) == 1 })
	first := fake.Tickets()[0].ID
	fake.DeleteTicket(first)
	th.say(t, "m3", refused, "")
	waitFor(t, "the CSAT question", func() bool { return strings.Contains(strings.Join(th.ch.texts(), "|"), "How did we do, from 1 to 5?") })
	s, _ := th.store.Load(context.Background(), conv)
	lines := 0
	for _, m := range s.Transcript {
		if m.From == flows.RoleSystem {
			lines++
			if !strings.Contains(m.Text, "deleted") {
				t.Errorf("system line %q; want it to say the ticket was deleted", m.Text)
			}
		}
	}
	if lines != 1 || s.Lifecycle == flows.LifecycleHandedOff || s.Lifecycle == flows.LifecycleWithAgent {
		t.Fatalf("after the ticket gone: %d system lines, lifecycle %s; want one line, the bot", lines, s.Lifecycle)
	}

	th.say(t, "m4", "agent please", "")
	waitFor(t, "the second ticket", func() bool { return len(fake.Tickets()) == 2 })
	tk := fake.Tickets()[1]
	if tk.ID == first || len(tk.Comments) == 0 {
		t.Fatalf("second ticket %+v; want a new one with its description", tk)
	}
	body := tk.Comments[0].Body + tk.Comments[0].HTMLBody
	summary, transcript, ok := strings.Cut(body, "<h3>Conversation</h3>")
	if !ok {
		t.Fatalf("second ticket's description has no transcript:\n%s", body)
	}
	if n := strings.Count(summary, refused); n != 1 {
		t.Errorf("the refused message is %d times in the summary part; want once:\n%s", n, summary)
	}
	if n := strings.Count(transcript, refused); n != 1 {
		t.Errorf("the refused message is %d times in the transcript part; want once:\n%s", n, transcript)
	}
	if !strings.Contains(transcript, "deleted") {
		t.Errorf("the transcript does not show where the first handoff ended:\n%s", transcript)
	}
	// Nothing else brings it to the new ticket (the dead append is not
	// sent there as well).
	waitHelpdeskSettled(t, th)
	all := 0
	for _, c := range fake.Tickets()[1].Comments {
		all += strings.Count(c.Body+c.HTMLBody, refused)
	}
	if all != 2 {
		t.Errorf("the refused message is %d times on the second ticket; want twice (summary and transcript)", all)
	}
}

// An agent merges the customer's ticket into another (the customer's
// e-mail about the same parcel): Zendesk closes it, with the merge's
// comment naming the target. When Baton cannot follow the merge (the
// target's external_id links it to another system: Baton leaves it
// alone, and the target's webhooks cannot name the conversation) and the
// customer writes, the conversation returns to the bot, and the
// transcript's line says where the ticket went, so the agent of a next
// handoff knows where the story goes on. (A merge Baton follows:
// TestConversationFollowsAMergedTicket.)
func TestCustomerWritesToAMergedTicket(t *testing.T) {
	fake := handofftest.NewZendesk(t, handofftest.NewClock(time.Now()), "bot@acme.example", "tok", "")
	connectors := zendeskConnectors(fake.URL)
	mailID := fake.EmailTicket("anna@example.com", "Parcel", "where is my parcel?")
	fake.SetExternalID(mailID, "crm-4711")
	mail := flows.TicketRef{ID: strconv.FormatInt(mailID, 10)}
	th := startConnectorHost(t, connectors)
	const conv = "web:site:v1"
	th.askForAPerson(t)
	waitFor(t, "the ticket", func() bool { return len(fake.Tickets()) == 2 })
	id := fake.Tickets()[1].ID
	fake.MergeTicket(id, ticketNum(t, mail.ID), "This request was closed and merged into request #"+mail.ID+" “where is my parcel?”.")
	th.say(t, "m3", "are you still there?", "")
	waitBackWithBot(t, th, conv)
	s, _ := th.store.Load(context.Background(), conv)
	want := "The ticket was merged into ticket " + mail.ID + " in the helpdesk and took no more messages. The bot took the conversation back."
	found := false
	for _, m := range s.Transcript {
		found = found || (m.From == flows.RoleSystem && m.Text == want)
	}
	if !found {
		t.Errorf("transcript %+v; want the line %q", s.Transcript, want)
	}
}

func ticketNum(t *testing.T, id string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// startConnectorHost starts a host whose helpdesk is connectors (a
// baton.yaml's connectors: section), each customer message appended to
// the ticket at once.
func startConnectorHost(t *testing.T, connectors string) *testHost {
	t.Helper()
	cfg, diags := config.Parse("baton.yaml", []byte(connectors))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	conns, err := handoff.Connectors(cfg.Handoff)
	if err != nil {
		t.Fatal(err)
	}
	return startHost(t, WithDeployment(cfg.Handoff, conns), WithDeliverOptions(handoff.DeliverAppendWindow(0)))
}

// waitBackWithBot waits until conv is no longer with a person.
func waitBackWithBot(t *testing.T, th *testHost, conv string) {
	t.Helper()
	waitFor(t, "the conversation back with the bot", func() bool {
		s, _ := th.store.Load(context.Background(), conv)
		return s.Lifecycle != flows.LifecycleHandedOff && s.Lifecycle != flows.LifecycleWithAgent
	})
}

// waitHelpdeskSettled waits until no helpdesk item is pending.
func waitHelpdeskSettled(t *testing.T, th *testHost) {
	t.Helper()
	waitFor(t, "the helpdesk items settled", func() bool {
		pending, _ := th.store.OutboxOf(flows.HandoffKinds...).List(context.Background(), flows.OutboxPending)
		return len(pending) == 0
	})
}

// zendeskConnectors is the connectors: section of a Zendesk at url (the
// fake's account bot@acme.example, token tok).
func zendeskConnectors(url string) string {
	return "connectors:\n  zendesk: {base_url: \"" + url + "\", subdomain: acme, email: bot@acme.example, token: tok}\n"
}

// askForAPerson has the web customer greet the bot, then ask for a
// person: the handoff that opens a ticket.
func (th *testHost) askForAPerson(t *testing.T) {
	t.Helper()
	th.say(t, "m1", "hello", "")
	th.say(t, "m2", "agent", "")
}
