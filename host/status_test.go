package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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

// A failed status Baton cannot attribute (no conversation of that
// account and recipient: it expired and was removed, or the number's
// messages come from another deployment; or the status names no
// recipient or message) is said so in the log, with the message id and
// the channel's account, masked as the log masks them: the operator can
// tell which message went undelivered and that no ticket heard of it.
func TestFailedStatusUnattributedIsLogged(t *testing.T) {
	logs := &syncBuffer{}
	th := startHost(t, WithLogger(NewLogger(logs, slog.LevelInfo, false)))
	ctx := context.Background()
	const wamid = "wamid.HBgMMzkzMzMxMjM0NTY3FQIAERgSQUZGRjI3RTkzQjA5Q0Q1OTQ2AA=="
	for _, tt := range []struct {
		name string
		s    flows.DeliveryStatus
		why  string
	}{
		{"no conversation", flows.DeliveryStatus{Channel: flows.ChannelWhatsApp, Account: "106540352242922", MessageID: wamid, Recipient: "393331234567",
			Status: flows.StatusFailed, ErrorCode: 131026, ErrorTitle: "Message undeliverable"}, "no conversation"},
		{"no recipient", flows.DeliveryStatus{Channel: flows.ChannelWhatsApp, Account: "106540352242922", MessageID: wamid,
			Status: flows.StatusFailed, ErrorCode: 131026, ErrorTitle: "Message undeliverable"}, "names no recipient"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(logs.String())
			if err := th.Status(ctx, tt.s); err != nil {
				t.Fatal(err)
			}
			var line map[string]any
			for _, l := range strings.Split(logs.String()[before:], "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(l), &m) == nil && strings.Contains(fmt.Sprint(m["msg"]), "not attributed") {
					line = m
				}
			}
			if line == nil {
				t.Fatalf("no line says the failed status was not attributed; log:\n%s", logs.String()[before:])
			}
			if !strings.Contains(fmt.Sprint(line["msg"]), tt.why) || line["level"] != "WARN" {
				t.Errorf("line %v; want a WARN saying %q", line, tt.why)
			}
			if line["message"] != "wamid.…"+wamid[len(wamid)-wamidTail:] || line["account"] != "106540352242922" || line["channel"] != "whatsapp" {
				t.Errorf("line %v; want the masked message id, the account and the channel", line)
			}
			if tt.s.Recipient != "" && line["conversation"] != "whatsapp:106540352242922:…567" {
				t.Errorf("conversation %v; want the one looked for, masked", line["conversation"])
			}
			if strings.Contains(logs.String(), "393331234567") {
				t.Errorf("the log has the customer's number:\n%s", logs.String())
			}
		})
	}
}
