package handoff

import (
	"testing"

	"github.com/batonbot/baton/flows"
)

// checkInbound asserts what every decoder promises for any body: no panic,
// and on success only agent messages with text or solved/closed tickets.
func checkInbound(t *testing.T, items []inbound, err error) {
	t.Helper()
	if err != nil {
		if items != nil {
			t.Fatalf("items %v with error %v", items, err)
		}
		return
	}
	for _, it := range items {
		switch it.in.Kind {
		case flows.InputAgent:
			if it.in.Text == "" || len(it.in.Text) > maxInboundText+4 {
				t.Fatalf("agent input with text of %d bytes", len(it.in.Text))
			}
		case flows.InputTicket:
			if it.in.Ticket == nil || (it.in.Ticket.Status != flows.TicketSolved && it.in.Ticket.Status != flows.TicketClosed) {
				t.Fatalf("ticket input %+v", it.in.Ticket)
			}
		default:
			t.Fatalf("input kind %q", it.in.Kind)
		}
	}
}

func FuzzDecodeZendesk(f *testing.F) {
	f.Add([]byte(`{"event":"comment","ticket_id":"1","conversation_id":"wa:1","comment":"hi","author":"A","author_role":"agent"}`))
	f.Add([]byte(`{"ticket_id":1,"status":"Solved"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := decodeZendesk(body)
		checkInbound(t, items, err)
	})
}

func FuzzDecodeFreshdesk(f *testing.F) {
	f.Add([]byte(`{"event":"reply","ticket_id":"1","conversation_id":"wa:1","reply":"<p>hi<br>there</p>","agent":"A"}`))
	f.Add([]byte(`{"event":"status","ticket_id":2,"status":"Resolved"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := decodeFreshdesk(body)
		checkInbound(t, items, err)
	})
}

func FuzzDecodeInbound(f *testing.F) {
	f.Add([]byte(`{"type":"agent.message","conversation_id":"c","text":"hi","agent":"A"}`))
	f.Add([]byte(`{"type":"ticket.status","conversation_id":"c","ticket":{"connector":"x","id":"1"},"status":"closed"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := decodeInbound(body)
		checkInbound(t, items, err)
	})
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add("msg_1", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{"test": 2432232314}`))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := make(map[string][]string)
		h["Webhook-Id"] = []string{id}
		h["Webhook-Timestamp"] = []string{ts}
		h["Webhook-Signature"] = []string{sig}
		_ = VerifyWebhook(testWebhookSecret, h, body, connTestTime, 0)
	})
}

func FuzzHTMLToText(f *testing.F) {
	f.Add("<div>a<br/>b &amp; c</div>")
	f.Fuzz(func(t *testing.T, s string) {
		_ = htmlToText(s)
	})
}
