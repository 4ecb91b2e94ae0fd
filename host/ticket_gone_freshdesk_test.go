package host

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
)

// An agent resolves or closes the customer's Freshdesk ticket (or merges
// it into another, which closes it) and the status webhook does not come
// (Freshdesk retries it 5 minutes later, or the rule is missing).
// Freshdesk would take the customer's next message as a note on the
// ticket nobody reads, and the customer would wait for ever. The
// connector reads the status first: the conversation returns to the bot
// once, with the transcript's line (and ticket_closed's reason closed, as
// for Zendesk's closed ticket), and the message is not added.
func TestCustomerWritesToAClosedFreshdeskTicket(t *testing.T) {
	for _, status := range []int{4, 5} {
		t.Run(map[int]string{4: "resolved", 5: "closed"}[status], func(t *testing.T) {
			fake := handofftest.NewFreshdesk(t, handofftest.NewClock(time.Now()), "fd-key")
			connectors := "connectors:\n  freshdesk: {base_url: \"" + fake.URL + "\", api_key: fd-key}\n"
			th := startConnectorHost(t, connectors)
			const conv = "web:site:v1"
			th.askForAPerson(t)
			waitFor(t, "the ticket", func() bool { return len(fake.Tickets()) == 1 })
			id := fake.Tickets()[0].ID
			waitFor(t, "the handoff settled", func() bool {
				items, _ := th.store.OutboxOf(flows.OutboxOpen).List(context.Background(), flows.OutboxDelivered)
				return len(items) == 1
			})
			fake.SetStatus(id, status)
			th.say(t, "m3", "are you still there?", "")
			waitBackWithBot(t, th, conv)
			waitFor(t, "the CSAT question", func() bool { return strings.Contains(strings.Join(th.ch.texts(), "|"), "How did we do, from 1 to 5?") })
			waitHelpdeskSettled(t, th)
			s, _ := th.store.Load(context.Background(), conv)
			lines := 0
			for _, m := range s.Transcript {
				if m.From == flows.RoleSystem && strings.Contains(m.Text, "was closed in the helpdesk") {
					lines++
				}
			}
			if lines != 1 {
				t.Errorf("transcript %+v: %d lines saying the ticket was closed; want one", s.Transcript, lines)
			}
			tk := fake.Tickets()[0]
			for _, n := range tk.Notes {
				if strings.Contains(n.Body, "are you still there?") {
					t.Errorf("the customer's message went on the %d ticket as a note nobody reads", status)
				}
			}
			if tk.Status != status {
				t.Errorf("ticket status %d; want %d left as the agent set it", tk.Status, status)
			}
			items, _ := th.store.OutboxOf(flows.OutboxAppend).List(context.Background(), "")
			if len(items) != 1 || items[0].Status != flows.OutboxDead || !strings.Contains(items[0].LastError, "is "+map[int]string{4: "resolved", 5: "closed"}[status]) {
				t.Errorf("appends %+v; want the one, dead, saying why", items)
			}
		})
	}
}
