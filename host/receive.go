package host

import (
	"context"
	"fmt"
	"time"

	"github.com/batonbot/baton/flows"
)

// Receive accepts an inbound message durably into the store's inbox
// (flows.Receiver): once it returns nil the message is handled even if
// the process dies. A duplicate (the same message id within the inbox's
// dedupe window) is dropped. A message no channel means is refused with
// what to set: an Input.Kind other than flows.InputMessage or
// flows.InputClose, no Contact.ID, or a Channel and Account other than
// those its ConversationID joins.
func (h *Host) Receive(ctx context.Context, in flows.Inbound) error {
	if err := customerInbound(in); err != nil {
		return err
	}
	_, err := h.accept(ctx, in)
	return err
}

// customerInbound checks what a channel hands Receive: a customer's
// message or close, and whom the replies go to. The built-in channels
// always set both; a channel of a program's own that forgets one is told
// here, not by a turn that answers nothing or a reply to nobody.
func customerInbound(in flows.Inbound) error {
	const kinds = "a channel hands the host customers' messages: set it to flows.InputMessage (flows.InputClose when the customer closed the conversation)"
	switch in.Input.Kind {
	case flows.InputMessage, flows.InputClose:
	case "":
		return fmt.Errorf("host: inbound message %s has no Input.Kind; %s", in.ID, kinds)
	default:
		return fmt.Errorf("host: inbound message %s has Input.Kind %q; %s", in.ID, in.Input.Kind, kinds)
	}
	if in.Contact.ID == "" {
		return fmt.Errorf("host: inbound message %s has no Contact.ID; set it to the customer's id on the channel, whom the replies go to (flows.Outbound.To)", in.ID)
	}
	return nil
}

// accept is Receive, reporting whether in was new (false: a duplicate,
// dropped).
func (h *Host) accept(ctx context.Context, in flows.Inbound) (bool, error) {
	return h.acceptFrom(ctx, in, true)
}

// acceptFrom is accept; customer says whether in is a customer's message,
// which baton_inbound_total counts (not an agent's reply or a ticket's
// change from the bridge).
func (h *Host) acceptFrom(ctx context.Context, in flows.Inbound, customer bool) (bool, error) {
	m := h.metrics
	if !customer {
		m = nil
	}
	if in.ConversationID == "" {
		in.ConversationID = flows.ConversationID(in.Channel, in.Account, in.Contact.ID)
	}
	a, err := h.account(in.ConversationID)
	if err != nil {
		m.received(in.Channel, "unknown_account")
		return false, err
	}
	if customer && (in.Channel != a.Channel || in.Account != a.Name) {
		// The session would keep in.Channel: a flow's channel == "sms",
		// the handoff's channel and the events would miss it.
		return false, fmt.Errorf("host: inbound message %s names channel %q and account %q but its conversation id %s is of %s account %s; set Channel and Account to those the conversation id joins (flows.ConversationID)",
			in.ID, in.Channel, in.Account, MaskID(in.ConversationID), a.Channel, a.Name)
	}
	h.onHostClock(a, &in)
	fresh, err := h.store.Inbox().Accept(ctx, in)
	switch {
	case err != nil:
		m.received(in.Channel, "error")
		h.log.Error("accepting a message failed; the provider will deliver it again", "channel", in.Channel, "conversation", in.ConversationID, "id", in.ID, "error", err)
		return false, err
	case !fresh:
		m.received(in.Channel, "duplicate")
		h.log.Debug("duplicate message dropped", "channel", in.Channel, "conversation", in.ConversationID, "id", in.ID)
		return false, nil
	}
	m.received(in.Channel, "accepted")
	h.arrived(in.ConversationID)
	h.Wake()
	return true, nil
}

// maxTurnSkew is how far from the host's clock an accepted message's
// turn (Input.At) may be dated: an adapter's receive time is within it.
const maxTurnSkew = time.Minute

// onHostClock runs in's turn on the host's clock when its channel dated
// it further from it than maxTurnSkew: a channel of one's own that passes
// its provider's timestamp (a message delivered hours late, or dated
// ahead) would otherwise have its timeouts due at once, or hold the
// timers, SLA and events in the future (docs/channels.md, "Whose
// clock"). The provider's time stays in Inbound.At. Said once per
// account, so the adapter's author learns of it.
func (h *Host) onHostClock(a *Account, in *flows.Inbound) {
	at := in.Input.At
	if at.IsZero() {
		return // the host's clock at the turn
	}
	now := h.now()
	off := at.Sub(now)
	if off >= -maxTurnSkew && off <= maxTurnSkew {
		return
	}
	in.Input.At = now
	if a.clockWarned.CompareAndSwap(false, true) {
		h.log.Warn("a channel dated a message's turn by another clock than the host's; its turns run on the host's clock. Set Input.At to the time the message was received, or leave it zero, and the provider's time in Inbound.At (docs/channels.md, \"Whose clock\"). Said once per account",
			"channel", a.Channel, "account", a.Name, "message", in.ID, "off", off.Round(time.Second).String())
	}
}
