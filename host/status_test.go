package host

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// A message the provider reports failed later (WhatsApp's statuses[],
// 131026 undeliverable) while the conversation is with an agent is noted
// on the ticket, once however often the status comes: the agent learns
// the customer did not get it.
func TestFailedStatusNotedOnTheTicket(t *testing.T) {
	th := startHost(t)
	ctx := context.Background()
	th.say(t, "m1", "hello", "")
	th.say(t, "m2", "agent", "")
	waitFor(t, "the ticket", func() bool { return len(th.Capture().Tickets()) == 1 })
	failed := flows.DeliveryStatus{Channel: flows.ChannelWeb, Account: "site", MessageID: "wamid.HBgLMzkzMzMxMjM0NTY3FQIAERgSQUZGRjI3", Recipient: "v1",
		Status: flows.StatusFailed, ErrorCode: 131026, ErrorTitle: "Message undeliverable", At: time.Now()}
	for range 2 { // Meta delivers a webhook again when it is not sure it arrived
		if err := th.Status(ctx, failed); err != nil {
			t.Fatal(err)
		}
	}
	notes := func() []string {
		var out []string
		for _, m := range th.Capture().Tickets()[0].Messages {
			if strings.Contains(m.Text, "131026") {
				out = append(out, m.Text)
			}
		}
		return out
	}
	waitFor(t, "the note on the ticket", func() bool { return len(notes()) > 0 })
	if n := notes(); len(n) != 1 || !strings.Contains(n[0], "Message undeliverable") {
		t.Errorf("notes %q, want one saying the message was undeliverable", n)
	}
	// A failure on a conversation Baton does not have touches no session.
	failed.Recipient = "nobody"
	if err := th.Status(ctx, failed); err != nil {
		t.Fatal(err)
	}
	if _, err := th.store.Load(ctx, "web:site:nobody"); !errors.Is(err, flows.ErrNoSession) {
		t.Errorf("a status for an unknown conversation: %v", err)
	}
}
