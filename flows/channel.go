package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Channel names used in Inbound.Channel, Session.Channel and conversation
// ids.
const (
	ChannelWhatsApp = "whatsapp"
	ChannelTelegram = "telegram"
	ChannelWeb      = "web"
)

// Channel sends replies on one messaging service account (a WhatsApp phone
// number, a Telegram bot, a web widget).
type Channel interface {
	// Send delivers m. A failure is a *ChannelError when the provider
	// answered (it says whether to retry and when); ErrOutsideWindow (inside
	// a *ChannelError) means the message may not be sent free-form now.
	// Another error is final, but one of a send that ran out of ctx's
	// deadline (context.DeadlineExceeded), which the host tries again.
	// Send is safe for concurrent use.
	Send(ctx context.Context, m Outbound) error
}

// Outbound is one reply to deliver to a customer.
type Outbound struct {
	// ID is stable across retries (the outbox item id): for logs and for
	// providers that deduplicate sends.
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	// To is the customer; To.ID is the channel's contact id (Inbound.Contact.ID).
	To    Contact `json:"to"`
	Reply Reply   `json:"reply"`
	// Lang is the conversation's language (Session.Lang), for the few
	// words a channel adds itself (a list's button label).
	Lang string `json:"lang,omitempty"`
	// LastUserAt is when the customer last wrote (Session.LastUserAt):
	// WhatsApp allows free-form messages only within 24 hours of it. Zero
	// means unknown: the send is attempted and the provider decides.
	LastUserAt time.Time `json:"last_user_at,omitzero"`
}

// Inbound is one customer message a channel received and decoded.
type Inbound struct {
	// ID is the provider's message id and the dedupe key: a wamid,
	// "tg:<bot>:<update_id>", a web message uuid.
	ID string `json:"id"`
	// Channel is whatsapp, telegram or web.
	Channel string `json:"channel"`
	// Account is the business side: the WhatsApp phone_number_id, the
	// Telegram bot name, the web widget name.
	Account string `json:"account"`
	// ConversationID is channel:account:contact, e.g.
	// whatsapp:106540352242922:393331234567 (see ConversationID).
	ConversationID string  `json:"conversation_id"`
	Contact        Contact `json:"contact"`
	// Input is an InputMessage: Text, Payload (the stable id of a tapped
	// option) and Media.
	Input Input `json:"input"`
	// At is when the customer sent it, by the provider's clock.
	At time.Time `json:"at"`
	// DedupeFor, when positive, is how long Inbox.Accept remembers ID
	// instead of the store's dedupe window: a key derived from content
	// (a Freshdesk reply, which carries no delivery id) must be forgotten
	// soon, or the agent's next identical reply would be taken for a
	// redelivery. It is read only by Accept.
	DedupeFor time.Duration `json:"-"`
}

// DedupeWindow is how long Inbox.Accept remembers in.ID: in.DedupeFor
// when it is set, else the store's window.
func (in Inbound) DedupeWindow(store time.Duration) time.Duration {
	if in.DedupeFor > 0 {
		return in.DedupeFor
	}
	return store
}

// ConversationID joins a channel, an account and a contact id into the id
// of their conversation.
func ConversationID(channel, account, contact string) string {
	return channel + ":" + account + ":" + contact
}

// Receiver takes what a channel's webhook handler decoded. The host
// implements it: Receive makes the message durable (Inbox.Accept) before the
// handler answers the provider, so the guarantee starts there.
type Receiver interface {
	// Receive accepts one inbound message. An error makes the handler
	// answer 5xx so that the provider delivers the webhook again;
	// duplicates are the receiver's to drop (by Inbound.ID).
	Receive(ctx context.Context, in Inbound) error
	// Status records a delivery status of a message the bot sent.
	Status(ctx context.Context, s DeliveryStatus) error
}

// Delivery statuses of a sent message.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// DeliveryStatus is the provider's news about a message the bot sent.
type DeliveryStatus struct {
	Channel string `json:"channel"`
	Account string `json:"account"`
	// MessageID is the provider's id of the sent message (a wamid).
	MessageID string `json:"message_id"`
	// Recipient is the customer's contact id.
	Recipient string `json:"recipient"`
	// Status is sent, delivered, read or failed.
	Status string `json:"status"`
	// ErrorCode and ErrorTitle explain a failed status (a Graph error code
	// such as 131047).
	ErrorCode  int       `json:"error_code,omitempty"`
	ErrorTitle string    `json:"error_title,omitempty"`
	At         time.Time `json:"at"`
}

// MediaFetcher downloads a customer's media (WhatsApp: GET
// /{version}/{media-id} for its url, then the url with the Bearer token),
// refusing more than max bytes.
type MediaFetcher interface {
	FetchMedia(ctx context.Context, m Media, max int64) (MediaFile, error)
}

// MediaFile is downloaded media.
type MediaFile struct {
	Name string
	MIME string
	Data []byte
}

// ErrOutsideWindow means the channel may not send a free-form message now:
// WhatsApp's 24-hour customer-service window since the customer last wrote
// has closed (or Graph said so, error 131047) and no approved template is
// configured. The host puts a note on the ticket instead; the customer must
// write again first.
var ErrOutsideWindow = errors.New("outside the 24-hour customer-service window: the customer must write first, or configure an approved template")

// Typer shows the customer that a reply is coming (WhatsApp: mark the
// message read with a typing indicator; Telegram: the "typing" chat
// action), for hosts to call when a turn is slow.
type Typer interface {
	Typing(ctx context.Context, in Inbound) error
}

// ErrMediaTooLarge is returned by a MediaFetcher for a file over its limit.
var ErrMediaTooLarge = errors.New("media file over the size limit")

// ChannelError is a failed send as the provider reported it.
type ChannelError struct {
	// Channel is whatsapp, telegram or web.
	Channel string
	// Status is the HTTP status of the provider's answer (0 if none came).
	Status int
	// Code is the provider's error code (a Graph error code such as
	// 131047 or 130429, a Telegram error_code), 0 when none.
	Code    int
	Message string
	// Temporary reports that the same send may succeed later (throttling,
	// 5xx, network); RetryAfter is the provider's wait when it gave one.
	Temporary  bool
	RetryAfter time.Duration
	// Err is a cause to match with errors.Is (ErrOutsideWindow).
	Err error
}

func (e *ChannelError) Error() string {
	s := e.Channel + ": send failed"
	if e.Status != 0 {
		s += " (HTTP " + strconv.Itoa(e.Status) + ")"
	}
	if e.Code != 0 {
		s += fmt.Sprintf(": error %d", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	switch {
	case e.Temporary && e.RetryAfter > 0:
		s += "; retry after " + e.RetryAfter.String()
	case e.Temporary:
		s += "; retry later"
	}
	return s
}

func (e *ChannelError) Unwrap() error { return e.Err }

// RetryAfter reports whether err is worth retrying, and the wait the
// provider asked for (zero: use the caller's backoff).
func RetryAfter(err error) (time.Duration, bool) {
	var ce *ChannelError
	if errors.As(err, &ce) {
		return ce.RetryAfter, ce.Temporary
	}
	return 0, false
}
