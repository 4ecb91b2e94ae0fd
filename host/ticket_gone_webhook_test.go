package host

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// The team's system behind the generic webhook deletes its ticket and
// answers the customer's next handoff.append with 404 (or 410), as
// docs/channels.md says it does for a ticket it no longer has: the
// conversation returns to the bot, with the same line as for a Zendesk
// ticket an agent deleted, and the close that follows is done.
func TestCustomerWritesToADeletedWebhookTicket(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusGone} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var deleted atomic.Bool
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var ev struct {
					Type string `json:"type"`
				}
				b, _ := io.ReadAll(r.Body)
				json.Unmarshal(b, &ev)
				switch {
				case ev.Type == handoff.EventHandoffOpen:
					io.WriteString(w, `{"id":"T-9"}`)
				case deleted.Load():
					w.WriteHeader(status)
				}
			}))
			t.Cleanup(recv.Close)
			connectors := "connectors:\n  webhook: {url: \"" + recv.URL + "\", secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}\n"
			th := startConnectorHost(t, connectors)
			const conv = "web:site:v1"
			th.askForAPerson(t)
			waitFor(t, "the ticket", func() bool {
				items, _ := th.store.OutboxOf(flows.OutboxOpen).List(context.Background(), flows.OutboxDelivered)
				return len(items) == 1
			})
			deleted.Store(true)
			th.say(t, "m3", "are you still there?", "")
			waitBackWithBot(t, th, conv)
			waitHelpdeskSettled(t, th)
			s, _ := th.store.Load(context.Background(), conv)
			var lines []string
			for _, m := range s.Transcript {
				if m.From == flows.RoleSystem {
					lines = append(lines, m.Text)
				}
			}
			if !strings.Contains(strings.Join(lines, "|"), "The ticket was deleted in the helpdesk and took no more messages") {
				t.Errorf("system lines %q; want the one of a deleted ticket", lines)
			}
			items, _ := th.store.OutboxOf(flows.HandoffKinds...).List(context.Background(), "")
			for _, it := range items {
				if it.Kind == flows.OutboxClose && it.Status != flows.OutboxDelivered {
					t.Errorf("close %s: %s (%s); want done: the ticket is gone", it.ID, it.Status, it.LastError)
				}
			}
		})
	}
}
