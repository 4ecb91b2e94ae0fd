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
	if to, err := h.followMerge(ctx, s, in); err != nil || to.ID != "" {
		return err
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

// followMerge follows the helpdesk's "closed" of the ticket s waits on
// when an agent merged it into another ticket (flows.MergeFollower):
// the conversation goes on with the agent on the target, which its
// connector made reach the conversation, so the close is not delivered.
// It returns the target (zero: not a merge that is followed, the close
// is delivered); an error when the helpdesk could not be asked, so the
// webhook is retried.
func (h *Host) followMerge(ctx context.Context, s *flows.Session, in flows.Input) (flows.TicketRef, error) {
	u := in.Ticket
	if in.Kind != flows.InputTicket || u == nil || u.Status != flows.TicketClosed || u.Gone != "" || u.Ticket.ID == "" || s == nil ||
		(s.Lifecycle != flows.LifecycleHandedOff && s.Lifecycle != flows.LifecycleWithAgent) ||
		(s.Handoff != nil && s.Handoff.Ticket.ID != "" && s.Handoff.Ticket.ID != u.Ticket.ID) {
		return flows.TicketRef{}, nil
	}
	f, ok := h.conns[u.Ticket.Connector].(flows.MergeFollower)
	if !ok {
		return flows.TicketRef{}, nil
	}
	to, err := f.FollowMerge(ctx, u.Ticket, s.ID)
	if err != nil {
		h.log.Warn("asking the helpdesk whether a closed ticket was merged failed; the webhook is retried",
			"conversation", s.ID, "ticket", u.Ticket.ID, "error", err)
		return flows.TicketRef{}, fmt.Errorf("asking whether ticket %s was merged: %w", u.Ticket.ID, err)
	}
	if to.ID != "" {
		h.log.Info("the ticket was merged into another: the conversation goes on there with the agent",
			"conversation", s.ID, "ticket", u.Ticket.ID, "into", to.ID)
	}
	return to, nil
}
