package handoff

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
)

// TestCloseOfADeletedTicket: an agent deleted the ticket, and the close
// Baton sends when the conversation ends finds nothing (Zendesk and
// Freshdesk answer 404 for a deleted ticket). Nothing is left to close:
// the close is done, not dead-lettered with a hint to check the account's
// address. A wrong subdomain or domain, where every request answers 404,
// is still a dead letter that says to check it: the API user's own
// record (Zendesk's users/me, Freshdesk's agents/me) tells the two apart.
func TestCloseOfADeletedTicket(t *testing.T) {
	type desk struct {
		name string
		// open opens a ticket on a fake desk and returns the connector,
		// one pointed at the wrong base URL, the ticket and a function
		// that deletes it.
		open func(t *testing.T) (right, wrong flows.Connector, ref flows.TicketRef, del func())
		hint string
	}
	for _, dk := range []desk{
		{"zendesk", func(t *testing.T) (flows.Connector, flows.Connector, flows.TicketRef, func()) {
			fake := handofftest.NewZendesk(t, handofftest.NewClock(connTestTime), "bot@acme.test", "tok123", "")
			z := newTestZendesk(t, fake.URL)
			ref, err := z.Open(context.Background(), connTestHandoff())
			if err != nil {
				t.Fatal(err)
			}
			return z, newTestZendesk(t, fake.URL+"/wrong"), ref, func() { fake.DeleteTicket(ticketNumber(t, ref)) }
		}, "BATON_ZENDESK_SUBDOMAIN"},
		{"freshdesk", func(t *testing.T) (flows.Connector, flows.Connector, flows.TicketRef, func()) {
			fake, f, _ := newFreshdeskPair(t)
			ref, err := f.Open(context.Background(), connTestHandoff())
			if err != nil {
				t.Fatal(err)
			}
			return f, newTestFreshdesk(t, fake.URL+"/wrong"), ref, func() { fake.DeleteTicket(ticketNumber(t, ref)) }
		}, "BATON_FRESHDESK_DOMAIN"},
	} {
		t.Run(dk.name, func(t *testing.T) {
			right, wrong, ref, del := dk.open(t)
			del()
			for _, tt := range []struct {
				name string
				conn flows.Connector
				want flows.OutboxStatus
			}{
				{"deleted ticket", right, flows.OutboxDelivered},
				{"wrong account address", wrong, flows.OutboxDead},
			} {
				t.Run(tt.name, func(t *testing.T) {
					clock := &fakeClock{t: t0}
					it := closeItem("c1", "h1", t0)
					it.Ticket = flows.TicketRef{ID: ref.ID}
					ob := newMemOutbox(it)
					d, _ := newTestDeliverer(t, ob, tt.conn, clock, DeliverTimeout(5*time.Second))
					runOnce(t, d)
					got := ob.get("c1")
					if got.Status != tt.want {
						t.Fatalf("close item = %s (%s); want %s", got.Status, got.LastError, tt.want)
					}
					if tt.want == flows.OutboxDead && (!strings.Contains(got.LastError, dk.hint) || !strings.Contains(got.LastError, "every request answers 404")) {
						t.Errorf("last error %q; want the hint to check %s, every request answering 404", got.LastError, dk.hint)
					}
				})
			}
		})
	}
}

func ticketNumber(t *testing.T, ref flows.TicketRef) int64 {
	t.Helper()
	n, err := strconv.ParseInt(ref.ID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCloseOfAMissingTicketWhileTheAccountIsDown: the ticket read answers
// 404 and the account check then fails for a while (a 503): whether the
// ticket is gone is not known yet, and the close is retried, neither done
// nor dead.
func TestCloseOfAMissingTicketWhileTheAccountIsDown(t *testing.T) {
	fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
		if strings.HasPrefix(r.Path, "/api/v2/tickets/") {
			return 404, nil, `{"error":"RecordNotFound","description":"Not found"}`
		}
		return 503, nil, `{"error":"ServiceUnavailable"}`
	})
	clock := &fakeClock{t: t0}
	it := closeItem("c1", "h1", t0)
	it.Ticket = flows.TicketRef{ID: "77"}
	ob := newMemOutbox(it)
	d, _ := newTestDeliverer(t, ob, newTestZendesk(t, fake.URL), clock, DeliverTimeout(5*time.Second))
	runOnce(t, d)
	if got := ob.get("c1"); got.Status != flows.OutboxPending || !strings.Contains(got.LastError, "503") {
		t.Errorf("close item = %s (%s); want pending, retrying after the 503", got.Status, got.LastError)
	}
}
