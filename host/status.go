package host

import (
	"context"
	"errors"
	"fmt"

	"github.com/batonbot/baton/flows"
)

// Status records a provider's delivery status of a message the bot sent.
// A failure on a conversation that is with an agent becomes a note on its
// ticket (once per message: the note's id is the provider's message id),
// so the agent knows the customer did not get it; an error (the store's)
// makes the provider deliver the status again.
func (h *Host) Status(ctx context.Context, s flows.DeliveryStatus) error {
	if s.Status != flows.StatusFailed {
		h.log.Debug("delivery status", "channel", s.Channel, "message", s.MessageID, "status", s.Status)
		return nil
	}
	h.metrics.sendError(s.Channel, s.ErrorCode)
	h.log.Warn("the provider could not deliver a message", "channel", s.Channel, "account", s.Account, "message", s.MessageID,
		"recipient", s.Recipient, "code", s.ErrorCode, "error", s.ErrorTitle)
	conv, err := h.sentConversation(ctx, s)
	if err != nil {
		return err
	}
	if conv == "" && (s.Recipient == "" || s.MessageID == "") {
		h.log.Warn("a failed delivery status not attributed: it names no recipient or no message id, so no conversation's ticket is told",
			"channel", s.Channel, "account", s.Account, "message", s.MessageID, "recipient", s.Recipient)
		return nil
	}
	if conv == "" {
		conv = flows.ConversationID(s.Channel, s.Account, s.Recipient)
	}
	switch sess, err := h.store.Load(ctx, conv); {
	case errors.Is(err, flows.ErrNoSession):
		h.log.Warn("a failed delivery status not attributed: no conversation of this account and recipient (it ended and was removed, or another deployment sent the message), so no ticket is told",
			"channel", s.Channel, "account", s.Account, "message", s.MessageID, "conversation", conv)
		return nil
	case err != nil:
		return err
	case sess.Handoff == nil:
		return nil
	}
	at := s.At
	if at.IsZero() {
		at = h.now()
	}
	text := fmt.Sprintf("The customer did not get a message: at %s %s reported it could not be delivered (error %d: %s).",
		at.UTC().Format("2006-01-02 15:04 UTC"), s.Channel, s.ErrorCode, s.ErrorTitle)
	err = h.commit(ctx, conv, func(sess *flows.Session) flows.Commit {
		if sess.Handoff == nil {
			return flows.Commit{}
		}
		return flows.Commit{Outbox: []flows.OutboxItem{{ID: conv + ":failed:" + s.MessageID, Kind: flows.OutboxAppend,
			ConversationID: sess.ID, HandoffID: sess.Handoff.ID,
			Message: &flows.Message{At: h.now(), From: flows.RoleSystem, Text: text}}}}
	})
	if err != nil {
		h.log.Error("noting an undelivered message on the ticket failed; the provider will deliver the status again", "conversation", conv, "message", s.MessageID, "error", err)
	}
	return err
}

// sentConversation returns the conversation the store's SentLog recorded
// for s's message, "" when it recorded none (or keeps no SentLog): a
// message sent to the phone of a conversation keyed by another contact
// id, whose failed status names only the phone.
func (h *Host) sentConversation(ctx context.Context, s flows.DeliveryStatus) (string, error) {
	sl, ok := h.store.(flows.SentLog)
	if !ok || s.MessageID == "" {
		return "", nil
	}
	conv, err := sl.SentConversation(ctx, s.Channel, s.MessageID)
	if err != nil {
		h.log.Error("looking up a sent message's conversation failed; the provider will deliver the status again", "channel", s.Channel, "message", s.MessageID, "error", err)
	}
	return conv, err
}

// SentRecorder returns the function a channel's sender calls with each
// message it sent whose failed status will not name the conversation's
// contact id (whatsapp.WithSent): it records the message's conversation
// in the store's SentLog for flows.DefaultSentTTL, so Status finds it.
// Nil when the store keeps no SentLog.
func (h *Host) SentRecorder(channel string) func(ctx context.Context, conversation, messageID string) {
	sl, ok := h.store.(flows.SentLog)
	if !ok {
		return nil
	}
	return func(ctx context.Context, conv, id string) {
		if err := sl.RecordSent(ctx, channel, id, conv, flows.DefaultSentTTL); err != nil {
			h.log.Warn("recording a sent message's conversation failed: a failed delivery status of it will not reach the ticket",
				"channel", channel, "conversation", conv, "message", id, "error", err)
		}
	}
}
