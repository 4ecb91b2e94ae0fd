package host

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
)

// A reply Meta accepts and reports failed later reaches the ticket of its
// conversation from a status in the shape Meta documents for a failure
// (errors[] with code, title, message and error_data; no conversation nor
// pricing), for a customer keyed by the business-scoped user id:
// through the biz_opaque_callback_data the reply carried when the status
// names only the phone number it went to, and through recipient_user_id
// when it carries no callback data.
func TestServeWhatsAppFailedReplyNotedOnItsTicket(t *testing.T) {
	e := startE2E(t)
	const phone, bsuid = statusPhone, statusUserID
	conv := handOffByUserID(t, e)
	agentSays := func(text string) whatsapptest.Message { return agentReply(t, e, conv, text) }
	first := agentSays("Hi Anna, I'm Marco")
	if first.CallbackData != "baton:contact:"+bsuid {
		t.Fatalf("the reply's biz_opaque_callback_data %q", first.CallbackData)
	}
	e.post(t, e.wa.StatusNotification(whatsapptest.Status{MessageID: first.ID, Recipient: phone, CallbackData: first.CallbackData,
		Status: "failed", ErrorCode: 131026, ErrorTitle: "Message undeliverable", At: time.Now()}))
	waitFor(t, "the note of the first failure", func() bool { return e.zd.commented("error 131026: Message undeliverable") })
	second := agentSays("Are you still there?")
	e.post(t, e.wa.StatusNotification(whatsapptest.Status{MessageID: second.ID, Recipient: phone, UserID: bsuid,
		Status: "failed", ErrorCode: 131049, ErrorTitle: "This message was not delivered to maintain healthy ecosystem engagement.", At: time.Now()}))
	waitFor(t, "the note of the second failure", func() bool { return e.zd.commented("error 131049") })
}

// Meta's failed status carries neither biz_opaque_callback_data nor, for
// a message sent to a phone number, recipient_user_id or contacts: it
// names the phone alone. An agent's reply to a customer whose
// conversation is keyed by the business-scoped user id goes to the phone,
// so its failure is found through the wamid Baton recorded when Graph
// accepted it, and noted on the ticket once, however often Meta delivers
// the status.
func TestServeWhatsAppFailedStatusNamingOnlyThePhone(t *testing.T) {
	for _, kind := range []string{"memory", "bolt"} {
		t.Run(kind, func(t *testing.T) {
			store := "{kind: memory}"
			if kind == "bolt" {
				store = fmt.Sprintf("{kind: bolt, path: %q}", filepath.Join(t.TempDir(), "baton.db"))
			}
			e := startE2EOn(t, store)
			const phone = statusPhone
			conv := handOffByUserID(t, e)
			agentSays := func(text string) whatsapptest.Message {
				t.Helper()
				sent := agentReply(t, e, conv, text)
				// Meta's status comes after Graph's answer, which the
				// sender records: wait for the record, not for the fake.
				waitFor(t, "the record of the agent's reply", func() bool {
					c, err := e.srv.store.(flows.SentLog).SentConversation(context.Background(), flows.ChannelWhatsApp, sent.ID)
					return err == nil && c == conv
				})
				return sent
			}
			first := agentSays("Hi Anna, I'm Marco")
			if first.To != phone {
				t.Fatalf("the agent's reply went to %q, want the phone %s", first.To, phone)
			}
			failed := whatsapptest.Status{MessageID: first.ID, Recipient: phone,
				Status: "failed", ErrorCode: 131026, ErrorTitle: "Message undeliverable", At: time.Now()}
			e.post(t, e.wa.StatusNotification(failed))
			e.post(t, e.wa.StatusNotification(failed)) // Meta delivers it again
			waitFor(t, "the note of the failure", func() bool { return e.zd.commented("error 131026: Message undeliverable") })
			// A later note is delivered after any second one of the first.
			second := agentSays("Are you still there?")
			e.post(t, e.wa.StatusNotification(whatsapptest.Status{MessageID: second.ID, Recipient: phone,
				Status: "failed", ErrorCode: 131049, ErrorTitle: "not delivered to maintain healthy ecosystem engagement", At: time.Now()}))
			waitFor(t, "the note of the second failure", func() bool { return e.zd.commented("error 131049") })
			if n := e.zd.comments("error 131026"); n != 1 {
				t.Fatalf("the first failure was noted %d times, want once", n)
			}
		})
	}
}

// statusPhone and statusUserID are Anna's phone number and
// business-scoped user id in the status tests.
const statusPhone, statusUserID = "393331234567", "IT.8842211034"

// handOffByUserID has Anna, whose conversation is keyed by her
// business-scoped user id, greet the bot and ask for a person; it returns
// her conversation's id once the Zendesk ticket is open.
func handOffByUserID(t *testing.T, e *e2e) string {
	t.Helper()
	in := whatsapptest.Inbound{From: statusPhone, UserID: statusUserID, Name: "Anna"}
	in.Text = "hello"
	e.post(t, e.wa.Notification(in))
	e.sent(t, 1)
	in.Text = "agent"
	e.post(t, e.wa.Notification(in))
	waitFor(t, "the Zendesk ticket", func() bool { return e.zd.count() == 1 })
	return "whatsapp:" + e.wa.PhoneNumberID + ":" + statusUserID
}

// agentReply has an agent answer conv on its ticket (4001) through the
// Zendesk bridge, and returns the WhatsApp message that carried it.
func agentReply(t *testing.T, e *e2e, conv, text string) whatsapptest.Message {
	t.Helper()
	n := len(e.wa.Messages())
	e.zendesk(t, fmt.Sprintf(`{"event":"comment","ticket_id":"4001","conversation_id":%q,"comment":%q,"author":"Marco","author_role":"agent"}`, conv, text))
	var sent whatsapptest.Message
	waitFor(t, "the agent's reply on WhatsApp", func() bool {
		for _, m := range e.wa.Messages()[n:] {
			if strings.Contains(m.Text, text) {
				sent = m
				return true
			}
		}
		return false
	})
	return sent
}
