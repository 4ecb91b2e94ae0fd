package handoff

import (
	"context"
	"errors"
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
		}, "check connectors.zendesk.subdomain"},
		{"freshdesk", func(t *testing.T) (flows.Connector, flows.Connector, flows.TicketRef, func()) {
			fake, f, _ := newFreshdeskPair(t)
			ref, err := f.Open(context.Background(), connTestHandoff())
			if err != nil {
				t.Fatal(err)
			}
			return f, newTestFreshdesk(t, fake.URL+"/wrong"), ref, func() { fake.DeleteTicket(ticketNumber(t, ref)) }
		}, "check connectors.freshdesk.domain"},
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

// TestAppendToATicketThatIsGone: the customer writes while bridged, but
// an agent deleted the ticket, or closed it (a Zendesk merge closes the
// ticket merged into another). The append fails for good, and its error
// says so (ErrTicketGone), whichever way the connector adds the message,
// so that the host can return the conversation to the bot; a wrong
// account address, where every request answers 404, is no such error.
func TestAppendToATicketThatIsGone(t *testing.T) {
	msg := []flows.TicketMessage{{ID: "h-42:append:1:1", Message: flows.Message{At: connTestTime, From: flows.RoleUser, Text: "are you still there?"}}}
	type desk struct {
		name string
		// ticket opens a ticket and returns the connector, one at the
		// wrong base URL, the ticket, and functions deleting and closing it.
		ticket func(t *testing.T) (conn, wrong flows.BatchAppender, ref flows.TicketRef, del, closeIt func())
		// gone are the ways the desk's ticket stops taking messages.
		gone []string
	}
	zendesk := func(opts ...ConnectorOption) func(t *testing.T) (flows.BatchAppender, flows.BatchAppender, flows.TicketRef, func(), func()) {
		return func(t *testing.T) (flows.BatchAppender, flows.BatchAppender, flows.TicketRef, func(), func()) {
			fake := handofftest.NewZendesk(t, handofftest.NewClock(connTestTime), "bot@acme.test", "tok123", "oauth-tok")
			mk := func(base string) *Zendesk {
				auth := ZendeskAPIToken("bot@acme.test", "tok123")
				if len(opts) > 0 {
					auth = ZendeskOAuth("oauth-tok")
				}
				z, err := NewZendesk("", auth, append([]ConnectorOption{WithBaseURL(base), WithClock(connTestClock)}, opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				return z
			}
			z := mk(fake.URL)
			ref, err := z.Open(context.Background(), connTestHandoff())
			if err != nil {
				t.Fatal(err)
			}
			id := ticketNumber(t, ref)
			return z, mk(fake.URL + "/wrong"), ref, func() { fake.DeleteTicket(id) }, func() { fake.SetStatus(id, "closed") }
		}
	}
	for _, dk := range []desk{
		{"zendesk", zendesk(), []string{"deleted", "closed"}},
		{"zendesk requests API", zendesk(WithRequesterUpdates(true)), []string{"deleted", "closed"}},
		{"freshdesk", func(t *testing.T) (flows.BatchAppender, flows.BatchAppender, flows.TicketRef, func(), func()) {
			fake, f, _ := newFreshdeskPair(t)
			ref, err := f.Open(context.Background(), connTestHandoff())
			if err != nil {
				t.Fatal(err)
			}
			return f, newTestFreshdesk(t, fake.URL+"/wrong"), ref, func() { fake.DeleteTicket(ticketNumber(t, ref)) }, func() { fake.SetStatus(ticketNumber(t, ref), 5) }
		}, []string{"deleted", "closed"}}, // Freshdesk takes a note on a closed ticket, which nobody reads: Baton reads the status first
	} {
		t.Run(dk.name, func(t *testing.T) {
			for _, how := range dk.gone {
				t.Run(how, func(t *testing.T) {
					conn, wrong, ref, del, closeIt := dk.ticket(t)
					if how == "closed" {
						closeIt()
					} else {
						del()
					}
					err := conn.AppendBatch(context.Background(), ref, flows.Contact{Name: "Mario"}, msg)
					if !errors.Is(err, ErrTicketGone) {
						t.Fatalf("append to a %s ticket: %v; want ErrTicketGone", how, err)
					}
					if retry, _ := Retryable(err); retry || !strings.Contains(err.Error(), how) || !strings.Contains(err.Error(), "ticket "+ref.ID) {
						t.Errorf("error %q (retryable %v); want a permanent one naming the ticket and saying it is %s", err, retry, how)
					}
					// The host tells the engine which, so the transcript's
					// line and the ticket_closed event say it.
					if got, _ := GoneReason(err); got != how {
						t.Errorf("GoneReason(%q) = %q; want %q", err, got, how)
					}
					err = wrong.AppendBatch(context.Background(), ref, flows.Contact{Name: "Mario"}, msg)
					if err == nil || errors.Is(err, ErrTicketGone) || !strings.Contains(err.Error(), "every request answers 404") {
						t.Errorf("append through a wrong base URL: %v; want the hint that every request answers 404", err)
					}
				})
			}
		})
	}
}

// TestZendeskCloseOfATicketDeletedMeanwhile: the ticket is there at the
// look-up and gone at the update (an agent deleted it in between): the
// close is done.
func TestZendeskCloseOfATicketDeletedMeanwhile(t *testing.T) {
	fake := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
		switch {
		case r.Path == "/api/v2/users/me":
			return 200, nil, `{"user":{"id":9,"name":"Baton API"}}`
		case r.Method == http.MethodGet:
			return 200, nil, `{"ticket":{"id":77,"requester_id":555,"assignee_id":9,"status":"open"}}`
		}
		return 404, nil, `{"error":"RecordNotFound","description":"Not found"}`
	})
	if err := newTestZendesk(t, fake.URL).Close(context.Background(), flows.TicketRef{ID: "77"}); err != nil {
		t.Errorf("close of a ticket deleted after the look-up: %v; want done", err)
	}
}

// TestZendeskAppendToAMergedTicket: an agent merged the ticket into
// another. Zendesk closes the ticket merged away and writes on it the
// merge's comment (via channel "merge"), which names the target as
// "#N" when the agent kept the proposed text. The append is refused as
// for any closed ticket, and its error says merged, and into which
// ticket when the comment names one; a merge made through the API with
// no comment is only known as closed.
func TestZendeskAppendToAMergedTicket(t *testing.T) {
	msg := []flows.TicketMessage{{ID: "h-42:append:1:1", Message: flows.Message{At: connTestTime, From: flows.RoleUser, Text: "are you still there?"}}}
	for _, tt := range []struct {
		name, comment    string
		onBehalf         bool
		reason, wantInto string
	}{
		{"proposed text", "This request was closed and merged into request #%d “Where is my parcel”.", false, flows.GoneMerged, "target"},
		{"proposed text, requests API", "This request was closed and merged into request #%d “Where is my parcel”.", true, flows.GoneMerged, "target"},
		{"own words, no number", "Duplicate of the e-mail ticket", false, flows.GoneMerged, ""},
		{"own words with an entity", "It&#39;s the same parcel as #%d", false, flows.GoneMerged, "target"},
		{"no comment", "", false, flows.GoneClosed, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := handofftest.NewZendesk(t, handofftest.NewClock(connTestTime), "bot@acme.test", "tok123", "oauth-tok")
			var opts []ConnectorOption
			auth := ZendeskAPIToken("bot@acme.test", "tok123")
			if tt.onBehalf {
				auth, opts = ZendeskOAuth("oauth-tok"), append(opts, WithRequesterUpdates(true))
			}
			z, err := NewZendesk("", auth, append([]ConnectorOption{WithBaseURL(fake.URL), WithClock(connTestClock)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			other := connTestHandoff()
			other.ID, other.ConversationID = "h-other", "wa:other"
			target, err := z.Open(context.Background(), other)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := z.Open(context.Background(), connTestHandoff())
			if err != nil {
				t.Fatal(err)
			}
			comment := tt.comment
			if strings.Contains(comment, "%d") {
				comment = strings.ReplaceAll(comment, "%d", target.ID)
			}
			fake.MergeTicket(ticketNumber(t, ref), ticketNumber(t, target), comment)
			err = z.AppendBatch(context.Background(), ref, flows.Contact{Name: "Mario"}, msg)
			if !errors.Is(err, ErrTicketGone) {
				t.Fatalf("append to a merged ticket: %v; want ErrTicketGone", err)
			}
			want := ""
			if tt.wantInto == "target" {
				want = target.ID
			}
			if reason, into := GoneReason(err); reason != tt.reason || into != want {
				t.Errorf("GoneReason(%q) = %q, %q; want %q, %q", err, reason, into, tt.reason, want)
			}
			if tt.reason == flows.GoneMerged && !strings.Contains(err.Error(), "merged") {
				t.Errorf("error %q; want it to say the ticket was merged", err)
			}
		})
	}
}

// TestWebhookTicketGone: the receiver of the generic webhook answers 404
// or 410 to handoff.append or handoff.close: its ticket is gone (the
// contract in docs/channels.md). The append's error is ErrTicketGone,
// deleted, as a Zendesk or Freshdesk ticket an agent deleted, so the host
// returns the conversation to the bot with the same line and event; the
// close is done. Other refusals stay ordinary failures.
func TestWebhookTicketGone(t *testing.T) {
	msg := flows.Message{At: connTestTime, From: flows.RoleUser, Text: "are you still there?"}
	ref := flows.TicketRef{Connector: "webhook", ID: "T-9"}
	for _, tt := range []struct {
		status int
		gone   bool
	}{{404, true}, {410, true}, {400, false}, {422, false}, {403, false}} {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			recv := newFakeHelpdesk(t, func(n int, r gotRequest) (int, http.Header, string) {
				return tt.status, nil, `{"error":"no such ticket"}`
			})
			w, err := NewWebhook(recv.URL, testWebhookSecret, WithClock(connTestClock))
			if err != nil {
				t.Fatal(err)
			}
			err = w.Append(context.Background(), ref, msg)
			if got := errors.Is(err, ErrTicketGone); got != tt.gone {
				t.Fatalf("append answered %d: %v (gone %v); want gone %v", tt.status, err, got, tt.gone)
			}
			if retry, _ := Retryable(err); retry {
				t.Errorf("append answered %d: %v is retryable; want permanent", tt.status, err)
			}
			if tt.gone {
				if reason, _ := GoneReason(err); reason != flows.GoneDeleted {
					t.Errorf("GoneReason(%q) = %q; want %q", err, reason, flows.GoneDeleted)
				}
				if !strings.Contains(err.Error(), "ticket T-9") || !strings.Contains(err.Error(), strconv.Itoa(tt.status)) {
					t.Errorf("error %q; want it to name the ticket and the status", err)
				}
			}
			err = w.Close(context.Background(), ref)
			if tt.gone && err != nil {
				t.Errorf("close answered %d: %v; want done, nothing is left to close", tt.status, err)
			}
			if !tt.gone && err == nil {
				t.Errorf("close answered %d: done; want a failure", tt.status)
			}
		})
	}
}
