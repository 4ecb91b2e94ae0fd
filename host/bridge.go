package host

import (
	"context"
	"fmt"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// DeliverBridge is the handoff bridge handlers' Deliver callback
// (handoff.NewZendeskHandler and the others): an agent's reply or a ticket
// change goes into the conversation's inbox like a customer message, so it
// is durable before the helpdesk gets its answer and takes its turn in
// order with the customer's messages. The agent's reply then goes out
// through the customer's channel; a solved ticket returns the
// conversation to the bot.
func (h *Host) DeliverBridge(ctx context.Context, conversation string, in flows.Input) error {
	a, err := h.account(conversation)
	if err != nil {
		return fmt.Errorf("%w: %v", handoff.ErrUnknownConversation, err)
	}
	if in.At.IsZero() {
		in.At = h.now()
	}
	s, _ := h.store.Load(ctx, conversation)
	var c flows.Contact
	if s != nil {
		c = s.Contact
	}
	// A helpdesk's redelivery carries the same delivery key: the inbox
	// drops it in the write that would accept it, so a delivery is
	// recorded exactly when it is accepted (handoff.HandlerAcceptDedupe).
	m := flows.Inbound{ID: "bridge:" + h.ids(), Channel: a.Channel, Account: a.Name,
		ConversationID: conversation, Contact: c, Input: in, At: in.At}
	if d, ok := handoff.DeliveryOf(ctx); ok {
		m.ID, m.DedupeFor = "bridge:"+d.Key, d.TTL
	}
	fresh, err := h.acceptFrom(ctx, m, false)
	if err == nil && !fresh {
		return handoff.ErrDuplicate
	}
	return err
}
