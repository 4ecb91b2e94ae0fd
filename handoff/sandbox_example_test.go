package handoff_test

import (
	"context"
	"fmt"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// A Recorder shows what a connector would send, without sending it.
func ExampleRecorder() {
	rec, err := handoff.NewRecorder(func(dry handoff.ConnectorOption) (flows.Connector, error) {
		return handoff.NewZendesk("acme", handoff.ZendeskAPIToken("bot@acme.example", "secret-token"), dry)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := &flows.Handoff{
		ID:             "h-1",
		ConversationID: "wa:393331234567",
		Channel:        "whatsapp",
		Contact:        flows.Contact{ID: "393331234567", Phone: "393331234567"},
		Reason:         "asks_for_human",
		Priority:       flows.PriorityHigh,
		CreatedAt:      time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC),
	}
	ref, _ := rec.Open(context.Background(), h)
	for _, r := range rec.Requests() {
		fmt.Printf("%s %s %s %s idempotency-key=%q\n", r.Op, r.Method, r.Path(), r.Header.Get("Authorization"), r.Header.Get("Idempotency-Key"))
	}
	fmt.Println(ref.URL)
	// Output:
	// open.user POST /api/v2/users/create_or_update Basic [redacted] idempotency-key=""
	// open POST /api/v2/tickets Basic [redacted] idempotency-key="h-1"
	// https://acme.zendesk.com/agent/tickets/2002
}

func ExampleSummarize() {
	h := &flows.Handoff{
		Reason: "no_match",
		Transcript: []flows.Message{
			{From: flows.RoleUser, Text: "hi"},
			{From: flows.RoleUser, Text: "2", Choice: "Orders"},
			{From: flows.RoleUser, Text: "my parcel 88231 is stuck in customs since monday"},
		},
		NoMatch: 2,
		Vars:    map[string]any{"order_id": "88231"},
	}
	fmt.Println(handoff.Summarize(h))
	// Output:
	// The bot did not understand 2 messages in a row. Customer: “my parcel 88231 is stuck in customs since monday”. Chose: Orders. Details: order id 88231.
}

func ExampleVerifyWebhook() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	at := time.Unix(1700000000, 0)
	body := []byte(`{"type":"agent.message","conversation_id":"c1","text":"hi"}`)
	sig, _ := handoff.SignWebhook(secret, "msg_1", at, body)
	header := map[string][]string{
		"Webhook-Id":        {"msg_1"},
		"Webhook-Timestamp": {fmt.Sprint(at.Unix())},
		"Webhook-Signature": {sig},
	}
	fmt.Println(handoff.VerifyWebhook(secret, header, body, at.Add(time.Minute), 5*time.Minute))
	fmt.Println(handoff.VerifyWebhook(secret, header, []byte(`{}`), at, 5*time.Minute))
	// Output:
	// <nil>
	// no webhook-signature matches the body
}
