package host

import (
	"io"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// keyClass says how maskAttr treats an attribute by its key.
type keyClass int

const (
	keyOther keyClass = iota // MaskPII
	// keyText: what a customer, the bot or an agent wrote: without
	// --log-text only its length is logged.
	keyText
	// keyID: a contact or conversation id, which on WhatsApp is the
	// customer's phone number.
	keyID
	// keyEmbedding: ids that may start with a conversation id (a web
	// message web:{widget}:{conversation}:{id}, a reply's outbox item
	// {conversation}-…): its contact part is masked as a keyID's. A web
	// conversation id is the page's only credential. A WhatsApp message
	// id keeps only its end (see wamidTail).
	keyEmbedding
	// keyPlain: Baton's or a provider's opaque ids and names, logged as
	// they are.
	keyPlain
)

// classOf is a switch rather than maps: it runs for every attribute of
// every log line.
func classOf(key string) keyClass {
	switch key {
	case "text", "reply", "caption", "body",
		"team",  // a template a flow may fill from the customer's words; see teamAttr
		"cause": // why an expression failed, which may quote the customer's words
		return keyText
	case "conversation", "contact", "recipient", "to", "from":
		return keyID
	case "message", "item", "id":
		return keyEmbedding
	case "channel", "input", "kind", "handoff", "timer", "priority", "flow", "name", "version",
		"account", "phone_number_id": // the business's own number id, not a phone number
		return keyPlain
	}
	// "reason" too: besides a handoff's escalation reason it is why a
	// delivery died, a helpdesk's error text that may name the customer.
	return keyOther
}

// NewLogger returns a JSON logger for a server. Unless logText is set it
// keeps personal data out of the log: message text (attributes text,
// reply, caption, body) becomes its length, contact and conversation ids
// keep their channel and account and the last 3 characters of the
// contact, WhatsApp message ids (which encode the customer's number) their
// last 12 characters, and phone numbers and e-mail addresses anywhere
// else become [phone] and [email].
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
			switch v := a.Value.Any().(type) {
			case error:
				return slog.String(a.Key, maskText(v.Error()))
			case teamName:
				return slog.String(a.Key, string(v))
			case slog.Level:
				// The same "INFO" the handler writes without ReplaceAttr,
				// where a Level left as it is goes through its MarshalJSON
				// and encoding/json, on every line.
				return slog.String(a.Key, v.String())
			}
		}
		return a
	}
	s := a.Value.String()
	if a.Key == slog.MessageKey || a.Key == slog.LevelKey || a.Key == slog.TimeKey {
		return a
	}
	switch classOf(a.Key) {
	case keyText:
		return slog.String(a.Key, "["+strconv.Itoa(utf8.RuneCountInString(s))+" chars]")
	case keyID:
		return slog.String(a.Key, MaskID(s))
	case keyEmbedding:
		if head, tail, ok := strings.Cut(s, "wamid."); ok && len(tail) > wamidTail {
			// base64 that starts with the customer's phone number: only
			// its end, the message's own part, is kept. An id may end
			// with one (the note of a failed message: {conversation}:failed:{wamid}).
			if head != "" {
				head = flows.MaskPII(maskLeadingID(head))
			}
			return slog.String(a.Key, head+"wamid.…"+tail[len(tail)-wamidTail:])
		}
		if isHandoffItemID(s) || isHelpdeskDeliveryID(s) {
			return a
		}
		return slog.String(a.Key, flows.MaskPII(maskLeadingID(s)))
	case keyPlain:
		return a
	}
	return slog.String(a.Key, maskText(s))
}

// isHandoffItemID reports whether s is a handoff delivery's outbox id: the
// handoff's id (a lowercase ULID, NewIDs) followed by ":open", ":close" or
// ":append:" and numbers. Nothing in it is the customer's, and masking its
// digits as a phone number would hide the id 'baton handoff list' shows.
func isHandoffItemID(s string) bool {
	const n = 26
	if len(s) <= n || s[n] != ':' || !isULID(s[:n]) {
		return false
	}
	switch rest := s[n+1:]; {
	case rest == "open" || rest == "close":
		return true
	case strings.HasPrefix(rest, "append:"):
		return strings.Trim(rest[len("append:"):], "0123456789:") == ""
	}
	return false
}

// isULID reports whether s is a lowercase ULID, as NewIDs makes them.
func isULID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' && c != 'i' && c != 'l' && c != 'o' && c != 'u') {
			return false
		}
	}
	return true
}

// isHelpdeskDeliveryID reports whether s is the id of a message the
// bridge brought: bridge:{ULID}, or bridge:zendesk: or bridge:freshdesk:
// followed by the helpdesk's delivery id (Zendesk's invocation id, a hash
// of Freshdesk's request) and #N. The helpdesk's id is not the
// customer's; the generic webhook's (its sender's own) is masked.
func isHelpdeskDeliveryID(s string) bool {
	rest, ok := strings.CutPrefix(s, "bridge:")
	if !ok {
		return false
	}
	if isULID(rest) {
		return true
	}
	if r, ok := strings.CutPrefix(rest, "zendesk:"); ok {
		rest = r
	} else if r, ok := strings.CutPrefix(rest, "freshdesk:"); ok {
		rest = r
	} else {
		return false
	}
	id, n, ok := strings.Cut(rest, "#")
	if !ok || id == "" || n == "" || strings.Trim(n, "0123456789") != "" {
		return false
	}
	for i := range len(id) {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// maskText masks the phone numbers and e-mail addresses of free text,
// those percent-encoded in a URL too (anna%40example.com): URLs reach the
// log in errors, with a customer's address in their query or path.
func maskText(s string) string {
	if strings.Contains(s, "%40") {
		s = strings.ReplaceAll(s, "%40", "@")
	}
	return flows.MaskPII(s)
}

// wamidTail is how much of a WhatsApp message id's end the masked log
// keeps: enough to tell messages apart, far from the phone number at its
// start.
const wamidTail = 12

// MaskID hides a contact id, or the contact part of a conversation id
// (channel:account:contact), but for its last 3 characters:
// whatsapp:106540352242922:393331234567 → whatsapp:106540352242922:…567.
func MaskID(id string) string {
	prefix, contact := "", id
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		prefix, contact = id[:i+1], id[i+1:]
	}
	// The last 3 runes, found from the end: no []rune of the whole id.
	end := len(contact)
	for range 3 {
		if end == 0 {
			return prefix + "…"
		}
		_, n := utf8.DecodeLastRuneInString(contact[:end])
		end -= n
	}
	if end == 0 {
		return prefix + "…"
	}
	tail := contact[end:]
	if !utf8.ValidString(tail) {
		tail = string([]rune(tail)) // each invalid byte becomes U+FFFD
	}
	return prefix + "…" + tail
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
	end := len(rest)
	if ch == flows.ChannelWeb {
		end = webContactEnd(rest)
	} else if i := strings.IndexAny(rest[1:], ":-"); i >= 0 { // a Telegram group's chat id starts with '-'
		end = i + 1
	}
	return MaskID(ch+":"+account+":"+rest[:end]) + rest[end:]
}

// webContactEnd is where the web conversation id that starts s ends. It
// may hold '-' (a client's own UUID), never ':': it ends at the first
// ':', or before the -{created}-{turn} of a reply's outbox id
// ({conversation}-…-reply-N, and its note {…}:undelivered) or of an
// undelivered note's ({conversation}-…:undelivered:N).
func webContactEnd(s string) int {
	end := len(s)
	if i := strings.IndexByte(s, ':'); i >= 0 {
		end = i
	}
	head, after := s[:end], s[end:]
	switch {
	case after == "" || after == ":undelivered":
		k := strings.LastIndex(head, "-reply-")
		if k < 0 || !allDigits(head[k+len("-reply-"):]) {
			return end
		}
		head = head[:k]
	case strings.HasPrefix(after, ":undelivered:"):
	default:
		return end
	}
	// head ends with -{created}-{turn}: the contact ends before it.
	if i := strings.LastIndexByte(head, '-'); i > 0 {
		if j := strings.LastIndexByte(head[:i], '-'); j > 0 {
			return j
		}
	}
	return end
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// teamName is a team the flow or the deployment config names, logged as
// it is (teamAttr).
type teamName string

// teamAttr is a handoff's team as a log attribute. A team is a template
// a flow may fill from what the customer wrote, so unless --log-text only
// its length is logged, as for message text; a team that known says the
// flow or the deployment config names is logged as it is.
func teamAttr(team string, known func(string) bool) slog.Attr {
	if known != nil && known(team) {
		return slog.Any("team", teamName(team))
	}
	return slog.String("team", team)
}

// knownTeam reports whether team is one the deployment config names (a
// team, a routing rule's or the default team) or a served flow writes as
// it is in a handoff (or names business hours after): not the customer's.
func (h *Host) knownTeam(team string) bool {
	if team == "" {
		return true
	}
	if d := h.deploy; d != nil {
		if d.Teams[team] != nil || d.Routing.DefaultTeam == team {
			return true
		}
		for _, r := range d.Routing.Rules {
			if r != nil && r.Team == team {
				return true
			}
		}
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, a := range h.accounts {
		if flowNamesTeam(a.Flow(), team, 0) {
			return true
		}
	}
	return false
}

// flowNamesTeam reports whether f or its sub-flows hand off to team as a
// constant, or have business hours named after it.
func flowNamesTeam(f *flows.Flow, team string, depth int) bool {
	if f == nil || depth > 16 {
		return false
	}
	if f.Hours[team] != nil {
		return true
	}
	found := false
	f.Actions(func(_ string, as []flows.Action) {
		for _, a := range as {
			if ho, ok := a.(*flows.HandoffAction); ok && ho.Team != nil {
				if s, static := ho.Team.Static(); static && s == team {
					found = true
				}
			}
		}
	})
	for _, sub := range f.Subflows {
		if found {
			break
		}
		found = flowNamesTeam(sub, team, depth+1)
	}
	return found
}
