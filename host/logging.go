package host

import (
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/batonbot/baton/flows"
)

// Log attribute keys whose value is what a customer, the bot or an agent
// wrote: without --log-text only its length is logged.
var textKeys = map[string]bool{"text": true, "reply": true, "caption": true, "body": true}

// Log attribute keys that hold a contact or conversation id, which on
// WhatsApp is the customer's phone number.
var idKeys = map[string]bool{"conversation": true, "contact": true, "recipient": true, "to": true, "from": true}

// Log attribute keys whose values are ids that may start with a
// conversation id (a web message web:{widget}:{conversation}:{id}, a
// reply's outbox item {conversation}-…): its contact part is masked as in
// idKeys. A web conversation id is the page's only credential.
var embeddingKeys = map[string]bool{"message": true, "item": true, "id": true}

// Log attribute keys whose values are Baton's or a provider's opaque ids
// and names, logged as they are.
var plainKeys = map[string]bool{"channel": true, "input": true, "kind": true, "handoff": true, "timer": true,
	"reason": true, "team": true, "priority": true, "flow": true, "name": true, "version": true}

// NewLogger returns a JSON logger for a server. Unless logText is set it
// keeps personal data out of the log: message text (attributes text,
// reply, caption, body) becomes its length, contact and conversation ids
// keep their channel and account and the last 3 characters of the
// contact, and phone numbers and e-mail addresses anywhere else become
// [phone] and [email].
func NewLogger(w io.Writer, level slog.Level, logText bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if !logText {
		opts.ReplaceAttr = maskAttr
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func maskAttr(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindString {
		if a.Value.Kind() == slog.KindAny {
			if err, ok := a.Value.Any().(error); ok {
				return slog.String(a.Key, flows.MaskPII(err.Error()))
			}
		}
		return a
	}
	s := a.Value.String()
	switch {
	case a.Key == slog.MessageKey || a.Key == slog.LevelKey || a.Key == slog.TimeKey:
		return a
	case textKeys[a.Key]:
		return slog.String(a.Key, "["+strconv.Itoa(len([]rune(s)))+" chars]")
	case idKeys[a.Key]:
		return slog.String(a.Key, MaskID(s))
	case embeddingKeys[a.Key]:
		return slog.String(a.Key, flows.MaskPII(maskLeadingID(s)))
	case plainKeys[a.Key]:
		return a
	}
	return slog.String(a.Key, flows.MaskPII(s))
}

// MaskID hides a contact id, or the contact part of a conversation id
// (channel:account:contact), but for its last 3 characters:
// whatsapp:106540352242922:393331234567 → whatsapp:106540352242922:…567.
func MaskID(id string) string {
	prefix, contact := "", id
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		prefix, contact = id[:i+1], id[i+1:]
	}
	r := []rune(contact)
	if len(r) <= 3 {
		return prefix + "…"
	}
	return prefix + "…" + string(r[len(r)-3:])
}

// maskLeadingID masks the contact part of a conversation id that starts s
// (channel:account:contact followed by ':' or '-' and more), as MaskID
// does; other values are returned as they are.
func maskLeadingID(s string) string {
	ch, rest, ok := strings.Cut(s, ":")
	if !ok || (ch != flows.ChannelWeb && ch != flows.ChannelWhatsApp && ch != flows.ChannelTelegram) {
		return s
	}
	account, rest, ok := strings.Cut(rest, ":")
	if !ok || rest == "" {
		return s
	}
	// A Telegram group's chat id starts with '-'.
	end := len(rest)
	if i := strings.IndexAny(rest[1:], ":-"); i >= 0 {
		end = i + 1
	}
	return MaskID(ch+":"+account+":"+rest[:end]) + rest[end:]
}
