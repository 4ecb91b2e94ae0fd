package handoff_test

import (
	"fmt"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// A connector of a program's own renders the ticket from ForTicket, with
// the options the config gives every connector (ConfigOptions): with
// masking: true, the customer's e-mail address is masked as on the
// built-in connectors' tickets, and the summary is filled.
func ExampleForTicket() {
	at := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	h := &flows.Handoff{
		ID: "h-1", ConversationID: "sms:acme:15551234", Reason: "asks_for_human",
		Contact:    flows.Contact{ID: "15551234"},
		Transcript: []flows.Message{{At: at, From: flows.RoleUser, Text: "I am mario.rossi@example.com, a person please"}},
	}
	opts := handoff.ConfigOptions(&handoff.Config{Masking: true})
	t := handoff.ForTicket(h, opts...)
	fmt.Println(t.Transcript[0].Text)
	fmt.Println(t.Summary)
	fmt.Println(handoff.ForTicketMessage(flows.Message{Text: "call me on +39 333 123 4567"}, opts...).Text)
	fmt.Println(h.Transcript[0].Text) // h itself is left as it was
	// Output:
	// I am [email], a person please
	// Escalated: asks for human. Customer: “I am [email], a person please”.
	// call me on [phone]
	// I am mario.rossi@example.com, a person please
}
